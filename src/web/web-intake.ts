import { createHash } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import type { Db } from '../db/database.ts';
import { webAddress } from '../domain/channel.ts';
import type { Language } from '../domain/classification.ts';
import { sealContact, type Contact } from './contact.ts';
import { savePhoto, type PhotoType } from './photo.ts';
import { newToken, tokenHash } from './tokens.ts';
import { createWebStore } from './web-store.ts';
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
  const web = createWebStore(db);

  const file = db.transaction((submission: WebSubmission, submissionHash: string | null, photoPath: string | null): WebReceipt => {
    const token = newToken();
    const contact = submission.contact ? (options.contactKey ? 'stored' : 'not_stored') : 'none';
    if (submissionHash) {
      const earlier = web.earlierSubmission(submissionHash);
      // Past the window the same words are a new report; the old one keeps its token.
      if (earlier && now() - earlier.createdAt > RETRY_WINDOW_MS) web.retireSubmission(earlier.reportId);
      else if (earlier) {
        // The first answer may never have arrived: the same report, under a new token (the old one stops working).
        web.setToken(earlier.reportId, tokenHash(token));
        return { ticket: earlier.reportId, token, created: false, contact: earlier.contactStored ? 'stored' : contact };
      }
    }
    const at = now();
    const residentId = web.addResident(submission.language, at);
    const address = webAddress(residentId);
    web.setAddress(residentId, address);
    const text = storedText(submission.text, submission.unit, submission.language);
    // One report per web resident: message 1 of its address.
    const reportId = web.addReport({ address, residentId, text, photo: Boolean(submission.photo), language: submission.language, at });
    if (submission.photo) web.addPhoto(reportId, submission.photo.bytes.length, submission.photo.type.mime);
    const sealed = submission.contact && options.contactKey ? sealContact(options.contactKey, submission.contact) : null;
    web.addWebReport({ reportId, tokenHash: tokenHash(token), submissionHash, contactSealed: sealed, contactKind: sealed ? submission.contact!.kind : null, photoPath, createdAt: at });
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
        const receipt = file.immediate(submission, submissionHash, photoPath);
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
