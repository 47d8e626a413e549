import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { callback, privateMessage, privateText, resident } from '../support/updates.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const report = (id: number) =>
  h.app.db.prepare('SELECT * FROM reports WHERE id = ?').get(id) as Record<string, unknown>;

describe('a resident in a private chat', () => {
  it('gets a welcome with a privacy notice in Chinese when Telegram says zh', async () => {
    await h.send(privateText(resident(1, 'zh-hans'), '/start'));
    const [welcome] = h.texts(1);
    expect(welcome).toContain('隐私说明');
    expect(welcome).toContain('/forget');
    expect(h.sent(1)).toHaveLength(1);
  });

  it('gets the welcome in English for any other language', async () => {
    await h.send(privateText(resident(2, 'de'), '/start'));
    expect(h.texts(2)[0]).toContain('Privacy');
  });

  it('who sends a complaint gets exactly one reply with a ticket number, the category and the next step', async () => {
    await h.send(privateText(resident(3), '第一中学食堂的饭菜经常有头发，孩子都不敢吃了'));
    const replies = h.texts(3);
    expect(replies).toHaveLength(1);
    const row = h.app.db.prepare('SELECT * FROM reports WHERE chat_id = 3').get() as Record<string, unknown>;
    expect(replies[0]).toContain(`#${String(row.id)}`);
    expect(replies[0]).toContain('食堂餐饮');
    expect(replies[0]).toMatch(/天|小时/);
    expect(row.text).toBe('第一中学食堂的饭菜经常有头发，孩子都不敢吃了');
    expect(row.state).toBe('classified');
    expect(row.category).toBe('food');
    expect(row.problem_id).not.toBeNull();
  });

  it('who writes in English with an English Telegram gets an English reply', async () => {
    await h.send(privateText(resident(4, 'en'), 'The school bus of Experimental Primary School is always 30 minutes late'));
    const [reply] = h.texts(4);
    expect(reply).toContain('School transport');
    expect(reply).toContain('ticket number');
  });

  it('who switched with /lang keeps that language even when Telegram says otherwise', async () => {
    const person = resident(5, 'zh-hans');
    await h.send(privateText(person, '/lang en'));
    await h.send(privateText(person, '实验小学作业太多了，每天写到十一点'));
    const texts = h.texts(5);
    expect(texts[0]).toContain('English');
    expect(texts[1]).toContain('Study burden');
  });

  it('can pick a language with a button', async () => {
    await h.send(privateText(resident(6, 'en'), '/lang'));
    expect(h.sent(6)[0]!.payload.reply_markup).toBeDefined();
    await h.send(callback(6, resident(6, 'en'), 'lang:zh'));
    expect(h.app.intake.resident(6)?.language).toBe('zh');
    expect(h.calls.some((c) => c.method === 'answerCallbackQuery')).toBe(true);
  });

  it('sees only their own reports in /my, newest first, with status', async () => {
    const me = resident(7);
    const other = resident(8);
    await h.send(privateText(me, '区体育馆周末不开放，希望延长开放时间'));
    await h.send(privateText(other, '城关二小门口放学太堵了'));
    await h.send(privateText(me, '实小收了300元资料费，没有收据'));
    await h.send(privateText(me, '/my'));
    const list = h.texts(7).at(-1)!;
    const mine = (h.app.db.prepare('SELECT id FROM reports WHERE chat_id = 7 ORDER BY id DESC').all() as Array<{ id: number }>).map((r) => r.id);
    const theirs = (h.app.db.prepare('SELECT id FROM reports WHERE chat_id = 8').get() as { id: number }).id;
    expect(list.indexOf(`#${mine[0]}`)).toBeGreaterThan(-1);
    expect(list.indexOf(`#${mine[0]}`)).toBeLessThan(list.indexOf(`#${mine[1]}`));
    expect(list).not.toContain(`#${theirs}`);
    expect(list).toContain('待处理');
  });

  it('sending a photo with a caption files a report that keeps the photo', async () => {
    await h.send(privateMessage(resident(9), { photo: [{ file_id: 'small', file_unique_id: 's', width: 90, height: 90 }, { file_id: 'big', file_unique_id: 'b', width: 900, height: 900 }], caption: '二中厕所门坏了好几个月没人修' }));
    const row = h.app.db.prepare('SELECT * FROM reports WHERE chat_id = 9').get() as Record<string, unknown>;
    expect(row.media_kind).toBe('photo');
    expect(row.media_file_id).toBe('big');
    expect(h.texts(9)[0]).toContain(`#${String(row.id)}`);
  });

  it.each([
    ['a sticker', { sticker: { file_id: 'st', file_unique_id: 'st', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } }],
    ['a location', { location: { latitude: 30, longitude: 120 } }],
    ['a contact', { contact: { phone_number: '13800000000', first_name: 'X' } }],
  ])('sending %s gets a polite request for a text description and files nothing', async (_name, fields) => {
    await h.send(privateMessage(resident(10), fields));
    expect(h.texts(10)).toEqual([expect.stringContaining('文字')]);
    expect(h.app.db.prepare('SELECT COUNT(*) AS n FROM reports').get()).toEqual({ n: 0 });
  });

  it('an unknown command is answered with the help text, not filed', async () => {
    await h.send(privateText(resident(11), '/whatever'));
    expect(h.texts(11)[0]).toContain('/my');
    expect(h.app.db.prepare('SELECT COUNT(*) AS n FROM reports').get()).toEqual({ n: 0 });
  });
});

describe('durability', () => {
  it('the same message delivered twice, even under a new update id, is one report and one reply', async () => {
    const person = resident(20);
    await h.send(privateText(person, '二中的校车司机开车打电话', { messageId: 555, updateId: 9001 }));
    await h.send(privateText(person, '二中的校车司机开车打电话', { messageId: 555, updateId: 9002 }));
    await h.send(privateText(person, '二中的校车司机开车打电话', { messageId: 555, updateId: 9001 }));
    expect(h.app.db.prepare('SELECT COUNT(*) AS n FROM reports').get()).toEqual({ n: 1 });
    expect(h.sent(20)).toHaveLength(1);
  });

  it('every update is in the inbox and marked handled', async () => {
    await h.send(privateText(resident(21), '实验中学晚自习太晚了', { updateId: 7777 }));
    const row = h.app.db.prepare('SELECT * FROM inbox WHERE update_id = 7777').get() as Record<string, unknown>;
    expect(JSON.parse(String(row.payload)).message.text).toBe('实验中学晚自习太晚了');
    expect(row.handled_at).not.toBeNull();
  });

  it('a resident who blocked the bot is marked and not retried', async () => {
    h.failNext('sendMessage', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    await h.send(privateText(resident(22), '一中食堂太贵了'));
    const outbox = h.app.db.prepare('SELECT state, attempts FROM outbox WHERE chat_id = 22').get() as Record<string, unknown>;
    expect(outbox.state).toBe('undeliverable');
    expect(h.app.intake.resident(22)?.blockedAt).not.toBeNull();
  });

  it('a reply Telegram refuses with 429 is delivered later', async () => {
    h.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    await h.send(privateText(resident(23), '河西镇中心校的暖气不热'));
    expect(h.sent(23)).toHaveLength(0);
    const pending = h.app.db.prepare('SELECT state, next_attempt_at FROM outbox WHERE chat_id = 23').get() as { state: string; next_attempt_at: number };
    expect(pending.state).toBe('pending');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, pending.next_attempt_at - Date.now()) + 200));
    await h.app.runner.settle();
    expect(h.sent(23)).toHaveLength(1);
  });
});

describe('urgent reports', () => {
  it('alert the staff chats at once with the text escaped', async () => {
    await h.send(privateText(resident(30), '第一中学有老师打学生耳光，孩子脸都肿了 <script>alert(1)</script>'));
    const alerts = h.texts(STAFF_CHAT);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain('&lt;script&gt;');
    expect(alerts[0]).not.toContain('<script>');
    expect(alerts[0]).toContain('师德师风');
    expect(h.texts(30)[0]).toContain('值班工作人员已收到提醒');
  });

  it('are the only ones pushed to staff one by one', async () => {
    await h.send(privateText(resident(31), '建议区体育馆增加羽毛球场地'));
    expect(h.sent(STAFF_CHAT)).toHaveLength(0);
  });
});

describe('deleting one’s data', () => {
  it('/forget asks for confirmation, then erases texts and identity but keeps the statistics', async () => {
    const me = resident(40);
    await h.send(privateText(me, '实小门口的路灯坏了，电话13812345678'));
    const id = (h.app.db.prepare('SELECT id FROM reports WHERE chat_id = 40').get() as { id: number }).id;
    await h.send(privateText(me, '/forget'));
    expect(report(id).text).not.toBeNull();
    await h.send(callback(40, me, 'forget:yes'));
    const after = report(id);
    expect(after.text).toBeNull();
    expect(after.chat_id).toBe(0);
    expect(after.category).not.toBeNull();
    expect(h.app.intake.resident(40)).toBeUndefined();
    expect(h.app.db.prepare('SELECT COUNT(*) AS n FROM inbox WHERE chat_id = 40').get()).toEqual({ n: 0 });
  });
});
