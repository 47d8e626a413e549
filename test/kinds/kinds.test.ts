import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { endOfDate, zonedTime } from '../../src/domain/periods.ts';
import { buildLedger } from '../../src/export/ledger.ts';
import { createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { callback, groupText, privateText, resident } from '../support/updates.ts';
import { bindUnit, UNIT_A_CHAT, UNIT_B_CHAT, principalB } from '../units-loop/kit.ts';

const TZ = 'Asia/Shanghai';
const staffMember = { id: 900, first_name: 'Wang', language_code: 'zh-hans' };
const at = (date: string, hour = 10) => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return zonedTime(y, m, d, hour, 0, TZ);
};

let h: Harness;
let emptyKnowledge: string | undefined;
afterEach(async () => {
  await h?.close();
  if (emptyKnowledge) rmSync(emptyKnowledge, { recursive: true, force: true });
  emptyKnowledge = undefined;
});

/** The harness on a clock the test moves; no knowledge base, so questions stay questions for staff. */
async function start(date: string): Promise<{ clock: { ms: number } }> {
  const clock = { ms: at(date) };
  emptyKnowledge = mkdtempSync(join(tmpdir(), 'minyi-kinds-kb-'));
  h = await createHarness({ now: () => clock.ms, env: { KNOWLEDGE_DIR: emptyKnowledge } });
  return { clock };
}

const reportRow = (chatId: number) =>
  h.app.db.prepare('SELECT * FROM reports WHERE chat_id = ? ORDER BY id DESC LIMIT 1').get(chatId) as { id: number; kind: string; problem_id: number | null; unit_id: string | null };
const problemCount = () => h.app.db.prepare('SELECT COUNT(*) FROM problems').pluck().get() as number;

describe('chit-chat is answered, not ticketed', () => {
  it('"lol" gets a short helpful answer in English and no ticket, no problem and no ledger row', async () => {
    await start('2026-11-18');
    await h.send(privateText(resident(1, 'en'), 'lol'));
    const answer = h.texts(1);
    expect(answer).toHaveLength(1);
    expect(answer[0]).toContain('feedback channel');
    expect(answer[0]).not.toMatch(/ticket number is/);
    expect(reportRow(1)).toMatchObject({ kind: 'chitchat', problem_id: null });
    expect(problemCount()).toBe(0);
    const ledger = await buildLedger(h.app.db, { period: 'all', now: at('2026-11-18'), timezone: TZ, units: h.app.units, catalogue: h.app.catalogue });
    expect(ledger.problems).toBe(0);
    expect(ledger.reports).toBe(0);
  });

  it('"你好" is answered in Chinese with how to report', async () => {
    await start('2026-11-18');
    await h.send(privateText(resident(2), '你好'));
    expect(h.texts(2)).toEqual([expect.stringContaining('哪所学校或单位')]);
    expect(problemCount()).toBe(0);
    // /my says it was answered, not that it waits for staff.
    await h.send(privateText(resident(2), '/my'));
    expect(h.texts(2).at(-1)).toContain('已回复');
    expect(h.texts(2).at(-1)).not.toContain('待处理');
  });

  it('staff list it with /inbox other and one press makes it a report: a problem, and the resident gets the ticket', async () => {
    await start('2026-11-18');
    await h.send(privateText(resident(3), '这个是干嘛用的'));
    const { id } = reportRow(3);
    await h.send(groupText(STAFF_CHAT, staffMember, '/inbox other'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${id}`);
    const promote = await h.press(STAFF_CHAT, staffMember, `ib:p:${id}`);
    const promoted = reportRow(3);
    expect(promoted.kind).toBe('complaint');
    expect(promoted.problem_id).not.toBeNull();
    expect(h.app.problems.history(promoted.problem_id!).some((e) => e.action === 'promoted' && e.actor === 'staff:900')).toBe(true);
    expect(h.texts(3).at(-1)).toContain(`#${id}`);
    expect(h.texts(3).at(-1)).toContain('已收到您的反映');
    // Pressing again (or a second staff member) changes nothing.
    await h.send(callback(STAFF_CHAT, staffMember, promote.callback_data));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('已不在此列表中');
    expect(problemCount()).toBe(1);
    await h.send(groupText(STAFF_CHAT, staffMember, '/inbox other'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('暂无');
  });

  it('a resident\'s thanks right after a resolution joins that report\'s history instead of a new ticket', async () => {
    const { clock } = await start('2026-11-18');
    await h.send(privateText(resident(4), '第一中学食堂饭菜里有头发'));
    const complaint = reportRow(4);
    await h.send(groupText(STAFF_CHAT, staffMember, `/resolve ${complaint.problem_id} 已整改`));
    clock.ms += 2 * 86_400_000;
    await h.send(privateText(resident(4), '谢谢你们！'));
    expect(problemCount()).toBe(1);
    expect(reportRow(4)).toMatchObject({ kind: 'chitchat', problem_id: null });
    expect(h.app.problems.history(complaint.problem_id!).some((e) => e.action === 'resident_message' && e.note?.includes(`#${complaint.id}`))).toBe(true);
    expect(h.texts(4).at(-1)).toContain(`#${complaint.id}`);
    expect(h.texts(4).at(-1)).toContain('办理记录');
    // Four days after the notice it is chit-chat again.
    clock.ms += 4 * 86_400_000;
    await h.send(privateText(resident(4), '谢谢'));
    expect(h.texts(4).at(-1)).toContain('哪所学校或单位');
  });
});

describe('praise is a commendation, never a problem', () => {
  it("reaches the praised unit's own chat with personal data masked, and no other unit's", async () => {
    await start('2026-11-18');
    await bindUnit(h, '第一中学', UNIT_A_CHAT);
    await bindUnit(h, '实验小学', UNIT_B_CHAT, principalB);
    await h.send(privateText(resident(7), '表扬第一中学的王老师，耐心负责，我的电话13812345678'));
    const praise = reportRow(7);
    expect(praise).toMatchObject({ kind: 'praise', unit_id: 'yz' });
    const toUnit = h.texts(UNIT_A_CHAT).find((t) => t.includes(`表扬 #${praise.id}`));
    expect(toUnit).toContain('耐心负责');
    expect(toUnit).not.toContain('13812345678');
    expect(h.texts(UNIT_B_CHAT).some((t) => t.includes(`#${praise.id}`))).toBe(false);
  });

  it('reaches staff naming the unit, shows in /praise, the digest and /ranking, and lowers no rate', async () => {
    await start('2026-11-18');
    await h.send(privateText(resident(5), '第一中学食堂饭菜里有头发'));
    const complaint = reportRow(5);
    await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${complaint.problem_id} 第一中学`));
    await h.send(privateText(resident(6), '表扬第一中学的食堂师傅，饭菜干净又实惠'));

    const praise = reportRow(6);
    expect(praise).toMatchObject({ kind: 'praise', problem_id: null, unit_id: 'yz' });
    expect(problemCount()).toBe(1);
    expect(h.texts(6)).toEqual([expect.stringContaining('感谢您的肯定')]);
    const commendation = h.texts(STAFF_CHAT).find((t) => t.includes(`表扬 #${praise.id}`));
    expect(commendation).toContain('第一中学');
    expect(commendation).toContain('饭菜干净又实惠');

    await h.send(groupText(STAFF_CHAT, staffMember, '/praise 7d 一中'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${praise.id}`);
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('：1 条');
    await h.send(groupText(STAFF_CHAT, staffMember, '/praise 30d 实验小学'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('暂无');

    await h.send(groupText(STAFF_CHAT, staffMember, '/ranking 2026-11'));
    const ranking = h.texts(STAFF_CHAT).at(-1)!;
    const unitLine = ranking.slice(ranking.indexOf('第一中学'));
    expect(unitLine).toMatch(/响应 100%[^\n]*问题 1 个 · 👍 表扬 1 条/);
    const month = h.app.digest.parsePeriod('2026-11')!;
    const yz = h.app.digest.ranking(month).units.find((u) => u.unitId === 'yz')!;
    expect(yz).toMatchObject({ problems: 1, praise: 1 });
    expect(yz.response.value).toBe(1);

    const digest = h.app.digest.render(h.app.digest.parseWeek('2026-W47')!).html;
    expect(digest).toContain('群众表扬');
    expect(digest).toMatch(/👍 第一中学：1 条/);
  });
});

describe('suggestions', () => {
  it('are marked in the list, close as adopted without a survey, and the digest lists them', async () => {
    await start('2026-11-18');
    await h.send(privateText(resident(7), '建议实验小学门口加装红绿灯，放学时车太多'));
    const suggestion = reportRow(7);
    const problem = h.app.problems.get(suggestion.problem_id!)!;
    expect(problem.kind).toBe('suggestion');
    await h.send(groupText(STAFF_CHAT, staffMember, '/problems'));
    expect(h.texts(STAFF_CHAT).at(-1)).toMatch(new RegExp(`#${problem.id}</b> 💡`));

    await h.send(privateText(resident(8), '第一中学食堂饭菜里有头发'));
    const complaint = reportRow(8);
    await h.send(groupText(STAFF_CHAT, staffMember, `/close ${complaint.problem_id} adopted`));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('不是建议');
    expect(h.app.problems.get(complaint.problem_id!)!.status).toBe('new');

    await h.send(groupText(STAFF_CHAT, staffMember, `/close ${problem.id} 采纳 明年暑期施工`));
    expect(h.app.problems.get(problem.id)).toMatchObject({ status: 'closed', closeReason: 'adopted' });
    expect(h.texts(7).at(-1)).toContain('已被采纳');
    expect(h.app.db.prepare('SELECT COUNT(*) FROM feedback').pluck().get()).toBe(0);

    const digest = h.app.digest.render(h.app.digest.parseWeek('2026-W47')!).html;
    expect(digest).toContain('建议采纳');
    expect(digest).toContain(`#${problem.id}`);
  });
});

describe('deadlines follow kind and working days', () => {
  it('an inquiry on 30 September is due at the end of 9 October, after the National Day week', async () => {
    await start('2026-09-30');
    await h.send(privateText(resident(9), '请问实验小学明年秋季一年级什么时候报名'));
    const problem = h.app.problems.get(reportRow(9).problem_id!)!;
    expect(problem.kind).toBe('inquiry');
    expect(problem.deadlineAt).toBe(endOfDate('2026-10-09', TZ));
    expect(h.texts(9).at(-1)).toContain('2 个工作日');
  });

  it('an inquiry on Friday 18 September counts Sunday the 20th, a make-up workday', async () => {
    await start('2026-09-18');
    await h.send(privateText(resident(10), '请问实验小学明年秋季一年级什么时候报名'));
    expect(h.app.problems.get(reportRow(10).problem_id!)!.deadlineAt).toBe(endOfDate('2026-09-21', TZ));
  });

  it('a suggestion gets 10 working days, a complaint its category\'s hours', async () => {
    await start('2026-09-25');
    await h.send(privateText(resident(11), '建议实验小学门口加装红绿灯，放学时车太多'));
    expect(h.app.problems.get(reportRow(11).problem_id!)!.deadlineAt).toBe(endOfDate('2026-10-15', TZ));
    await h.send(privateText(resident(12), '第三中学操场的围墙倒了一段，砸坏了旁边的车'));
    const complaint = h.app.problems.get(reportRow(12).problem_id!)!;
    expect(complaint.deadlineAt).toBe(at('2026-09-25') + h.app.catalogue.get(complaint.category).deadline_hours * 3_600_000);
  });
});
