import type { Db } from '../db/database.ts';
import type { Result } from '../domain/classification.ts';
import type { ReportStore } from '../intake/report-store.ts';
import type { KnowledgeEntry } from '../knowledge/knowledge-base.ts';
import type { KnowledgeStore } from '../knowledge/knowledge-store.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { KnowledgeReplies } from '../replies/knowledge-replies.ts';

/** A suggestion the resident pressed: its index among the buttons, or "none of these". */
export type SuggestionChoice = number | 'none';

/**
 * The resident's answer to "did this answer your question?" and to "您是想问…?". Yes closes the question as
 * answered from the knowledge base. No, "none of these", or no choice within the timeout sends the report back
 * into the pipeline, which takes the normal way (problem, staff, ticket) because the question was already asked
 * once. A picked suggestion is shown like a confident answer, with its own yes/no. Only the report's own resident,
 * once: every step is one conditional update in one immediate transaction, so a press and the timeout sweep
 * racing for a held question requeue it once.
 */
export interface KnowledgeFeedback {
  answer(reportId: number, residentId: number, answered: boolean): Result<{ status: 'answered' | 'declined' }>;
  /** A press on a held question's suggestions: 'offered' (the entry is queued with yes/no) or 'declined' (a ticket). */
  pick(reportId: number, residentId: number, choice: SuggestionChoice): Result<{ status: 'offered'; entryId: string } | { status: 'declined' }>;
  /** Held questions nobody chose for within the timeout: unmatched, requeued for a ticket. Returns their report ids. */
  expireHeld(): number[];
}

export interface KnowledgeFeedbackDeps {
  db: Db;
  reports: ReportStore;
  store: KnowledgeStore;
  /** The usable entries, by id (an entry removed or expired since it was suggested is gone). */
  entries: { byId(id: string): KnowledgeEntry | undefined };
  outbox: Outbox;
  replies: KnowledgeReplies;
  /** How long a held question waits for the resident's choice (KNOWLEDGE_SUGGEST_TIMEOUT). */
  suggestTimeoutMs: number;
  /** A report went back into the pipeline. */
  onDeclined: () => void;
  /** Something was queued in the outbox. */
  onQueued: () => void;
  now?: () => number;
}

const REFUSED = { success: false as const, message: 'not yours, not held, or out of range' };
/** Held questions expired per transaction: a sweep after a long outage does not hold the database for long. */
const EXPIRE_BATCH = 100;

export function createKnowledgeFeedback(deps: KnowledgeFeedbackDeps): KnowledgeFeedback {
  const { db, reports, store } = deps;
  const now = deps.now ?? Date.now;

  function answer(reportId: number, residentId: number, answered: boolean): Result<{ status: 'answered' | 'declined' }> {
    const result = db
      .transaction((): Result<{ status: 'answered' | 'declined' }> => {
        const report = reports.get(reportId);
        // Another resident's report, one never offered, or a second press: one refusal for all, revealing nothing.
        if (!report || report.residentId !== residentId) return { success: false, message: 'not yours' };
        const status = answered ? 'answered' : 'declined';
        if (!store.decide(reportId, status, now())) return { success: false, message: 'not offered' };
        if (!answered) reports.requeueDeclined(reportId);
        return { success: true, data: { status } };
      })
      .immediate();
    if (result.success && result.data.status === 'declined') deps.onDeclined();
    return result;
  }

  function pick(reportId: number, residentId: number, choice: SuggestionChoice): Result<{ status: 'offered'; entryId: string } | { status: 'declined' }> {
    const result = db
      .transaction((): Result<{ status: 'offered'; entryId: string } | { status: 'declined' }> => {
        const report = reports.get(reportId);
        if (!report || report.residentId !== residentId) return REFUSED;
        const question = store.get(reportId);
        if (question?.status !== 'suggested') return REFUSED;
        const entryId = choice === 'none' ? undefined : question.suggested[choice];
        if (choice !== 'none' && entryId === undefined) return REFUSED;
        const entry = entryId === undefined ? undefined : deps.entries.byId(entryId);
        // "None of these", or an entry removed or expired since it was suggested: to staff, like "no".
        if (!entry) {
          if (!store.dismiss(reportId, 'declined', now())) return REFUSED;
          reports.requeueDeclined(reportId);
          return { success: true, data: { status: 'declined' } };
        }
        if (!store.pick(reportId, entry)) return REFUSED;
        deps.outbox.enqueue({
          dedupeKey: `kb:${reportId}`,
          chatId: report.chatId,
          kind: 'status',
          message: deps.replies.answer(report.replyLanguage, reportId, { answered: true, entry, cited: [entry], composed: null, by: 'offline' }),
        });
        return { success: true, data: { status: 'offered', entryId: entry.id } };
      })
      .immediate();
    if (result.success) {
      if (result.data.status === 'declined') deps.onDeclined();
      else deps.onQueued();
    }
    return result;
  }

  function expireHeld(): number[] {
    const expired: number[] = [];
    for (;;) {
      const at = now();
      const batch = store.heldSince(at - deps.suggestTimeoutMs, EXPIRE_BATCH);
      if (batch.length === 0) break;
      db.transaction(() => {
        for (const reportId of batch) {
          // Read again under the lock: a press may have settled it since the list was read.
          if (!store.dismiss(reportId, 'unmatched', at)) continue;
          reports.requeueDeclined(reportId);
          expired.push(reportId);
        }
      }).immediate();
      if (batch.length < EXPIRE_BATCH) break;
    }
    if (expired.length > 0) deps.onDeclined();
    return expired;
  }

  return { answer, pick, expireHeld };
}
