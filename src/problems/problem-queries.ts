import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/database.ts';
import type { Period } from '../domain/periods.ts';
import { STATUSES, type Problem, type ProblemStatus } from './problem.ts';
import { toProblem } from './problem-store.ts';

/** Which problems a list shows. `open` is the default: what still needs work. */
export type ProblemFilter =
  | { type: 'open' }
  | { type: 'all' }
  | { type: 'category'; category: string }
  /** A subtopic (议题) id of prompts/subtopics.json, e.g. "food.price". */
  | { type: 'subtopic'; subtopic: string }
  | { type: 'unit'; unitId: string }
  | { type: 'status'; status: ProblemStatus }
  | { type: 'overdue' }
  | { type: 'recurring' }
  | { type: 'widespread' }
  | { type: 'urgent' };

export interface ProblemPage {
  problems: Problem[];
  total: number;
  page: number;
  pages: number;
}

export interface Summary {
  period: Period;
  newReports: number;
  newProblems: number;
  reportsByCategory: Array<{ category: string; reports: number }>;
  /** Problems created in the period, by their status now. */
  problemsByStatus: Array<{ status: ProblemStatus; problems: number }>;
  urgentOpen: Problem[];
  overdueCount: number;
  overdue: Problem[];
  /** Problems with the most reports received in the period. */
  top: Array<{ problem: Problem; reportsInPeriod: number }>;
}

export interface ReportLine {
  id: number;
  receivedAt: number;
  text: string | null;
  summary: string | null;
  mediaKind: string | null;
  /** The file Telegram keeps for this report (voice note, photo…); null when there is none or /forget erased it. */
  mediaFileId: string | null;
  urgent: boolean;
}

/** The read side of the problem list: what staff commands, the export and natural questions look at. */
export interface ProblemQueries {
  list(filter: ProblemFilter, page: number, pageSize: number, now: number): ProblemPage;
  summary(period: Period, now: number): Summary;
  overdue(now: number, limit: number): { total: number; problems: Problem[] };
  search(words: string, limit: number): Problem[];
  reportsOf(problemId: number, limit: number): { reports: ReportLine[]; total: number };
  /** Count reports matching optional unit and category within a period (natural questions). */
  countReports(options: { period: Period; unitId?: string; category?: string }): number;
  /** Open overdue problems per responsible unit (or the problem's unit when unassigned). */
  overdueByUnit(now: number): Array<{ unitId: string | null; unitWritten: string | null; problems: number; oldestDeadline: number }>;
}

// Open = new, assigned or in progress (a status is one of five: the table's CHECK). Written as "not resolved or
// closed", the form of the partial indexes problems_deadline and problems_open_queue, so SQLite uses them.
const OPEN = `status NOT IN ('resolved', 'closed')`;
/** Reports whose texts a search of only short words reads: about two months of a large district. */
const SHORT_WORD_REPORTS = 100_000;
/** The newest reports the trigram index offers a search; the latest 200 that match every word are kept. */
const FTS_CANDIDATES = 2_000;
const LIVE = 'merged_into IS NULL';

export function createProblemQueries(db: Db): ProblemQueries {
  function where(filter: ProblemFilter, now: number): { sql: string; params: unknown[] } {
    switch (filter.type) {
      case 'open':
        return { sql: `${OPEN}`, params: [] };
      case 'all':
        return { sql: LIVE, params: [] };
      case 'category':
        return { sql: `category = ? AND ${LIVE}`, params: [filter.category] };
      case 'subtopic':
        // The partial index problems_subtopic covers exactly these rows.
        return { sql: `subtopic = ? AND subtopic IS NOT NULL AND ${LIVE}`, params: [filter.subtopic] };
      case 'unit':
        // A union of two index ranges: with OR, SQLite read every row of the unit's problems to count them.
        return {
          sql: `id IN (SELECT id FROM problems WHERE unit_id = ? AND ${LIVE} UNION SELECT id FROM problems WHERE responsible_unit_id = ? AND ${LIVE})`,
          params: [filter.unitId, filter.unitId],
        };
      case 'status':
        return { sql: `status = ? AND ${LIVE}`, params: [filter.status] };
      case 'overdue':
        return { sql: `${OPEN} AND deadline_at < ?`, params: [now] };
      case 'recurring':
        return { sql: `recurring = 1 AND ${LIVE}`, params: [] };
      case 'widespread':
        return { sql: `widespread = 1 AND ${LIVE}`, params: [] };
      case 'urgent':
        return { sql: `urgent = 1 AND ${OPEN}`, params: [] };
    }
  }

  // Statements for fixed shapes are prepared once; list() builds from a fixed set of WHERE clauses.
  const statements = new Map<string, Statement<unknown[]>>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };

  const overdueCount = db.prepare(`SELECT COUNT(*) AS n FROM problems WHERE ${OPEN} AND deadline_at < ?`);
  const overdueList = db.prepare(`SELECT * FROM problems WHERE ${OPEN} AND deadline_at < ? ORDER BY deadline_at LIMIT ?`);

  return {
    list(filter, page, pageSize, now) {
      const { sql, params } = where(filter, now);
      const total = (prepared(`SELECT COUNT(*) AS n FROM problems WHERE ${sql}`).get(...params) as { n: number }).n;
      const pages = Math.max(1, Math.ceil(total / pageSize));
      const current = Math.min(Math.max(1, page), pages);
      // Open lists put what is most pressing first; the others are newest first.
      const order = filter.type === 'open' || filter.type === 'overdue' || filter.type === 'urgent'
        ? 'urgent DESC, deadline_at ASC, id DESC'
        : 'id DESC';
      const rows = prepared(`SELECT * FROM problems WHERE ${sql} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...params, pageSize, (current - 1) * pageSize);
      return { problems: (rows as never[]).map(toProblem), total, page: current, pages };
    },

    summary(period, now) {
      const newReports = (prepared('SELECT COUNT(*) AS n FROM reports WHERE received_at >= ? AND received_at < ?').get(period.start, period.end) as { n: number }).n;
      const newProblems = (prepared(`SELECT COUNT(*) AS n FROM problems WHERE created_at >= ? AND created_at < ? AND ${LIVE}`).get(period.start, period.end) as { n: number }).n;
      const reportsByCategory = prepared(
        `SELECT category, COUNT(*) AS reports FROM reports WHERE received_at >= ? AND received_at < ? AND category IS NOT NULL
         GROUP BY category ORDER BY reports DESC, category`,
      ).all(period.start, period.end) as Summary['reportsByCategory'];
      const statusRows = prepared(
        `SELECT status, COUNT(*) AS problems FROM problems WHERE created_at >= ? AND created_at < ? AND ${LIVE} GROUP BY status`,
      ).all(period.start, period.end) as Summary['problemsByStatus'];
      const problemsByStatus = STATUSES.map((status) => ({ status, problems: statusRows.find((r) => r.status === status)?.problems ?? 0 }));
      const urgentOpen = (prepared(`SELECT * FROM problems WHERE urgent = 1 AND ${OPEN} ORDER BY created_at DESC LIMIT 5`).all() as never[]).map(toProblem);
      const overdueTotal = (overdueCount.get(now) as { n: number }).n;
      const overdue = (overdueList.all(now, 3) as never[]).map(toProblem);
      const topRows = prepared(
        `SELECT problem_id AS id, COUNT(*) AS n FROM reports WHERE received_at >= ? AND received_at < ? AND problem_id IS NOT NULL
         GROUP BY problem_id ORDER BY n DESC, problem_id DESC LIMIT 5`,
      ).all(period.start, period.end) as Array<{ id: number; n: number }>;
      const one = prepared('SELECT * FROM problems WHERE id = ?');
      const top = topRows.map((r) => ({ problem: toProblem(one.get(r.id) as never), reportsInPeriod: r.n }));
      return { period, newReports, newProblems, reportsByCategory, problemsByStatus, urgentOpen, overdueCount: overdueTotal, overdue, top };
    },

    overdue(now, limit) {
      return { total: (overdueCount.get(now) as { n: number }).n, problems: (overdueList.all(now, limit) as never[]).map(toProblem) };
    },

    search(words, limit) {
      // Control characters (a NUL ends an FTS5 string early: "unterminated string") and lone surrogates match
      // nothing anyone wrote: they separate words like spaces do.
      const terms = words.replace(/[\p{Cc}\p{Cs}]/gu, ' ').split(/\s+/).filter(Boolean).slice(0, 5);
      if (terms.length === 0) return [];
      // LIKE with escaped wildcards, bound as parameters: the words are data, never SQL.
      const like = (t: string) => `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const titleClause = terms.map(() => `title LIKE ? ESCAPE '\\'`).join(' AND ');
      const textClause = terms.map(() => `text LIKE ? ESCAPE '\\'`).join(' AND ');
      // Reports' texts: words of three characters or more are looked up in the trigram index (reports_fts),
      // over all reports. Shorter words cannot use it; when every word is short, only the latest
      // SHORT_WORD_REPORTS reports are read (titles are always searched in full).
      const indexed = terms.filter((t) => Array.from(t).length >= 3);
      const reportsMatching = indexed.length
        ? `SELECT problem_id FROM reports WHERE id IN (
             SELECT rowid FROM reports_fts WHERE reports_fts MATCH ? ORDER BY rowid DESC LIMIT ${FTS_CANDIDATES})
           AND problem_id IS NOT NULL AND ${textClause} ORDER BY id DESC LIMIT 200`
        : `SELECT problem_id FROM reports WHERE id > (SELECT COALESCE(MAX(id), 0) FROM reports) - ${SHORT_WORD_REPORTS}
           AND problem_id IS NOT NULL AND ${textClause} ORDER BY id DESC LIMIT 200`;
      const sql = `SELECT * FROM problems WHERE ${LIVE} AND id IN (
          SELECT id FROM problems WHERE ${titleClause}
          UNION SELECT problem_id FROM (${reportsMatching}))
        ORDER BY last_report_at DESC LIMIT ?`;
      // An FTS5 phrase per word: quoted, so the words are matched as text, never read as query syntax.
      const match = indexed.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND ');
      const params = [...terms.map(like), ...(indexed.length ? [match] : []), ...terms.map(like), limit];
      return (prepared(sql).all(...params) as never[]).map(toProblem);
    },

    reportsOf(problemId, limit) {
      const rows = prepared(
        'SELECT id, received_at, text, summary, media_kind, media_file_id, urgent FROM reports WHERE problem_id = ? ORDER BY received_at DESC, id DESC LIMIT ?',
      ).all(problemId, limit) as Array<{ id: number; received_at: number; text: string | null; summary: string | null; media_kind: string | null; media_file_id: string | null; urgent: number | null }>;
      const total = (prepared('SELECT COUNT(*) AS n FROM reports WHERE problem_id = ?').get(problemId) as { n: number }).n;
      return {
        reports: rows.map((r) => ({ id: r.id, receivedAt: r.received_at, text: r.text, summary: r.summary, mediaKind: r.media_kind, mediaFileId: r.media_file_id, urgent: r.urgent === 1 })),
        total,
      };
    },

    countReports({ period, unitId, category }) {
      const clauses = ['received_at >= ?', 'received_at < ?'];
      const params: unknown[] = [period.start, period.end];
      if (unitId) {
        clauses.push('unit_id = ?');
        params.push(unitId);
      }
      if (category) {
        clauses.push('category = ?');
        params.push(category);
      }
      return (prepared(`SELECT COUNT(*) AS n FROM reports WHERE ${clauses.join(' AND ')}`).get(...params) as { n: number }).n;
    },

    overdueByUnit(now) {
      return prepared(
        `SELECT COALESCE(responsible_unit_id, unit_id) AS unitId, CASE WHEN COALESCE(responsible_unit_id, unit_id) IS NULL THEN unit_written END AS unitWritten,
                COUNT(*) AS problems, MIN(deadline_at) AS oldestDeadline
         FROM problems WHERE ${OPEN} AND deadline_at < ? GROUP BY 1, 2 ORDER BY problems DESC, oldestDeadline`,
      ).all(now) as Array<{ unitId: string | null; unitWritten: string | null; problems: number; oldestDeadline: number }>;
    },
  };
}
