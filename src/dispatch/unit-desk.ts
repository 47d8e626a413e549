import type { Db } from '../db/database.ts';
import type { Language } from '../domain/classification.ts';
import { formatDate } from '../domain/time.ts';
import type { Translator } from '../i18n/i18n.ts';
import { queueForEach } from '../outbox/broadcast.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { isOpen, type Problem } from '../problems/problem.ts';
import type { ProblemDesk } from '../desk/problem-desk.ts';
import type { ProblemQueries } from '../problems/problem-queries.ts';
import type { ProblemStore } from '../problems/problem-store.ts';
import type { UnitViews, ReturnReason } from '../replies/unit-views.ts';
import type { AccessAudit } from '../units/access-audit.ts';
import type { UnitChats } from '../units/unit-chats.ts';
import { createUnitDispatchStore, type UnitRequest } from '../units/unit-dispatch-store.ts';
import type { UnitRegistry } from '../units/unit-registry.ts';

/** A problem outside the chat's units answers exactly like one that does not exist. */
export type UnitRefusal = { reason: 'no_such_problem'; problemId: number } | { reason: 'already' } | { reason: 'bad_date' } | { reason: 'no_such_request' };
export type UnitResult<T = Problem> = { ok: true; value: T } | ({ ok: false } & UnitRefusal);

export type { UnitRequest };

/**
 * The units' side of the loop (派单 · 签收 · 办理 · 审核): dispatch cards to units' chats, sign-for, return,
 * extension, progress and results, and the bureau's review. Every step is in the problem's history; messages go
 * through the outbox.
 */
export interface UnitDesk {
  /** The problem, when it is assigned to one of this chat's units; the one scope rule for every unit action. */
  scoped(problemId: number, chatId: number): Problem | undefined;
  /** Queue the dispatch card to every chat of the problem's responsible unit (inside the assign transaction). */
  dispatch(problem: Problem, at: number): void;
  sign(problemId: number, chatId: number, userId: number): UnitResult;
  giveBack(problemId: number, chatId: number, userId: number, reason: ReturnReason): UnitResult;
  /** The unit's optional words on a return it already made. */
  returnNote(problemId: number, chatId: number, userId: number, note: string): UnitResult<null>;
  requestExtension(problemId: number, chatId: number, userId: number, deadlineAt: number, note: string): UnitResult;
  progress(problemId: number, chatId: number, userId: number, note: string): UnitResult;
  /** The unit's result: to the bureau's review, or straight to the residents when review is off. */
  submit(problemId: number, chatId: number, userId: number, note: string): UnitResult<'review' | 'resolved'>;
  decideExtension(requestId: number, approve: boolean, staffUserId: number): UnitResult<UnitRequest>;
  decideReview(requestId: number, approve: boolean, staffUserId: number, note?: string): UnitResult<UnitRequest>;
  /** The chat's own units' problems, open first. */
  listOf(chatId: number, limit: number): Array<Problem & { signedAt: number | null }>;
  openRequest(requestId: number): UnitRequest | undefined;
}

export interface UnitDeskOptions {
  db: Db;
  problems: ProblemStore;
  queries: ProblemQueries;
  desk: () => ProblemDesk;
  outbox: Outbox;
  units: UnitRegistry;
  unitChats: UnitChats;
  views: UnitViews;
  tr: Translator;
  staffChatIds: () => readonly number[];
  language: Language;
  timezone: string;
  review: boolean;
  onQueued: () => void;
  now: () => number;
  /** The dispatch card carries reports' texts: each one sent is recorded like a view. */
  audit?: AccessAudit;
  /**
   * The 📥 "add to knowledge base" button for a problem a unit resolved (issue 15), or none: the bureau's chats
   * get it under a "resolved" notice when a unit's result resolves an inquiry with an answer. The press rules
   * are the knowledge feature's (only the bureau's chat writes).
   */
  resolvedButtons?: (problemId: number) => Array<Array<{ text: string; data: string }>>;
}

export function createUnitDesk(o: UnitDeskOptions): UnitDesk {
  const { db, problems, outbox, tr, units, unitChats } = o;
  const lang = o.language;
  const date = (ms: number | null) => (ms === null ? '—' : formatDate(ms, o.timezone));

  const dispatches = createUnitDispatchStore(db);

  const missing = (problemId: number): UnitResult<never> => ({ ok: false, reason: 'no_such_problem', problemId });

  function scoped(problemId: number, chatId: number): Problem | undefined {
    const problem = problems.get(problemId);
    if (!problem || problem.mergedInto !== null || !problem.responsibleUnitId) return undefined;
    return unitChats.unitsOf(chatId).includes(problem.responsibleUnitId) ? problem : undefined;
  }

  function tellBureau(key: string, html: string, buttons?: Array<Array<{ text: string; data: string }>>): void {
    queueForEach(outbox, o.staffChatIds(), { key, kind: 'notice', message: { type: 'text', html, ...(buttons && { buttons }) } });
  }

  function tellUnit(unitId: string, key: string, html: string): void {
    queueForEach(outbox, unitChats.chatsOf(unitId), { key, kind: 'notice', message: { type: 'text', html } });
  }

  /** A unit's result resolved the problem: an inquiry with an answer is offered to the bureau for the knowledge base. */
  function offerToKnowledge(problemId: number, at: number): void {
    const buttons = o.resolvedButtons?.(problemId) ?? [];
    if (buttons.length > 0) tellBureau(`kb-offer:${problemId}:${at}`, tr.t(lang, 'staff.done.resolved', { id: problemId }), buttons);
  }

  /** A unit action: the scope check first, then the work, in one transaction; the outbox woken after. */
  function act<T>(problemId: number, chatId: number, work: (problem: Problem, at: number) => UnitResult<T>, needOpen = true): UnitResult<T> {
    const result = db
      .transaction((): UnitResult<T> => {
        const problem = scoped(problemId, chatId);
        if (!problem || (needOpen && !isOpen(problem.status))) return missing(problemId);
        return work(problem, o.now());
      })
      .immediate();
    if (result.ok) o.onQueued();
    return result;
  }

  const unitActor = (userId: number) => ({ type: 'staff' as const, userId });

  return {
    scoped,

    dispatch(problem, at) {
      if (!problem.responsibleUnitId) return;
      const chats = unitChats.chatsOf(problem.responsibleUnitId);
      // How many chats got the card: with none, the unit cannot sign and the bureau's own response counts.
      dispatches.dispatched(problem.id, problem.responsibleUnitId, at, chats.length);
      if (chats.length === 0) return;
      const card = o.views.card(lang, problem, units.displayName(problem.responsibleUnitId), o.queries.reportsOf(problem.id, 10).reports);
      for (const chatId of chats) {
        outbox.enqueue({ dedupeKey: `dispatch:${problem.id}:${at}:${chatId}`, chatId, kind: 'notice', message: { type: 'text', html: card.html, buttons: card.buttons } });
        o.audit?.record({ at, userId: 0, chatId, action: 'dispatch', subject: String(problem.id) });
      }
    },

    sign(problemId, chatId, userId) {
      return act(problemId, chatId, (problem, at) => {
        const dispatch = dispatches.current(problem.id, problem.responsibleUnitId!);
        if (!dispatch || dispatch.signedAt !== null) return { ok: false, reason: 'already' };
        dispatches.sign(dispatch.id, at, userId);
        problems.record(problem.id, { at, actor: unitActor(userId), action: 'signed', note: units.displayName(problem.responsibleUnitId!), data: { unitId: problem.responsibleUnitId, signedAt: at } });
        tellBureau(`signed:${problem.id}:${at}`, tr.t(lang, 'bureau.signed', { id: problem.id, unit: units.displayName(problem.responsibleUnitId!) }));
        return { ok: true, value: problem };
      });
    },

    giveBack(problemId, chatId, userId, reason) {
      return act(problemId, chatId, (problem, at) => {
        const unitId = problem.responsibleUnitId!;
        const dispatch = dispatches.current(problem.id, unitId);
        if (dispatch) dispatches.markReturned(dispatch.id, at, reason);
        // Back to unassigned: the bureau re-assigns it.
        problems.update(problem.id, { status: 'new', responsibleUnitId: null }, at);
        problems.record(problem.id, { at, actor: unitActor(userId), action: 'returned', fromStatus: problem.status, toStatus: 'new', note: reason, data: { unitId, reason } });
        tellBureau(`returned:${problem.id}:${at}`, tr.t(lang, 'bureau.returned', { id: problem.id, unit: units.displayName(unitId), reason: tr.t(lang, `unit.return_reason.${reason}`) }));
        return { ok: true, value: problems.get(problem.id)! };
      });
    },

    returnNote(problemId, chatId, userId, note) {
      const result = db
        .transaction((): UnitResult<null> => {
          // The problem is no longer the unit's: it may speak only of a return it made itself, from this chat's units.
          const returnedBy = dispatches.lastReturnedBy(problemId);
          if (!returnedBy || !unitChats.unitsOf(chatId).includes(returnedBy)) return missing(problemId);
          const at = o.now();
          problems.record(problemId, { at, actor: unitActor(userId), action: 'return_note', note });
          tellBureau(`return-note:${problemId}:${at}`, tr.t(lang, 'bureau.return_note', { id: problemId, unit: units.displayName(returnedBy), note }));
          return { ok: true, value: null };
        })
        .immediate();
      if (result.ok) o.onQueued();
      return result;
    },

    requestExtension(problemId, chatId, userId, deadlineAt, note) {
      return act(problemId, chatId, (problem, at) => {
        if (deadlineAt <= at || (problem.deadlineAt !== null && deadlineAt <= problem.deadlineAt)) return { ok: false, reason: 'bad_date' };
        const unitId = problem.responsibleUnitId!;
        const id = dispatches.request({ problemId: problem.id, unitId, chatId, kind: 'extend', note, deadlineAt }, at);
        problems.record(problem.id, { at, actor: unitActor(userId), action: 'extension_requested', note, data: { deadlineAt } });
        tellBureau(
          `extend:${id}`,
          tr.t(lang, 'bureau.extend', { id: problem.id, unit: units.displayName(unitId), deadline: date(deadlineAt), current: date(problem.deadlineAt), note }),
          [[{ text: tr.t(lang, 'bureau.buttons.approve'), data: `ux:ok:${id}` }, { text: tr.t(lang, 'bureau.buttons.refuse'), data: `ux:no:${id}` }]],
        );
        return { ok: true, value: problem };
      });
    },

    progress(problemId, chatId, userId, note) {
      if (!scoped(problemId, chatId)) return missing(problemId);
      const result = o.desk().setStatus(problemId, 'in_progress', unitActor(userId), note);
      // Already in progress: the note still goes into the history.
      if (!result.ok && result.reason === 'already') {
        return act(problemId, chatId, (problem, at) => {
          problems.record(problem.id, { at, actor: unitActor(userId), action: 'progress', note });
          return { ok: true, value: problem };
        });
      }
      return result.ok ? { ok: true, value: result.value } : missing(problemId);
    },

    submit(problemId, chatId, userId, note) {
      if (!o.review) {
        if (!scoped(problemId, chatId)) return missing(problemId);
        const result = o.desk().resolve(problemId, note, unitActor(userId));
        if (result.ok) {
          offerToKnowledge(problemId, o.now());
          o.onQueued();
        }
        return result.ok ? { ok: true, value: 'resolved' } : result.reason === 'already' ? { ok: false, reason: 'already' } : missing(problemId);
      }
      return act(problemId, chatId, (problem, at) => {
        const unitId = problem.responsibleUnitId!;
        const id = dispatches.request({ problemId: problem.id, unitId, chatId, kind: 'submit', note, deadlineAt: null }, at);
        problems.record(problem.id, { at, actor: unitActor(userId), action: 'submitted', note });
        tellBureau(`review:${id}`, tr.t(lang, 'bureau.review', { id: problem.id, unit: units.displayName(unitId), note }), [
          [{ text: tr.t(lang, 'bureau.buttons.approve'), data: `uv:ok:${id}` }, { text: tr.t(lang, 'bureau.buttons.reject'), data: `uv:no:${id}` }],
        ]);
        return { ok: true, value: 'review' as const };
      });
    },

    decideExtension(requestId, approve, staffUserId) {
      const result = db
        .transaction((): UnitResult<UnitRequest> => {
          const request = dispatches.getRequest(requestId);
          if (!request || request.kind !== 'extend') return { ok: false, reason: 'no_such_request' };
          const at = o.now();
          if (!dispatches.decide(requestId, approve ? 'approved' : 'refused', at, staffUserId)) return { ok: false, reason: 'already' };
          const problem = problems.get(request.problemId)!;
          if (approve) problems.update(problem.id, { deadlineAt: request.deadlineAt }, at);
          problems.record(problem.id, {
            at,
            actor: { type: 'staff', userId: staffUserId },
            action: approve ? 'extension_approved' : 'extension_refused',
            data: { from: problem.deadlineAt, to: request.deadlineAt },
          });
          const key = approve ? 'unit.extend_approved' : 'unit.extend_refused';
          tellUnit(request.unitId, `extend-decided:${requestId}`, tr.t(lang, key, { id: problem.id, deadline: date(approve ? request.deadlineAt : problem.deadlineAt) }));
          return { ok: true, value: request };
        })
        .immediate();
      if (result.ok) o.onQueued();
      return result;
    },

    decideReview(requestId, approve, staffUserId, note) {
      const result = db
        .transaction((): UnitResult<UnitRequest> => {
          const request = dispatches.getRequest(requestId);
          if (!request || request.kind !== 'submit') return { ok: false, reason: 'no_such_request' };
          const at = o.now();
          if (!dispatches.decide(requestId, approve ? 'approved' : 'refused', at, staffUserId)) return { ok: false, reason: 'already' };
          const actor = { type: 'staff' as const, userId: staffUserId };
          if (approve) {
            // The existing resolve: residents get the notice and the survey, as when the bureau resolves.
            const resolved = o.desk().resolve(request.problemId, request.note, actor);
            if (!resolved.ok && resolved.reason !== 'already') throw new Error(`review approval could not resolve problem ${request.problemId}`);
            if (resolved.ok) offerToKnowledge(request.problemId, at);
          } else {
            problems.record(request.problemId, { at, actor, action: 'review_rejected', note: note ?? null });
          }
          const text = approve
            ? tr.t(lang, 'unit.review_approved', { id: request.problemId })
            : tr.t(lang, 'unit.review_rejected', { id: request.problemId, note: note ?? '—' });
          tellUnit(request.unitId, `review-decided:${requestId}`, text);
          return { ok: true, value: request };
        })
        .immediate();
      if (result.ok) o.onQueued();
      return result;
    },

    listOf(chatId, limit) {
      const rows = dispatches.openFor(chatId, limit);
      return rows.map((r) => ({ ...problems.get(r.id)!, signedAt: r.signedAt }));
    },

    openRequest(requestId) {
      const request = dispatches.getRequest(requestId);
      return request?.state === 'open' ? request : undefined;
    },
  };
}
