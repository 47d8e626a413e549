import { afterEach, describe, expect, it } from 'vitest';
import { buttonsOf, createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { callback, groupText, privateText, resident } from '../support/updates.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const staffMember = { id: 900, first_name: 'Wang', language_code: 'zh-hans' };
const DAY = 86_400_000;

function problemOf(reportChat: number): Record<string, unknown> {
  return h.app.db.prepare('SELECT p.* FROM problems p JOIN reports r ON r.problem_id = p.id WHERE r.chat_id = ? ORDER BY r.id DESC').get(reportChat) as Record<string, unknown>;
}

describe('the problem list', () => {
  it('two residents reporting the same matter end up in one problem with 2 reports', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '第一中学食堂的饭菜里有头发，太恶心了'));
    await h.send(privateText(resident(2), '一中食堂饭菜吃出头发，卫生太差'));
    const a = problemOf(1);
    const b = problemOf(2);
    expect(a.id).toBe(b.id);
    expect(b.report_count).toBe(2);
    expect(b.resident_count).toBe(2);
    expect(b.unit_id).not.toBeNull();
  });

  it('different matters at one school stay separate problems', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '第一中学食堂的饭菜里有头发，太恶心了'));
    await h.send(privateText(resident(2), '第一中学的校车每天都晚点半小时'));
    expect(problemOf(1).id).not.toBe(problemOf(2).id);
  });

  it('staff see the list with #numbers and buttons, open a problem and page through', async () => {
    h = await createHarness();
    for (let i = 0; i < 12; i++) await h.send(privateText(resident(100 + i), `城关镇中心校${i + 1}号教室的灯坏了第${i + 1}次，一直没人修`));
    await h.send(groupText(STAFF_CHAT, staffMember, '/problems'));
    const list = h.texts(STAFF_CHAT).at(-1)!;
    expect(list).toMatch(/<b>#\d+<\/b>/);
    const next = h.buttons(STAFF_CHAT).flat().find((b) => b.callback_data.startsWith('pl:'));
    const open = await h.press(STAFF_CHAT, staffMember, (b) => b.callback_data.startsWith('pd:'));
    const detail = h.texts(STAFF_CHAT).at(-1)!;
    expect(detail).toContain(`问题 #${open.callback_data.slice(3)}`);
    expect(detail).toContain('城关镇中心校');
    if (next) {
      await h.send(callback(STAFF_CHAT, staffMember, next.callback_data));
      expect(h.calls.at(-1)!.method).toBe('editMessageText');
    }
  });

  it('the whole loop: assign, residents told; resolve, residents surveyed; answers stored and changeable', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '实验小学厕所的水龙头坏了一个月了'));
    await h.send(privateText(resident(2, 'en'), 'The toilet taps at Experimental Primary School have been broken for a month'));
    const problem = problemOf(1);
    const id = Number(problem.id);

    await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${id} 实验小学 2030-01-31`));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`问题 #${id} 已交办`);
    expect(h.texts(1).at(-1)).toContain('已交由');
    expect(h.texts(1).at(-1)).toContain('2030-01-31');
    const assigned = h.app.problems.get(id)!;
    expect(assigned.status).toBe('assigned');
    expect(assigned.firstResponseAt).not.toBeNull();
    expect(h.app.problems.history(id).some((e) => e.action === 'assigned' && e.actor === 'staff:900')).toBe(true);

    await h.send(groupText(STAFF_CHAT, staffMember, `/resolve ${id} 已更换全部水龙头`));
    expect(h.app.problems.get(id)!.status).toBe('resolved');
    const survey = h.sent(1).at(-1)!;
    expect(String(survey.payload.text)).toContain('已更换全部水龙头');
    expect(h.buttons(1)).toEqual(buttonsOf(survey));
    const fixed = await h.press(1, resident(1), (b) => b.callback_data.endsWith(':fixed'));
    await h.press(1, resident(1), (b) => b.callback_data.endsWith(':5'));
    await h.press(1, resident(1), (b) => b.callback_data.endsWith(':partly'));
    const reportId = Number(fixed.callback_data.split(':')[2]);
    const feedback = h.app.db.prepare('SELECT * FROM feedback WHERE report_id = ?').get(reportId) as Record<string, unknown>;
    expect(feedback.fixed).toBe('partly');
    expect(feedback.rating).toBe(5);
    expect(h.app.db.prepare('SELECT COUNT(*) AS n FROM feedback WHERE report_id = ?').get(reportId)).toEqual({ n: 1 });
    // The English resident got their survey in English.
    expect(h.texts(2).at(-1)).toContain('Is it really fixed?');
  });

  it('"not fixed" reopens the problem and tells the staff chats', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '区体育馆的淋浴没有热水'));
    const id = Number(problemOf(1).id);
    await h.send(groupText(STAFF_CHAT, staffMember, `/resolve ${id} 热水器已修好`));
    await h.press(1, resident(1), (b) => b.callback_data.endsWith(':not_fixed'));
    expect(h.app.problems.get(id)!.status).not.toBe('resolved');
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${id}`);
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('未解决');
  });

  it('a survey button pressed by someone else changes nothing', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '区体育馆的淋浴没有热水'));
    await h.send(privateText(resident(3), '实验中学门口太堵'));
    const id = Number(problemOf(1).id);
    await h.send(groupText(STAFF_CHAT, staffMember, `/resolve ${id} 修好了`));
    const data = h.buttons(1)[0]![0]!.callback_data;
    await h.send(callback(3, resident(3), data));
    const reportId = Number(data.split(':')[2]);
    expect((h.app.db.prepare('SELECT fixed FROM feedback WHERE report_id = ?').get(reportId) as { fixed: string | null }).fixed).toBeNull();
    const answer = h.calls.filter((c) => c.method === 'answerCallbackQuery').at(-1)!;
    expect(String(answer.payload.text)).toContain('失效');
  });

  it('a comment is taken by replying to the survey, not filed as a new report', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '区体育馆的淋浴没有热水'));
    const id = Number(problemOf(1).id);
    await h.send(groupText(STAFF_CHAT, staffMember, `/resolve ${id} 修好了`));
    const surveyId = h.app.db.prepare(`SELECT telegram_message_id AS m FROM outbox WHERE kind = 'survey'`).get() as { m: number };
    const reports = (h.app.db.prepare('SELECT COUNT(*) AS n FROM reports').get() as { n: number }).n;
    await h.send(privateText(resident(1), '水是热了，但是只热十分钟', { replyTo: { message_id: surveyId.m, from: { id: 42, is_bot: true, first_name: 'Minyi' }, text: 'survey' } }));
    expect((h.app.db.prepare('SELECT COUNT(*) AS n FROM reports').get() as { n: number }).n).toBe(reports);
    expect((h.app.db.prepare('SELECT comment FROM feedback').get() as { comment: string }).comment).toBe('水是热了，但是只热十分钟');
  });

  it('merge and split fix grouping mistakes, with history', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '第二中学宿舍晚上停电'));
    await h.send(privateText(resident(2), '二中寝室每天熄灯后没电，手机都充不了'));
    await h.send(privateText(resident(3), '第二中学的操场跑道坑坑洼洼'));
    const a = Number(problemOf(1).id);
    const c = Number(problemOf(3).id);
    expect(a).not.toBe(c);
    await h.send(groupText(STAFF_CHAT, staffMember, `/merge ${c} ${a}`));
    expect(h.app.problems.get(c)!.mergedInto).toBe(a);
    expect(h.app.problems.get(c)!.status).toBe('closed');
    const merged = h.app.problems.get(a)!;
    expect(merged.reportCount).toBe(problemOf(1).report_count);
    const report3 = (h.app.db.prepare('SELECT id FROM reports WHERE chat_id = 3').get() as { id: number }).id;
    await h.send(groupText(STAFF_CHAT, staffMember, `/split ${a} ${report3}`));
    const fresh = problemOf(3);
    expect(fresh.id).not.toBe(a);
    expect(fresh.report_count).toBe(1);
    expect(h.app.problems.history(a).map((e) => e.action)).toEqual(expect.arrayContaining(['merged', 'split']));
  });

  it('/problem N offers open problems that may be the same matter, and one press merges them', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '第二中学食堂的饭菜太贵了，一份青菜八块钱'));
    await h.send(privateText(resident(2), '二中食堂饭菜都是凉的，孩子吃了胃疼'));
    await h.send(privateText(resident(3), '第三中学食堂的碗筷洗不干净，上面还有油'));
    const older = Number(problemOf(1).id);
    const newer = Number(problemOf(2).id);
    const other = Number(problemOf(3).id);
    // Two complaints about one canteen (price, cold food): the rule keeps them apart, /problem offers the other as
    // possibly the same; a canteen at another school is never offered.
    expect(newer).not.toBe(older);
    expect(new Set([problemOf(1).category, problemOf(2).category, problemOf(3).category])).toEqual(new Set(['food']));

    await h.send(groupText(STAFF_CHAT, staffMember, `/problem ${newer}`));
    const detail = h.texts(STAFF_CHAT).at(-1)!;
    const section = detail.slice(detail.indexOf('可能是同一问题'));
    expect(section).toContain(`#${older} `);
    expect(section).not.toContain(`#${other} `);
    const merge = h.buttons(STAFF_CHAT).flat().find((b) => b.callback_data.startsWith('pm:'))!;
    expect(merge).toEqual({ text: `🔗 #${newer} 并入 #${older}`, callback_data: `pm:${newer}:${older}` });

    // The same button pressed by a resident in a private chat does nothing.
    await h.send(callback(1, resident(1), merge.callback_data));
    expect(h.app.problems.get(newer)!.mergedInto).toBeNull();

    await h.press(STAFF_CHAT, staffMember, merge.callback_data);
    expect(h.app.problems.get(newer)!.mergedInto).toBe(older);
    expect(h.app.problems.get(older)!.reportCount).toBe(2);
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${newer}`);
    const merged = h.app.problems.history(older).find((e) => e.action === 'merged')!;
    expect(merged.actor).toBe(`staff:${staffMember.id}`);

    await h.send(groupText(STAFF_CHAT, staffMember, `/problem ${older}`));
    expect(h.texts(STAFF_CHAT).at(-1)).not.toContain('可能是同一问题');
  });

  it('a resolved problem reported again within 30 days reopens, flagged recurring, and staff are told', async () => {
    let now = Date.UTC(2026, 10, 2, 2);
    h = await createHarness({ now: () => now });
    await h.send(privateText(resident(1), '实验中学门口放学时堵车严重'));
    const id = Number(problemOf(1).id);
    await h.send(groupText(STAFF_CHAT, staffMember, `/resolve ${id} 已安排交警疏导`));
    now += 10 * DAY;
    await h.send(privateText(resident(2), '实验中学门口放学又开始堵车了'));
    const p = h.app.problems.get(id)!;
    expect(p.status).toBe('new');
    expect(p.recurring).toBe(true);
    expect(h.texts(STAFF_CHAT).some((t) => t.includes('反复出现') && t.includes(`#${id}`))).toBe(true);
  });

  it('five distinct residents within 7 days make a problem widespread', async () => {
    h = await createHarness();
    const texts = ['一中食堂饭菜太贵了', '第一中学食堂饭菜价格太贵', '一中食堂的饭太贵，一份要二十块', '一中食堂太贵了，学生吃不起', '第一中学食堂饭菜贵得离谱'];
    for (const [i, text] of texts.entries()) await h.send(privateText(resident(10 + i), text));
    const p = problemOf(14);
    expect(p.resident_count).toBe(5);
    expect(p.widespread).toBe(1);
    expect(h.texts(STAFF_CHAT).some((t) => t.includes('普遍问题'))).toBe(true);
  });

  it('/summary, /overdue and /search answer from the data', async () => {
    let now = Date.UTC(2026, 10, 2, 2);
    h = await createHarness({ now: () => now });
    await h.send(privateText(resident(1), '实验小学作业太多，孩子每天写到十一点'));
    now += 10 * DAY;
    await h.send(groupText(STAFF_CHAT, staffMember, '/summary 30d'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('课业负担');
    await h.send(groupText(STAFF_CHAT, staffMember, '/overdue'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('已逾期');
    await h.send(groupText(STAFF_CHAT, staffMember, '/search 作业'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${String(problemOf(1).id)}`);
  });

  it('bad arguments get a clear one-line answer', async () => {
    h = await createHarness();
    await h.send(groupText(STAFF_CHAT, staffMember, '/assign 999 第一中学'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('#999');
    await h.send(groupText(STAFF_CHAT, staffMember, '/close 1 because'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('duplicate');
    await h.send(groupText(STAFF_CHAT, staffMember, '/assign 1 不存在的学校'));
    expect(h.texts(STAFF_CHAT).at(-1)).toMatch(/没有编号|找不到/);
  });

  it('units: unmatched names are listed, and an alias links them', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '星光小学门口的斑马线看不清了'));
    const written = (h.app.db.prepare('SELECT unit_written FROM reports WHERE chat_id = 1').get() as { unit_written: string | null }).unit_written;
    expect(written).toBeTruthy();
    await h.send(groupText(STAFF_CHAT, staffMember, '/units unmatched'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(written!);
    await h.send(groupText(STAFF_CHAT, staffMember, `/units alias ${written!} 实验小学`));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('实验小学');
    expect((h.app.db.prepare('SELECT unit_id FROM reports WHERE chat_id = 1').get() as { unit_id: string }).unit_id).toBe(h.app.units.resolve('实验小学')!.id);
  });
});

describe('outsiders', () => {
  it('staff commands in a private chat reveal nothing of the staff’s', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '第一中学食堂的饭菜里有头发'));
    const before = h.sent().length;
    await h.send(privateText(resident(2), '/problems'));
    await h.send(privateText(resident(2), '/summary'));
    await h.send(privateText(resident(2), '/problem 1'));
    const replies = h.texts(2);
    expect(h.sent().length).toBe(before + 3);
    for (const reply of replies) {
      expect(reply).not.toContain('头发');
      expect(reply).not.toMatch(/问题清单|概况/);
    }
  });

  it('staff commands and buttons in a group that is not a staff chat get nothing', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '第一中学食堂的饭菜里有头发'));
    const before = h.sent().length;
    await h.send(groupText(-555, staffMember, '/problems'));
    await h.send(groupText(-555, staffMember, '/problem 1'));
    await h.send(callback(-555, staffMember, 'pd:1'));
    await h.send(callback(-555, staffMember, 'pa:rs:1'));
    expect(h.sent().length).toBe(before);
    expect(h.app.problems.get(1)!.status).toBe('new');
  });

  it('a staff button pressed in a private chat does nothing', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '第一中学食堂的饭菜里有头发'));
    await h.send(callback(1, resident(1), 'pa:cl:1:duplicate'));
    await h.send(callback(1, resident(1), 'pd:1'));
    expect(h.app.problems.get(1)!.status).toBe('new');
    expect(h.texts(1).every((t) => !t.includes('问题 #1'))).toBe(true);
  });

  it('a stale or forged button in the staff chat is answered harmlessly', async () => {
    h = await createHarness();
    await h.send(callback(STAFF_CHAT, staffMember, 'pd:424242'));
    await h.send(callback(STAFF_CHAT, staffMember, 'pl:zzz:1'));
    await h.send(callback(STAFF_CHAT, staffMember, 'garbage'));
    expect(h.calls.filter((c) => c.method === 'answerCallbackQuery')).toHaveLength(3);
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('#424242');
  });
});
