import type { Db } from '../db/database.ts';
import type { Kind } from '../domain/classification.ts';
import type { Period } from '../domain/periods.ts';
import type { ProblemRow } from '../problems/problem-store.ts';

/**
 * The ledger's reads (src/export/ledger.ts): how big a ledger would be, and its problems, reports and media a page
 * at a time by ascending id. Rows come back as the columns they are stored in; rendering them is the ledger's job.
 */
export interface LedgerQueries {
  /** Reports received in the period (every report without one), whatever the scope: an index count, cheap enough to check the size limit before any work. */
  reportCount(period: Period | undefined): number;
  /** The reader of one ledger, its period and scope fixed: statements are prepared here, once for all its pages. */
  pages(scope: LedgerScope): LedgerPages;
}

export interface LedgerScope {
  /** Absent: everything. */
  period?: Period;
  /** A unit's own ledger: only the live (not merged) problems these units are responsible for, and their reports. */
  unitIds?: readonly string[];
}

/** Pages of one ledger. Each call runs and finishes its statement, so no statement stays open between pages. */
export interface LedgerPages {
  /**
   * Problems with id above `afterId`, ascending: with a period, those with a report received in it, `in_period`
   * counting those reports; without one, every problem, `in_period` being its report count.
   */
  problems(afterId: number, limit: number): LedgerProblemRow[];
  /**
   * Where paging the reports starts: just below the period's first report (found through the received_at index), so
   * reading a month does not walk the years before it; 0 without a period.
   */
  reportsStartAfter(): number;
  /** Reports with id above `afterId`, ascending, chit-chat left out (it is not feedback; praise stays in). */
  reports(afterId: number, limit: number): LedgerReportRow[];
  /** Voice notes and photos of those reports, by report id above `afterId` (`id` is the report's id, for paging). */
  media(afterId: number, limit: number): LedgerMediaRow[];
}

/** A problem row plus how many of its reports fall in the ledger's period. */
export type LedgerProblemRow = ProblemRow & { in_period: number };

export interface LedgerReportRow {
  id: number;
  problem_id: number | null;
  received_at: number;
  category: string | null;
  kind: Kind | null;
  urgent: number | null;
  unit_id: string | null;
  unit_written: string | null;
  summary: string | null;
  text: string | null;
}

export interface LedgerMediaRow {
  id: number;
  report_id: number;
  problem_id: number | null;
  received_at: number;
  kind: string;
  duration: number | null;
  file_id: string | null;
  transcript: string | null;
  description: string | null;
  job_state: string | null;
  skip_reason: string | null;
}

const PROBLEM_FIELDS = `p.id, p.title, p.category, p.subtopic, p.kind, p.unit_id, p.unit_written, p.urgent, p.status, p.close_reason, p.responsible_unit_id,
  p.deadline_at, p.report_count, p.resident_count, p.first_report_at, p.last_report_at, p.recurring, p.widespread,
  p.first_response_at, p.resolved_at, p.closed_at, p.merged_into, p.created_at`;
// Named columns only: the reports table also holds chat_id and resident_id, which never leave it.
const REPORT_FIELDS = 'id, problem_id, received_at, category, kind, urgent, unit_id, unit_written, summary, text';
// Chit-chat ("lol", greetings, spam) is not feedback and stays out of the ledger; praise is in it, with no problem.
const FEEDBACK_ONLY = "(kind IS NULL OR kind <> 'chitchat')";
// A unit's ledger: the problems its units are responsible for (@units: a JSON array of unit ids), never merged ones.
const UNIT_PROBLEMS = `SELECT id FROM problems WHERE responsible_unit_id IN (SELECT value FROM json_each(@units)) AND merged_into IS NULL`;

export function createLedgerQueries(db: Db): LedgerQueries {
  const countInPeriod = db.prepare('SELECT COUNT(*) AS n FROM reports WHERE received_at >= ? AND received_at < ?');
  const countAll = db.prepare('SELECT COUNT(*) AS n FROM reports');

  return {
    reportCount(period) {
      const row = period ? countInPeriod.get(period.start, period.end) : countAll.get();
      return (row as { n: number }).n;
    },
    pages({ period, unitIds }) {
      // The statements' text depends on the period and the scope; the units are bound as one JSON array parameter.
      const scope = unitIds ? JSON.stringify(unitIds) : undefined;
      const problems = period
        ? db.prepare(
            `SELECT ${PROBLEM_FIELDS}, r.n AS in_period
             FROM (SELECT problem_id, COUNT(*) AS n FROM reports
                   WHERE received_at >= @start AND received_at < @end AND problem_id > @after ${scope ? `AND problem_id IN (${UNIT_PROBLEMS})` : ''}
                   GROUP BY problem_id ORDER BY problem_id LIMIT @page) r
             JOIN problems p ON p.id = r.problem_id
             ORDER BY p.id`,
          )
        : db.prepare(`SELECT ${PROBLEM_FIELDS}, p.report_count AS in_period FROM problems p WHERE p.id > @after ${scope ? `AND p.id IN (${UNIT_PROBLEMS})` : ''} ORDER BY p.id LIMIT @page`);

      const reportsOfUnits = scope ? `AND problem_id IN (${UNIT_PROBLEMS})` : '';
      const reports = period
        ? db.prepare(`SELECT ${REPORT_FIELDS} FROM reports WHERE received_at >= @start AND received_at < @end AND id > @after AND ${FEEDBACK_ONLY} ${reportsOfUnits} ORDER BY id LIMIT @page`)
        : db.prepare(`SELECT ${REPORT_FIELDS} FROM reports WHERE id > @after AND ${FEEDBACK_ONLY} ${reportsOfUnits} ORDER BY id LIMIT @page`);
      const firstInPeriod = db.prepare('SELECT MIN(id) AS id FROM reports WHERE received_at >= ? AND received_at < ?');

      const mediaOfUnits = scope ? `AND r.problem_id IN (${UNIT_PROBLEMS})` : '';
      const mediaInPeriod = period ? 'AND r.received_at >= @start AND r.received_at < @end' : '';
      const media = db.prepare(
        `SELECT m.report_id AS id, m.report_id, r.problem_id, r.received_at, m.kind, m.duration, m.file_id, m.transcript, m.description, m.job_state, m.skip_reason
         FROM report_media m JOIN reports r ON r.id = m.report_id
         WHERE m.report_id > @after ${mediaInPeriod} AND (r.kind IS NULL OR r.kind <> 'chitchat') ${mediaOfUnits} ORDER BY m.report_id LIMIT @page`,
      );

      const params = (after: number, page: number) => ({ after, page, ...(period && { start: period.start, end: period.end }), ...(scope && { units: scope }) });
      return {
        problems: (after, limit) => problems.all(params(after, limit)) as LedgerProblemRow[],
        reportsStartAfter: () => (period ? ((firstInPeriod.get(period.start, period.end) as { id: number | null }).id ?? 1) - 1 : 0),
        reports: (after, limit) => reports.all(params(after, limit)) as LedgerReportRow[],
        media: (after, limit) => media.all(params(after, limit)) as LedgerMediaRow[],
      };
    },
  };
}
