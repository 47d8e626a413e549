import type { Db } from '../db/database.ts';
import type { Result } from '../domain/classification.ts';
import type { ReportStore } from '../intake/report-store.ts';
import type { KnowledgeStore } from '../knowledge/knowledge-store.ts';

/**
 * The resident's answer to "did this answer your question?". Yes closes the question as answered from the
 * knowledge base. No sends the report back into the pipeline, which takes the normal way (problem, staff,
 * ticket) because the question was already asked once. Only the report's own resident, once.
 */
export interface KnowledgeFeedback {
  answer(reportId: number, residentId: number, answered: boolean): Result<{ status: 'answered' | 'declined' }>;
}

export function createKnowledgeFeedback(deps: { db: Db; reports: ReportStore; store: KnowledgeStore; onDeclined: () => void; now?: () => number }): KnowledgeFeedback {
  const { db, reports, store } = deps;
  const now = deps.now ?? Date.now;

  return {
    answer(reportId, residentId, answered) {
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
    },
  };
}
