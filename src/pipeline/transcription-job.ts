import type { Logger } from 'pino';
import type { Describer } from '../classify/describer.ts';
import type { Transcriber } from '../classify/transcriber.ts';
import { isBusyError, type Db } from '../db/database.ts';
import type { Catalogue } from '../domain/categories.ts';
import type { Classification } from '../domain/classification.ts';
import type { Translator } from '../i18n/i18n.ts';
import { firstLineQuote, transcriptionBackoffMs, MAX_TRANSCRIBE_FAILURES } from '../media/media.ts';
import { createMediaStore, type PendingMedia } from '../media/media-store.ts';
import type { TelegramFiles } from '../media/telegram-files.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { createReportStore } from '../intake/report-store.ts';
import { createWorkerLoop } from '../queue/worker-loop.ts';

/**
 * Voice notes → text (issue 16), a durable job: the work is the `report_media` rows in state 'pending', so a
 * restart picks up where it stopped. A note is fetched through the Bot API, transcribed, and its transcript becomes
 * the report's text: a report still waiting is classified by the pipeline as usual; one already answered with the
 * placeholder label is labelled again (`relabel`). The resident is shown the first line of what was heard.
 * While the service is down, the note is kept and tried again with a bounded backoff; staff see it all along.
 */
export interface TranscriptionJob {
  start(): void;
  stop(): Promise<void>;
  wake(): void;
  /** Resolves when no note is being heard and none is due (or the job is stopped). */
  idle(): Promise<void>;
  /** Transcribe what is due now; returns how many notes got a transcript. */
  runOnce(): Promise<number>;
}

export interface TranscriptionJobDeps {
  db: Db;
  files: TelegramFiles;
  /** Voice notes, audio and video notes → text; absent: they wait for staff. */
  transcriber?: Transcriber;
  /** Photos → a description (OPENAI_VISION_MODEL); absent: they wait for staff. */
  describer?: Describer;
  maxVoiceSeconds: number;
  /** The pipeline: label a classified report again from its new text. */
  relabel: (reportId: number) => Promise<Classification | undefined>;
  /** The pipeline: a waiting report has words now. */
  wakePipeline: () => void;
  outbox: Outbox;
  tr: Translator;
  catalogue: Catalogue;
  onQueued: () => void;
  logger: Logger;
  now?: () => number;
  pollIntervalMs?: number;
}

type Due = PendingMedia;

const BATCH = 4;

export function createTranscriptionJob(deps: TranscriptionJobDeps): TranscriptionJob {
  const { db, logger } = deps;
  // The report store's rule for "still wanted" (not forgotten), over the same connection.
  const reports = createReportStore(db);
  const now = deps.now ?? Date.now;
  const media = createMediaStore(db);
  const handled = [...(deps.transcriber ? ['voice', 'audio', 'video_note'] : []), ...(deps.describer ? ['photo'] : [])];
  const pollMs = deps.pollIntervalMs ?? 1000;
  /**
   * After a pass that did not fill its batch (the service down, nothing more due), the next waits a poll interval.
   * Wall-clock time, like the timers that wait for it: `now` may be a test's or the sample's clock.
   */
  let restUntil = 0;

  function retryLater(row: Due, why: string): void {
    const wait = transcriptionBackoffMs(row.attempts + 1);
    if (row.attempts + 1 >= MAX_TRANSCRIBE_FAILURES && why === 'rejected') media.skip(row.report_id, 'failed');
    else media.later(row.report_id, now() + wait);
    logger.warn({ reportId: row.report_id, attempts: row.attempts + 1, why, retryInMs: wait }, 'voice note not transcribed yet; kept and tried again later');
  }

  async function one(row: Due): Promise<'done' | 'skipped' | 'later' | 'down'> {
    if (row.file_id === null) return media.skip(row.report_id, 'erased'), 'skipped';
    const isPhoto = row.kind === 'photo';
    if (!isPhoto && row.duration !== null && row.duration > deps.maxVoiceSeconds) {
      media.skip(row.report_id, 'too_long');
      logger.info({ reportId: row.report_id, seconds: row.duration }, 'voice note longer than MAX_VOICE_SECONDS: kept for staff, not transcribed');
      return 'skipped';
    }
    const file = await deps.files.fetch(row.file_id, row.size);
    if (!file.ok) {
      if (file.reason === 'unavailable') return retryLater(row, 'telegram'), 'down';
      media.skip(row.report_id, file.reason);
      logger.info({ reportId: row.report_id, reason: file.reason }, 'voice note cannot be downloaded: kept for staff, not transcribed');
      return 'skipped';
    }
    const mimeType = row.mime_type ?? (isPhoto ? 'image/jpeg' : 'audio/ogg');
    const result = isPhoto
      ? await deps.describer!.describe(file.bytes, mimeType, row.reply_language)
      : await deps.transcriber!.transcribe(file.bytes, { name: `voice.${mimeType.split('/')[1] ?? 'ogg'}`, mimeType }).then((r) => (r.success ? { success: true as const, data: { description: r.data, urgent: false } } : r));
    if (!result.success) {
      retryLater(row, result.providerDown ? 'provider_down' : 'rejected');
      return result.providerDown ? 'down' : 'later';
    }
    const words = result.data.description;
    // The words become the report's text: the transcript of a voice note, the description of a photo alone;
    // after a photo's caption, the description is added to it.
    const written = db.transaction((): { state: string; captioned?: { category: string | null; urgent: boolean } } | undefined => {
      // Its resident was forgotten (/forget) while it was being heard: their words are not written back.
      if (!reports.stillWanted(row.report_id)) return media.skip(row.report_id, 'erased'), undefined;
      const done = isPhoto ? media.seen(row.report_id, words, result.data.urgent) : media.heard(row.report_id, words);
      if (!done) return undefined;
      const alone = media.setTextIfNone(row.report_id, words);
      if (alone || !isPhoto) return alone;
      const added = media.appendToText(row.report_id, `\n📷 ${words}`);
      return added && { state: added.state, captioned: { category: added.category, urgent: added.urgent } };
    }).immediate();
    if (written === undefined) return 'skipped';
    const { state, captioned } = written;
    // Still waiting: the pipeline classifies the words like any text. Already answered: label it again.
    const label = state === 'received' ? undefined : await deps.relabel(row.report_id);
    if (state === 'received') deps.wakePipeline();
    // A captioned photo was answered from its caption already: the resident hears again only when the photo
    // changed what the report is (its category, or it is urgent now).
    if (captioned && !(label && (label.category !== captioned.category || (label.urgent && !captioned.urgent)))) {
      logger.info({ reportId: row.report_id, category: label?.category, kind: row.kind }, 'captioned photo described');
      return 'done';
    }
    const language = row.reply_language;
    const category = label ? deps.catalogue.name(label.category, language) : undefined;
    // Read again after relabelling's await: forgotten meanwhile, nothing is sent to them (no await from here on).
    const fresh = reports.stillWanted(row.report_id);
    if (!fresh) return 'skipped';
    const queued = deps.outbox.enqueue({
      dedupeKey: `heard:${row.report_id}`,
      chatId: fresh.chatId,
      kind: 'status',
      message: {
        type: 'text',
        html: deps.tr.t(language, `media.${isPhoto ? 'seen' : 'heard'}${category ? '.labelled' : ''}`, { ticket: row.report_id, quote: firstLineQuote(words), category: category ?? '' }),
      },
    });
    if (queued) deps.onQueued();
    logger.info({ reportId: row.report_id, category: label?.category, kind: row.kind }, isPhoto ? 'photo described' : 'voice note transcribed');
    return 'done';
  }

  async function runOnce(): Promise<number> {
    let done = 0;
    let rows: Due[];
    try {
      rows = media.due(now(), handled, BATCH);
    } catch (error) {
      if (isBusyError(error)) return 0;
      throw error;
    }
    for (const row of rows) {
      const outcome = await one(row);
      if (outcome === 'done') done++;
      // The service (or Telegram) is down: the others would fail the same way; they wait for the next pass.
      if (outcome === 'down') break;
    }
    return done;
  }

  async function pass(): Promise<void> {
    let done = 0;
    try {
      done = await runOnce();
    } finally {
      // A full batch: more may be due at once; otherwise look again at the poll interval.
      restUntil = done === BATCH ? 0 : Date.now() + pollMs;
    }
  }

  // One pass at a time (a single key): a pass hears its notes one after another, and stops at the first sign
  // that the service is down.
  const loop = createWorkerLoop<'pass'>({
    concurrency: 1,
    take: () => (Date.now() < restUntil || !media.anyDue(now(), handled) ? [] : [{ key: 'pass', run: pass }]),
    hasDue: () => media.anyDue(now(), handled),
    nextLookInMs: () => Math.max(restUntil - Date.now(), 0) || pollMs,
    onJobError: (error) => logger.error({ err: error }, 'transcription pass failed'),
    onTakeError(error) {
      if (!isBusyError(error)) throw error;
      return pollMs;
    },
  });

  return {
    start: () => loop.start(),
    stop: () => loop.stop(),
    idle: () => loop.idle(),
    wake() {
      // Something new was stored: it is heard at once, not after the rest.
      restUntil = 0;
      loop.wake();
    },
    runOnce,
  };
}
