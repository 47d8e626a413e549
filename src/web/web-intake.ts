import { createHash } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import type { Db } from '../db/database.ts';
import { webAddress } from '../domain/channel.ts';
import type { Language } from '../domain/classification.ts';
import { sealContact, type Contact } from './contact.ts';
import { savePhoto, type PhotoType } from './photo.ts';
import { newToken, tokenHash } from './tokens.ts';
import { HOUR } from '../domain/time.ts';

/** A report as the web page or the API hands it over, already checked (src/web/submission.ts). */
export interface WebSubmission {
  text: string;
  /** The school or unit the resident picked or typed; it leads the stored text, as a resident would write it. */
  unit?: string;
  contact?: Contact;
  language: Language;
  photo?: { bytes: Uint8Array; type: PhotoType };
  /** A client's key for this one submission (the form's hidden field, the API's Idempotency-Key). */
  submissionKey?: string;
  /** Who sent it (the rate limiter's client key): only the same client's retry finds the report again. */
  client?: string;
}

/**
 * How long a retry finds its report. A retry takes the report over (a fresh token; the old one stops working), so
 * it must be a retry: the same key, text and client, within the hour a restart or a lost answer could take.
 */
export const RETRY_WINDOW_MS = HOUR;

export interface WebReceipt {
  ticket: number;
  /** The tracking token, shown once; only its hash is stored. */
  token: string;
  /** False when this submission had been stored already (a retry): the same report, a fresh token. */
  created: boolean;
  /** What became of the contact: kept sealed, not kept because no key is configured, or none was given. */
  contact: 'stored' | 'not_stored' | 'none';
}

export interface WebIntake {
  /** Store the report (resident, report, photo, token) in one transaction before anyone is answered. */
  receive(submission: WebSubmission): WebReceipt;
}

/** The text as stored and classified: the unit first when one was given and the text does not already name it. */
export function storedText(text: string, unit: string | undefined, language: Language): string {
  if (!unit || text.includes(unit)) return text;
  return language === 'zh' ? `${unit}：${text}` : `${unit}: ${text}`;
}

export function createWebIntake(db: Db, options: { mediaDir: string; contactKey: Buffer | undefined; now?: () => number }): WebIntake {
  const now = options.now ?? Date.now;
  const insertResident = db.prepare(
    `INSERT INTO residents (telegram_user_id, chat_id, language, language_chosen, created_at, channel) VALUES (NULL, 0, ?, 1, ?, 'web') RETURNING id`,
  ).pluck();
  const addressResident = db.prepare('UPDATE residents SET chat_id = ? WHERE id = ?');
  // One report per web resident: message 1 of its address.
  const insertReport = db.prepare(
    `INSERT INTO reports (chat_id, message_id, resident_id, text, media_kind, media_file_id, reply_language, received_at, flooded)
     VALUES (?, 1, ?, ?, ?, NULL, ?, ?, 0)`,
  );
  // The same report_media row a Telegram photo gets; there is no Telegram file id, the bytes are on disk.
  const insertMedia = db.prepare(
    `INSERT INTO report_media (report_id, kind, file_id, file_unique_id, duration, size, mime_type, needs_look, job_state, next_try_at)
     VALUES (?, 'photo', NULL, NULL, NULL, ?, ?, 0, NULL, NULL)`,
  );
  const insertWeb = db.prepare(
    `INSERT INTO web_reports (report_id, token_hash, submission_hash, contact_sealed, contact_kind, photo_path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const bySubmission = db.prepare('SELECT report_id, contact_sealed, created_at FROM web_reports WHERE submission_hash = ?');
  const retire = db.prepare('UPDATE web_reports SET submission_hash = NULL WHERE report_id = ?');
  const retoken = db.prepare('UPDATE web_reports SET token_hash = ? WHERE report_id = ?');

  const store = db.transaction((submission: WebSubmission, submissionHash: string | null, photoPath: string | null): WebReceipt => {
    const token = newToken();
    const contact = submission.contact ? (options.contactKey ? 'stored' : 'not_stored') : 'none';
    if (submissionHash) {
      const earlier = bySubmission.get(submissionHash) as { report_id: number; contact_sealed: string | null; created_at: number } | undefined;
      // Past the window the same words are a new report; the old one keeps its token.
      if (earlier && now() - earlier.created_at > RETRY_WINDOW_MS) retire.run(earlier.report_id);
      else if (earlier) {
        // The first answer may never have arrived: the same report, under a new token (the old one stops working).
        retoken.run(tokenHash(token), earlier.report_id);
        return { ticket: earlier.report_id, token, created: false, contact: earlier.contact_sealed ? 'stored' : contact };
      }
    }
    const at = now();
    const residentId = insertResident.get(submission.language, at) as number;
    const address = webAddress(residentId);
    addressResident.run(address, residentId);
    const text = storedText(submission.text, submission.unit, submission.language);
    const reportId = Number(insertReport.run(address, residentId, text, submission.photo ? 'photo' : null, submission.language, at).lastInsertRowid);
    if (submission.photo) insertMedia.run(reportId, submission.photo.bytes.length, submission.photo.type.mime);
    const sealed = submission.contact && options.contactKey ? sealContact(options.contactKey, submission.contact) : null;
    insertWeb.run(reportId, tokenHash(token), submissionHash, sealed, sealed ? submission.contact!.kind : null, photoPath, at);
    return { ticket: reportId, token, created: true, contact };
  });

  return {
    receive(submission) {
      // Scoped by the text: a key reused by a careless client for another report files that report.
      const submissionHash = submission.submissionKey
        ? createHash('sha256').update(`${submission.submissionKey}\n${submission.client ?? ''}\n${submission.text}\n${submission.unit ?? ''}`).digest('hex')
        : null;
      // The bytes go to disk first under a random name; the row that points at them is written in the transaction.
      const photoPath = submission.photo ? savePhoto(options.mediaDir, submission.photo.bytes, submission.photo.type) : null;
      try {
        const receipt = store.immediate(submission, submissionHash, photoPath);
        if (!receipt.created && photoPath) unlinkSync(photoPath);
        return receipt;
      } catch (error) {
        if (photoPath) {
          try {
            unlinkSync(photoPath);
          } catch {
            // already gone
          }
        }
        throw error;
      }
    },
  };
}
