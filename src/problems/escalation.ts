import type { DeadlineRule } from '../domain/deadlines.ts';
import type { Problem } from './problem.ts';
import type { ProblemStore } from './problem-store.ts';

/**
 * A report made a problem urgent: it is flagged, its deadline becomes the urgent one (never later than it was),
 * and the event is in its history. The one escalation rule, for an urgent report joining a problem (grouping) and
 * for a report found urgent after it was answered (re-classification). Inside the caller's transaction.
 */
export function escalateToUrgent(store: ProblemStore, deadlines: DeadlineRule, problem: Problem, reportId: number, at: number): void {
  if (problem.urgent) return;
  const urgentDeadline = deadlines.deadline(problem.kind, problem.category, true, at);
  store.update(problem.id, { urgent: true, deadlineAt: Math.min(problem.deadlineAt ?? urgentDeadline, urgentDeadline) }, at);
  store.record(problem.id, { at, actor: { type: 'system' }, action: 'urgent', note: `#${reportId}` });
}
