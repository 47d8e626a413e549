import type { Db } from '../db/database.ts';
import type { CloseReason, ProblemStatus } from '../problems/problem.ts';
import type { FixedAnswer } from '../problems/feedback-store.ts';
import type { Kind, Language } from '../domain/classification.ts';

/** A web report's own row (`web_reports`): how its token, a retry and its contact and photo find it. */
export interface NewWebReport {
  reportId: number;
  tokenHash: string;
  submissionHash: string | null;
  contactSealed: string | null;
  contactKind: 'phone' | 'email' | null;
  photoPath: string | null;
  createdAt: number;
}

/** The report a submission key filed earlier (a retry finds it). */
export interface EarlierSubmission {
  reportId: number;
  /** A sealed contact was kept for it. */
  contactStored: boolean;
  createdAt: number;
}

/** What the tracking page reads of one web report: the report, its problem's progress and its survey. */
export interface TrackingRow {
  id: number;
  receivedAt: number;
  replyLanguage: Language;
  state: 'received' | 'classified';
  category: string | null;
  kind: Kind | null;
  /** Null while the report belongs to no problem. */
  problemStatus: ProblemStatus | null;
  closeReason: CloseReason | null;
  deadlineAt: number | null;
  mediaKind: string | null;
  contactStored: boolean;
  /** When "is it fixed?" was asked about the report, null when never. */
  surveyAskedAt: number | null;
  fixed: FixedAnswer | null;
  rating: number | null;
  commented: boolean;
}

export interface WebNotice {
  id: number;
  at: number;
  kind: string;
  text: string;
}

/**
 * The web page's tables (`web_reports`, `web_notices`) and the rows a web report starts with. The callers
 * (web-intake.ts, web-tracking.ts, web-delivery.ts) open the transactions around these calls.
 *
 * The resident, report and photo rows are written here and not through src/intake/: `Intake.receive` upserts a
 * Telegram user (ON CONFLICT telegram_user_id, the language only a default), numbers reports by Telegram message
 * and counts floods, and marks a photo 'pending' for the media job, which has no Telegram file to fetch for a web
 * photo. Neither intake.ts, report-store.ts nor media-store.ts has an insert with the same effect.
 */
export interface WebStore {
  /** A web resident (no Telegram user, the language chosen on the page); its id. Its address is set next. */
  addResident(language: Language, at: number): number;
  /** The resident's address (`chat_id`), known once its id is (src/domain/channel.ts). */
  setAddress(residentId: number, address: number): void;
  /** The resident's one report: message 1 of its address, never flooded; its id. */
  addReport(report: { address: number; residentId: number; text: string; photo: boolean; language: Language; at: number }): number;
  /** The report_media row a Telegram photo gets, without a Telegram file and with no job waiting: the bytes are on disk. */
  addPhoto(reportId: number, size: number, mime: string): void;
  addWebReport(row: NewWebReport): void;
  earlierSubmission(submissionHash: string): EarlierSubmission | undefined;
  /** The submission key no longer finds the report (past the retry window). */
  retireSubmission(reportId: number): void;
  /** A new token for the report; the old one opens nothing from now on. */
  setToken(reportId: number, tokenHash: string): void;
  /** The report a token hash opens, with the hash as stored, unless its resident was forgotten. */
  byTokenHash(tokenHash: string): { reportId: number; tokenHash: string; residentId: number } | undefined;
  tracking(reportId: number): TrackingRow | undefined;
  /** What the resident was told about the report, oldest first (at most 200). */
  notices(reportId: number): WebNotice[];
  /** The web report at an address (its first), undefined when none is (forgotten, or not a web address). */
  reportAt(address: number): { reportId: number; hasContact: boolean } | undefined;
  /** A notice on the tracking page; its id. */
  addNotice(reportId: number, kind: string, text: string, at: number): number;
}

export function createWebStore(db: Db): WebStore {
  const addResident = db.prepare(
    `INSERT INTO residents (telegram_user_id, chat_id, language, language_chosen, created_at, channel) VALUES (NULL, 0, ?, 1, ?, 'web') RETURNING id`,
  ).pluck();
  const setAddress = db.prepare('UPDATE residents SET chat_id = ? WHERE id = ?');
  const addReport = db.prepare(
    `INSERT INTO reports (chat_id, message_id, resident_id, text, media_kind, media_file_id, reply_language, received_at, flooded)
     VALUES (?, 1, ?, ?, ?, NULL, ?, ?, 0)`,
  );
  const addPhoto = db.prepare(
    `INSERT INTO report_media (report_id, kind, file_id, file_unique_id, duration, size, mime_type, needs_look, job_state, next_try_at)
     VALUES (?, 'photo', NULL, NULL, NULL, ?, ?, 0, NULL, NULL)`,
  );
  const addWebReport = db.prepare(
    `INSERT INTO web_reports (report_id, token_hash, submission_hash, contact_sealed, contact_kind, photo_path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const bySubmission = db.prepare('SELECT report_id, contact_sealed, created_at FROM web_reports WHERE submission_hash = ?');
  const retire = db.prepare('UPDATE web_reports SET submission_hash = NULL WHERE report_id = ?');
  const retoken = db.prepare('UPDATE web_reports SET token_hash = ? WHERE report_id = ?');
  const byHash = db.prepare(
    `SELECT w.report_id, w.token_hash, r.resident_id FROM web_reports w JOIN reports r ON r.id = w.report_id
     JOIN residents s ON s.id = r.resident_id WHERE w.token_hash = ? AND s.forgotten_at IS NULL`,
  );
  const tracking = db.prepare(
    `SELECT r.id, r.received_at, r.reply_language, r.state, r.category, r.kind, r.media_kind,
            p.status, p.close_reason, p.deadline_at, w.contact_sealed,
            f.asked_at, f.fixed, f.rating, f.comment IS NOT NULL AS commented
     FROM reports r JOIN web_reports w ON w.report_id = r.id
     LEFT JOIN problems p ON p.id = r.problem_id LEFT JOIN feedback f ON f.report_id = r.id
     WHERE r.id = ?`,
  );
  const notices = db.prepare('SELECT id, at, kind, text FROM web_notices WHERE report_id = ? ORDER BY id LIMIT 200');
  const reportAt = db.prepare(
    `SELECT r.id, w.contact_sealed IS NOT NULL AS has_contact FROM reports r JOIN web_reports w ON w.report_id = r.id
     WHERE r.chat_id = ? ORDER BY r.id LIMIT 1`,
  );
  const addNotice = db.prepare('INSERT INTO web_notices (report_id, kind, text, at) VALUES (?, ?, ?, ?)');

  return {
    addResident: (language, at) => addResident.get(language, at) as number,
    setAddress: (residentId, address) => void setAddress.run(address, residentId),
    addReport: ({ address, residentId, text, photo, language, at }) => Number(addReport.run(address, residentId, text, photo ? 'photo' : null, language, at).lastInsertRowid),
    addPhoto: (reportId, size, mime) => void addPhoto.run(reportId, size, mime),
    addWebReport: (row) => void addWebReport.run(row.reportId, row.tokenHash, row.submissionHash, row.contactSealed, row.contactKind, row.photoPath, row.createdAt),
    earlierSubmission(submissionHash) {
      const row = bySubmission.get(submissionHash) as { report_id: number; contact_sealed: string | null; created_at: number } | undefined;
      return row && { reportId: row.report_id, contactStored: Boolean(row.contact_sealed), createdAt: row.created_at };
    },
    retireSubmission: (reportId) => void retire.run(reportId),
    setToken: (reportId, tokenHash) => void retoken.run(tokenHash, reportId),
    byTokenHash(tokenHash) {
      const row = byHash.get(tokenHash) as { report_id: number; token_hash: string; resident_id: number } | undefined;
      return row && { reportId: row.report_id, tokenHash: row.token_hash, residentId: row.resident_id };
    },
    tracking(reportId) {
      type Row = {
        id: number;
        received_at: number;
        reply_language: Language;
        state: 'received' | 'classified';
        category: string | null;
        kind: Kind | null;
        media_kind: string | null;
        status: ProblemStatus | null;
        close_reason: CloseReason | null;
        deadline_at: number | null;
        contact_sealed: string | null;
        asked_at: number | null;
        fixed: FixedAnswer | null;
        rating: number | null;
        commented: number | null;
      };
      const r = tracking.get(reportId) as Row | undefined;
      return (
        r && {
          id: r.id,
          receivedAt: r.received_at,
          replyLanguage: r.reply_language,
          state: r.state,
          category: r.category,
          kind: r.kind,
          problemStatus: r.status,
          closeReason: r.close_reason,
          deadlineAt: r.deadline_at,
          mediaKind: r.media_kind,
          contactStored: Boolean(r.contact_sealed),
          surveyAskedAt: r.asked_at,
          fixed: r.fixed,
          rating: r.rating,
          commented: r.commented === 1,
        }
      );
    },
    notices: (reportId) => notices.all(reportId) as WebNotice[],
    reportAt(address) {
      const row = reportAt.get(address) as { id: number; has_contact: number } | undefined;
      return row && { reportId: row.id, hasContact: row.has_contact === 1 };
    },
    addNotice: (reportId, kind, text, at) => Number(addNotice.run(reportId, kind, text, at).lastInsertRowid),
  };
}
