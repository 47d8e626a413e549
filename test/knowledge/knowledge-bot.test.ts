import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buttonsOf, createHarness, STAFF_CHAT, type Harness, type SentCall } from '../support/harness.ts';
import { callback, groupText, privateText, resident } from '../support/updates.ts';

// The shipped sample knowledge base is written for this day (several entries expire in 2027, three already have).
const TODAY = Date.parse('2026-12-04T02:00:00Z');
// A clock that runs, from 10:00 in Shanghai on that day (the pipeline's retries wait for time to pass).
const realStart = Date.now();
const clock = () => TODAY + (Date.now() - realStart);
const staffMember = { id: 900, first_name: 'Staff' };

let h: Harness;
let folder: string | undefined;
afterEach(async () => {
  await h.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

/** A private copy of the sample knowledge base, for tests that change files. */
function copyOfSample(): string {
  folder = mkdtempSync(join(tmpdir(), 'minyi-kb-'));
  cpSync('prompts/knowledge', folder, { recursive: true });
  return folder;
}

const question = (reportId: number) =>
  h.app.db.prepare('SELECT * FROM knowledge_questions WHERE report_id = ?').get(reportId) as Record<string, unknown> | undefined;
const reportOf = (chatId: number) => h.app.db.prepare('SELECT * FROM reports WHERE chat_id = ? ORDER BY id DESC').get(chatId) as Record<string, unknown>;
const problemCount = () => (h.app.db.prepare('SELECT COUNT(*) AS n FROM problems').get() as { n: number }).n;
/** The buttons under one message the bot sent, in order. */
const buttonsUnder = (call: SentCall) => buttonsOf(call).flat();
const callbackAnswers = () => h.calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => String(c.payload.text ?? ''));

describe('a resident who asks a question the knowledge base answers', () => {
  it('gets the entry with its source and yes/no buttons instead of a ticket, and no problem is opened', async () => {
    h = await createHarness({ now: clock });
    await h.send(privateText(resident(11), '请问2027年小学一年级什么时候报名？'));
    const sent = h.sent(11);
    expect(sent).toHaveLength(1);
    const text = String(sent[0]!.payload.text);
    expect(text).toContain('2027年小学一年级什么时候报名？');
    expect(text).toContain('5月10日');
    expect(text).toContain('来源：《城关区2027年义务教育招生入学工作安排（预告）》');
    expect(text).toContain('这解答了您的问题吗？');
    expect(text).not.toMatch(/#\d+/);
    const report = reportOf(11);
    expect(buttonsUnder(sent[0]!).map((b) => [b.text, b.callback_data])).toEqual([
      ['是', `kb:y:${String(report.id)}`],
      ['否', `kb:n:${String(report.id)}`],
    ]);
    expect(report.problem_id).toBeNull();
    expect(question(Number(report.id))).toMatchObject({ status: 'offered', answered_by: 'offline', entry_title: '2027年小学一年级什么时候报名？' });
    expect(problemCount()).toBe(0);
  });

  it('in English gets the English entry and English buttons', async () => {
    h = await createHarness({ now: clock });
    await h.send(privateText(resident(12, 'en'), 'When does Grade 1 registration for 2027 start?'));
    const [sent] = h.sent(12);
    expect(String(sent!.payload.text)).toContain('Source: 2027 Compulsory Education Enrollment Schedule');
    expect(buttonsUnder(sent!).map((b) => b.text)).toEqual(['Yes', 'No']);
  });

  it('presses yes: the question is closed as answered, the buttons go, and no ticket or problem appears', async () => {
    h = await createHarness({ now: clock });
    const me = resident(13);
    await h.send(privateText(me, '2027年小学一年级什么时候报名？'));
    const id = Number(reportOf(13).id);
    await h.press(13, me, `kb:y:${id}`);
    expect(question(id)).toMatchObject({ status: 'answered' });
    expect(question(id)!.decided_at).toBeGreaterThanOrEqual(TODAY);
    expect(callbackAnswers().at(-1)).toBe('谢谢！已记为已解答。');
    expect(h.calls.some((c) => c.method === 'editMessageReplyMarkup')).toBe(true);
    expect(h.texts(13).some((t) => /#\d+/.test(t))).toBe(false);
    expect(problemCount()).toBe(0);
  });

  it('presses no: the report becomes a ticket and a problem staff see in /problems', async () => {
    h = await createHarness({ now: clock });
    const me = resident(14);
    await h.send(privateText(me, '2027年小学一年级什么时候报名？'));
    const id = Number(reportOf(14).id);
    await h.press(14, me, `kb:n:${id}`);
    expect(question(id)).toMatchObject({ status: 'declined' });
    expect(h.texts(14).at(-1)).toContain(`#${id}`);
    const problemId = reportOf(14).problem_id;
    expect(problemId).not.toBeNull();
    await h.send(groupText(STAFF_CHAT, staffMember, '/problems'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${String(problemId)}`);
    // The declined question is a gap staff see.
    await h.send(groupText(STAFF_CHAT, staffMember, '/questions'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${id}`);
  });
});

describe('a question the classifier takes for small talk', () => {
  // The offline classifier (what the harness runs) calls this bare question chit-chat (knowledge-base.test.ts).
  const CHITCHAT_QUESTION = '明年中考几号考？';

  it('still gets the entry with 是/否, and is kept as an inquiry, not small talk', async () => {
    h = await createHarness({ now: clock });
    await h.send(privateText(resident(15), CHITCHAT_QUESTION));
    const sent = h.sent(15);
    expect(sent).toHaveLength(1);
    expect(String(sent[0]!.payload.text)).toContain('2027年中考是哪几天？');
    expect(String(sent[0]!.payload.text)).toContain('这解答了您的问题吗？');
    const report = reportOf(15);
    expect(buttonsUnder(sent[0]!).map((b) => b.text)).toEqual(['是', '否']);
    expect(report).toMatchObject({ kind: 'inquiry', problem_id: null });
    expect(question(Number(report.id))).toMatchObject({ status: 'offered', entry_title: '2027年中考是哪几天？' });
  });

  it('pressed no, becomes an inquiry ticket staff see, not the chit-chat reply', async () => {
    h = await createHarness({ now: clock });
    const me = resident(16);
    await h.send(privateText(me, CHITCHAT_QUESTION));
    const id = Number(reportOf(16).id);
    await h.press(16, me, `kb:n:${id}`);
    const last = h.texts(16).at(-1)!;
    expect(last).toContain(`#${id}`);
    expect(last).not.toContain('群众意见反映渠道');
    expect(reportOf(16)).toMatchObject({ kind: 'inquiry' });
    expect(reportOf(16).problem_id).not.toBeNull();
    expect(question(id)).toMatchObject({ status: 'declined' });
  });

  it('a greeting that asks nothing gets the chit-chat reply, never an entry', async () => {
    h = await createHarness({ now: clock });
    await h.send(privateText(resident(17), '你好，在吗？'));
    expect(h.texts(17)).toHaveLength(1);
    expect(h.texts(17)[0]).toContain('群众意见反映渠道');
    expect(reportOf(17)).toMatchObject({ kind: 'chitchat', problem_id: null });
    // "请问有人吗" once got the admissions office's telephone entry (有人 is in its text): small talk is never looked up.
    for (const [chat, text] of [[17, '你好，在吗？'], [18, '您好，请问有人吗？'], [19, 'Hello, are you there?']] as const) {
      if (chat !== 17) await h.send(privateText(resident(chat), text));
      expect(h.texts(chat)).toHaveLength(1);
      expect(h.texts(chat)[0]).not.toContain('这解答了您的问题吗');
      expect(h.texts(chat)[0]).not.toContain('Did this answer');
      expect(buttonsUnder(h.sent(chat)[0]!)).toEqual([]);
      expect(question(Number(reportOf(chat).id))).toBeUndefined();
    }
  });
});

describe('the knowledge base never replaces a ticket when it should not', () => {
  it('a question it has no confident answer for gets the normal ticket, and staff see it in /questions', async () => {
    h = await createHarness({ now: clock });
    await h.send(privateText(resident(21), '学校午休能不能趴在桌子上睡，有没有午休床？'));
    const report = reportOf(21);
    expect(h.texts(21)).toHaveLength(1);
    expect(h.texts(21)[0]).toContain(`#${String(report.id)}`);
    expect(question(Number(report.id))).toMatchObject({ status: 'unmatched' });
    await h.send(groupText(STAFF_CHAT, staffMember, '/questions 7d'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${String(report.id)}`);
  });

  it('a complaint about a topic the base covers gets a ticket, not the entry', async () => {
    h = await createHarness({ now: clock });
    await h.send(privateText(resident(22), '区游泳馆每天几点到几点开放？公告写9点开门，今天9点半了还没开，太不负责了'));
    const report = reportOf(22);
    expect(h.texts(22)).toHaveLength(1);
    expect(h.texts(22)[0]).toContain(`#${String(report.id)}`);
    expect(h.texts(22)[0]).not.toContain('这解答了您的问题吗');
    expect(question(Number(report.id))).toBeUndefined();
  });

  it('an expired entry is never used, even asked word for word, and /kb lists it as expired', async () => {
    h = await createHarness({ now: clock });
    const me = resident(23);
    await h.send(privateText(me, '2026年暑期托管服务怎么报名？'));
    // Not answered and not suggested: other entries may be offered to choose from, never the expired one.
    expect(h.texts(23)[0]).not.toContain('7月13日');
    expect(h.buttons(23).flat().map((b) => b.text)).not.toContainEqual(expect.stringContaining('暑期托管'));
    await h.press(23, me, (b) => b.callback_data.endsWith(':x'));
    expect(h.texts(23).at(-1)).toContain(`#${String(reportOf(23).id)}`);
    await h.send(groupText(STAFF_CHAT, staffMember, '/kb'));
    const list = h.texts(STAFF_CHAT).at(-1)!;
    expect(list).toMatch(/已过期[\s\S]*2026年暑期托管服务怎么报名？ — 有效期至 2026-08-20/);
    expect(list.length).toBeLessThanOrEqual(4096);
  });
});

describe('buttons pressed by the wrong person or twice', () => {
  it('change nothing and reveal nothing', async () => {
    h = await createHarness({ now: clock });
    const owner = resident(31);
    const stranger = resident(32);
    await h.send(privateText(owner, '2027年小学一年级什么时候报名？'));
    await h.send(privateText(stranger, '/start'));
    const id = Number(reportOf(31).id);
    const before = h.sent(32).length;

    // Another resident forges the owner's report id, for yes and for no; and a report id that does not exist.
    await h.send(callback(32, stranger, `kb:n:${id}`, 10_000));
    await h.send(callback(32, stranger, `kb:y:${id}`, 10_000));
    await h.send(callback(32, stranger, `kb:y:999999`, 10_000));
    expect(question(id)).toMatchObject({ status: 'offered' });
    expect(callbackAnswers()).toEqual(['这个按钮已失效。', '这个按钮已失效。', '这个按钮已失效。']);
    expect(h.sent(32)).toHaveLength(before);
    expect(problemCount()).toBe(0);

    // The owner answers yes, then presses no on the same (stale) message: the first answer stands.
    await h.send(callback(31, owner, `kb:y:${id}`, 10_000));
    await h.send(callback(31, owner, `kb:n:${id}`, 10_000));
    expect(question(id)).toMatchObject({ status: 'answered' });
    expect(callbackAnswers().at(-1)).toBe('这个按钮已失效。');
    expect(reportOf(31).problem_id).toBeNull();
    expect(problemCount()).toBe(0);
  });
});

describe('the bureau edits the knowledge base while the bot runs', () => {
  it('a new file is used without a restart, and /kb reload reports what loaded', async () => {
    const dir = copyOfSample();
    let skew = 0;
    h = await createHarness({ now: () => clock() + skew, env: { KNOWLEDGE_DIR: dir } });
    await h.send(privateText(resident(41), '区青少年足球冬令营什么时候报名？'));
    expect(h.texts(41)[0]).not.toContain('这解答了您的问题吗？');
    expect(h.texts(41)[0]).not.toContain('2027年1月5日');

    writeFileSync(
      join(dir, 'winter-camp.md'),
      '# 冬令营\n\n## 区青少年足球冬令营什么时候报名？\n2027年1月5日至1月12日在「城关教体」公众号报名，每人200元。\n来源：《城关区2027年青少年足球冬令营通知》\n有效期至：2027-01-31\n',
    );
    skew += 2000; // the folder is looked at again at most once a second
    await h.send(privateText(resident(42), '区青少年足球冬令营什么时候报名？'));
    expect(h.texts(42)[0]).toContain('2027年1月5日至1月12日');
    expect(h.texts(42)[0]).toContain('这解答了您的问题吗？');

    writeFileSync(join(dir, 'broken.md'), '# 坏文件\n\n## 一个没有答案的问题？\n\n## 有效期写错了？\n答案。\n有效期至：2027-02-30\n');
    await h.send(groupText(STAFF_CHAT, staffMember, '/kb reload'));
    const reply = h.texts(STAFF_CHAT).at(-1)!;
    expect(reply).toContain('88 条可用，3 条已过期，2 个文件问题');
    expect(reply).toContain('broken.md:3: entry has no answer text');
    expect(reply).toContain('broken.md:7: not a calendar date');
  });
});

describe('the weekly digest', () => {
  it('has one line: questions answered automatically, unanswered, and the top unanswered topics', async () => {
    h = await createHarness({ now: clock });
    const me = resident(61);
    await h.send(privateText(me, '2027年小学一年级什么时候报名？'));
    await h.send(callback(61, me, `kb:y:${String(reportOf(61).id)}`, 10_000));
    await h.send(privateText(resident(62), '学校午休能不能趴在桌子上睡，有没有午休床？'));
    // Held with suggestions; "none of these" makes it a gap like "no".
    await h.send(privateText(resident(63), '2026年暑期托管服务怎么报名？'));
    await h.press(63, resident(63), (b) => b.callback_data.endsWith(':x'));
    const { html } = h.app.digest.render(h.app.digest.parseWeek('2026-W49')!);
    expect(html).toMatch(/<b>咨询即答<\/b>：自动解答 1 条，未解答 2 条；未解答最多：\S+ \d/);
  });
});

describe('staff commands', () => {
  it('/kb and /questions reveal nothing outside staff chats', async () => {
    h = await createHarness({ now: clock });
    await h.send(groupText(-100_999, staffMember, '/kb'));
    await h.send(groupText(-100_999, staffMember, '/questions'));
    expect(h.sent(-100_999).map((c) => String(c.payload.text))).not.toContainEqual(expect.stringContaining('知识库'));
    expect(h.sent(-100_999).map((c) => String(c.payload.text))).not.toContainEqual(expect.stringContaining('咨询即答'));
  });
});
