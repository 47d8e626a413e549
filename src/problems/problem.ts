/** The problem list's vocabulary: statuses, reasons, and what a problem is. */

import type { ProblemKind } from '../domain/classification.ts';

export const STATUSES = ['new', 'assigned', 'in_progress', 'resolved', 'closed'] as const;
export type ProblemStatus = (typeof STATUSES)[number];
export const OPEN_STATUSES: readonly ProblemStatus[] = ['new', 'assigned', 'in_progress'];
export const isOpen = (status: ProblemStatus) => OPEN_STATUSES.includes(status);

export const CLOSE_REASONS = ['duplicate', 'not_our_responsibility', 'no_action_possible'] as const;
/** How a suggestion (建议) is closed: adopted (采纳) or noted (已阅); neither counts as an unresolved complaint. */
export const SUGGESTION_OUTCOMES = ['adopted', 'noted'] as const;
export type SuggestionOutcome = (typeof SUGGESTION_OUTCOMES)[number];
export type CloseReason = (typeof CLOSE_REASONS)[number] | SuggestionOutcome;

export interface Problem {
  id: number;
  title: string;
  category: string;
  /** The subtopic (议题) the problem is about, null when its reports' classifier named none. */
  subtopic: string | null;
  /** Complaint, suggestion or inquiry: decides the deadline (src/domain/deadlines.ts) and how it may be closed. */
  kind: ProblemKind;
  unitId: string | null;
  unitWritten: string | null;
  urgent: boolean;
  status: ProblemStatus;
  closeReason: CloseReason | null;
  responsibleUnitId: string | null;
  deadlineAt: number | null;
  reportCount: number;
  residentCount: number;
  firstReportAt: number | null;
  lastReportAt: number | null;
  recurring: boolean;
  recurringAt: number | null;
  widespread: boolean;
  widespreadAt: number | null;
  firstResponseAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
  mergedInto: number | null;
  createdAt: number;
  updatedAt: number;
}

/** Who did something: staff by Telegram user id, the system, or a resident by internal id. */
export type Actor = { type: 'staff'; userId: number } | { type: 'system' } | { type: 'resident'; residentId: number };

export const actorLabel = (actor: Actor): string =>
  actor.type === 'staff' ? `staff:${actor.userId}` : actor.type === 'resident' ? `resident:${actor.residentId}` : 'system';

export interface ProblemEvent {
  id: number;
  problemId: number;
  at: number;
  actor: string;
  action: string;
  fromStatus: ProblemStatus | null;
  toStatus: ProblemStatus | null;
  note: string | null;
}

/** The status a resolved problem reopens to: back with its unit when one is responsible, else new again. */
export const reopenedStatus = (problem: Pick<Problem, 'responsibleUnitId'>): ProblemStatus =>
  problem.responsibleUnitId ? 'assigned' : 'new';

/** A problem is overdue when it is still open after its deadline. */
export const isOverdue = (problem: Pick<Problem, 'status' | 'deadlineAt'>, now: number): boolean =>
  isOpen(problem.status) && problem.deadlineAt !== null && problem.deadlineAt < now;
