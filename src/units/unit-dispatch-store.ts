import type { Db } from '../db/database.ts';
import type { Period } from '../domain/periods.ts';

/** The bounds of a period [start, end), UTC epoch ms. */
type Span = Pick<Period, 'start' | 'end'>;

/** A unit's request to the bureau about a problem dispatched to it: more time, or a review of its work. */
export interface UnitRequest {
  id: number;
  problemId: number;
  unitId: string;
  chatId: number;
  kind: 'extend' | 'submit';
  note: string;
  deadlineAt: number | null;
  state: 'open' | 'approved' | 'refused';
}

/** A live problem a unit answers for, with its deadline. */
export interface UnitProblemDue {
  id: number;
  unitId: string;
  deadlineAt: number;
  title: string;
}

/** How a unit's dispatches of a span went: counted per unit. */
export interface UnitDispatchTally {
  unitId: string;
  dispatched: number;
  signed: number;
  /** Signed within the sign-for window of the problem (urgent or not). */
  signedInTime: number;
  returned: number;
}

/** A unit's requests of a span: extensions asked for, reviews the bureau refused. */
export interface UnitRequestTally {
  unitId: string;
  extensions: number;
  reviewsRejected: number;
}

/**
 * Problems dispatched to units' own chats (issue 13): each dispatch and its sign-for or return, the units'
 * requests (extension, review), and the reads the unit desk, the 督办 ladder and a unit's standing make of them.
 */
export interface UnitDispatchStore {
  /** A problem was sent to its unit's `chats` chats (0: the unit has none, and the bureau's response counts). */
  dispatched(problemId: number, unitId: string, at: number, chats: number): void;
  /** The unit's current (not returned) dispatch of the problem, latest first. */
  current(problemId: number, unitId: string): { id: number; signedAt: number | null } | undefined;
  /** False when it was signed already. */
  sign(dispatchId: number, at: number, userId: number): boolean;
  markReturned(dispatchId: number, at: number, reason: string): void;
  /** The unit that last sent the problem back, if any did. */
  lastReturnedBy(problemId: number): string | undefined;
  /** A new open request; its id. */
  request(entry: { problemId: number; unitId: string; chatId: number; kind: UnitRequest['kind']; note: string; deadlineAt: number | null }, at: number): number;
  getRequest(id: number): UnitRequest | undefined;
  /** False when the request was no longer open. */
  decide(id: number, state: 'approved' | 'refused', at: number, staffUserId: number): boolean;
  /** The live problems of a unit chat's units, soonest deadline first, with when the current dispatch was signed. */
  openFor(chatId: number, limit: number): Array<{ id: number; signedAt: number | null }>;
  /** Unsigned current dispatches of live problems sent at or before `dispatchedBy`. */
  unsigned(dispatchedBy: number): Array<{ id: number; problemId: number; unitId: string; dispatchedAt: number; urgent: number }>;
  /** Live problems with a responsible unit whose deadline is at or before `by`. */
  dueBy(by: number): UnitProblemDue[];
  /** A page of the units' live problems past their deadline at `asOf`, oldest deadline first, each with the total. */
  overdueOf(unitIds: readonly string[], asOf: number, limit: number): Array<{ id: number; title: string; deadlineAt: number; total: number }>;
  /** Per unit, the dispatches sent in the span: how many, signed, signed within `signWithin` (urgent problems: `urgentMs`), returned. */
  dispatchTally(span: Span, signWithin: { normalMs: number; urgentMs: number }): UnitDispatchTally[];
  /** Per unit, the ms from dispatch to sign-for of the span's signed dispatches, ordered by unit, then ascending. */
  signDelays(span: Span): Array<{ unitId: string; ms: number }>;
  /** Per unit, the requests made in the span: extensions asked for, and submitted work whose review the bureau refused. */
  requestTally(span: Span): UnitRequestTally[];
}

export function createUnitDispatchStore(db: Db): UnitDispatchStore {
  const insertDispatch = db.prepare('INSERT INTO unit_dispatches (problem_id, unit_id, dispatched_at, chats) VALUES (?, ?, ?, ?)');
  const currentDispatch = db.prepare(
    'SELECT id, signed_at AS signedAt FROM unit_dispatches WHERE problem_id = ? AND unit_id = ? AND returned_at IS NULL ORDER BY id DESC LIMIT 1',
  );
  const signDispatch = db.prepare('UPDATE unit_dispatches SET signed_at = ?, signed_by = ? WHERE id = ? AND signed_at IS NULL');
  const returnDispatch = db.prepare('UPDATE unit_dispatches SET returned_at = ?, return_reason = ? WHERE id = ?');
  const lastReturn = db.prepare('SELECT unit_id FROM unit_dispatches WHERE problem_id = ? AND returned_at IS NOT NULL ORDER BY id DESC LIMIT 1').pluck();
  const insertRequest = db.prepare('INSERT INTO unit_requests (problem_id, unit_id, chat_id, kind, note, deadline_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const getRequest = db.prepare(
    `SELECT id, problem_id AS problemId, unit_id AS unitId, chat_id AS chatId, kind, note, deadline_at AS deadlineAt, state FROM unit_requests WHERE id = ?`,
  );
  const decide = db.prepare(`UPDATE unit_requests SET state = ?, decided_at = ?, decided_by = ? WHERE id = ? AND state = 'open'`);
  const openFor = db.prepare(
    `SELECT p.id, (SELECT d.signed_at FROM unit_dispatches d WHERE d.problem_id = p.id AND d.unit_id = p.responsible_unit_id AND d.returned_at IS NULL ORDER BY d.id DESC LIMIT 1) AS signedAt
     FROM problems p JOIN unit_chats c ON c.unit_id = p.responsible_unit_id
     WHERE c.chat_id = ? AND p.merged_into IS NULL AND p.status NOT IN ('resolved', 'closed')
     ORDER BY p.deadline_at, p.id LIMIT ?`,
  );
  const unsigned = db.prepare(
    `SELECT d.id, d.problem_id AS problemId, d.unit_id AS unitId, d.dispatched_at AS dispatchedAt, p.urgent
     FROM unit_dispatches d JOIN problems p ON p.id = d.problem_id
     WHERE d.signed_at IS NULL AND d.returned_at IS NULL AND p.responsible_unit_id = d.unit_id
       AND p.merged_into IS NULL AND p.status NOT IN ('resolved', 'closed') AND d.dispatched_at <= ?`,
  );
  const dueBy = db.prepare(
    `SELECT id, responsible_unit_id AS unitId, deadline_at AS deadlineAt, title FROM problems
     WHERE status NOT IN ('resolved', 'closed') AND merged_into IS NULL AND responsible_unit_id IS NOT NULL AND deadline_at <= ?`,
  );
  const overdue = db.prepare(
    `SELECT id, title, deadline_at AS deadlineAt, COUNT(*) OVER () AS total FROM problems
     WHERE responsible_unit_id IN (SELECT value FROM json_each(?)) AND merged_into IS NULL
       AND status NOT IN ('resolved', 'closed') AND deadline_at < ?
     ORDER BY deadline_at, id LIMIT ?`,
  );
  const dispatchTally = db.prepare(
    `SELECT d.unit_id AS unitId, COUNT(*) AS dispatched, COUNT(d.signed_at) AS signed,
            SUM(CASE WHEN d.signed_at IS NOT NULL AND d.signed_at - d.dispatched_at <= (CASE WHEN p.urgent THEN ? ELSE ? END) THEN 1 ELSE 0 END) AS signedInTime,
            COUNT(d.returned_at) AS returned
     FROM unit_dispatches d JOIN problems p ON p.id = d.problem_id
     WHERE d.dispatched_at >= ? AND d.dispatched_at < ? GROUP BY d.unit_id`,
  );
  const signDelays = db.prepare(
    `SELECT unit_id AS unitId, signed_at - dispatched_at AS ms FROM unit_dispatches
     WHERE dispatched_at >= ? AND dispatched_at < ? AND signed_at IS NOT NULL ORDER BY unit_id, ms`,
  );
  const requestTally = db.prepare(
    `SELECT unit_id AS unitId, SUM(kind = 'extend') AS extensions, SUM(kind = 'submit' AND state = 'refused') AS reviewsRejected
     FROM unit_requests WHERE created_at >= ? AND created_at < ? GROUP BY unit_id`,
  );

  return {
    dispatched: (problemId, unitId, at, chats) => void insertDispatch.run(problemId, unitId, at, chats),
    current: (problemId, unitId) => currentDispatch.get(problemId, unitId) as { id: number; signedAt: number | null } | undefined,
    sign: (dispatchId, at, userId) => signDispatch.run(at, userId, dispatchId).changes > 0,
    markReturned: (dispatchId, at, reason) => void returnDispatch.run(at, reason, dispatchId),
    lastReturnedBy: (problemId) => lastReturn.get(problemId) as string | undefined,
    request: (e, at) => Number(insertRequest.run(e.problemId, e.unitId, e.chatId, e.kind, e.note, e.deadlineAt, at).lastInsertRowid),
    getRequest: (id) => getRequest.get(id) as UnitRequest | undefined,
    decide: (id, state, at, staffUserId) => decide.run(state, at, staffUserId, id).changes > 0,
    openFor: (chatId, limit) => openFor.all(chatId, limit) as Array<{ id: number; signedAt: number | null }>,
    unsigned: (dispatchedBy) => unsigned.all(dispatchedBy) as Array<{ id: number; problemId: number; unitId: string; dispatchedAt: number; urgent: number }>,
    dueBy: (by) => dueBy.all(by) as UnitProblemDue[],
    overdueOf: (unitIds, asOf, limit) => overdue.all(JSON.stringify(unitIds), asOf, limit) as Array<{ id: number; title: string; deadlineAt: number; total: number }>,
    dispatchTally: (span, signWithin) => dispatchTally.all(signWithin.urgentMs, signWithin.normalMs, span.start, span.end) as UnitDispatchTally[],
    signDelays: (span) => signDelays.all(span.start, span.end) as Array<{ unitId: string; ms: number }>,
    requestTally: (span) => requestTally.all(span.start, span.end) as UnitRequestTally[],
  };
}
