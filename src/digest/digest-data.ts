import type { Db } from '../db/database.ts';
import type { ProblemStatus } from '../problems/problem.ts';
import { previousPeriod, type Period } from './periods.ts';
import { createRatesQuery, type Ranking, type RankingSettings } from './rates.ts';

/**
 * What the weekly digest says, as data: every figure is computed here with set-based SQL over index
 * ranges of the two weeks, so rendering (HTML, chart) only arranges it. INDEXED BY pins the queries to
 * the covering indexes of migration 002 (see rates.ts).
 */

export interface ProblemLine {
  id: number;
  title: string;
  category: string;
  /** The unit it is attributed to (responsible, else the one it is about), or null. */
  unitId: string | null;
  /** The unit as residents wrote it, when it matched nothing in the directory. */
  unitWritten: string | null;
  status: ProblemStatus;
}

/** Most reports received in the week first; on a tie, the older problem. */
export interface TopProblem extends ProblemLine {
  /** Reports received in the week. */
  reports: number;
  /** All reports the problem has. */
  totalReports: number;
  residents: number;
}

/**
 * in_time: the problem got its first staff action within the response window after the report arrived
 * (or had it already); late: after the window; missed: the window has passed without one;
 * pending: the window is still running at the moment of building and nobody has acted yet.
 */
export type UrgentOutcome = 'in_time' | 'late' | 'missed' | 'pending';

export interface UrgentReport {
  reportId: number;
  receivedAt: number;
  problemId: number | null;
  title: string | null;
  category: string | null;
  unitId: string | null;
  unitWritten: string | null;
  respondedAt: number | null;
  outcome: UrgentOutcome;
}

export interface OverdueProblem extends ProblemLine {
  responsibleUnitId: string | null;
  deadlineAt: number;
}

export interface WeeklyDigest {
  week: Period;
  previousWeek: Period;
  /** The moment the digest was built: urgent outcomes, pending responses and overdue problems are as of now. */
  builtAt: number;
  reports: { current: number; previous: number };
  /** New problems (created in the week, not merged into another). */
  problems: { current: number; previous: number };
  /** Reports by category, most this week first; `category` null = not yet classified. */
  byCategory: Array<{ category: string | null; current: number; previous: number }>;
  topProblems: TopProblem[];
  /** Problems that became widespread in the week. */
  newWidespread: { total: number; problems: Array<ProblemLine & { residents: number }> };
  /** Problems that came back after being resolved, in the week. */
  newRecurring: { total: number; problems: ProblemLine[] };
  urgent: { total: number; counts: Record<UrgentOutcome, number>; reports: UrgentReport[] };
  overdue: { total: number; problems: OverdueProblem[] };
  ranking: Ranking;
}

export interface DigestLimits {
  topProblems: number;
  /** Longer lists are cut here; the totals still count every one. */
  listLines: number;
}

export const DEFAULT_LIMITS: DigestLimits = { topProblems: 5, listLines: 20 };

interface ProblemRow {
  id: number;
  title: string;
  category: string;
  unit_id: string | null;
  unit_written: string | null;
  status: ProblemStatus;
}

const toLine = (r: ProblemRow): ProblemLine => ({ id: r.id, title: r.title, category: r.category, unitId: r.unit_id, unitWritten: r.unit_written, status: r.status });

const listWithTotal = <R extends { total: number }, T>(rows: R[], map: (row: R) => T) => ({ total: rows[0]?.total ?? 0, problems: rows.map(map) });

const PROBLEM_COLUMNS = 'p.id, p.title, p.category, COALESCE(p.responsible_unit_id, p.unit_id) AS unit_id, p.unit_written, p.status';

export interface DigestQuery {
  build(week: Period, builtAt: number, settings: RankingSettings, unitName: (unitId: string) => string): WeeklyDigest;
}

export function createDigestQuery(db: Db, timezone: string, limits: DigestLimits = DEFAULT_LIMITS): DigestQuery {
  const rates = createRatesQuery(db);
  const reportCount = db.prepare('SELECT COUNT(*) AS n FROM reports INDEXED BY reports_received WHERE received_at >= ? AND received_at < ?').pluck();
  const problemCount = db.prepare('SELECT COUNT(*) AS n FROM problems INDEXED BY problems_created_live WHERE created_at >= ? AND created_at < ? AND merged_into IS NULL').pluck();
  const categoryCounts = db.prepare(
    'SELECT category, COUNT(*) AS n FROM reports INDEXED BY reports_received WHERE received_at >= ? AND received_at < ? GROUP BY category',
  );
  const topProblems = db.prepare(
    `SELECT ${PROBLEM_COLUMNS}, t.n AS reports, p.report_count AS total, p.resident_count AS residents
     FROM (SELECT problem_id, COUNT(*) AS n FROM reports INDEXED BY reports_received_problem
           WHERE received_at >= @from AND received_at < @to AND problem_id IS NOT NULL
           GROUP BY problem_id ORDER BY n DESC, problem_id LIMIT @limit) t
     JOIN problems p ON p.id = t.problem_id
     ORDER BY t.n DESC, p.id`,
  );
  const widespread = db.prepare(
    `SELECT ${PROBLEM_COLUMNS}, p.resident_count AS residents, COUNT(*) OVER () AS total FROM problems p INDEXED BY problems_widespread_at
     WHERE p.widespread_at >= ? AND p.widespread_at < ? AND p.merged_into IS NULL ORDER BY p.widespread_at, p.id LIMIT ?`,
  );
  const recurring = db.prepare(
    `SELECT ${PROBLEM_COLUMNS}, COUNT(*) OVER () AS total FROM problems p INDEXED BY problems_recurring_at
     WHERE p.recurring_at >= ? AND p.recurring_at < ? AND p.merged_into IS NULL ORDER BY p.recurring_at, p.id LIMIT ?`,
  );
  // An urgent report is acted on in time when its problem's first staff action came no later than the
  // window after the report arrived; an action before the report counts too.
  const urgentOutcome = `CASE
      WHEN p.first_response_at IS NOT NULL AND p.first_response_at <= r.received_at + @window THEN 'in_time'
      WHEN p.first_response_at IS NOT NULL THEN 'late'
      WHEN r.received_at + @window <= @builtAt THEN 'missed'
      ELSE 'pending' END`;
  const urgentCounts = db.prepare(
    `SELECT ${urgentOutcome} AS outcome, COUNT(*) AS n
     FROM reports r INDEXED BY reports_urgent LEFT JOIN problems p ON p.id = r.problem_id
     WHERE r.urgent = 1 AND r.received_at >= @from AND r.received_at < @to GROUP BY outcome`,
  );
  // Those not acted on in time first: they are what staff should look at.
  const urgentList = db.prepare(
    `SELECT r.id AS reportId, r.received_at AS receivedAt, p.id AS problemId, p.title, p.category,
            COALESCE(p.responsible_unit_id, p.unit_id, r.unit_id) AS unitId, COALESCE(p.unit_written, r.unit_written) AS unitWritten,
            p.first_response_at AS respondedAt, ${urgentOutcome} AS outcome
     FROM reports r INDEXED BY reports_urgent LEFT JOIN problems p ON p.id = r.problem_id
     WHERE r.urgent = 1 AND r.received_at >= @from AND r.received_at < @to
     ORDER BY CASE outcome WHEN 'missed' THEN 0 WHEN 'late' THEN 1 WHEN 'pending' THEN 2 ELSE 3 END, r.received_at, r.id
     LIMIT @limit`,
  );
  // Written to match the partial index problems_deadline. A merged problem is always closed, so none is here.
  const overdueCount = db.prepare(`SELECT COUNT(*) FROM problems INDEXED BY problems_deadline WHERE status NOT IN ('resolved', 'closed') AND deadline_at < ?`).pluck();
  const overdueList = db.prepare(
    `SELECT ${PROBLEM_COLUMNS}, p.responsible_unit_id AS responsible, p.deadline_at AS deadline FROM problems p INDEXED BY problems_deadline
     WHERE p.status NOT IN ('resolved', 'closed') AND p.deadline_at < ?
     ORDER BY p.deadline_at, p.id LIMIT ?`,
  );

  return {
    build(week, builtAt, settings, unitName) {
      const previous = previousPeriod(week, timezone);
      const span = (p: Period) => [p.start, p.end] as const;

      const categories = new Map<string | null, { category: string | null; current: number; previous: number }>();
      const entry = (category: string | null) => {
        let e = categories.get(category);
        if (!e) categories.set(category, (e = { category, current: 0, previous: 0 }));
        return e;
      };
      for (const row of categoryCounts.all(...span(week)) as Array<{ category: string | null; n: number }>) entry(row.category).current = row.n;
      for (const row of categoryCounts.all(...span(previous)) as Array<{ category: string | null; n: number }>) entry(row.category).previous = row.n;
      const byCategory = [...categories.values()].sort(
        (a, b) => b.current - a.current || b.previous - a.previous || (a.category === null ? 1 : b.category === null ? -1 : a.category.localeCompare(b.category)),
      );

      const window = { from: week.start, to: week.end, window: settings.responseWindowMs, builtAt };
      const counts: Record<UrgentOutcome, number> = { in_time: 0, late: 0, missed: 0, pending: 0 };
      for (const row of urgentCounts.all(window) as Array<{ outcome: UrgentOutcome; n: number }>) counts[row.outcome] = row.n;

      return {
        week,
        previousWeek: previous,
        builtAt,
        reports: { current: reportCount.get(...span(week)) as number, previous: reportCount.get(...span(previous)) as number },
        problems: { current: problemCount.get(...span(week)) as number, previous: problemCount.get(...span(previous)) as number },
        byCategory,
        topProblems: (topProblems.all({ from: week.start, to: week.end, limit: limits.topProblems }) as Array<ProblemRow & { reports: number; total: number; residents: number }>).map((r) => ({
          ...toLine(r),
          reports: r.reports,
          totalReports: r.total,
          residents: r.residents,
        })),
        newWidespread: listWithTotal(widespread.all(...span(week), limits.listLines) as Array<ProblemRow & { residents: number; total: number }>, (r) => ({ ...toLine(r), residents: r.residents })),
        newRecurring: listWithTotal(recurring.all(...span(week), limits.listLines) as Array<ProblemRow & { total: number }>, toLine),
        urgent: {
          total: counts.in_time + counts.late + counts.missed + counts.pending,
          counts,
          reports: urgentList.all({ ...window, limit: limits.listLines }) as UrgentReport[],
        },
        overdue: {
          total: overdueCount.get(builtAt) as number,
          problems: (overdueList.all(builtAt, limits.listLines) as Array<ProblemRow & { responsible: string | null; deadline: number }>).map((r) => ({
            ...toLine(r),
            responsibleUnitId: r.responsible,
            deadlineAt: r.deadline,
          })),
        },
        ranking: rates.ranking(week.start, week.end, builtAt, settings, unitName),
      };
    },
  };
}
