import { unlinkSync } from 'node:fs';
import type { Db } from '../db/database.ts';
import { escapeHtml } from '../i18n/html.ts';
import type { RawUpdate } from './inbox.ts';
import type { Catalogue } from '../domain/categories.ts';
import type { Language } from '../domain/classification.ts';

/**
 * /forget: the resident's identity and words are erased; what remains (category, unit, dates, status)
 * keeps the statistics true without saying who wrote what.
 */
export interface Forgetting {
  /** Returns how many reports were anonymised, or undefined when we never knew this person. */
  forget(telegramUserId: number): number | undefined;
  /** The same for a resident known by row id: a web resident (issue 17) has no Telegram id. */
  forgetResident(residentId: number): number | undefined;
}

export interface ForgettingDeps {
  /** The classification cache's key for a text (src/classify/report-classifier.ts): the LLM's answer about it goes too. */
  cacheKeyOf: (text: string) => string;
  /** A title made of nobody's words: the problem's category and unit, in the staff language. */
  neutralTitle: (problem: { category: string; unitId: string | null }) => string;
  now?: () => number;
}

/** The title of a problem whose only words were theirs: its category and unit, in the staff language. */
export function neutralTitles(catalogue: Pick<Catalogue, 'name'>, unitName: (unitId: string) => string | undefined, language: Language): ForgettingDeps['neutralTitle'] {
  return (problem) => [catalogue.name(problem.category, language), ...(problem.unitId ? [unitName(problem.unitId) ?? problem.unitId] : [])].join(' · ');
}

/** What replaces their words where someone else's message quoted them. */
export const ERASED = '[…]';
/** A copy elsewhere may be cut short ("…"): the first characters of their words are looked for too. */
const PREFIX_CHARS = 24;
/** Shorter fragments are too common to look for in other people's messages. */
const MIN_FRAGMENT_CHARS = 6;

/** The fragments of their words to look for in copies: each whole, and its beginning. */
function fragmentsOf(words: Iterable<string | null>): string[] {
  const found = new Set<string>();
  for (const word of words) {
    const chars = Array.from(word?.trim() ?? '');
    if (chars.length < MIN_FRAGMENT_CHARS) continue;
    found.add(chars.join(''));
    if (chars.length > PREFIX_CHARS) found.add(chars.slice(0, PREFIX_CHARS).join(''));
  }
  // Longest first, so that a whole text is replaced before its beginning is looked for.
  return [...found].sort((a, b) => b.length - a.length);
}

const redact = (text: string, fragments: readonly string[]): string => fragments.reduce((out, f) => out.split(f).join(ERASED), text);

/**
 * Words quoted inside an update from another chat (a staff reply to an alert, a button pressed under a /problem
 * view): the quoted text goes, the ids that handling the update needs stay. True when something was removed.
 */
function stripQuotes(update: RawUpdate, fragments: readonly string[]): boolean {
  let changed = false;
  const drop = (object: Record<string, unknown> | undefined, keys: readonly string[]) => {
    for (const key of keys) {
      if (object && key in object) {
        delete object[key];
        changed = true;
      }
    }
  };
  for (const value of Object.values(update)) {
    if (!value || typeof value !== 'object') continue;
    const part = value as Record<string, unknown> & { message?: Record<string, unknown>; reply_to_message?: Record<string, unknown> };
    drop(part.reply_to_message, ['text', 'caption', 'entities', 'caption_entities', 'reply_markup']);
    drop(part, ['quote', 'external_reply']);
    // A callback query carries the message its button was under (our own text, which may quote them).
    if ('data' in part) drop(part.message, ['text', 'caption', 'entities', 'caption_entities', 'reply_markup']);
    // Their words copied into someone's own message (forwarded, pasted).
    for (const key of ['text', 'caption'] as const) {
      const text = part[key];
      if (typeof text === 'string' && fragments.some((f) => text.includes(f))) {
        part[key] = redact(text, fragments);
        drop(part, key === 'text' ? ['entities'] : ['caption_entities']);
        changed = true;
      }
    }
  }
  return changed;
}

interface Theirs {
  id: number;
  text: string | null;
  summary: string | null;
  unit_written: string | null;
  received_at: number;
}

export function createForgetting(db: Db, deps: ForgettingDeps): Forgetting {
  const now = deps.now ?? Date.now;
  const findResident = db.prepare('SELECT id, chat_id FROM residents WHERE telegram_user_id = ?');
  const residentById = db.prepare('SELECT id, chat_id FROM residents WHERE id = ? AND forgotten_at IS NULL');
  const theirReports = db.prepare('SELECT id, text, summary, unit_written, received_at FROM reports WHERE resident_id = ?');
  const theirComments = db.prepare('SELECT comment FROM feedback WHERE comment IS NOT NULL AND report_id IN (SELECT id FROM reports WHERE resident_id = ?)').pluck();
  // chat_id/message_id are identity too; a negative message id keeps (chat_id, message_id) unique.
  const eraseReports = db.prepare(
    `UPDATE reports SET text = NULL, summary = NULL, unit_written = NULL, media_file_id = NULL, chat_id = 0, message_id = -id
     WHERE resident_id = ?`,
  );
  const eraseComments = db.prepare('UPDATE feedback SET comment = NULL WHERE report_id IN (SELECT id FROM reports WHERE resident_id = ?)');
  const eraseResident = db.prepare('UPDATE residents SET telegram_user_id = -id, chat_id = 0, forgotten_at = ? WHERE id = ?');
  const eraseInbox = db.prepare('DELETE FROM inbox WHERE chat_id = ?');
  const eraseOutbox = db.prepare(
    `UPDATE outbox SET chat_id = 0, payload = '{}', state = CASE WHEN state = 'pending' THEN 'undeliverable' ELSE state END
     WHERE chat_id = ?`,
  );
  const eraseCalls = db.prepare('DELETE FROM llm_calls WHERE resident_id = ?');
  // Their voice notes and photos (issue 16): what was heard or seen is their words; the file ids fetch their voice.
  const theirMediaWords = db.prepare(
    'SELECT transcript, description FROM report_media WHERE report_id IN (SELECT id FROM reports WHERE resident_id = ?)',
  );
  const eraseMedia = db.prepare(
    `UPDATE report_media SET file_id = NULL, file_unique_id = NULL, transcript = NULL, description = NULL
     WHERE report_id IN (SELECT id FROM reports WHERE resident_id = ?)`,
  );
  // The LLM's answer about their text (its summary is their words, retold) is kept 90 days by its fingerprint.
  const eraseCached = db.prepare('DELETE FROM classification_cache WHERE text_hash = ?');
  // A web report (issue 17): its sealed contact, its photo on disk, what its tracking page showed, and the token.
  const theirWebPhotos = db.prepare(
    'SELECT photo_path FROM web_reports WHERE photo_path IS NOT NULL AND report_id IN (SELECT id FROM reports WHERE resident_id = ?)',
  ).pluck();
  const eraseWebReports = db.prepare(
    `UPDATE web_reports SET token_hash = 'forgotten:' || report_id, submission_hash = NULL, contact_sealed = NULL, contact_kind = NULL, photo_path = NULL
     WHERE report_id IN (SELECT id FROM reports WHERE resident_id = ?)`,
  );
  const eraseWebNotices = db.prepare('DELETE FROM web_notices WHERE report_id IN (SELECT id FROM reports WHERE resident_id = ?)');
  // Other web residents' pages in the same problems keep what they were told, minus a note quoting these words.
  const othersWebNotices = db.prepare(
    `SELECT n.id, n.text FROM web_notices n JOIN reports r ON r.id = n.report_id
     WHERE r.problem_id IN (SELECT value FROM json_each(@problems)) AND r.resident_id IS NOT @resident`,
  );
  const setWebNotice = db.prepare('UPDATE web_notices SET text = ? WHERE id = ?');

  // The problems their reports are in, and those merged into these (a merged problem keeps its own title).
  const involved = db.prepare(
    `WITH RECURSIVE involved (id) AS (
       SELECT DISTINCT problem_id FROM reports WHERE resident_id = @resident AND problem_id IS NOT NULL
       UNION SELECT p.id FROM problems p JOIN involved i ON p.merged_into = i.id)
     SELECT p.id, p.title, p.category, p.unit_id, p.unit_written FROM problems p JOIN involved i ON i.id = p.id`,
  );
  // A title is the summary of some report; kept only while it is provably someone else's (a re-classified
  // report's new summary no longer matches the title its old one gave, so "equals their summary" is not enough).
  const othersSay = db.prepare(
    `SELECT 1 FROM reports WHERE problem_id IN (SELECT value FROM json_each(@problems)) AND resident_id IS NOT @resident AND summary = @words LIMIT 1`,
  );
  const othersWrote = db.prepare(
    `SELECT 1 FROM reports WHERE problem_id IN (SELECT value FROM json_each(@problems)) AND resident_id IS NOT @resident AND unit_written = @words LIMIT 1`,
  );
  const newestOtherSummary = db.prepare(
    `SELECT summary FROM reports WHERE problem_id = ? AND resident_id IS NOT ? AND summary IS NOT NULL ORDER BY received_at DESC LIMIT 1`,
  ).pluck();
  const newestOtherUnit = db.prepare(
    `SELECT unit_written FROM reports WHERE problem_id = ? AND resident_id IS NOT ? AND unit_written IS NOT NULL ORDER BY received_at DESC LIMIT 1`,
  ).pluck();
  const retitle = db.prepare('UPDATE problems SET title = ?, unit_written = ? WHERE id = ?');
  const notes = db.prepare('SELECT id, note FROM problem_events WHERE problem_id = ? AND note IS NOT NULL');
  const setNote = db.prepare('UPDATE problem_events SET note = ? WHERE id = ?');

  // Staff alerts and notices quote texts and titles; the copies kept in the outbox go too.
  const eraseOutboxByKey = db.prepare(
    `UPDATE outbox SET payload = '{}', state = CASE WHEN state = 'pending' THEN 'undeliverable' ELSE state END
     WHERE dedupe_key >= ? AND dedupe_key < ?`,
  );
  const eraseKeysStartingWith = (prefix: string) => eraseOutboxByKey.run(prefix, `${prefix}\uffff`);
  // Nothing could quote them before their first report was acknowledged: the scan of copies starts there.
  const firstAck = db.prepare(`SELECT MIN(id) FROM outbox WHERE dedupe_key IN (SELECT 'ack:' || id FROM reports WHERE resident_id = ?)`).pluck();
  const outboxSince = db.prepare(`SELECT id, payload FROM outbox WHERE id >= ? AND chat_id <> 0 AND payload <> '{}'`);
  const setPayload = db.prepare('UPDATE outbox SET payload = ? WHERE id = ?');
  const inboxSince = db.prepare('SELECT update_id, payload FROM inbox WHERE received_at >= ? AND chat_id IS NOT ?');
  const setUpdate = db.prepare('UPDATE inbox SET payload = ? WHERE update_id = ?');

  /** Their words inside other people's messages (a note quoting them, a digest naming a title they wrote) become "[…]". */
  function redactOutbox(fromId: number, fragments: readonly string[]): void {
    const forms = [...new Set([...fragments.map(escapeHtml), ...fragments])].sort((x, y) => y.length - x.length);
    const changes: Array<[string, number]> = [];
    for (const row of outboxSince.iterate(fromId) as IterableIterator<{ id: number; payload: string }>) {
      if (!forms.some((f) => row.payload.includes(JSON.stringify(f).slice(1, -1)))) continue;
      const message = JSON.parse(row.payload) as { html?: string; captionHtml?: string };
      if (typeof message.html === 'string') message.html = redact(message.html, forms);
      if (typeof message.captionHtml === 'string') message.captionHtml = redact(message.captionHtml, forms);
      changes.push([JSON.stringify(message), row.id]);
    }
    for (const [payload, id] of changes) setPayload.run(payload, id);
  }

  function redactInbox(since: number, chatId: number, fragments: readonly string[]): void {
    const changes: Array<[string, number]> = [];
    for (const row of inboxSince.iterate(since, chatId) as IterableIterator<{ update_id: number; payload: string }>) {
      const update = JSON.parse(row.payload) as RawUpdate;
      if (stripQuotes(update, fragments)) changes.push([JSON.stringify(update), row.update_id]);
    }
    for (const [payload, id] of changes) setUpdate.run(payload, id);
  }

  type Resident = { id: number; chat_id: number } | undefined;
  const forget = db.transaction((find: () => Resident): { erased: number; photos: string[] } | undefined => {
    const resident = find();
    if (!resident) return undefined;
    const reports = theirReports.all(resident.id) as Theirs[];
    const words: Array<string | null> = [...reports.flatMap((r) => [r.text, r.summary, r.unit_written]), ...(theirComments.all(resident.id) as string[])];
    for (const { text } of reports) if (text !== null) eraseCached.run(deps.cacheKeyOf(text));
    for (const media of theirMediaWords.all(resident.id) as Array<{ transcript: string | null; description: string | null }>) words.push(media.transcript, media.description);

    const problems = involved.all({ resident: resident.id }) as Array<{ id: number; title: string; category: string; unit_id: string | null; unit_written: string | null }>;
    const scope = JSON.stringify(problems.map((p) => p.id));
    for (const problem of problems) {
      const keepTitle = othersSay.get({ problems: scope, resident: resident.id, words: problem.title }) !== undefined;
      const keepUnit = problem.unit_written === null || othersWrote.get({ problems: scope, resident: resident.id, words: problem.unit_written }) !== undefined;
      if (!keepTitle) words.push(problem.title);
      if (!keepUnit) words.push(problem.unit_written);
      if (keepTitle && keepUnit) continue;
      const title = keepTitle
        ? problem.title
        : ((newestOtherSummary.get(problem.id, resident.id) as string | undefined) ?? deps.neutralTitle({ category: problem.category, unitId: problem.unit_id }));
      const unitWritten = keepUnit ? problem.unit_written : ((newestOtherUnit.get(problem.id, resident.id) as string | undefined) ?? null);
      retitle.run(title, unitWritten, problem.id);
      for (const kind of ['recurring', 'widespread', 'notfixed']) eraseKeysStartingWith(`${kind}:${problem.id}:`);
    }
    const fragments = fragmentsOf(words);
    for (const problem of problems) {
      for (const event of notes.all(problem.id) as Array<{ id: number; note: string }>) {
        const note = redact(event.note, fragments);
        if (note !== event.note) setNote.run(note, event.id);
      }
    }
    if (fragments.length > 0) {
      for (const notice of othersWebNotices.all({ problems: scope, resident: resident.id }) as Array<{ id: number; text: string }>) {
        const text = redact(notice.text, fragments);
        if (text !== notice.text) setWebNotice.run(text, notice.id);
      }
    }

    for (const { id } of reports) {
      eraseKeysStartingWith(`alert:${id}:`);
      // The originals staff asked to hear again carry the file id.
      eraseKeysStartingWith(`original:${id}:`);
    }
    const since = firstAck.get(resident.id) as number | null;
    if (since !== null && fragments.length > 0) redactOutbox(since, fragments);
    if (reports.length > 0) redactInbox(Math.min(...reports.map((r) => r.received_at)), resident.chat_id, fragments);

    eraseComments.run(resident.id);
    eraseMedia.run(resident.id);
    const photos = theirWebPhotos.all(resident.id) as string[];
    eraseWebReports.run(resident.id);
    eraseWebNotices.run(resident.id);
    const erased = eraseReports.run(resident.id).changes;
    eraseInbox.run(resident.chat_id);
    eraseOutbox.run(resident.chat_id);
    eraseCalls.run(resident.id);
    eraseResident.run(now(), resident.id);
    return { erased, photos };
  });

  function run(find: () => Resident): number | undefined {
    const done = forget.immediate(find);
    if (done === undefined) return undefined;
    // The write-ahead log still holds the pages as they were before; copy it into the database and empty it.
    // secure_delete (src/db/database.ts) has already zeroed the erased bytes in the new pages.
    db.pragma('wal_checkpoint(TRUNCATE)');
    for (const path of done.photos) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
    return done.erased;
  }

  return {
    forget: (telegramUserId) => run(() => findResident.get(telegramUserId) as Resident),
    forgetResident: (residentId) => run(() => residentById.get(residentId) as Resident),
  };
}
