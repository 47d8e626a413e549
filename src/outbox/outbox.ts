import type { Db } from '../db/database.ts';
import type { Kind } from '../domain/classification.ts';
import { fitMessage } from './fit-message.ts';
import type { MediaKind } from '../media/media.ts';

/** A button that answers with callback data. */
export interface Button {
  text: string;
  data: string;
}

/** What the bot owes someone, independent of Telegram. Text is Telegram-flavoured HTML built from escaped parts. */
export type OutgoingMessage =
  | {
      type: 'text';
      html: string;
      buttons?: Button[][];
      /** Set on acknowledgements: when several are pending for one chat, they go out as one message. */
      ack?: AckPart;
      /** The person's message this answers (shown as a quote; sent anyway if it is gone). */
      replyTo?: number;
    }
  | { type: 'photo'; pngBase64: string; captionHtml: string }
  | { type: 'document'; filename: string; contentBase64: string; captionHtml?: string }
  /** A file Telegram already holds (a resident's voice note or photo), sent again by its file id. */
  | { type: 'telegram_file'; media: MediaKind; fileId: string; captionHtml?: string };

export interface AckPart {
  language: 'zh' | 'en';
  ticket: number;
  category: string;
  kind: Kind;
  urgent: boolean;
  flooded: boolean;
  /** A voice note or photo sent alone: the resident is told it will be listened to or looked at. */
  media?: 'listen' | 'look';
  /** Other residents who reported the problem this report joined (issue 11): "N others reported it too". */
  others?: number;
}

/** `reply`: a direct answer to something a person did (a command, a sticker, an edit, a button). */
export type OutboxKind = 'ack' | 'alert' | 'status' | 'survey' | 'reminder' | 'digest' | 'notice' | 'reply';

export interface OutboxRow {
  id: number;
  dedupeKey: string;
  chatId: number;
  kind: OutboxKind;
  message: OutgoingMessage;
  attempts: number;
}

export interface Outbox {
  /**
   * Queue a message; a second message with the same key is ignored (nothing is ever sent twice on purpose).
   * A message over Telegram's limits is queued as the several messages that say the same (src/outbox/fit-message.ts).
   */
  enqueue(entry: { dedupeKey: string; chatId: number; kind: OutboxKind; message: OutgoingMessage }, at?: number): boolean;
  /** Pending rows that are due, oldest first. */
  due(now: number, limit: number): OutboxRow[];
  /**
   * Every due row of the `chats` chats waiting longest, oldest first: the sender needs a chat's whole
   * backlog at once to combine its acknowledgements, not just the oldest rows overall.
   */
  dueByChat(now: number, chats: number, maxRows: number): OutboxRow[];
  markSent(ids: readonly number[], telegramMessageId: number, now: number): void;
  markRetry(ids: readonly number[], error: string, nextAttemptAt: number): void;
  markUndeliverable(ids: readonly number[], error: string): void;
  /** Give up on everything pending for a chat (the person blocked the bot). */
  abandonChat(chatId: number, error: string): number;
  nextDueAt(): number | undefined;
  /** The message we sent to a chat as Telegram message `telegramMessageId` (to understand a reply to it). */
  findSent(chatId: number, telegramMessageId: number): OutboxRow | undefined;
  pendingCount(): number;
  /** Messages of `kind` queued for a chat since `since` (the flood rule for direct replies). */
  queuedSince(chatId: number, kind: OutboxKind, since: number): number;
}

interface Row {
  id: number;
  dedupe_key: string;
  chat_id: number;
  kind: OutboxKind;
  payload: string;
  attempts: number;
}

export function createOutbox(db: Db, now: () => number = Date.now): Outbox {
  const insert = db.prepare(
    `INSERT INTO outbox (dedupe_key, chat_id, kind, payload, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
  );
  const selectDue = db.prepare(
    `SELECT id, dedupe_key, chat_id, kind, payload, attempts FROM outbox
     WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
  );
  // The chats to serve are the first to appear among the due rows in id order (the oldest waiting first). They are
  // read a row at a time and the reading stops once enough chats are found, instead of grouping every pending row:
  // during a burst thousands are pending and the sender looks after every delivery.
  const dueChatIds = db.prepare(`SELECT chat_id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id`).pluck();
  const selectDueOfChats = db.prepare(
    `SELECT id, dedupe_key, chat_id, kind, payload, attempts FROM outbox
     WHERE state = 'pending' AND next_attempt_at <= @at AND chat_id IN (SELECT value FROM json_each(@chats))
     ORDER BY id LIMIT @rows`,
  );
  const sent = db.prepare(`UPDATE outbox SET state = 'sent', sent_at = ?, telegram_message_id = ?, attempts = attempts + 1 WHERE id = ?`);
  const retry = db.prepare(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`);
  const undeliverable = db.prepare(`UPDATE outbox SET state = 'undeliverable', attempts = attempts + 1, last_error = ? WHERE id = ?`);
  const abandon = db.prepare(`UPDATE outbox SET state = 'undeliverable', last_error = ? WHERE chat_id = ? AND state = 'pending'`);
  const nextDue = db.prepare(`SELECT MIN(next_attempt_at) AS at FROM outbox WHERE state = 'pending'`);
  const pending = db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'`);
  const queuedSince = db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE chat_id = ? AND kind = ? AND created_at > ?`).pluck();
  const sentAs = db.prepare(
    `SELECT id, dedupe_key, chat_id, kind, payload, attempts FROM outbox WHERE chat_id = ? AND telegram_message_id = ? AND state = 'sent' ORDER BY id DESC LIMIT 1`,
  );
  const toRow = (row: Row): OutboxRow => ({
    id: row.id,
    dedupeKey: row.dedupe_key,
    chatId: row.chat_id,
    kind: row.kind,
    message: JSON.parse(row.payload) as OutgoingMessage,
    attempts: row.attempts,
  });

  const each = (statement: (id: number) => void) => db.transaction((ids: readonly number[]) => ids.forEach(statement));
  const markSentTx = db.transaction((ids: readonly number[], messageId: number, at: number) => {
    for (const id of ids) sent.run(at, messageId, id);
  });

  // Every part of a long message is queued in one transaction: all of it, or (a duplicate key) none of it.
  const enqueueTx = db.transaction((entry: Parameters<Outbox['enqueue']>[0], at: number): boolean => {
    const parts = fitMessage(entry.message);
    if (insert.run(entry.dedupeKey, entry.chatId, entry.kind, JSON.stringify(parts[0]), at, now()).changes === 0) return false;
    parts.slice(1).forEach((part, i) => insert.run(`${entry.dedupeKey}#${i + 2}`, entry.chatId, entry.kind, JSON.stringify(part), at, now()));
    return true;
  });

  return {
    enqueue: (entry, at = now()) => enqueueTx(entry, at),
    due(at, limit) {
      return (selectDue.all(at, limit) as Row[]).map(toRow);
    },
    dueByChat(at, chats, rows) {
      const chosen = new Set<number>();
      if (chats <= 0) return [];
      for (const chatId of dueChatIds.iterate(at) as IterableIterator<number>) {
        chosen.add(chatId);
        if (chosen.size >= chats) break;
      }
      if (chosen.size === 0) return [];
      return (selectDueOfChats.all({ at, chats: JSON.stringify([...chosen]), rows }) as Row[]).map(toRow);
    },
    markSent: (ids, messageId, at) => markSentTx(ids, messageId, at),
    markRetry: (ids, error, nextAttemptAt) => each((id) => retry.run(error, nextAttemptAt, id))(ids),
    markUndeliverable: (ids, error) => each((id) => undeliverable.run(error, id))(ids),
    abandonChat: (chatId, error) => abandon.run(error, chatId).changes,
    nextDueAt: () => (nextDue.get() as { at: number | null }).at ?? undefined,
    pendingCount: () => (pending.get() as { n: number }).n,
    queuedSince: (chatId, kind, since) => queuedSince.get(chatId, kind, since) as number,
    findSent(chatId, telegramMessageId) {
      const row = sentAs.get(chatId, telegramMessageId) as Row | undefined;
      return row ? toRow(row) : undefined;
    },
  };
}
