import type { Db } from '../db/database.ts';

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
    }
  | { type: 'photo'; pngBase64: string; captionHtml: string }
  | { type: 'document'; filename: string; contentBase64: string; captionHtml?: string };

export interface AckPart {
  language: 'zh' | 'en';
  ticket: number;
  category: string;
  kind: 'complaint' | 'suggestion' | 'inquiry' | 'praise';
  urgent: boolean;
  flooded: boolean;
}

export type OutboxKind = 'ack' | 'alert' | 'status' | 'survey' | 'reminder' | 'digest' | 'notice';

export interface OutboxRow {
  id: number;
  dedupeKey: string;
  chatId: number;
  kind: OutboxKind;
  message: OutgoingMessage;
  attempts: number;
}

export interface Outbox {
  /** Queue a message; a second message with the same key is ignored (nothing is ever sent twice on purpose). */
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

  return {
    enqueue(entry, at = now()) {
      return insert.run(entry.dedupeKey, entry.chatId, entry.kind, JSON.stringify(entry.message), at, now()).changes > 0;
    },
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
    findSent(chatId, telegramMessageId) {
      const row = sentAs.get(chatId, telegramMessageId) as Row | undefined;
      return row ? toRow(row) : undefined;
    },
  };
}
