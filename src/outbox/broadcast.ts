import type { Outbox, OutboxKind, OutgoingMessage } from './outbox.ts';

/**
 * Queue one message for each of several chats (every staff chat, a unit's chats), each under `${key}:${chatId}` so
 * a retried step never sends a chat the same message twice. The message is built once, and only when there is a
 * chat. True when something new was queued.
 */
export function queueForEach(
  outbox: Pick<Outbox, 'enqueue'>,
  chatIds: readonly number[],
  entry: { key: string; kind: OutboxKind; message: OutgoingMessage | (() => OutgoingMessage) },
  at?: number,
): boolean {
  if (chatIds.length === 0) return false;
  const message = typeof entry.message === 'function' ? entry.message() : entry.message;
  let queued = false;
  for (const chatId of chatIds) queued = outbox.enqueue({ dedupeKey: `${entry.key}:${chatId}`, chatId, kind: entry.kind, message }, at) || queued;
  return queued;
}
