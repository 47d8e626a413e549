/*
 * desk/: the staff's use cases on the problem list (跟踪督办) — they change problems, render notices and queue them
 * in the outbox, so they sit beside the pipeline; problems/ and digest/ keep the data types and pure rules they use.
 */
import type { Db } from '../db/database.ts';
import { becomesProblem, type Language, type Result } from '../domain/classification.ts';
import type { DeadlineRule } from '../domain/deadlines.ts';
import type { Recipient, ReportStore } from '../intake/report-store.ts';
import { queueForEach } from '../outbox/broadcast.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { ResidentNotices } from '../replies/resident-notices.ts';
import type { StaffNotices } from '../replies/staff-notices.ts';
import type { UnitRegistry } from '../units/unit-registry.ts';
import { isOpen, reopenedStatus, SUGGESTION_OUTCOMES, type Actor, type CloseReason, type Problem, type ProblemStatus } from '../problems/problem.ts';
import { createFeedbackStore, type FixedAnswer } from '../problems/feedback-store.ts';
import type { ProblemStore } from '../problems/problem-store.ts';

export type { FixedAnswer };

/** Why a staff action was refused, in words the staff feature turns into a message. */
export type DeskRefusal =
  | { reason: 'no_such_problem'; problemId: number }
  | { reason: 'no_such_unit'; unit: string }
  | { reason: 'no_such_report'; reportId: number }
  | { reason: 'report_not_in_problem'; reportId: number; problemId: number }
  | { reason: 'already'; status: ProblemStatus }
  | { reason: 'same_problem' }
  | { reason: 'last_report' }
  | { reason: 'closed_problem'; problemId: number }
  /** Adopted / noted are for suggestions; a complaint is resolved or closed for another reason. */
  | { reason: 'not_a_suggestion'; problemId: number };

export type DeskResult<T = Problem> = { ok: true; value: T } | ({ ok: false } & DeskRefusal);

export interface SurveyAnswer {
  fixed?: FixedAnswer;
  rating?: number;
  comment?: string;
}

/**
 * Supervision of the problem list (跟踪督办): every staff action on a problem, its history entry, the
 * messages to the residents who reported it, and the residents' "is it fixed?" answers.
 * All of it in one transaction per action; messages go through the outbox.
 */
export interface ProblemDesk {
  assign(problemId: number, unit: string, deadlineAt: number | null, actor: Actor, note?: string): DeskResult;
  setStatus(problemId: number, status: 'new' | 'assigned' | 'in_progress', actor: Actor, note?: string): DeskResult;
  resolve(problemId: number, note: string, actor: Actor): DeskResult;
  close(problemId: number, reason: CloseReason, actor: Actor, note?: string): DeskResult;
  /** Move every report of `fromId` into `intoId`; `fromId` is closed as a duplicate. */
  merge(fromId: number, intoId: number, actor: Actor): DeskResult;
  /** Take one report out of a problem into a new problem of its own. */
  split(problemId: number, reportId: number, actor: Actor): DeskResult;
  /** A resident's answer to the survey; a second answer replaces the first. Only the report's own resident may answer. */
  answerSurvey(reportId: number, residentId: number, answer: SurveyAnswer): Result<{ reopened: boolean; problemId: number }>;
  /** The answers given so far to a report's survey. */
  surveyState(reportId: number): { fixed: FixedAnswer | null; rating: number | null } | undefined;
}

export interface ProblemDeskOptions {
  db: Db;
  problems: ProblemStore;
  reports: ReportStore;
  outbox: Outbox;
  units: UnitRegistry;
  deadlines: DeadlineRule;
  residentNotices: ResidentNotices;
  staffNotices: StaffNotices;
  staffChatIds: readonly number[];
  staffLanguage: Language;
  onQueued: () => void;
  now?: () => number;
  /** Inside the assign transaction: the unit's own chats get the dispatch card (src/dispatch/unit-desk.ts). */
  onAssigned?: (problem: Problem, at: number) => void;
}

export function createProblemDesk(options: ProblemDeskOptions): ProblemDesk {
  const { db, problems, reports, outbox, units, deadlines, residentNotices, staffNotices } = options;
  const now = options.now ?? Date.now;

  const feedback = createFeedbackStore(db);

  const missing = (problemId: number): DeskResult => ({ ok: false, reason: 'no_such_problem', problemId });

  function load(problemId: number): Problem | undefined {
    const id = problems.resolveId(problemId);
    return id === undefined ? undefined : problems.get(id);
  }

  /** The response-rate clock stops at the first staff action. */
  function responded(problem: Problem, actor: Actor, at: number): void {
    if (actor.type === 'staff' && problem.firstResponseAt === null) problems.update(problem.id, { firstResponseAt: at }, at);
  }

  function tellResidents(problem: Problem, eventKey: string, render: (r: Recipient) => ReturnType<ResidentNotices['statusUpdate']>): void {
    for (const recipient of reports.recipientsOf(problem.id)) {
      outbox.enqueue({ dedupeKey: `${eventKey}:${recipient.residentId}`, chatId: recipient.chatId, kind: 'status', message: render(recipient) });
    }
  }

  const unitNameOf = (problem: Problem) => (problem.responsibleUnitId ? units.name(problem.responsibleUnitId) : undefined) ?? null;

  /** Run a staff action atomically, then wake the outbox. */
  function act<T>(work: () => DeskResult<T>): DeskResult<T> {
    const result = db.transaction(work).immediate();
    if (result.ok) options.onQueued();
    return result;
  }

  function statusChange(problem: Problem, to: ProblemStatus, actor: Actor, note: string | undefined, at: number, extra: Parameters<ProblemStore['update']>[1] = {}): Problem {
    problems.update(problem.id, { status: to, ...extra }, at);
    problems.record(problem.id, { at, actor, action: 'status', fromStatus: problem.status, toStatus: to, note: note ?? null });
    responded(problem, actor, at);
    return problems.get(problem.id)!;
  }

  return {
    assign(problemId, unitArg, deadlineAt, actor, note) {
      return act(() => {
        const problem = load(problemId);
        if (!problem) return missing(problemId);
        const unit = units.resolve(unitArg);
        if (!unit) return { ok: false, reason: 'no_such_unit', unit: unitArg };
        const at = now();
        const deadline = deadlineAt ?? problem.deadlineAt ?? deadlines.deadline(problem.kind, problem.category, problem.urgent, at);
        const to: ProblemStatus = isOpen(problem.status) && problem.status !== 'new' ? problem.status : 'assigned';
        problems.update(problem.id, { responsibleUnitId: unit.id, deadlineAt: deadline, status: to, closeReason: null, closedAt: null }, at);
        problems.record(problem.id, { at, actor, action: 'assigned', fromStatus: problem.status, toStatus: to, note: note ?? null, data: { unitId: unit.id, deadlineAt: deadline } });
        responded(problem, actor, at);
        const updated = problems.get(problem.id)!;
        options.onAssigned?.(updated, at);
        tellResidents(updated, `assigned:${problem.id}:${at}`, (r) =>
          residentNotices.statusUpdate(r.language, { ticket: r.reportId, status: 'assigned', unit: unit.name, deadlineAt: deadline, note: note ?? null }),
        );
        return { ok: true, value: updated };
      });
    },

    setStatus(problemId, status, actor, note) {
      return act(() => {
        const problem = load(problemId);
        if (!problem) return missing(problemId);
        if (problem.status === status) return { ok: false, reason: 'already', status };
        const at = now();
        const reopening = !isOpen(problem.status);
        const updated = statusChange(problem, status, actor, note, at, reopening ? { resolvedAt: null, closedAt: null, closeReason: null } : {});
        if (status !== 'new') {
          tellResidents(updated, `status:${problem.id}:${status}:${at}`, (r) =>
            residentNotices.statusUpdate(r.language, { ticket: r.reportId, status, unit: unitNameOf(updated), deadlineAt: updated.deadlineAt, note: note ?? null }),
          );
        }
        return { ok: true, value: updated };
      });
    },

    resolve(problemId, note, actor) {
      return act(() => {
        const problem = load(problemId);
        if (!problem) return missing(problemId);
        if (problem.status === 'resolved') return { ok: false, reason: 'already', status: 'resolved' };
        const at = now();
        const updated = statusChange(problem, 'resolved', actor, note, at, { resolvedAt: at, closedAt: null, closeReason: null });
        const judged = updated.responsibleUnitId ?? updated.unitId;
        for (const r of reports.recipientsOf(problem.id)) {
          feedback.ask(r.reportId, problem.id, judged, at);
          outbox.enqueue({
            dedupeKey: `resolved:${problem.id}:${at}:${r.residentId}`,
            chatId: r.chatId,
            kind: 'survey',
            message: residentNotices.survey(r.language, { ticket: r.reportId, unit: unitNameOf(updated), note }),
          });
        }
        return { ok: true, value: updated };
      });
    },

    close(problemId, reason, actor, note) {
      return act(() => {
        const problem = load(problemId);
        if (!problem) return missing(problemId);
        if (problem.status === 'closed') return { ok: false, reason: 'already', status: 'closed' };
        if ((SUGGESTION_OUTCOMES as readonly CloseReason[]).includes(reason) && problem.kind !== 'suggestion') return { ok: false, reason: 'not_a_suggestion', problemId: problem.id };
        const at = now();
        const updated = statusChange(problem, 'closed', actor, note, at, { closeReason: reason, closedAt: at, resolvedAt: null });
        tellResidents(updated, `closed:${problem.id}:${at}`, (r) =>
          residentNotices.statusUpdate(r.language, { ticket: r.reportId, status: 'closed', unit: null, deadlineAt: null, note: note ?? null, closeReason: reason }),
        );
        return { ok: true, value: updated };
      });
    },

    merge(fromId, intoId, actor) {
      return act(() => {
        const from = load(fromId);
        const into = load(intoId);
        if (!from) return missing(fromId);
        if (!into) return missing(intoId);
        if (from.id === into.id) return { ok: false, reason: 'same_problem' };
        if (into.status === 'closed') return { ok: false, reason: 'closed_problem', problemId: into.id };
        const at = now();
        reports.moveAll(from.id, into.id);
        problems.recount(into.id);
        problems.recount(from.id);
        problems.update(from.id, { status: 'closed', closeReason: 'duplicate', closedAt: at, mergedInto: into.id }, at);
        problems.record(from.id, { at, actor, action: 'merged', fromStatus: from.status, toStatus: 'closed', note: `→ #${into.id}` });
        problems.record(into.id, { at, actor, action: 'merged', note: `← #${from.id}`, data: { from: from.id, reports: from.reportCount } });
        // The survivor keeps the earliest deadline and any urgency, recurrence or spread either one had.
        const deadlines = [from.deadlineAt, into.deadlineAt].filter((d): d is number => d !== null);
        problems.update(into.id, {
          urgent: from.urgent || into.urgent,
          recurring: from.recurring || into.recurring,
          widespread: from.widespread || into.widespread,
          ...(deadlines.length > 0 && isOpen(into.status) && { deadlineAt: Math.min(...deadlines) }),
        }, at);
        return { ok: true, value: problems.get(into.id)! };
      });
    },

    split(problemId, reportId, actor) {
      return act(() => {
        const problem = load(problemId);
        if (!problem) return missing(problemId);
        const report = reports.get(reportId);
        if (!report) return { ok: false, reason: 'no_such_report', reportId };
        if (report.problemId !== problem.id) return { ok: false, reason: 'report_not_in_problem', reportId, problemId: problem.id };
        if (problem.reportCount <= 1) return { ok: false, reason: 'last_report' };
        const at = now();
        const category = report.category ?? problem.category;
        const urgent = report.urgent;
        const kind = report.kind && becomesProblem(report.kind) ? report.kind : problem.kind;
        const created = problems.create(
          {
            title: report.summary ?? problem.title,
            category,
            kind,
            unitId: report.unitId,
            unitWritten: report.unitId ? null : report.unitWritten,
            urgent,
            deadlineAt: deadlines.deadline(kind, category, urgent, at),
            responsibleUnitId: null,
          },
          at,
        );
        reports.moveTo(report.id, created);
        problems.recount(created);
        problems.recount(problem.id);
        problems.record(problem.id, { at, actor, action: 'split', note: `#${report.id} → #${created}` });
        problems.record(created, { at, actor, action: 'created', toStatus: 'new', note: `#${report.id} ← #${problem.id}`, data: { splitFrom: problem.id, reportId: report.id } });
        return { ok: true, value: problems.get(created)! };
      });
    },

    surveyState(reportId) {
      const row = feedback.get(reportId);
      return row ? { fixed: row.fixed, rating: row.rating } : undefined;
    },

    answerSurvey(reportId, residentId, answer) {
      const result = db
        .transaction((): Result<{ reopened: boolean; problemId: number }> => {
          const report = reports.get(reportId);
          const row = feedback.get(reportId);
          // Only the report's own resident, and only about a question we asked.
          if (!report || report.residentId !== residentId || !row) return { success: false, message: 'not your survey' };
          const at = now();
          let reopened = false;
          if (answer.fixed) {
            feedback.setFixed(reportId, answer.fixed, at);
            const problem = load(row.problemId);
            if (answer.fixed === 'not_fixed' && problem && problem.status === 'resolved') {
              reopened = true;
              const to = reopenedStatus(problem);
              problems.update(problem.id, { status: to, resolvedAt: null }, at);
              problems.record(problem.id, { at, actor: { type: 'resident', residentId }, action: 'reopened', fromStatus: 'resolved', toStatus: to, note: `#${reportId}: not fixed` });
              queueForEach(outbox, options.staffChatIds, {
                key: `notfixed:${problem.id}:${reportId}:${at}`,
                kind: 'notice',
                message: () => ({ type: 'text', html: staffNotices.notFixed(options.staffLanguage, problems.get(problem.id)!, reportId) }),
              });
            }
          }
          if (answer.rating !== undefined) feedback.setRating(reportId, Math.max(1, Math.min(5, Math.round(answer.rating))), at);
          if (answer.comment !== undefined) feedback.setComment(reportId, answer.comment);
          return { success: true, data: { reopened, problemId: row.problemId } };
        })
        .immediate();
      if (result.success && result.data.reopened) options.onQueued();
      return result;
    },
  };
}
