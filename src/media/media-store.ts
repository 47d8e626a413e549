import type { Db } from '../db/database.ts';
import type { Language } from '../domain/classification.ts';

/** A voice note or photo waiting for words (`report_media` in state 'pending'), with what the job needs to fetch it. */
export interface PendingMedia {
  report_id: number;
  kind: string;
  file_id: string | null;
  duration: number | null;
  size: number | null;
  mime_type: string | null;
  attempts: number;
  chat_id: number;
  reply_language: Language;
}

/**
 * A report's voice note or photo (issue 16) and the words that come from it: the transcription job's queue, what
 * the pipeline asks about media alone, and a resident's correction of what was heard or seen.
 */
export interface MediaStore {
  /** Pending media of these kinds that are due, longest waiting first. */
  due(now: number, kinds: readonly string[], limit: number): PendingMedia[];
  anyDue(now: number, kinds: readonly string[]): boolean;
  /** Given up on (too long, erased, failed for good): it waits for staff. */
  skip(reportId: number, reason: string): void;
  /** One more failed try; the next one not before `nextTryAt`. */
  later(reportId: number, nextTryAt: number): void;
  /** A voice note's transcript; false when it was no longer pending. */
  heard(reportId: number, transcript: string): boolean;
  /** A photo's description; false when it was no longer pending. */
  seen(reportId: number, description: string, showsDanger: boolean): boolean;
  /** The words become the text of a report that had none; its state, or undefined when it had words already. */
  setTextIfNone(reportId: number, text: string): { state: string } | undefined;
  /** The words follow a photo's caption; the report's state and label, or undefined when it had no words. */
  appendToText(reportId: number, text: string): { state: string; category: string | null; urgent: boolean } | undefined;
  /** The kind of a report's media still to be listened to or looked at. */
  unreadKind(reportId: number): string | undefined;
  /** The vision model saw someone at immediate risk in the report's photo. */
  showsDanger(reportId: number): boolean;
  /**
   * A resident's words replace what was heard (or seen) in their own report, once its media is done: the report's
   * text and the transcript (or description), in one transaction. False when nothing was corrected.
   */
  correct(reportId: number, chatId: number, text: string): boolean;
}

export function createMediaStore(db: Db): MediaStore {
  const due = db.prepare(
    `SELECT m.report_id, m.kind, m.file_id, m.duration, m.size, m.mime_type, m.attempts, r.chat_id, r.reply_language
       FROM report_media m JOIN reports r ON r.id = m.report_id
      WHERE m.job_state = 'pending' AND m.next_try_at <= ? AND m.kind IN (SELECT value FROM json_each(?))
      ORDER BY m.next_try_at, m.report_id LIMIT ?`,
  );
  const anyDue = db.prepare(
    `SELECT 1 FROM report_media WHERE job_state = 'pending' AND next_try_at <= ? AND kind IN (SELECT value FROM json_each(?)) LIMIT 1`,
  );
  const skip = db.prepare(`UPDATE report_media SET job_state = 'skipped', skip_reason = ? WHERE report_id = ? AND job_state = 'pending'`);
  const later = db.prepare(`UPDATE report_media SET attempts = attempts + 1, next_try_at = ? WHERE report_id = ? AND job_state = 'pending'`);
  const heard = db.prepare(`UPDATE report_media SET transcript = ?, job_state = 'done', needs_look = 0 WHERE report_id = ? AND job_state = 'pending'`);
  const seen = db.prepare(`UPDATE report_media SET description = ?, shows_danger = ?, job_state = 'done', needs_look = 0 WHERE report_id = ? AND job_state = 'pending'`);
  const setText = db.prepare('UPDATE reports SET text = ? WHERE id = ? AND text IS NULL RETURNING state');
  // A photo with a caption: the caption leads, what the photo shows follows it, marked as seen rather than written.
  const addToText = db.prepare('UPDATE reports SET text = text || ? WHERE id = ? AND text IS NOT NULL RETURNING state, category, urgent');
  const unread = db.prepare('SELECT kind FROM report_media WHERE report_id = ? AND needs_look = 1');
  const danger = db.prepare('SELECT 1 FROM report_media WHERE report_id = ? AND shows_danger = 1');
  const correctText = db.prepare(
    `UPDATE reports SET text = @text WHERE id = @id AND chat_id = @chat
       AND EXISTS (SELECT 1 FROM report_media m WHERE m.report_id = reports.id AND m.job_state = 'done')`,
  );
  // The resident's words replace what was heard in a voice note, or what was seen in a photo.
  const correctWords = db.prepare(
    `UPDATE report_media SET transcript = CASE WHEN kind = 'photo' THEN transcript ELSE @text END,
       description = CASE WHEN kind = 'photo' THEN @text ELSE description END WHERE report_id = @id`,
  );
  const correct = db.transaction((params: { text: string; id: number; chat: number }) => correctText.run(params).changes > 0 && correctWords.run(params).changes > 0);

  return {
    due: (now, kinds, limit) => due.all(now, JSON.stringify(kinds), limit) as PendingMedia[],
    anyDue: (now, kinds) => anyDue.get(now, JSON.stringify(kinds)) !== undefined,
    skip: (reportId, reason) => void skip.run(reason, reportId),
    later: (reportId, nextTryAt) => void later.run(nextTryAt, reportId),
    heard: (reportId, transcript) => heard.run(transcript, reportId).changes > 0,
    seen: (reportId, description, showsDanger) => seen.run(description, showsDanger ? 1 : 0, reportId).changes > 0,
    setTextIfNone: (reportId, text) => setText.get(text, reportId) as { state: string } | undefined,
    appendToText(reportId, text) {
      const row = addToText.get(text, reportId) as { state: string; category: string | null; urgent: number | null } | undefined;
      return row && { state: row.state, category: row.category, urgent: row.urgent === 1 };
    },
    unreadKind: (reportId) => (unread.get(reportId) as { kind: string } | undefined)?.kind,
    showsDanger: (reportId) => danger.get(reportId) !== undefined,
    correct: (reportId, chatId, text) => correct.immediate({ text, id: reportId, chat: chatId }),
  };
}
