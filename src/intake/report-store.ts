import type { Db } from '../db/database.ts';
import type { Classification, ClassifierName, Kind, Language } from '../domain/classification.ts';
import type { ProblemStatus } from '../problems/problem.ts';

export interface StoredReport {
  id: number;
  chatId: number;
  messageId: number;
  residentId: number | null;
  text: string | null;
  mediaKind: string | null;
  mediaFileId: string | null;
  replyLanguage: Language;
  receivedAt: number;
  state: 'received' | 'classified';
  category: string | null;
  kind: Kind | null;
  urgent: boolean;
  unitWritten: string | null;
  unitId: string | null;
  summary: string | null;
  /** Predicted subtopic id (prompts/subtopics.json), null when none. */
  subtopic: string | null;
  /** A model's ledger-line title for the matter, null offline. */
  title: string | null;
  language: Language | null;
  classifiedBy: ClassifierName | null;
  needsReclassify: boolean;
  flooded: boolean;
  problemId: number | null;
  /** Taken out of the queue after too many unfinished classification attempts (staff may /retry it). */
  setAsideAt: number | null;
  /** The LLM refused this text; its offline label stays. */
  llmRefusedAt: number | null;
}

interface ReportRow {
  id: number;
  chat_id: number;
  message_id: number;
  resident_id: number | null;
  text: string | null;
  media_kind: string | null;
  media_file_id: string | null;
  reply_language: Language;
  received_at: number;
  state: 'received' | 'classified';
  category: string | null;
  kind: Kind | null;
  urgent: number | null;
  unit_written: string | null;
  unit_id: string | null;
  summary: string | null;
  subtopic: string | null;
  title: string | null;
  language: Language | null;
  classified_by: ClassifierName | null;
  needs_reclassify: number;
  flooded: number;
  problem_id: number | null;
  set_aside_at: number | null;
  llm_refused_at: number | null;
}

const toReport = (r: ReportRow): StoredReport => ({
  id: r.id,
  chatId: r.chat_id,
  messageId: r.message_id,
  residentId: r.resident_id,
  text: r.text,
  mediaKind: r.media_kind,
  mediaFileId: r.media_file_id,
  replyLanguage: r.reply_language,
  receivedAt: r.received_at,
  state: r.state,
  category: r.category,
  kind: r.kind,
  urgent: r.urgent === 1,
  unitWritten: r.unit_written,
  unitId: r.unit_id,
  summary: r.summary,
  subtopic: r.subtopic,
  title: r.title,
  language: r.language,
  classifiedBy: r.classified_by,
  needsReclassify: r.needs_reclassify === 1,
  flooded: r.flooded === 1,
  problemId: r.problem_id,
  setAsideAt: r.set_aside_at,
  llmRefusedAt: r.llm_refused_at,
});

/** A resident's view of one of their reports (/my). */
export interface ResidentReportLine {
  id: number;
  category: string | null;
  receivedAt: number;
  state: 'received' | 'classified';
  problemStatus: ProblemStatus | null;
  /**
   * Not on the problem list: praise passed on, small talk answered, a question answered from the knowledge base, or a
   * question held with suggestions that waits for the resident's choice ("您是想问…?").
   */
  settledAs: 'praise' | 'chitchat' | 'answered' | 'awaiting_choice' | null;
}

/** A resident to tell about a problem, through their earliest report in it. */
export interface Recipient {
  reportId: number;
  residentId: number;
  chatId: number;
  language: Language;
}

export interface ReportStore {
  get(id: number): StoredReport | undefined;
  /**
   * The report, unless its resident has been forgotten (/forget) since: read again inside every transaction that
   * writes about a report after an await (a classification, a transcript), and build what is sent from this row.
   */
  stillWanted(id: number): StoredReport | undefined;
  /** Oldest reports not yet classified and answered. */
  pending(limit: number): number[];
  pendingCount(): number;
  /** Reports to offer the LLM again, least-tried first. */
  needingReclassify(limit: number): StoredReport[];
  /**
   * Count one classification attempt before it starts (so one that hangs or dies still counts) and return the
   * count; 0 when the report is no longer waiting.
   */
  beginAttempt(id: number): number;
  /** Give back an attempt that failed for the database's sake (busy), not the report's. */
  refundAttempt(id: number): void;
  /** Out of the queue; false when it was no longer waiting. */
  setAside(id: number, at: number): boolean;
  /** Back into the queue with a fresh count of attempts (staff /retry); false when it was not set aside. */
  putBack(id: number): boolean;
  /** The LLM refused the text: the offline label stays and it is not offered again. */
  markLlmRefused(id: number, at: number): void;
  /** A re-classification failed for this report while the provider was up; returns how many have. */
  countReclassifyFailure(id: number): number;
  saveLabel(id: number, label: Classification, by: ClassifierName, unitId: string | null, needsReclassify: boolean, at: number): void;
  clearReclassify(id: number): void;
  forResident(residentId: number, limit: number): { lines: ResidentReportLine[]; total: number };
  forProblem(problemId: number, limit?: number): StoredReport[];
  /** One per resident of a problem, by their earliest report in it; blocked, erased and web-only residents get none. */
  recipientsOf(problemId: number): Recipient[];
  /** Every report of one problem moves to another (a merge). */
  moveAll(fromProblemId: number, toProblemId: number): void;
  /** One report moves to another problem (a split). */
  moveTo(reportId: number, problemId: number): void;
  /** A report settled by a knowledge answer the resident declined goes back into the pipeline; false if it was not. */
  requeueDeclined(reportId: number): boolean;
  /** Staff make chit-chat a complaint; false when it was not (or no longer) unattached chit-chat. */
  promoteToComplaint(reportId: number): boolean;
  /** The resident's report that staff acted on (assigned, started, resolved, closed) since `since`, latest first. */
  lastStaffAction(residentId: number, since: number): { reportId: number; problemId: number } | undefined;
}

export function createReportStore(db: Db): ReportStore {
  const one = db.prepare('SELECT * FROM reports WHERE id = ?');
  // The one marker of a forgotten report: its resident's forgotten_at (src/intake/forget.ts sets it in the same
  // transaction that erases the report). Such a report is never classified, labelled or answered again.
  const wanted = `NOT EXISTS (SELECT 1 FROM residents s WHERE s.id = reports.resident_id AND s.forgotten_at IS NOT NULL)`;
  const oneWanted = db.prepare(`SELECT * FROM reports WHERE id = ? AND ${wanted}`);
  const pending = db.prepare(`SELECT id FROM reports WHERE state = 'received' AND set_aside_at IS NULL AND ${wanted} ORDER BY id LIMIT ?`);
  const pendingCount = db.prepare(`SELECT COUNT(*) AS n FROM reports WHERE state = 'received' AND set_aside_at IS NULL AND ${wanted}`);
  const reclassify = db.prepare(`SELECT * FROM reports WHERE needs_reclassify = 1 ORDER BY reclassify_attempts, id LIMIT ?`);
  const beginAttempt = db.prepare(
    `UPDATE reports SET classify_attempts = classify_attempts + 1 WHERE id = ? AND state = 'received' AND set_aside_at IS NULL
     RETURNING classify_attempts`,
  );
  const refundAttempt = db.prepare('UPDATE reports SET classify_attempts = MAX(0, classify_attempts - 1) WHERE id = ?');
  const setAside = db.prepare(`UPDATE reports SET set_aside_at = ? WHERE id = ? AND state = 'received' AND set_aside_at IS NULL`);
  const putBack = db.prepare(`UPDATE reports SET set_aside_at = NULL, classify_attempts = 0 WHERE id = ? AND state = 'received' AND set_aside_at IS NOT NULL`);
  const markRefused = db.prepare('UPDATE reports SET llm_refused_at = ?, needs_reclassify = 0 WHERE id = ?');
  const reclassifyFailure = db.prepare(
    'UPDATE reports SET reclassify_attempts = reclassify_attempts + 1 WHERE id = ? RETURNING reclassify_attempts',
  );
  const save = db.prepare(
    `UPDATE reports SET state = 'classified', category = ?, kind = ?, urgent = ?, unit_written = ?, unit_id = ?,
       summary = ?, subtopic = ?, title = ?, language = ?, classified_by = ?, classified_at = ?, needs_reclassify = ?, classify_attempts = 0 WHERE id = ?`,
  );
  const clear = db.prepare('UPDATE reports SET needs_reclassify = 0 WHERE id = ?');
  const mine = db.prepare(
    `SELECT r.id, r.category, r.received_at, r.state, r.kind, p.status AS problem_status, kq.status AS question_status
     FROM reports r LEFT JOIN problems p ON p.id = r.problem_id LEFT JOIN knowledge_questions kq ON kq.report_id = r.id
     WHERE r.resident_id = ? ORDER BY r.id DESC LIMIT ?`,
  );
  const mineCount = db.prepare('SELECT COUNT(*) AS n FROM reports WHERE resident_id = ?');
  const byProblem = db.prepare('SELECT * FROM reports WHERE problem_id = ? ORDER BY received_at, id LIMIT ?');
  const recipients = db.prepare(
    `SELECT MIN(r.id) AS reportId, r.resident_id AS residentId, res.chat_id AS chatId, res.language AS language
     FROM reports r JOIN residents res ON res.id = r.resident_id
     WHERE r.problem_id = ? AND res.forgotten_at IS NULL AND res.blocked_at IS NULL AND res.chat_id <> 0
     GROUP BY r.resident_id ORDER BY MIN(r.id)`,
  );
  const moveAll = db.prepare('UPDATE reports SET problem_id = ? WHERE problem_id = ?');
  const moveOne = db.prepare('UPDATE reports SET problem_id = ? WHERE id = ?');
  const requeue = db.prepare(`UPDATE reports SET state = 'received' WHERE id = ? AND state = 'classified' AND problem_id IS NULL`);
  const toComplaint = db.prepare(`UPDATE reports SET kind = 'complaint' WHERE id = ? AND kind = 'chitchat' AND problem_id IS NULL`);
  const lastStaffAction = db.prepare(
    `SELECT r.id AS reportId, r.problem_id AS problemId FROM reports r
       JOIN problem_events e ON e.problem_id = r.problem_id
      WHERE r.resident_id = ? AND r.problem_id IS NOT NULL AND e.at >= ? AND e.actor LIKE 'staff:%'
        AND (e.action = 'assigned' OR (e.action = 'status' AND e.to_status <> 'new'))
      ORDER BY e.at DESC, r.id LIMIT 1`,
  );

  return {
    get(id) {
      const row = one.get(id) as ReportRow | undefined;
      return row ? toReport(row) : undefined;
    },
    stillWanted(id) {
      const row = oneWanted.get(id) as ReportRow | undefined;
      return row ? toReport(row) : undefined;
    },
    pending: (limit) => (pending.all(limit) as Array<{ id: number }>).map((r) => r.id),
    pendingCount: () => (pendingCount.get() as { n: number }).n,
    needingReclassify: (limit) => (reclassify.all(limit) as ReportRow[]).map(toReport),
    beginAttempt: (id) => (beginAttempt.get(id) as { classify_attempts: number } | undefined)?.classify_attempts ?? 0,
    refundAttempt: (id) => void refundAttempt.run(id),
    setAside: (id, at) => setAside.run(at, id).changes > 0,
    putBack: (id) => putBack.run(id).changes > 0,
    markLlmRefused: (id, at) => void markRefused.run(at, id),
    countReclassifyFailure: (id) => (reclassifyFailure.get(id) as { reclassify_attempts: number } | undefined)?.reclassify_attempts ?? 0,
    saveLabel(id, label, by, unitId, needsReclassify, at) {
      save.run(label.category, label.kind, label.urgent ? 1 : 0, label.unit, unitId, label.summary, label.subtopic ?? null, label.title ?? null, label.language, by, at, needsReclassify ? 1 : 0, id);
    },
    clearReclassify: (id) => void clear.run(id),
    forResident(residentId, limit) {
      type Row = { id: number; category: string | null; received_at: number; state: 'received' | 'classified'; kind: string | null; problem_status: ProblemStatus | null; question_status: string | null };
      // A question declined or unmatched (a held one included) became a ticket: its problem's status, or 'received'
      // while the pipeline takes it back, is what the resident sees.
      const settledAs = (r: Row): ResidentReportLine['settledAs'] => {
        if (r.problem_status !== null) return null;
        if (r.kind === 'praise' || r.kind === 'chitchat') return r.kind;
        if (r.question_status === 'offered' || r.question_status === 'answered') return 'answered';
        if (r.question_status === 'suggested') return 'awaiting_choice';
        return null;
      };
      const lines = (mine.all(residentId, limit) as Row[]).map((r) => ({
        id: r.id,
        category: r.category,
        receivedAt: r.received_at,
        state: r.state,
        problemStatus: r.problem_status,
        settledAs: settledAs(r),
      }));
      return { lines, total: (mineCount.get(residentId) as { n: number }).n };
    },
    forProblem: (problemId, limit = 1000) => (byProblem.all(problemId, limit) as ReportRow[]).map(toReport),
    recipientsOf: (problemId) => recipients.all(problemId) as Recipient[],
    moveAll: (fromProblemId, toProblemId) => void moveAll.run(toProblemId, fromProblemId),
    moveTo: (reportId, problemId) => void moveOne.run(problemId, reportId),
    requeueDeclined: (reportId) => requeue.run(reportId).changes > 0,
    promoteToComplaint: (reportId) => toComplaint.run(reportId).changes > 0,
    lastStaffAction: (residentId, since) => lastStaffAction.get(residentId, since) as { reportId: number; problemId: number } | undefined,
  };
}
