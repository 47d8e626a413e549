import type { Db } from '../db/database.ts';
import type { Language } from '../domain/classification.ts';
import { mediaSense, type MediaFile } from '../media/media.ts';

/** A resident's message as the pipeline sees it: no Telegram types beyond plain ids. */
export interface IncomingReport {
  chatId: number;
  messageId: number;
  userId: number;
  /** The language replies should use, as the messenger reports the person's setting. */
  language: Language;
  /** What the resident wrote (message or caption); empty for a voice note or photo sent alone. */
  text: string;
  media?: MediaFile;
}

export interface Resident {
  id: number;
  telegramUserId: number;
  chatId: number;
  language: Language;
  languageChosen: boolean;
  blockedAt: number | null;
  forgottenAt: number | null;
}

export interface ReceivedReport {
  reportId: number;
  /** False when this message was already stored (Telegram delivered it twice). */
  created: boolean;
  residentId: number;
  flooded: boolean;
}

export interface Intake {
  /** Store the report before anything else can fail. Idempotent by chat id + message id. */
  receive(report: IncomingReport): ReceivedReport;
  /** Register or refresh a resident without a report (/start, /lang). */
  touchResident(userId: number, chatId: number, language: Language): Resident;
  resident(userId: number): Resident | undefined;
  residentByChat(chatId: number): Resident | undefined;
  chooseLanguage(userId: number, chatId: number, language: Language): void;
  markBlocked(chatId: number): void;
}

interface ResidentRow {
  id: number;
  telegram_user_id: number;
  chat_id: number;
  language: Language;
  language_chosen: number;
  blocked_at: number | null;
  forgotten_at: number | null;
}

const toResident = (row: ResidentRow): Resident => ({
  id: row.id,
  telegramUserId: row.telegram_user_id,
  chatId: row.chat_id,
  language: row.language,
  languageChosen: row.language_chosen === 1,
  blockedAt: row.blocked_at,
  forgottenAt: row.forgotten_at,
});

/** More than `maxMessages` within `windowMs` from one resident is a flood (FLOOD_MAX_MESSAGES, FLOOD_WINDOW_SECONDS). */
export interface FloodRule {
  maxMessages: number;
  windowMs: number;
}

/** The flood rule, for reports and for direct replies alike: `recent` counted within the rule's window. */
export const isFlooding = (recent: number, rule: FloodRule): boolean => recent >= rule.maxMessages;

export interface IntakeOptions {
  now?: () => number;
  flood?: FloodRule;
}

export function createIntake(db: Db, options: IntakeOptions = {}): Intake {
  const now = options.now ?? Date.now;
  const flood = options.flood ?? { maxMessages: 8, windowMs: 60_000 };

  // Writing to the bot again means they unblocked it; Telegram's language setting wins unless /lang chose one.
  const upsertResident = db.prepare(
    `INSERT INTO residents (telegram_user_id, chat_id, language, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (telegram_user_id) DO UPDATE SET
       chat_id = excluded.chat_id,
       language = CASE WHEN residents.language_chosen = 1 THEN residents.language ELSE excluded.language END,
       blocked_at = NULL
     RETURNING *`,
  );
  const selectResident = db.prepare('SELECT * FROM residents WHERE telegram_user_id = ?');
  const selectResidentByChat = db.prepare('SELECT * FROM residents WHERE chat_id = ? ORDER BY id DESC LIMIT 1');
  const setLanguage = db.prepare('UPDATE residents SET language = ?, language_chosen = 1 WHERE telegram_user_id = ?');
  const block = db.prepare('UPDATE residents SET blocked_at = ? WHERE chat_id = ? AND blocked_at IS NULL');
  const insertReport = db.prepare(
    `INSERT INTO reports (chat_id, message_id, resident_id, text, media_kind, media_file_id, reply_language, received_at, flooded)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO NOTHING`,
  );
  // A report with nothing written (a voice note or photo alone) needs a look until a transcript or a person reads it.
  const insertMedia = db.prepare(
    `INSERT INTO report_media (report_id, kind, file_id, file_unique_id, duration, size, mime_type, needs_look, job_state, next_try_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const existingReport = db.prepare('SELECT id, flooded FROM reports WHERE chat_id = ? AND message_id = ?');
  const recentCount = db.prepare('SELECT COUNT(*) AS n FROM reports WHERE resident_id = ? AND received_at > ?');

  const touch = (userId: number, chatId: number, language: Language) =>
    toResident(upsertResident.get(userId, chatId, language, now()) as ResidentRow);

  const receive = db.transaction((report: IncomingReport): ReceivedReport => {
    const existing = existingReport.get(report.chatId, report.messageId) as { id: number; flooded: number } | undefined;
    const resident = touch(report.userId, report.chatId, report.language);
    if (existing) return { reportId: existing.id, created: false, residentId: resident.id, flooded: existing.flooded === 1 };
    const at = now();
    const recent = (recentCount.get(resident.id, at - flood.windowMs) as { n: number }).n;
    const flooded = isFlooding(recent, flood);
    const result = insertReport.run(
      report.chatId,
      report.messageId,
      resident.id,
      report.text.trim() === '' && report.media ? null : report.text,
      report.media?.kind ?? null,
      report.media?.fileId ?? null,
      resident.language,
      at,
      flooded ? 1 : 0,
    );
    const reportId = Number(result.lastInsertRowid);
    const media = report.media;
    if (media) {
      const unread = report.text.trim() === '' ? 1 : 0;
      // Sound or a photo with no words yet waits for the media job (src/pipeline/transcription-job.ts), when one runs.
      // A photo with a caption is described too (when a vision model runs): the description adds to the caption.
      const job = (unread && mediaSense(media.kind)) || media.kind === 'photo' ? 'pending' : null;
      insertMedia.run(reportId, media.kind, media.fileId, media.fileUniqueId ?? null, media.duration ?? null, media.size ?? null, media.mimeType ?? null, unread, job, job ? at : null);
    }
    return { reportId, created: true, residentId: resident.id, flooded };
  });

  return {
    receive: (report) => receive.immediate(report),
    touchResident: touch,
    resident: (userId) => {
      const row = selectResident.get(userId) as ResidentRow | undefined;
      return row ? toResident(row) : undefined;
    },
    residentByChat: (chatId) => {
      const row = selectResidentByChat.get(chatId) as ResidentRow | undefined;
      return row ? toResident(row) : undefined;
    },
    chooseLanguage(userId, chatId, language) {
      touch(userId, chatId, language);
      setLanguage.run(language, userId);
    },
    markBlocked: (chatId) => void block.run(now(), chatId),
  };
}
