import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { dateTimeFormatter, formatDateTime } from '../../src/domain/time.ts';
import { csvField } from '../../src/export/cells.ts';
import { buildLedger, LedgerTooLargeError, type LedgerPeriodName } from '../../src/export/ledger.ts';
import { createUnitRegistry, type UnitRegistry } from '../../src/units/unit-registry.ts';

const TZ = 'Asia/Shanghai';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// 2026-11-26 12:00 in Shanghai.
const NOW = Date.UTC(2026, 10, 26, 4, 0);
const RESIDENT_USER = 555_000_111;
const RESIDENT_CHAT = 555_000_222;
const HOSTILE_TITLE = '=HYPERLINK("http://evil.example","点我")';
const QUOTED_TITLE = '食堂"饭菜",有\n头发';

let db: Db;
let units: UnitRegistry;
const catalogue = loadCatalogue();

function problem(fields: Record<string, unknown>): number {
  const row = { title: 't', category: 'other', unit_id: null, unit_written: null, urgent: 0, status: 'new', close_reason: null, deadline_at: null, merged_into: null, resolved_at: null, created_at: NOW - 60 * DAY, ...fields };
  const keys = Object.keys(row);
  const id = Number(
    db.prepare(`INSERT INTO problems (${keys.join(', ')}, updated_at) VALUES (${keys.map((k) => `@${k}`).join(', ')}, @created_at)`).run(row).lastInsertRowid,
  );
  return id;
}

let nextMessage = 1;
function report(fields: Record<string, unknown>): number {
  const row = {
    chat_id: RESIDENT_CHAT,
    message_id: nextMessage++,
    resident_id: 1,
    text: '一条反映',
    reply_language: 'zh',
    received_at: NOW,
    state: 'classified',
    category: 'food',
    kind: 'complaint',
    urgent: 0,
    unit_id: null,
    unit_written: null,
    summary: '摘要',
    problem_id: null,
    ...fields,
  };
  const keys = Object.keys(row);
  return Number(db.prepare(`INSERT INTO reports (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`).run(row).lastInsertRowid);
}

function recount(id: number) {
  db.prepare(
    `UPDATE problems SET report_count = (SELECT COUNT(*) FROM reports WHERE problem_id = @id),
       resident_count = (SELECT COUNT(DISTINCT resident_id) FROM reports WHERE problem_id = @id),
       first_report_at = (SELECT MIN(received_at) FROM reports WHERE problem_id = @id),
       last_report_at = (SELECT MAX(received_at) FROM reports WHERE problem_id = @id) WHERE id = @id`,
  ).run({ id });
}

let ids: { canteen: number; building: number; merged: number; recent: number; erased: number; stray: number; old: number };

beforeEach(() => {
  db = openDatabase(':memory:');
  units = createUnitRegistry(db, () => NOW);
  db.prepare(`INSERT INTO residents (id, telegram_user_id, chat_id, language, created_at) VALUES (1, ?, ?, 'zh', ?)`).run(RESIDENT_USER, RESIDENT_CHAT, NOW - 90 * DAY);
  const canteen = problem({ title: HOSTILE_TITLE, category: 'food', unit_id: 'yz', deadline_at: NOW - DAY, urgent: 1, responsible_unit_id: 'yz' });
  const building = problem({ title: QUOTED_TITLE, category: 'facilities', unit_written: '某某小学', status: 'resolved', deadline_at: NOW - 25 * DAY, resolved_at: NOW - 19 * DAY });
  const merged = problem({ title: '重复的问题', category: 'food', unit_id: 'yz', status: 'closed', close_reason: 'duplicate', merged_into: canteen, closed_at: NOW - 50 * DAY });
  const old = report({ problem_id: canteen, received_at: NOW - 40 * DAY, text: '四十天前的反映' });
  const recent = report({ problem_id: canteen, received_at: NOW - 3 * DAY, unit_id: 'yz', text: '+86 138 1234 5678 打不通，食堂饭菜有虫', summary: '@食堂饭菜有虫' });
  // A resident who used /forget: texts NULL, identity gone.
  const erased = report({ problem_id: canteen, received_at: NOW - 2 * DAY, text: null, summary: null, chat_id: 0, message_id: -99, unit_id: 'yz' });
  report({ problem_id: building, received_at: NOW - 20 * DAY, category: 'facilities', kind: 'suggestion', unit_written: '某某小学' });
  const stray = report({ received_at: NOW - DAY, state: 'received', category: null, kind: null, urgent: null, summary: null, text: '还没分类' });
  for (const id of [canteen, building, merged]) recount(id);
  ids = { canteen, building, merged, recent, erased, stray, old };
});

afterEach(() => db.close());

async function ledger(period: LedgerPeriodName) {
  const built = await buildLedger(db, { period, units, catalogue, timezone: TZ, now: NOW });
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(built.xlsx as never);
  const rows = (name: string) => {
    const sheet = workbook.getWorksheet(name)!;
    const out: unknown[][] = [];
    // Empty cells read back as holes: '' keeps the rows comparable.
    sheet.eachRow((row) => out.push(Array.from({ length: sheet.columnCount }, (_, i) => (row.values as unknown[])[i + 1] ?? '')));
    return out;
  };
  return { built, workbook, problems: rows('问题清单'), reports: rows('反映记录') };
}

const column = (rows: unknown[][], header: string) => {
  const index = rows[0]!.indexOf(header);
  expect(index, header).toBeGreaterThanOrEqual(0);
  return rows.slice(1).map((r) => r[index] ?? '');
};

describe('the ledger (台账)', () => {
  it('has a problem sheet and a report sheet with Chinese headers, a frozen header row and column widths', async () => {
    const { workbook, problems, reports, built } = await ledger('all');
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['问题清单', '反映记录', '语音与图片']);
    expect(problems[0]).toEqual(expect.arrayContaining(['编号', '标题', '类别', '涉及单位', '责任单位', '状态', '关闭原因', '紧急', '反复', '普遍', '反映数', '反映人数', '首次反映时间', '最近反映时间', '办理期限', '是否逾期', '首次响应时间', '办结时间']));
    expect(reports[0]).toEqual(['编号', '问题编号', '收到时间', '类别', '性质', '紧急', '单位', '摘要', '原文']);
    for (const sheet of workbook.worksheets) expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(workbook.getWorksheet('问题清单')!.getColumn(2).width).toBe(40);
    expect(workbook.getWorksheet('反映记录')!.getColumn(9).width).toBe(60);
    expect(built.filenameBase).toBe('minyi-ledger-2026-11-26');
    expect(built).toMatchObject({ problems: 3, reports: 5 });
  });

  it('writes statuses, categories, kinds and units in Chinese and times in the bureau time zone', async () => {
    const { problems, reports } = await ledger('all');
    expect(column(problems, '编号')).toEqual([ids.canteen, ids.building, ids.merged]);
    expect(column(problems, '状态')).toEqual(['待处理', '已解决', '已关闭']);
    expect(column(problems, '类别')).toEqual(['食堂餐饮', '校舍设施', '食堂餐饮']);
    expect(column(problems, '涉及单位')).toEqual(['第一中学', '某某小学', '第一中学']);
    expect(column(problems, '关闭原因')[2]).toContain('重复');
    expect(column(problems, '合并至')[2]).toBe(ids.canteen);
    // Open past its deadline; resolved, but after its deadline; closed.
    expect(column(problems, '是否逾期')).toEqual(['是', '逾期办结', '否']);
    expect(column(problems, '紧急')[0]).toBe('是');
    expect(column(problems, '反映数')[0]).toBe(3);
    // 2026-11-25 12:00 Shanghai is the deadline: one day before NOW.
    expect(column(problems, '办理期限')[0]).toBe('2026-11-25 12:00');
    expect(column(problems, '首次反映时间')[0]).toBe('2026-10-17 12:00');

    const recentRow = reports.find((r) => r[0] === ids.recent)!;
    expect(recentRow).toEqual([ids.recent, ids.canteen, '2026-11-23 12:00', '食堂餐饮', '投诉', '否', '第一中学', '@食堂饭菜有虫', '+86 138 1234 5678 打不通，食堂饭菜有虫']);
    expect(reports.find((r) => r[0] === ids.stray)!.slice(0, 6)).toEqual([ids.stray, '', '2026-11-25 12:00', '', '', '']);
  });

  it('shows erased texts as empty and carries no resident identity', async () => {
    const { built, reports } = await ledger('all');
    const erased = reports.find((r) => r[0] === ids.erased)!;
    expect(erased.slice(7)).toEqual(['', '']);
    const everything = JSON.stringify(reports) + built.csv.toString('utf8');
    for (const identity of [RESIDENT_USER, RESIDENT_CHAT]) expect(everything).not.toContain(String(identity));
    expect(reports[0]).not.toContain('chat_id');
  });

  it('keeps formula-looking texts inert: string cells formatted as text in Excel, an apostrophe in CSV', async () => {
    const { workbook, built } = await ledger('all');
    const title = workbook.getWorksheet('问题清单')!.getCell('B2');
    expect(title.type).toBe(ExcelJS.ValueType.String);
    expect(title.value).toBe(HOSTILE_TITLE);
    expect(title.formula).toBeUndefined();
    expect(title.numFmt).toBe('@');
    const summary = workbook.getWorksheet('反映记录')!.getColumn(8).values.find((v) => v === '@食堂饭菜有虫');
    expect(summary).toBe('@食堂饭菜有虫');

    const csv = built.csv.toString('utf8');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""点我"")"`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    expect(csvField('-1+2')).toBe("'-1+2");
    expect(csvField('\tcmd')).toBe("'\tcmd");
    expect(csvField(-3)).toBe('-3');
  });

  it('drops characters that would corrupt the workbook', async () => {
    const id = report({ received_at: NOW - DAY, text: 'a\u0000b\u0007c\uFFFEd\u000B 😀' });
    const { reports } = await ledger('7d');
    expect(reports.find((r) => r[0] === id)![8]).toBe('abcd 😀');
  });

  it('writes the problem sheet as CSV: UTF-8 with a BOM, CRLF rows, RFC 4180 quoting', async () => {
    const { built } = await ledger('all');
    expect([...built.csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = built.csv.toString('utf8').slice(1);
    expect(text.startsWith('编号,标题,类别,议题,涉及单位,责任单位,状态')).toBe(true);
    expect(text).toContain(`${ids.building},"食堂""饭菜"",有\n头发",校舍设施,,某某小学,,已解决`);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n').filter(Boolean)).toHaveLength(1 + 3);
  });

  it('for 7d or 30d holds the problems with a report in the period and only those reports', async () => {
    const week = await ledger('7d');
    expect(column(week.problems, '编号')).toEqual([ids.canteen]);
    expect(column(week.problems, '期内反映数')).toEqual([2]);
    expect(column(week.problems, '反映数')).toEqual([3]);
    expect(column(week.reports, '编号')).toEqual([ids.recent, ids.erased, ids.stray]);
    expect(week.built).toMatchObject({ problems: 1, reports: 3 });

    const month = await ledger('30d');
    expect(column(month.problems, '编号')).toEqual([ids.canteen, ids.building]);
    expect(column(month.reports, '编号')).not.toContain(ids.old);
    expect(month.built.reports).toBe(4);
  });

  it('refuses an export over the size limit', async () => {
    await expect(buildLedger(db, { period: 'all', units, catalogue, timezone: TZ, now: NOW, maxReports: 4 })).rejects.toBeInstanceOf(LedgerTooLargeError);
  });

  it('formats times exactly like the rest of the bot', () => {
    const format = dateTimeFormatter(TZ);
    for (const ms of [NOW, Date.UTC(2026, 0, 1, 15, 59), Date.UTC(2026, 5, 30, 16, 0)]) expect(format(ms)).toBe(formatDateTime(ms, TZ));
    expect(format(null)).toBe('');
  });
});
