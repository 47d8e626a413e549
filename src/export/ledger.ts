import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Db } from '../db/database.ts';
import type { Catalogue } from '../domain/categories.ts';
import type { SubtopicCatalogue } from '../domain/subtopics.ts';
import type { Kind } from '../domain/classification.ts';
import { recentPeriod, type Period } from '../domain/periods.ts';
import { formatDate } from '../domain/time.ts';
import { isOverdue, type CloseReason, type ProblemStatus } from '../problems/problem.ts';
import type { UnitRegistry } from '../units/unit-registry.ts';
import { cellText, csvLine, looksLikeFormula, UTF8_BOM } from './cells.ts';
import { redactPersonalData } from '../domain/redact.ts';
import { dateTimeFormatter } from '../domain/time.ts';
import { createLedgerQueries, type LedgerPages, type LedgerProblemRow } from './ledger-queries.ts';

/**
 * The ledger (台账): the problem list and the reports behind it as staff keep them, an Excel workbook
 * plus the problem sheet as CSV. It is written in Chinese whatever the staff language, like the
 * bureau's other ledgers, and it carries no resident identity: no chat, user or resident ids.
 */

export const LEDGER_PERIODS = ['7d', '30d', 'all'] as const;
export type LedgerPeriodName = (typeof LEDGER_PERIODS)[number];

/** Above this many reports the export is refused: a shorter period is the answer, not a 100 MB file. */
export const MAX_LEDGER_REPORTS = 200_000;

export interface LedgerOptions {
  /** '7d' or '30d' up to `now`, 'all', or an explicit period. */
  period: LedgerPeriodName | Period;
  units: Pick<UnitRegistry, 'name'>;
  catalogue: Catalogue;
  /** Names of subtopics (议题) for the 议题 column; absent: the subtopic's id is written. */
  subtopics?: Pick<SubtopicCatalogue, 'name'>;
  timezone: string;
  /** The moment of the export (UTC epoch ms): the end of the period and the clock for 是否逾期. */
  now: number;
  maxReports?: number;
  /**
   * A unit's own ledger: only the live problems these units are responsible for, and their reports, with personal
   * data masked in every resident-written cell (as on the dispatch card). Absent: the bureau's whole ledger.
   */
  unitIds?: readonly string[];
}

export interface Ledger {
  xlsx: Buffer;
  /** The problem sheet, UTF-8 with BOM. */
  csv: Buffer;
  problems: number;
  reports: number;
  /** 'minyi-ledger-2026-11-26': add '.xlsx' or '.csv'. */
  filenameBase: string;
}

export class LedgerTooLargeError extends Error {
  override name = 'LedgerTooLargeError';
  constructor(
    readonly reports: number,
    readonly limit: number,
  ) {
    super(`ledger: ${reports} reports is more than the limit of ${limit}; choose a shorter period`);
  }
}

const ZH_STATUS: Record<ProblemStatus, string> = {
  new: '待处理',
  assigned: '已交办',
  in_progress: '处理中',
  resolved: '已解决',
  closed: '已关闭',
};
const ZH_CLOSE_REASON: Record<CloseReason, string> = {
  duplicate: '重复（已合并）',
  not_our_responsibility: '非本局职责',
  no_action_possible: '暂无法处理',
  adopted: '建议已采纳',
  noted: '建议已阅',
};
const ZH_KIND: Record<Kind, string> = { complaint: '投诉', suggestion: '建议', inquiry: '咨询', praise: '表扬', chitchat: '非反映' };
const yesNo = (value: boolean | number | null) => (value ? '是' : '否');

interface Column {
  header: string;
  width: number;
}

const PROBLEM_COLUMNS: Column[] = [
  { header: '编号', width: 8 },
  { header: '标题', width: 40 },
  { header: '类别', width: 14 },
  { header: '议题', width: 16 },
  { header: '涉及单位', width: 20 },
  { header: '责任单位', width: 20 },
  { header: '状态', width: 8 },
  { header: '关闭原因', width: 14 },
  { header: '性质', width: 6 },
  { header: '紧急', width: 6 },
  { header: '反复', width: 6 },
  { header: '普遍', width: 6 },
  { header: '反映数', width: 8 },
  { header: '反映人数', width: 10 },
  { header: '首次反映时间', width: 17 },
  { header: '最近反映时间', width: 17 },
  { header: '办理期限', width: 17 },
  { header: '是否逾期', width: 10 },
  { header: '首次响应时间', width: 17 },
  { header: '办结时间', width: 17 },
  { header: '关闭时间', width: 17 },
  { header: '合并至', width: 8 },
  { header: '登记时间', width: 17 },
];
/** Only in a ledger for a period: how many of the problem's reports arrived within it. */
const IN_PERIOD_COLUMN: Column = { header: '期内反映数', width: 10 };

const REPORT_COLUMNS: Column[] = [
  { header: '编号', width: 8 },
  { header: '问题编号', width: 10 },
  { header: '收到时间', width: 17 },
  { header: '类别', width: 14 },
  { header: '性质', width: 6 },
  { header: '紧急', width: 6 },
  { header: '单位', width: 20 },
  { header: '摘要', width: 40 },
  { header: '原文', width: 60 },
];

/** The period a ledger covers, or undefined for everything. */
export function ledgerPeriod(period: LedgerPeriodName | Period, now: number, timezone: string): Period | undefined {
  if (typeof period !== 'string') return period;
  return period === 'all' ? undefined : recentPeriod(period, now, timezone);
}

/** How many reports a ledger would hold: cheap (an index count), so the size limit is checked before any work. */
export function ledgerSize(db: Db, period: Period | undefined): number {
  return createLedgerQueries(db).reportCount(period);
}

/**
 * Problems with any report in the period, with those reports (all of them for 'all'). Rows are read in
 * pages by id and go straight into the workbook stream; between pages the bot gets the event loop back,
 * so a large export does not keep residents waiting (no statement stays open across an await).
 */
export async function buildLedger(db: Db, options: LedgerOptions): Promise<Ledger> {
  const { now, timezone } = options;
  const period = ledgerPeriod(options.period, now, timezone);
  const limit = options.maxReports ?? MAX_LEDGER_REPORTS;
  const queries = createLedgerQueries(db);
  const size = queries.reportCount(period);
  if (size > limit) throw new LedgerTooLargeError(size, limit);

  const chunks: Buffer[] = [];
  const output = new PassThrough();
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Minyi';
  workbook.created = new Date(now);

  const cells = cellMakers(options);
  const csv: string[] = [UTF8_BOM];
  const pages = queries.pages({ ...(period && { period }), ...(options.unitIds && { unitIds: options.unitIds }) });
  const problems = await writeProblems(pages, workbook, csv, period, cells, now);
  const reports = await writeReports(pages, workbook, cells);
  await writeMedia(pages, workbook, cells, options.unitIds !== undefined);

  await workbook.commit();
  return {
    xlsx: Buffer.concat(chunks),
    csv: Buffer.from(csv.join(''), 'utf8'),
    problems,
    reports,
    filenameBase: `minyi-ledger-${formatDate(now, timezone)}`,
  };
}

type CellMakers = ReturnType<typeof cellMakers>;

function cellMakers({ units, catalogue, subtopics, timezone, unitIds }: LedgerOptions) {
  // A unit reads residents' words with phone numbers, ids, cards and e-mail masked; the bureau's ledger keeps them.
  const written = unitIds ? (text: string | null) => cellText(text === null ? null : redactPersonalData(text)) : cellText;
  return {
    dateTime: dateTimeFormatter(timezone),
    unit: (id: string | null, unitWritten: string | null) => {
      const name = id ? units.name(id) : undefined;
      return name === undefined ? written(unitWritten) : cellText(name);
    },
    category: (id: string | null) => (id ? catalogue.name(id, 'zh') : ''),
    subtopic: (id: string | null) => (id ? cellText(subtopics ? subtopics.name(id, 'zh') : id) : ''),
    written,
  };
}

/** The problem sheet, and the same rows as CSV lines. */
const PAGE = 2000;
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Rows by ascending id, a page at a time, yielding to the event loop between pages. */
async function* paged<R extends { id: number }>(read: (afterId: number) => R[], from = 0): AsyncGenerator<R> {
  let after = from;
  for (;;) {
    const page = read(after);
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.id;
    await breathe();
  }
}

async function writeProblems(pages: LedgerPages, workbook: WorkbookWriter, csv: string[], period: Period | undefined, cell: CellMakers, now: number): Promise<number> {
  const columns = period ? [...PROBLEM_COLUMNS.slice(0, 14), IN_PERIOD_COLUMN, ...PROBLEM_COLUMNS.slice(14)] : PROBLEM_COLUMNS;
  const sheet = openSheet(workbook, '问题清单', columns);
  csv.push(csvLine(columns.map((c) => c.header)));
  const rows = paged((after) => pages.problems(after, PAGE));

  let count = 0;
  for await (const row of rows) {
    count++;
    const values: Array<string | number> = [
      row.id,
      cell.written(row.title),
      cell.category(row.category),
      cell.subtopic(row.subtopic),
      cell.unit(row.unit_id, row.unit_written),
      cell.unit(row.responsible_unit_id, null),
      ZH_STATUS[row.status],
      row.close_reason ? ZH_CLOSE_REASON[row.close_reason] : '',
      ZH_KIND[row.kind],
      yesNo(row.urgent),
      yesNo(row.recurring),
      yesNo(row.widespread),
      row.report_count,
      row.resident_count,
      ...(period ? [row.in_period] : []),
      cell.dateTime(row.first_report_at),
      cell.dateTime(row.last_report_at),
      cell.dateTime(row.deadline_at),
      overdueLabel(row, now),
      cell.dateTime(row.first_response_at),
      cell.dateTime(row.resolved_at),
      cell.dateTime(row.closed_at),
      row.merged_into ?? '',
      cell.dateTime(row.created_at),
    ];
    addRow(sheet, values);
    csv.push(csvLine(values));
  }
  sheet.commit();
  return count;
}

async function writeReports(pages: LedgerPages, workbook: WorkbookWriter, cell: CellMakers): Promise<number> {
  const sheet = openSheet(workbook, '反映记录', REPORT_COLUMNS);
  const rows = paged((after) => pages.reports(after, PAGE), pages.reportsStartAfter());
  let count = 0;
  for await (const row of rows) {
    count++;
    addRow(sheet, [
      row.id,
      row.problem_id ?? '',
      cell.dateTime(row.received_at),
      cell.category(row.category),
      row.kind ? ZH_KIND[row.kind] : '',
      row.urgent === null ? '' : yesNo(row.urgent),
      cell.unit(row.unit_id, row.unit_written),
      cell.written(row.summary),
      cell.written(row.text),
    ]);
  }
  sheet.commit();
  return count;
}

const MEDIA_COLUMNS: Column[] = [
  { header: '反映编号', width: 10 },
  { header: '问题编号', width: 10 },
  { header: '收到时间', width: 17 },
  { header: '类型', width: 8 },
  { header: '时长（秒）', width: 10 },
  { header: '文件ID', width: 40 },
  { header: '转写/图片描述', width: 60 },
  { header: '处理情况', width: 14 },
];
const ZH_MEDIA_KIND: Record<string, string> = { voice: '语音', audio: '音频', video_note: '视频留言', photo: '图片', video: '视频', document: '文件', animation: '动图' };
const ZH_MEDIA_STATE: Record<string, string> = {
  done: '已转写/已描述',
  pending: '待处理',
  too_long: '过长，未转写',
  too_big: '过大，未下载',
  gone: '文件已失效',
  failed: '转写失败',
  erased: '已删除',
};

/**
 * Voice notes and photos behind the reports (issue 16): by file id (staff fetch the original with the bot) and what
 * was heard or seen in them. A unit's ledger gets no file ids: the original may carry a voice or a face.
 */
async function writeMedia(pages: LedgerPages, workbook: WorkbookWriter, cell: CellMakers, forUnits: boolean): Promise<number> {
  const sheet = openSheet(workbook, '语音与图片', MEDIA_COLUMNS);
  const rows = paged((after) => pages.media(after, PAGE));
  let count = 0;
  for await (const row of rows) {
    count++;
    addRow(sheet, [
      row.report_id,
      row.problem_id ?? '',
      cell.dateTime(row.received_at),
      ZH_MEDIA_KIND[row.kind] ?? row.kind,
      row.duration ?? '',
      forUnits ? '' : cellText(row.file_id),
      cell.written(row.transcript ?? row.description),
      row.file_id === null ? ZH_MEDIA_STATE.erased! : (ZH_MEDIA_STATE[row.skip_reason ?? row.job_state ?? ''] ?? ''),
    ]);
  }
  sheet.commit();
  return count;
}

/** 是 while open past the deadline; 逾期办结 when it was resolved after it. */
function overdueLabel(row: LedgerProblemRow, now: number): string {
  if (isOverdue({ status: row.status, deadlineAt: row.deadline_at }, now)) return '是';
  if (row.status === 'resolved' && row.resolved_at !== null && row.deadline_at !== null && row.resolved_at > row.deadline_at) return '逾期办结';
  return '否';
}

type WorkbookWriter = ExcelJS.stream.xlsx.WorkbookWriter;
type SheetWriter = ReturnType<WorkbookWriter['addWorksheet']>;

function openSheet(workbook: WorkbookWriter, name: string, columns: Column[]): SheetWriter {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }],
  });
  sheet.columns = columns.map((c) => ({ width: c.width }));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  const header = sheet.addRow(columns.map((c) => c.header));
  header.font = { bold: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
  header.commit();
  return sheet;
}

// Shared style objects: exceljs renders a style once per object, so a fresh one per cell would cost
// more than the rest of the row.
const PLAIN: Partial<ExcelJS.Style> = {};
const AS_TEXT: Partial<ExcelJS.Style> = { numFmt: '@' };

/** Strings are written as string cells, never formulas; one that looks like a formula is also formatted as text, so editing it keeps it inert. */
function addRow(sheet: SheetWriter, values: ReadonlyArray<string | number>): void {
  const row = sheet.addRow(values as Array<string | number>);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    row.getCell(i + 1).style = typeof value === 'string' && looksLikeFormula(value) ? AS_TEXT : PLAIN;
  }
  row.commit();
}
