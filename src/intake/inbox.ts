import type { Db } from '../db/database.ts';

/** The minimum we read of an update before storing it: its id and, when there is one, its chat. */
export interface RawUpdate {
  update_id: number;
  [key: string]: unknown;
}

export interface Inbox {
  /** Store updates exactly as delivered, before they are confirmed to Telegram or handled. Idempotent. */
  save(updates: readonly RawUpdate[]): void;
  markHandled(updateId: number): void;
  /** Updates stored but not handled (what a crash interrupted), in order, after update `after` when given. */
  unhandled(limit: number, after?: number): RawUpdate[];
  /** One stored update, if it is still waiting to be handled. */
  waiting(updateId: number): RawUpdate | undefined;
  forgetChat(chatId: number): number;
}

/** The chat an update belongs to, wherever Telegram put it. */
export function chatIdOf(update: RawUpdate): number | null {
  for (const value of Object.values(update)) {
    if (value && typeof value === 'object') {
      const v = value as { chat?: { id?: unknown }; message?: { chat?: { id?: unknown } }; from?: { id?: unknown } };
      const id = v.chat?.id ?? v.message?.chat?.id ?? v.from?.id;
      if (typeof id === 'number') return id;
    }
  }
  return null;
}

export function createInbox(db: Db, now: () => number = Date.now): Inbox {
  const insert = db.prepare(
    'INSERT INTO inbox (update_id, chat_id, payload, received_at) VALUES (?, ?, ?, ?) ON CONFLICT (update_id) DO NOTHING',
  );
  const handled = db.prepare('UPDATE inbox SET handled_at = ? WHERE update_id = ? AND handled_at IS NULL');
  const pending = db.prepare('SELECT payload FROM inbox WHERE handled_at IS NULL AND update_id > ? ORDER BY update_id LIMIT ?');
  const forget = db.prepare('DELETE FROM inbox WHERE chat_id = ?');
  const one = db.prepare('SELECT payload FROM inbox WHERE update_id = ? AND handled_at IS NULL').pluck();
  const saveAll = db.transaction((updates: readonly RawUpdate[]) => {
    const at = now();
    for (const update of updates) insert.run(update.update_id, chatIdOf(update), JSON.stringify(update), at);
  });

  return {
    save: (updates) => {
      if (updates.length > 0) saveAll.immediate(updates);
    },
    markHandled: (updateId) => void handled.run(now(), updateId),
    unhandled: (limit, after = Number.MIN_SAFE_INTEGER) => (pending.all(after, limit) as Array<{ payload: string }>).map((r) => JSON.parse(r.payload) as RawUpdate),
    forgetChat: (chatId) => forget.run(chatId).changes,
    waiting(updateId) {
      const payload = one.get(updateId) as string | undefined;
      return payload === undefined ? undefined : (JSON.parse(payload) as RawUpdate);
    },
  };
}
