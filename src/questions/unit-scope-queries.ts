import type { Db } from '../db/database.ts';
import type { Period } from '../domain/periods.ts';
import { STATUSES, type Problem } from '../problems/problem.ts';
import type { Summary } from '../problems/problem-queries.ts';
import { toProblem } from '../problems/problem-store.ts';

/**
 * The read side of the problem list as a unit's own chat may see it: only the live problems its units are
 * responsible for (the scope rule of src/dispatch/unit-desk.ts), and the reports on them. Units are bound as one
 * JSON array parameter, so the statements are prepared once whatever the number of units.
 */
export interface UnitScopeQueries {
  /** The units' live problems, newest first. */
  problems(unitIds: readonly string[], limit: number): Problem[];
  /** Reports received in the period on the units' problems, optionally of one category. */
  countReports(unitIds: readonly string[], options: { period: Period; category?: string }): number;
  /** ProblemQueries.summary, over the units' problems only. */
  summary(unitIds: readonly string[], period: Period, now: number): Summary;
}

const SCOPED = `responsible_unit_id IN (SELECT value FROM json_each(@units)) AND merged_into IS NULL`;
const OPEN = `status NOT IN ('resolved', 'closed')`;
const SCOPED_IDS = `SELECT id FROM problems WHERE ${SCOPED}`;

export function createUnitScopeQueries(db: Db): UnitScopeQueries {
  const problems = db.prepare(`SELECT * FROM problems WHERE ${SCOPED} ORDER BY id DESC LIMIT @limit`);
  const reportCount = db.prepare(
    `SELECT COUNT(*) FROM reports WHERE received_at >= @start AND received_at < @end AND problem_id IN (${SCOPED_IDS})
       AND (@category IS NULL OR category = @category)`,
  ).pluck();
  const newProblems = db.prepare(`SELECT COUNT(*) FROM problems WHERE ${SCOPED} AND created_at >= @start AND created_at < @end`).pluck();
  const byCategory = db.prepare(
    `SELECT category, COUNT(*) AS reports FROM reports WHERE received_at >= @start AND received_at < @end AND problem_id IN (${SCOPED_IDS})
       AND category IS NOT NULL GROUP BY category ORDER BY reports DESC, category`,
  );
  const byStatus = db.prepare(`SELECT status, COUNT(*) AS problems FROM problems WHERE ${SCOPED} AND created_at >= @start AND created_at < @end GROUP BY status`);
  const urgentOpen = db.prepare(`SELECT * FROM problems WHERE ${SCOPED} AND urgent = 1 AND ${OPEN} ORDER BY created_at DESC LIMIT 5`);
  const overdueCount = db.prepare(`SELECT COUNT(*) FROM problems WHERE ${SCOPED} AND ${OPEN} AND deadline_at < @now`).pluck();
  const overdue = db.prepare(`SELECT * FROM problems WHERE ${SCOPED} AND ${OPEN} AND deadline_at < @now ORDER BY deadline_at, id LIMIT 3`);
  const top = db.prepare(
    `SELECT problem_id AS id, COUNT(*) AS n FROM reports WHERE received_at >= @start AND received_at < @end AND problem_id IN (${SCOPED_IDS})
     GROUP BY problem_id ORDER BY n DESC, problem_id DESC LIMIT 5`,
  );
  const one = db.prepare('SELECT * FROM problems WHERE id = ?');
  const units = (unitIds: readonly string[]) => JSON.stringify(unitIds);

  return {
    problems: (unitIds, limit) => (problems.all({ units: units(unitIds), limit }) as never[]).map(toProblem),
    countReports: (unitIds, { period, category }) => reportCount.get({ units: units(unitIds), start: period.start, end: period.end, category: category ?? null }) as number,
    summary(unitIds, period, now) {
      const span = { units: units(unitIds), start: period.start, end: period.end };
      const statusRows = byStatus.all(span) as Summary['problemsByStatus'];
      return {
        period,
        newReports: reportCount.get({ ...span, category: null }) as number,
        newProblems: newProblems.get(span) as number,
        reportsByCategory: byCategory.all(span) as Summary['reportsByCategory'],
        problemsByStatus: STATUSES.map((status) => ({ status, problems: statusRows.find((r) => r.status === status)?.problems ?? 0 })),
        urgentOpen: (urgentOpen.all({ units: span.units }) as never[]).map(toProblem),
        overdueCount: overdueCount.get({ units: span.units, now }) as number,
        overdue: (overdue.all({ units: span.units, now }) as never[]).map(toProblem),
        top: (top.all(span) as Array<{ id: number; n: number }>).map((r) => ({ problem: toProblem(one.get(r.id) as never), reportsInPeriod: r.n })),
      };
    },
  };
}
