import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { DAY } from '../domain/time.ts';

/** A bind code lives a day and binds one chat, once. */
export const BIND_CODE_TTL_MS = DAY;
/** 80 random bits, written as 20 hex digits: not guessable within its day. */
const CODE_BYTES = 10;
const CODE_PATTERN = /^[0-9a-f]{20}$/;

export interface BoundChat {
  chatId: number;
  unitIds: string[];
  boundAt: number;
}

/**
 * Units' own chats (a school's group, or its principal's private chat), bound to directory units by a one-time
 * code the bureau issues. Remembered in the database; a chat upgraded to a supergroup keeps its units.
 */
export interface UnitChats {
  unitsOf(chatId: number): string[];
  chatsOf(unitId: string): number[];
  isUnitChat(chatId: number): boolean;
  issueCode(unitIds: readonly string[], staffUserId: number, at: number): string;
  /** The units bound, or undefined for an unknown, used or expired code. */
  redeem(code: string, chatId: number, at: number): string[] | undefined;
  list(): BoundChat[];
  /** Bindings removed. */
  unbind(chatId: number): number;
  /** Telegram said chat `from` is now `to`: its bindings follow. True when it was a unit chat. */
  migrate(from: number, to: number): boolean;
}

const hashOf = (code: string) => createHash('sha256').update(code).digest('hex');

export function createUnitChats(db: Db): UnitChats {
  const unitsOf = db.prepare('SELECT unit_id AS unitId FROM unit_chats WHERE chat_id = ? ORDER BY unit_id').pluck();
  const chatsOf = db.prepare('SELECT chat_id FROM unit_chats WHERE unit_id = ? ORDER BY chat_id').pluck();
  const insertCode = db.prepare('INSERT INTO unit_bind_codes (code_hash, unit_ids, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)');
  const claimCode = db.prepare('UPDATE unit_bind_codes SET used_at = ?, used_chat = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING unit_ids');
  const bind = db.prepare('INSERT INTO unit_chats (chat_id, unit_id, bound_by, bound_at) SELECT ?, ?, created_by, ? FROM unit_bind_codes WHERE code_hash = ? ON CONFLICT DO NOTHING');
  const all = db.prepare('SELECT chat_id AS chatId, unit_id AS unitId, MIN(bound_at) OVER (PARTITION BY chat_id) AS boundAt FROM unit_chats ORDER BY chat_id, unit_id');
  const unbind = db.prepare('DELETE FROM unit_chats WHERE chat_id = ?');
  const move = db.prepare('UPDATE OR IGNORE unit_chats SET chat_id = ? WHERE chat_id = ?');

  const redeem = db.transaction((code: string, chatId: number, at: number): string[] | undefined => {
    if (!CODE_PATTERN.test(code)) return undefined;
    const hash = hashOf(code);
    const row = claimCode.get(at, chatId, hash, at) as { unit_ids: string } | undefined;
    if (!row) return undefined;
    const unitIds = JSON.parse(row.unit_ids) as string[];
    for (const unitId of unitIds) bind.run(chatId, unitId, at, hash);
    return unitIds;
  });
  const migrate = db.transaction((from: number, to: number): boolean => {
    if (from === to) return false;
    const moved = move.run(to, from).changes;
    unbind.run(from);
    return moved > 0;
  });

  return {
    unitsOf: (chatId) => unitsOf.all(chatId) as string[],
    chatsOf: (unitId) => chatsOf.all(unitId) as number[],
    isUnitChat: (chatId) => unitsOf.get(chatId) !== undefined,
    issueCode(unitIds, staffUserId, at) {
      const code = randomBytes(CODE_BYTES).toString('hex');
      insertCode.run(hashOf(code), JSON.stringify([...new Set(unitIds)]), staffUserId, at, at + BIND_CODE_TTL_MS);
      return code;
    },
    redeem: (code, chatId, at) => redeem(code.trim().toLowerCase(), chatId, at),
    list() {
      const chats = new Map<number, BoundChat>();
      for (const row of all.all() as Array<{ chatId: number; unitId: string; boundAt: number }>) {
        const chat = chats.get(row.chatId) ?? { chatId: row.chatId, unitIds: [], boundAt: row.boundAt };
        chat.unitIds.push(row.unitId);
        chats.set(row.chatId, chat);
      }
      return [...chats.values()];
    },
    unbind: (chatId) => unbind.run(chatId).changes,
    migrate: (from, to) => migrate(from, to),
  };
}
