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
  language: Language | null;
  classifiedBy: ClassifierName | null;
  needsReclassify: boolean;
  flooded: boolean;
  problemId: number | null;
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
  language: Language | null;
  classified_by: ClassifierName | null;
  needs_reclassify: number;
  flooded: number;
  problem_id: number | null;
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
  language: r.language,
  classifiedBy: r.classified_by,
  needsReclassify: r.needs_reclassify === 1,
  flooded: r.flooded === 1,
  problemId: r.problem_id,
});

/** A resident's view of one of their reports (/my). */
export interface ResidentReportLine {
  id: number;
  category: string | null;
  receivedAt: number;
  state: 'received' | 'classified';
  problemStatus: ProblemStatus | null;
}

export interface ReportStore {
  get(id: number): StoredReport | undefined;
  /** Oldest reports not yet classified and answered. */
  pending(limit: number): number[];
  pendingCount(): number;
  needingReclassify(limit: number): StoredReport[];
  saveLabel(id: number, label: Classification, by: ClassifierName, unitId: string | null, needsReclassify: boolean, at: number): void;
  clearReclassify(id: number): void;
  forResident(residentId: number, limit: number): { lines: ResidentReportLine[]; total: number };
  forProblem(problemId: number, limit?: number): StoredReport[];
}

export function createReportStore(db: Db): ReportStore {
  const one = db.prepare('SELECT * FROM reports WHERE id = ?');
  const pending = db.prepare(`SELECT id FROM reports WHERE state = 'received' ORDER BY id LIMIT ?`);
  const pendingCount = db.prepare(`SELECT COUNT(*) AS n FROM reports WHERE state = 'received'`);
  const reclassify = db.prepare(`SELECT * FROM reports WHERE needs_reclassify = 1 ORDER BY id LIMIT ?`);
  const save = db.prepare(
    `UPDATE reports SET state = 'classified', category = ?, kind = ?, urgent = ?, unit_written = ?, unit_id = ?,
       summary = ?, language = ?, classified_by = ?, classified_at = ?, needs_reclassify = ? WHERE id = ?`,
  );
  const clear = db.prepare('UPDATE reports SET needs_reclassify = 0 WHERE id = ?');
  const mine = db.prepare(
    `SELECT r.id, r.category, r.received_at, r.state, p.status AS problem_status
     FROM reports r LEFT JOIN problems p ON p.id = r.problem_id
     WHERE r.resident_id = ? ORDER BY r.id DESC LIMIT ?`,
  );
  const mineCount = db.prepare('SELECT COUNT(*) AS n FROM reports WHERE resident_id = ?');
  const byProblem = db.prepare('SELECT * FROM reports WHERE problem_id = ? ORDER BY received_at, id LIMIT ?');

  return {
    get(id) {
      const row = one.get(id) as ReportRow | undefined;
      return row ? toReport(row) : undefined;
    },
    pending: (limit) => (pending.all(limit) as Array<{ id: number }>).map((r) => r.id),
    pendingCount: () => (pendingCount.get() as { n: number }).n,
    needingReclassify: (limit) => (reclassify.all(limit) as ReportRow[]).map(toReport),
    saveLabel(id, label, by, unitId, needsReclassify, at) {
      save.run(label.category, label.kind, label.urgent ? 1 : 0, label.unit, unitId, label.summary, label.language, by, at, needsReclassify ? 1 : 0, id);
    },
    clearReclassify: (id) => void clear.run(id),
    forResident(residentId, limit) {
      const lines = (mine.all(residentId, limit) as Array<{ id: number; category: string | null; received_at: number; state: 'received' | 'classified'; problem_status: ProblemStatus | null }>).map(
        (r) => ({ id: r.id, category: r.category, receivedAt: r.received_at, state: r.state, problemStatus: r.problem_status }),
      );
      return { lines, total: (mineCount.get(residentId) as { n: number }).n };
    },
    forProblem: (problemId, limit = 1000) => (byProblem.all(problemId, limit) as ReportRow[]).map(toReport),
  };
}
