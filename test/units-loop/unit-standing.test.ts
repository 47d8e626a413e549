import ExcelJS from 'exceljs';
import { InputFile } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, STAFF_CHAT, type Harness, type SentCall } from '../support/harness.ts';
import { callback, groupText } from '../support/updates.ts';
import { bindUnit, principalA, report, staffMember, UNIT_A_CHAT } from './kit.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const HOUR = 3_600_000;
const PHONE = '13812345678';
// Monday 2026-11-02 10:00 in Shanghai (ISO week 45); the digest of that week goes out Monday 2026-11-09 09:00.
const MONDAY = Date.UTC(2026, 10, 2, 2);
const NEXT_MONDAY_9 = Date.UTC(2026, 10, 9, 1);

/**
 * 实验小学 has its own chat and signs one dispatch in time and one a day late; 第一中学 has no chat, so the bureau's
 * own action is its response, as before units took part.
 */
async function week(): Promise<{ inTime: number; late: number; bureauOnly: number; clock: { now: number } }> {
  const clock = { now: MONDAY };
  h = await createHarness({ now: () => clock.now, env: { RANKING_MIN_PROBLEMS: '1' } });
  await bindUnit(h, '实验小学', UNIT_A_CHAT);
  const inTime = await report(h, 1, `实验小学厕所的水龙头坏了一个月了，有事打我电话${PHONE}`);
  const late = await report(h, 2, '实验小学的校车每天都晚点半小时');
  const bureauOnly = await report(h, 3, '第一中学新铺的塑胶跑道异味刺鼻，孩子们头晕');
  expect(new Set([inTime, late, bureauOnly]).size).toBe(3);
  await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${inTime} 实验小学 2026-12-31`));
  await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${late} 实验小学 2026-11-05`));
  await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${bureauOnly} 第一中学 2026-12-31`));
  clock.now += 3 * HOUR;
  await h.send(callback(UNIT_A_CHAT, principalA, `ua:acc:${inTime}`));
  clock.now += 27 * HOUR;
  await h.send(callback(UNIT_A_CHAT, principalA, `ua:acc:${late}`));
  return { inTime, late, bureauOnly, clock };
}

const documents = (chatId: number) => h.sent(chatId).filter((c) => c.method === 'sendDocument');
async function fileText(call: SentCall): Promise<string> {
  const file = call.payload.document as InputFile;
  return Buffer.from((await file.toRaw()) as Uint8Array).toString('utf8');
}

describe('the rates follow the work', () => {
  it('a unit with its own chat responds by signing for the dispatch in time; a unit without one is judged by the bureau\'s action', async () => {
    const { inTime, late } = await week();
    const ranking = h.app.digest.ranking(h.app.digest.parsePeriod('2026-W45')!, NEXT_MONDAY_9);
    const a = ranking.units.find((u) => u.unitId === 'sx')!;
    const b = ranking.units.find((u) => u.unitId === 'yz')!;
    // One of 实验小学's two dispatches was signed within SIGN_WITHIN_HOURS (24 h), the other 30 hours after it.
    expect({ responded: a.response.numerator, decided: a.response.denominator }).toEqual({ responded: 1, decided: 2 });
    // 第一中学 cannot sign (no chat): the bureau's /assign within the response window is its response, as before.
    expect({ responded: b.response.numerator, decided: b.response.denominator }).toEqual({ responded: 1, decided: 1 });
    const dispatches = h.app.db.prepare('SELECT problem_id AS id, chats FROM unit_dispatches ORDER BY id').all();
    expect(dispatches).toEqual([{ id: inTime, chats: 1 }, { id: late, chats: 1 }, { id: expect.any(Number), chats: 0 }]);
  });

  it('an unsigned dispatch is pending while its window runs, then counts as not responded', async () => {
    const clock = { now: MONDAY };
    h = await createHarness({ now: () => clock.now });
    await bindUnit(h, '实验小学', UNIT_A_CHAT);
    const id = await report(h, 1, '实验小学的校车每天都晚点半小时');
    await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${id} 实验小学 2026-12-31`));
    const week45 = h.app.digest.parsePeriod('2026-W45')!;
    const pending = h.app.digest.ranking(week45, MONDAY + 2 * HOUR).units.find((u) => u.unitId === 'sx')!;
    expect(pending.response).toMatchObject({ numerator: 0, denominator: 0, pending: 1 });
    const missed = h.app.digest.ranking(week45, MONDAY + 25 * HOUR).units.find((u) => u.unitId === 'sx')!;
    expect(missed.response).toMatchObject({ numerator: 0, denominator: 1, pending: 0 });
  });

  it('the ranking shows the median sign-for time', async () => {
    await week();
    // Signed after 3 h and 30 h: the median of two is their mean, 16.5 h.
    await h.send(groupText(STAFF_CHAT, staffMember, '/ranking 2026-W45'));
    expect(h.texts(STAFF_CHAT).join('\n')).toContain('实验小学：派单 2，签收 2（按时 1，中位 16.5 小时）');
  });
});

describe('a unit chat\'s own ranking, weekly line and ledger', () => {
  it('/ranking in a unit chat shows its own row and rank only', async () => {
    await week();
    await h.send(groupText(UNIT_A_CHAT, principalA, '/ranking 2026-W45'));
    const seen = h.texts(UNIT_A_CHAT).at(-1)!;
    expect(seen).toContain('实验小学');
    expect(seen).toContain('本单位排名：第 2 名（共 2 个单位参与排名）');
    expect(seen).toContain('签收 2（按时 1，中位 16.5 小时）');
    expect(seen).not.toContain('第一中学');
    // The bureau's ranking still shows both.
    await h.send(groupText(STAFF_CHAT, staffMember, '/ranking 2026-W45'));
    expect(h.texts(STAFF_CHAT).join('\n')).toContain('第一中学');
  });

  it('when the weekly digest goes out, the unit\'s chat gets its rank, rates and overdue list, once', async () => {
    const { late, clock } = await week();
    clock.now = NEXT_MONDAY_9 + 60_000;
    await h.app.scheduler.runDue();
    await h.app.runner.settle();
    const weekly = h.texts(UNIT_A_CHAT).filter((t) => t.includes('本单位周报'));
    expect(weekly).toHaveLength(1);
    expect(weekly[0]).toContain('2026-W45');
    expect(weekly[0]).toContain('本单位排名：第 2 名');
    expect(weekly[0]).toContain('逾期问题</b>（1）');
    expect(weekly[0]).toContain(`#${late}`);
    expect(weekly[0]).not.toContain('第一中学');
    await h.app.scheduler.runDue();
    await h.app.runner.settle();
    expect(h.texts(UNIT_A_CHAT).filter((t) => t.includes('本单位周报'))).toHaveLength(1);
  });

  it('/export in a unit chat is its own ledger, personal data masked, and the export is audited', async () => {
    const { inTime, bureauOnly } = await week();
    await h.send(groupText(UNIT_A_CHAT, principalA, '/export all'));
    const [xlsx, csv] = documents(UNIT_A_CHAT);
    expect(xlsx).toBeDefined();
    const text = await fileText(csv!);
    expect(text).toContain(`\r\n${inTime},`);
    expect(text).toContain('校车');
    expect(text).not.toContain(`\r\n${bureauOnly},`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from((await (xlsx!.payload.document as InputFile).toRaw()) as Uint8Array) as never);
    const unzipped = JSON.stringify(book.worksheets.map((sheet) => sheet.getSheetValues()));
    expect(unzipped).toContain('水龙头');
    expect(unzipped).not.toContain('跑道');
    expect(unzipped).not.toContain(PHONE);
    expect(h.app.db.prepare("SELECT chat_id AS chat, subject FROM access_audit WHERE action = '/export'").all()).toEqual([{ chat: UNIT_A_CHAT, subject: 'all' }]);
    // The bureau's ledger keeps everything.
    await h.send(groupText(STAFF_CHAT, staffMember, '/export all'));
    expect(await fileText(documents(STAFF_CHAT)[1]!)).toContain(`\r\n${bureauOnly},`);
  });
});
