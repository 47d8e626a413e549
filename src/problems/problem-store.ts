import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/database.ts';
import type { ProblemKind } from '../domain/classification.ts';
import { actorLabel, type Actor, type CloseReason, type Problem, type ProblemEvent, type ProblemStatus } from './problem.ts';

/** A row of the problems table as SQLite returns it. */
export interface ProblemRow {
  id: number;
  title: string;
  category: string;
  subtopic: string | null;
  kind: ProblemKind;
  unit_id: string | null;
  unit_written: string | null;
  urgent: number;
  status: ProblemStatus;
  close_reason: CloseReason | null;
  responsible_unit_id: string | null;
  deadline_at: number | null;
  report_count: number;
  resident_count: number;
  first_report_at: number | null;
  last_report_at: number | null;
  recurring: number;
  recurring_at: number | null;
  widespread: number;
  widespread_at: number | null;
  first_response_at: number | null;
  resolved_at: number | null;
  closed_at: number | null;
  merged_into: number | null;
  created_at: number;
  updated_at: number;
}

export const toProblem = (r: ProblemRow): Problem => ({
  id: r.id,
  title: r.title,
  category: r.category,
  subtopic: r.subtopic,
  kind: r.kind,
  unitId: r.unit_id,
  unitWritten: r.unit_written,
  urgent: r.urgent === 1,
  status: r.status,
  closeReason: r.close_reason,
  responsibleUnitId: r.responsible_unit_id,
  deadlineAt: r.deadline_at,
  reportCount: r.report_count,
  residentCount: r.resident_count,
  firstReportAt: r.first_report_at,
  lastReportAt: r.last_report_at,
  recurring: r.recurring === 1,
  recurringAt: r.recurring_at,
  widespread: r.widespread === 1,
  widespreadAt: r.widespread_at,
  firstResponseAt: r.first_response_at,
  resolvedAt: r.resolved_at,
  closedAt: r.closed_at,
  mergedInto: r.merged_into,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface NewProblem {
  title: string;
  category: string;
  subtopic?: string | null;
  /** Default complaint. */
  kind?: ProblemKind;
  unitId: string | null;
  unitWritten: string | null;
  urgent: boolean;
  deadlineAt: number;
  responsibleUnitId: string | null;
}

export interface CandidateQuery {
  category: string;
  unitId: string | null;
  unitWritten: string | null;
  /** Resolved problems resolved after this moment are still candidates (a new report makes them recurring). */
  resolvedSince: number;
  limit: number;
}

/** A report's surroundings in the problem list, for broad candidate retrieval (src/problems/grouping.ts). */
export interface NearbyQuery {
  category: string;
  unitId: string | null;
  subtopic: string | null;
  /** Resolved problems resolved after this moment are still candidates (a new report makes them recurring). */
  resolvedSince: number;
  /** At most this many problems in all. */
  limit: number;
  /**
   * For a report at a place the directory does not know: which written names are that place (src/units/unit-name.ts
   * writtenNamesRelation). The live problems written so come first, whatever their category.
   */
  sameWritten?: (unitWritten: string) => boolean;
}

/** How many each retrieval path may bring, before the overall limit: the unit's own problems count most. */
export const NEARBY_LIMITS = { unit: 24, written: 12, subtopic: 12, categoryNoUnit: 12, category: 12 } as const;
/** Problems at written places read, newest first, to find those at the report's place (compared in code, not SQL). */
const WRITTEN_WINDOW = 200;

export interface ProblemChange {
  status?: ProblemStatus;
  closeReason?: CloseReason | null;
  responsibleUnitId?: string | null;
  deadlineAt?: number | null;
  title?: string;
  category?: string;
  subtopic?: string | null;
  kind?: ProblemKind;
  unitId?: string | null;
  unitWritten?: string | null;
  urgent?: boolean;
  recurring?: boolean;
  recurringAt?: number | null;
  widespread?: boolean;
  widespreadAt?: number | null;
  firstResponseAt?: number;
  resolvedAt?: number | null;
  closedAt?: number | null;
  mergedInto?: number | null;
}

const COLUMNS: Record<keyof ProblemChange, string> = {
  status: 'status',
  closeReason: 'close_reason',
  responsibleUnitId: 'responsible_unit_id',
  deadlineAt: 'deadline_at',
  title: 'title',
  category: 'category',
  subtopic: 'subtopic',
  kind: 'kind',
  unitId: 'unit_id',
  unitWritten: 'unit_written',
  urgent: 'urgent',
  recurring: 'recurring',
  recurringAt: 'recurring_at',
  widespread: 'widespread',
  widespreadAt: 'widespread_at',
  firstResponseAt: 'first_response_at',
  resolvedAt: 'resolved_at',
  closedAt: 'closed_at',
  mergedInto: 'merged_into',
};

export interface ProblemStore {
  get(id: number): Problem | undefined;
  /** Follow merges to the problem that carries the reports now. */
  resolveId(id: number): number | undefined;
  create(problem: NewProblem, at: number): number;
  update(id: number, change: ProblemChange, at: number): void;
  candidates(query: CandidateQuery): Problem[];
  /**
   * Live problems (open, or resolved since `resolvedSince`) that could be about a report's matter, each path newest
   * first and bounded, through an index each: every one at its unit whatever the category (a wrong category must not
   * split a matter), every one of its subtopic wherever it is, and its category's problems with no unit (with no unit
   * of its own: its category's newest, anywhere). Duplicates removed, unit first.
   */
  nearby(query: NearbyQuery): Problem[];
  /** Live problems by id (the embedding window's nearest), in the order given; merged or unknown ids left out. */
  liveByIds(ids: readonly number[], resolvedSince: number): Problem[];
  /** Texts that stand for each problem: its latest reports (summaries where texts were erased), in one query. */
  sampleTextsOf(problemIds: readonly number[], limit: number): Map<number, string[]>;
  /** The same latest reports' texts, and the subtopics they were given (a problem's own subtopic is its first report's). */
  samplesOf(problemIds: readonly number[], limit: number): Map<number, { texts: string[]; subtopics: Set<string> }>;
  /** The report now belongs to this problem (grouping's decision); recount afterwards. */
  attachReport(reportId: number, problemId: number): void;
  /** Recount reports and distinct residents, first and last report time. */
  recount(problemId: number): void;
  distinctResidentsSince(problemId: number, since: number): number;
  record(problemId: number, event: { at: number; actor: Actor; action: string; fromStatus?: ProblemStatus | null; toStatus?: ProblemStatus | null; note?: string | null; data?: unknown }): void;
  history(problemId: number): ProblemEvent[];
}

export function createProblemStore(db: Db): ProblemStore {
  const selectOne = db.prepare('SELECT * FROM problems WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO problems (title, category, subtopic, kind, unit_id, unit_written, urgent, status, responsible_unit_id, deadline_at, created_at, updated_at)
     VALUES (@title, @category, @subtopic, @kind, @unitId, @unitWritten, @urgent, 'new', @responsibleUnitId, @deadlineAt, @at, @at)`,
  );
  const candidatesByUnit = db.prepare(
    `SELECT * FROM problems WHERE category = ? AND unit_id = ? AND merged_into IS NULL
       AND (status IN ('new', 'assigned', 'in_progress') OR (status = 'resolved' AND resolved_at >= ?))
     ORDER BY last_report_at DESC LIMIT ?`,
  );
  const candidatesByWritten = db.prepare(
    `SELECT * FROM problems WHERE category = ? AND unit_id IS NULL AND unit_written = ? AND merged_into IS NULL
       AND (status IN ('new', 'assigned', 'in_progress') OR (status = 'resolved' AND resolved_at >= ?))
     ORDER BY last_report_at DESC LIMIT ?`,
  );
  const candidatesNoUnit = db.prepare(
    `SELECT * FROM problems WHERE category = ? AND unit_id IS NULL AND unit_written IS NULL AND merged_into IS NULL
       AND (status IN ('new', 'assigned', 'in_progress') OR (status = 'resolved' AND resolved_at >= ?))
     ORDER BY last_report_at DESC LIMIT ?`,
  );
  const LIVE = `merged_into IS NULL AND (status IN ('new', 'assigned', 'in_progress') OR (status = 'resolved' AND resolved_at >= @since))`;
  const nearbyByUnit = db.prepare(`SELECT * FROM problems WHERE unit_id = @key AND ${LIVE} ORDER BY last_report_at DESC LIMIT @limit`);
  const nearbyBySubtopic = db.prepare(`SELECT * FROM problems WHERE subtopic = @key AND ${LIVE} ORDER BY last_report_at DESC LIMIT @limit`);
  const nearbyNoUnit = db.prepare(`SELECT * FROM problems WHERE category = @key AND unit_id IS NULL AND ${LIVE} ORDER BY last_report_at DESC LIMIT @limit`);
  const nearbyWritten = db.prepare(
    `SELECT * FROM problems WHERE unit_id IS NULL AND unit_written IS NOT NULL AND ${LIVE} ORDER BY last_report_at DESC LIMIT @limit`,
  );
  const nearbyByCategory = db.prepare(`SELECT * FROM problems WHERE category = @key AND ${LIVE} ORDER BY id DESC LIMIT @limit`);
  const liveById = db.prepare(
    `SELECT p.* FROM json_each(@ids) AS j JOIN problems p ON p.id = j.value
     WHERE p.merged_into IS NULL AND (p.status IN ('new', 'assigned', 'in_progress') OR (p.status = 'resolved' AND p.resolved_at >= @since))
     ORDER BY j.key`,
  );
  // One query for a grouping shortlist's candidates (up to 40): their latest few texts each, each problem's read
  // backwards through reports_problem and stopped after `limit`, so a problem with thousands of reports costs no
  // more than one with five (a window over all their reports took 5 ms for the 40 largest problems of two years).
  const samplesOf = db.prepare(
    `SELECT j.value AS p, COALESCE(r.text, r.summary) AS t, r.subtopic AS s
     FROM json_each(?) AS j
     JOIN reports r ON r.id IN (
       SELECT id FROM reports WHERE problem_id = j.value AND COALESCE(text, summary) IS NOT NULL
       ORDER BY received_at DESC, id DESC LIMIT ?)
     ORDER BY j.key, r.received_at DESC, r.id DESC`,
  );
  const attach = db.prepare('UPDATE reports SET problem_id = ? WHERE id = ?');
  const recountStatement = db.prepare(
    `UPDATE problems SET
       report_count = (SELECT COUNT(*) FROM reports WHERE problem_id = @id),
       resident_count = (SELECT COUNT(DISTINCT resident_id) FROM reports WHERE problem_id = @id),
       first_report_at = (SELECT MIN(received_at) FROM reports WHERE problem_id = @id),
       last_report_at = (SELECT MAX(received_at) FROM reports WHERE problem_id = @id)
     WHERE id = @id`,
  );
  const distinctSince = db.prepare(
    'SELECT COUNT(DISTINCT resident_id) AS n FROM reports WHERE problem_id = ? AND received_at >= ?',
  );
  const insertEvent = db.prepare(
    `INSERT INTO problem_events (problem_id, at, actor, action, from_status, to_status, note, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectHistory = db.prepare('SELECT * FROM problem_events WHERE problem_id = ? ORDER BY at, id');
  const updates = new Map<string, Statement<unknown[]>>();

  const get = (id: number) => {
    const row = selectOne.get(id) as ProblemRow | undefined;
    return row ? toProblem(row) : undefined;
  };

  function samples(problemIds: readonly number[], limit: number): Map<number, { texts: string[]; subtopics: Set<string> }> {
    const result = new Map<number, { texts: string[]; subtopics: Set<string> }>(problemIds.map((id) => [id, { texts: [], subtopics: new Set() }]));
    if (problemIds.length === 0) return result;
    for (const row of samplesOf.all(JSON.stringify(problemIds), limit) as Array<{ p: number; t: string; s: string | null }>) {
      const sample = result.get(row.p);
      sample?.texts.push(row.t);
      if (row.s) sample?.subtopics.add(row.s);
    }
    return result;
  }

  return {
    get,
    resolveId(id) {
      let problem = get(id);
      for (let hops = 0; problem?.mergedInto && hops < 20; hops++) problem = get(problem.mergedInto);
      return problem?.id;
    },
    create(problem, at) {
      return Number(
        insert.run({ ...problem, subtopic: problem.subtopic ?? null, kind: problem.kind ?? 'complaint', urgent: problem.urgent ? 1 : 0, at }).lastInsertRowid,
      );
    },
    update(id, change, at) {
      const keys = (Object.keys(change) as Array<keyof ProblemChange>).filter((k) => change[k] !== undefined).sort();
      if (keys.length === 0) return;
      const signature = keys.join(',');
      let statement = updates.get(signature);
      if (!statement) {
        // Column names come from the fixed COLUMNS table, never from input; values are bound parameters.
        statement = db.prepare(`UPDATE problems SET ${keys.map((k) => `${COLUMNS[k]} = @${k}`).join(', ')}, updated_at = @at WHERE id = @id`);
        updates.set(signature, statement);
      }
      const values: Record<string, unknown> = { id, at };
      for (const k of keys) {
        const v = change[k];
        values[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      }
      statement.run(values);
    },
    candidates({ category, unitId, unitWritten, resolvedSince, limit }) {
      const rows = unitId
        ? candidatesByUnit.all(category, unitId, resolvedSince, limit)
        : unitWritten
          ? candidatesByWritten.all(category, unitWritten, resolvedSince, limit)
          : candidatesNoUnit.all(category, resolvedSince, limit);
      return (rows as ProblemRow[]).map(toProblem);
    },
    nearby({ category, unitId, subtopic, resolvedSince, limit, sameWritten }) {
      const found = new Map<number, ProblemRow>();
      const take = (statement: Statement<unknown[]>, key: string, max: number): void => {
        for (const row of statement.all({ key, since: resolvedSince, limit: max }) as ProblemRow[]) if (!found.has(row.id)) found.set(row.id, row);
      };
      if (unitId) take(nearbyByUnit, unitId, NEARBY_LIMITS.unit);
      else if (sameWritten) {
        const rows = (nearbyWritten.all({ since: resolvedSince, limit: WRITTEN_WINDOW }) as ProblemRow[]).filter((row) => sameWritten(row.unit_written!));
        for (const row of rows.slice(0, NEARBY_LIMITS.written)) found.set(row.id, row);
      }
      if (subtopic) take(nearbyBySubtopic, subtopic, NEARBY_LIMITS.subtopic);
      take(nearbyNoUnit, category, NEARBY_LIMITS.categoryNoUnit);
      if (!unitId) take(nearbyByCategory, category, NEARBY_LIMITS.category);
      return [...found.values()].slice(0, limit).map(toProblem);
    },
    liveByIds(ids, resolvedSince) {
      if (ids.length === 0) return [];
      return (liveById.all({ ids: JSON.stringify(ids), since: resolvedSince }) as ProblemRow[]).map(toProblem);
    },
    sampleTextsOf(problemIds, limit) {
      return new Map([...samples(problemIds, limit)].map(([id, sample]) => [id, sample.texts]));
    },
    samplesOf: samples,
    attachReport: (reportId, problemId) => void attach.run(problemId, reportId),
    recount: (problemId) => void recountStatement.run({ id: problemId }),
    distinctResidentsSince: (problemId, since) => (distinctSince.get(problemId, since) as { n: number }).n,
    record(problemId, event) {
      insertEvent.run(
        problemId,
        event.at,
        actorLabel(event.actor),
        event.action,
        event.fromStatus ?? null,
        event.toStatus ?? null,
        event.note ?? null,
        event.data === undefined ? null : JSON.stringify(event.data),
      );
    },
    history(problemId) {
      return (selectHistory.all(problemId) as Array<Record<string, unknown>>).map((r) => ({
        id: r.id as number,
        problemId: r.problem_id as number,
        at: r.at as number,
        actor: r.actor as string,
        action: r.action as string,
        fromStatus: r.from_status as ProblemStatus | null,
        toStatus: r.to_status as ProblemStatus | null,
        note: r.note as string | null,
      }));
    },
  };
}
