import type { Db } from '../db/database.ts';
import type { Kind, Language } from '../domain/classification.ts';
import type { FixedAnswer, ProblemDesk } from '../desk/problem-desk.ts';
import type { Forgetting } from '../intake/forget.ts';
import type { CloseReason, ProblemStatus } from '../problems/problem.ts';
import { sameHash, tokenHash } from './tokens.ts';
import { createWebStore } from './web-store.ts';

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

export function createWebTracking(db: Db, desk: ProblemDesk, forgetting: Forgetting): WebTracking {
  const web = createWebStore(db);

  return {
    find(token) {
      const hash = tokenHash(token);
      const row = web.byTokenHash(hash);
      if (!row || !sameHash(row.tokenHash, hash)) return undefined;
      return { reportId: row.reportId, residentId: row.residentId };
    },
    view(reportId) {
      const r = web.tracking(reportId);
      if (!r) return undefined;
      return {
        ticket: r.id,
        receivedAt: r.receivedAt,
        language: r.replyLanguage,
        status: r.problemStatus ?? (r.state === 'received' ? 'received' : 'settled'),
        closeReason: r.closeReason,
        category: r.category,
        kind: r.kind,
        deadlineAt: r.problemStatus === 'resolved' || r.problemStatus === 'closed' ? null : r.deadlineAt,
        photo: r.mediaKind === 'photo',
        contact: r.contactStored ? 'stored' : 'none',
        notices: web.notices(reportId),
        survey: { asked: r.surveyAskedAt !== null, fixed: r.fixed, rating: r.rating, commented: r.commented },
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
