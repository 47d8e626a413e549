import type { Db } from '../db/database.ts';
import type { UnitActivity } from './themes.ts';

/** The read side of district-wide themes, and the record of which themes staff were already told about. */
export interface ThemeStore {
  /** Per subtopic and unit: reports received in [since, until) on live problems of that subtopic; one subtopic or all. */
  activity(since: number, until: number, subtopic?: string): UnitActivity[];
  /** Subtopics with the most reports received in [since, until) (reports on the problem list only). */
  topSubtopics(since: number, until: number, limit: number): Array<{ subtopic: string; reports: number; units: number }>;
  lastAlertAt(subtopic: string): number | undefined;
  /** Remember that staff were told; the id keys the outbox messages. */
  recordAlert(alert: { subtopic: string; at: number; units: number; reports: number }): number;
}

// A problem counts at the unit residents named: a school, kindergarten or venue, never a bureau office (where a
// problem with no unit is assigned, which says nothing about where it happened). Problems are found through the
// partial index problems_subtopic (subtopic, last_report_at), their reports through reports_problem.
const ACTIVITY = `
  SELECT p.subtopic AS subtopic, p.unit_id AS unitId, COUNT(r.id) AS reports, MAX(r.received_at) AS lastAt
  FROM problems p JOIN reports r ON r.problem_id = p.id AND r.received_at >= @since AND r.received_at < @until
  JOIN units u ON u.id = p.unit_id AND u.type <> 'bureau_office'
  WHERE p.subtopic IS NOT NULL AND p.merged_into IS NULL AND p.last_report_at >= @since`;

export function createThemeStore(db: Db): ThemeStore {
  const all = db.prepare(`${ACTIVITY} GROUP BY 1, 2`);
  const one = db.prepare(`${ACTIVITY} AND p.subtopic = @subtopic GROUP BY 1, 2`);
  const top = db.prepare(
    `SELECT subtopic, COUNT(*) AS reports, COUNT(DISTINCT unit_id) AS units FROM reports
     WHERE received_at >= ? AND received_at < ? AND subtopic IS NOT NULL AND problem_id IS NOT NULL
     GROUP BY subtopic ORDER BY reports DESC, subtopic LIMIT ?`,
  );
  const last = db.prepare('SELECT MAX(alerted_at) FROM theme_alerts WHERE subtopic = ?').pluck();
  const insert = db.prepare('INSERT INTO theme_alerts (subtopic, alerted_at, units, reports) VALUES (@subtopic, @at, @units, @reports)');
  return {
    activity: (since, until, subtopic) =>
      (subtopic === undefined ? all.all({ since, until }) : one.all({ since, until, subtopic })) as UnitActivity[],
    topSubtopics: (since, until, limit) => top.all(since, until, limit) as Array<{ subtopic: string; reports: number; units: number }>,
    lastAlertAt: (subtopic) => (last.get(subtopic) as number | null) ?? undefined,
    recordAlert: (alert) => Number(insert.run(alert).lastInsertRowid),
  };
}
