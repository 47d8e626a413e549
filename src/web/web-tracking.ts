import type { Db } from '../db/database.ts';
import type { Kind, Language } from '../domain/classification.ts';
import type { FixedAnswer, ProblemDesk } from '../desk/problem-desk.ts';
import type { Forgetting } from '../intake/forget.ts';
import type { CloseReason, ProblemStatus } from '../problems/problem.ts';
import { sameHash, tokenHash } from './tokens.ts';

/**
 * What a tracking link shows: the resident's own report and what they were told about it, nothing of anyone
 * else's (no problem title, no other reports, no staff identities).
 */
export interface TrackingView {
  ticket: number;
  receivedAt: number;
  language: Language;
  /** received: stored, not yet read by the classifier; settled: answered without a problem (praise, small talk, a question answered). */
  status: 'received' | 'settled' | ProblemStatus;
  closeReason: CloseReason | null;
  category: string | null;
  kind: Kind | null;
  deadlineAt: number | null;
  photo: boolean;
  contact: 'stored' | 'none';
  notices: Array<{ id: number; at: number; kind: string; text: string }>;
  /** asked: the problem was resolved and "is it fixed?" awaits (or has) an answer. */
  survey: { asked: boolean; fixed: FixedAnswer | null; rating: number | null; commented: boolean };
}

export interface TrackedReport {
  reportId: number;
  residentId: number;
}

export type SurveyOutcome = { ok: true; reopened: boolean } | { ok: false; reason: 'not_asked' };

export interface WebTracking {
  /** The report a token opens. Every token, well-formed or not, takes the same path: hash, look up, compare. */
  find(token: string): TrackedReport | undefined;
  view(reportId: number): TrackingView | undefined;
  answerSurvey(report: TrackedReport, answer: { fixed?: FixedAnswer; rating?: number; comment?: string }): SurveyOutcome;
  /** The resident's /forget: the same use case as on Telegram; afterwards the token opens nothing. */
  forget(report: TrackedReport): boolean;
}

interface Row {
  id: number;
  received_at: number;
  reply_language: Language;
  state: 'received' | 'classified';
  category: string | null;
  kind: Kind | null;
  problem_id: number | null;
  status: ProblemStatus | null;
  close_reason: CloseReason | null;
  deadline_at: number | null;
  media_kind: string | null;
  contact_sealed: string | null;
  asked_at: number | null;
  fixed: FixedAnswer | null;
  rating: number | null;
  commented: number | null;
}

export function createWebTracking(db: Db, desk: ProblemDesk, forgetting: Forgetting): WebTracking {
  const byHash = db.prepare(
    `SELECT w.report_id, w.token_hash, r.resident_id FROM web_reports w JOIN reports r ON r.id = w.report_id
     JOIN residents s ON s.id = r.resident_id WHERE w.token_hash = ? AND s.forgotten_at IS NULL`,
  );
  const one = db.prepare(
    `SELECT r.id, r.received_at, r.reply_language, r.state, r.category, r.kind, r.problem_id, r.media_kind,
            p.status, p.close_reason, p.deadline_at, w.contact_sealed,
            f.asked_at, f.fixed, f.rating, f.comment IS NOT NULL AS commented
     FROM reports r JOIN web_reports w ON w.report_id = r.id
     LEFT JOIN problems p ON p.id = r.problem_id LEFT JOIN feedback f ON f.report_id = r.id
     WHERE r.id = ?`,
  );
  const notices = db.prepare('SELECT id, at, kind, text FROM web_notices WHERE report_id = ? ORDER BY id LIMIT 200');

  return {
    find(token) {
      const hash = tokenHash(token);
      const row = byHash.get(hash) as { report_id: number; token_hash: string; resident_id: number } | undefined;
      if (!row || !sameHash(row.token_hash, hash)) return undefined;
      return { reportId: row.report_id, residentId: row.resident_id };
    },
    view(reportId) {
      const r = one.get(reportId) as Row | undefined;
      if (!r) return undefined;
      return {
        ticket: r.id,
        receivedAt: r.received_at,
        language: r.reply_language,
        status: r.status ?? (r.state === 'received' ? 'received' : 'settled'),
        closeReason: r.close_reason,
        category: r.category,
        kind: r.kind,
        deadlineAt: r.status === 'resolved' || r.status === 'closed' ? null : r.deadline_at,
        photo: r.media_kind === 'photo',
        contact: r.contact_sealed ? 'stored' : 'none',
        notices: notices.all(reportId) as TrackingView['notices'],
        survey: { asked: r.asked_at !== null, fixed: r.fixed, rating: r.rating, commented: r.commented === 1 },
      };
    },
    answerSurvey(report, answer) {
      // The desk checks the report is this resident's and that the question was asked; "not fixed" reopens.
      const result = desk.answerSurvey(report.reportId, report.residentId, answer);
      return result.success ? { ok: true, reopened: result.data.reopened } : { ok: false, reason: 'not_asked' };
    },
    forget(report) {
      return forgetting.forgetResident(report.residentId) !== undefined;
    },
  };
}
