import type { Db } from '../db/database.ts';

/** A resident's answer to "is it fixed?" on the survey (满意度回访) after a problem is resolved. */
export type FixedAnswer = 'fixed' | 'partly' | 'not_fixed';

/** What a resident has answered so far about one report's survey. */
export interface SurveyRow {
  problemId: number;
  fixed: FixedAnswer | null;
  rating: number | null;
}

/** The survey's table: one row per report asked about, the answers filled in as they come. */
export interface FeedbackStore {
  /** The survey is asked about a report (again, after a later resolution: the question is replaced). */
  ask(reportId: number, problemId: number, unitId: string | null, at: number): void;
  /** The row of a report the survey was asked about, or undefined. */
  get(reportId: number): SurveyRow | undefined;
  setFixed(reportId: number, fixed: FixedAnswer, at: number): void;
  setRating(reportId: number, rating: number, at: number): void;
  setComment(reportId: number, comment: string): void;
}

export function createFeedbackStore(db: Db): FeedbackStore {
  const ask = db.prepare(
    `INSERT INTO feedback (report_id, problem_id, unit_id, asked_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (report_id) DO UPDATE SET problem_id = excluded.problem_id, unit_id = excluded.unit_id, asked_at = excluded.asked_at`,
  );
  const row = db.prepare('SELECT problem_id AS problemId, fixed, rating FROM feedback WHERE report_id = ?');
  const setFixed = db.prepare('UPDATE feedback SET fixed = ?, fixed_at = ? WHERE report_id = ?');
  const setRating = db.prepare('UPDATE feedback SET rating = ?, rated_at = ? WHERE report_id = ?');
  const setComment = db.prepare('UPDATE feedback SET comment = ? WHERE report_id = ?');
  return {
    ask: (reportId, problemId, unitId, at) => void ask.run(reportId, problemId, unitId, at),
    get: (reportId) => row.get(reportId) as SurveyRow | undefined,
    setFixed: (reportId, fixed, at) => void setFixed.run(fixed, at, reportId),
    setRating: (reportId, rating, at) => void setRating.run(rating, at, reportId),
    setComment: (reportId, comment) => void setComment.run(comment, reportId),
  };
}
