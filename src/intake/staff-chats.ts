import type { Logger } from 'pino';
import type { Db } from '../db/database.ts';

/**
 * The staff chats as they are now: STAFF_CHAT_IDS, each followed to the supergroup Telegram upgraded it to
 * (a group's id changes for good when it becomes a supergroup; the configuration still names the old one).
 */
export interface StaffChats {
  /**
   * The current ids. The same array every time, kept up to date in place: whoever holds it (the pipeline's alerts,
   * the desk's notices, the digest) sends to a migrated chat from the moment the migration is known.
   */
  ids(): readonly number[];
  isStaff(chatId: number): boolean;
  /**
   * Telegram said chat `from` is now `to`: everything still pending for `from` in the outbox goes to `to`, and when
   * `from` was a staff chat, `to` is one from now on (remembered across restarts). True when the staff chats changed.
   */
  migrate(from: number, to: number): boolean;
  /** Configured ids that no longer exist, with the chat each became: the operator should update STAFF_CHAT_IDS. */
  outdated(): Array<{ configured: number; current: number }>;
}

/** Longest chain of upgrades followed; a loop in the table (which Telegram never makes) cannot hang us. */
const MAX_HOPS = 16;

export function createStaffChats(db: Db, configured: readonly number[], logger: Logger, now: () => number = Date.now): StaffChats {
  const record = db.prepare(
    `INSERT INTO chat_migrations (from_chat_id, to_chat_id, migrated_at) VALUES (?, ?, ?)
     ON CONFLICT (from_chat_id) DO UPDATE SET to_chat_id = excluded.to_chat_id, migrated_at = excluded.migrated_at`,
  );
  const known = db.prepare('SELECT from_chat_id, to_chat_id FROM chat_migrations');
  const readdressOutbox = db.prepare(`UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND state = 'pending'`);
  // A digest or reminder already posted this period to the old chat is not posted again to the new one.
  const readdressRuns = db.prepare('UPDATE OR IGNORE schedule_runs SET chat_id = ? WHERE chat_id = ?');

  const moves = new Map<number, number>();
  for (const row of known.all() as Array<{ from_chat_id: number; to_chat_id: number }>) moves.set(row.from_chat_id, row.to_chat_id);
  const follow = (chatId: number): number => {
    let current = chatId;
    for (let hop = 0; hop < MAX_HOPS && moves.has(current); hop++) current = moves.get(current)!;
    return current;
  };
  const live: number[] = [];
  const refresh = () => live.splice(0, live.length, ...new Set(configured.map(follow)));
  refresh();

  const migrate = db.transaction((from: number, to: number): boolean => {
    const moved = readdressOutbox.run(to, from).changes;
    if (!live.includes(from) || from === to) return false;
    record.run(from, to, now());
    readdressRuns.run(to, from);
    moves.set(from, to);
    refresh();
    logger.warn({ from, to, moved }, 'a staff chat became a supergroup: now serving the new id; replace the old id with the new one in STAFF_CHAT_IDS');
    return true;
  });

  return {
    ids: () => live,
    isStaff: (chatId) => live.includes(chatId),
    migrate: (from, to) => migrate(from, to),
    outdated: () => configured.filter((id) => follow(id) !== id).map((id) => ({ configured: id, current: follow(id) })),
  };
}
