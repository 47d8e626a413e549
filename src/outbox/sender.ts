import type { Logger } from 'pino';
import { isBusyError } from '../db/database.ts';
import { channelOf } from '../domain/channel.ts';
import { createWorkerLoop } from '../queue/worker-loop.ts';
import type { AckPart, Outbox, OutboxRow, OutgoingMessage } from './outbox.ts';
import { MINUTE } from '../domain/time.ts';

/** How a delivery attempt ended, as far as the outbox cares. */
export type DeliveryOutcome =
  | { ok: true; messageId: number }
  | { ok: false; retry: true; error: string; retryAfterMs?: number }
  | { ok: false; retry: false; error: string; blocked: boolean; migratedTo?: number };

/** The one thing the outbox needs from a messenger. Telegram is one implementation (src/bot/telegram-transport.ts). */
export interface Transport {
  deliver(chatId: number, message: OutgoingMessage): Promise<DeliveryOutcome>;
}

export interface SenderOptions {
  outbox: Outbox;
  transport: Transport;
  /**
   * Delivery to web residents (src/web/web-delivery.ts): every message whose address is a web address goes
   * here and never to `transport`; without it such messages wait in the outbox.
   */
  webTransport?: Transport;
  logger: Logger;
  /** Renders several pending acknowledgements to one chat as one message. */
  combineAcks: (parts: AckPart[]) => string;
  /** Someone blocked the bot: remember it so nothing more is queued for them. */
  onBlocked?: (chatId: number) => void;
  /** A group became a supergroup: re-address everything pending for `from` to `to` (the outbox rows included). */
  onChatMigrated?: (from: number, to: number) => void;
  /**
   * Is this instance still the one that sends (its lease in src/db/instance-lock.ts)? Asked before each
   * batch: an instance that was paused and taken over must not send what the new holder sends too.
   */
  holdsLease?: () => boolean;
  now?: () => number;
  /** Deliveries in flight at once (Telegram allows about 30 messages a second overall). */
  concurrency?: number;
  /** At most this many acknowledgements are folded into one message. */
  maxAcksPerMessage?: number;
}

export interface Sender {
  start(): void;
  stop(): Promise<void>;
  /** Something was queued: look now instead of at the next timer. */
  wake(): void;
  /** Resolves when nothing is due and nothing is in flight (tests, shutdown). */
  idle(): Promise<void>;
}

const MAX_BACKOFF_MS = 10 * MINUTE;

/**
 * Delivers the outbox. One message in flight per chat keeps a chat's messages in order and lets
 * acknowledgements that pile up during a flood go out together; several chats are served at once.
 */
export function createSender(options: SenderOptions): Sender {
  const { outbox, transport, logger, combineAcks } = options;
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? 24;
  const maxAcks = options.maxAcksPerMessage ?? 25;

  let leaseLost = false;

  /** When to look again: the next message's due time (a busy database: shortly). */
  function nextLookInMs(): number | undefined {
    try {
      const next = outbox.nextDueAt();
      return next === undefined ? undefined : next - now();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      return 500;
    }
  }

  // One job per chat: the loop keeps one message in flight per chat (its key), `concurrency` chats at once.
  const loop = createWorkerLoop<number>({
    concurrency,
    take(free, busy) {
      if (options.holdsLease && !options.holdsLease()) {
        // The heartbeat stops this instance; until then, nothing more goes out from here.
        if (!leaseLost) logger.error('outbox: this instance no longer holds the database lease; not sending');
        leaseLost = true;
        return [];
      }
      // The chats in flight may be among those waiting longest: asking for `concurrency` chats (the free slots plus
      // the chats in flight) fills every free slot.
      const rows = outbox.dueByChat(now(), concurrency, 5000);
      return takeBatches(rows, free, busy).map((batch) => ({ key: batch[0]!.chatId, run: () => deliver(batch) }));
    },
    hasDue: () => outbox.due(now(), 1).length > 0,
    nextLookInMs,
    onJobError: (error) => logger.error({ err: error }, 'outbox: a delivery ended unexpectedly'),
    onTakeError(error) {
      if (!isBusyError(error)) throw error;
      logger.warn('database busy while reading the outbox; retrying shortly');
      return nextLookInMs() ?? 500;
    },
  });

  /** Staff-chat messages without buttons that may share one Telegram message when several are waiting. */
  const JOINABLE: ReadonlySet<OutboxRow['kind']> = new Set(['alert', 'notice']);
  const JOIN_LIMIT = 3800;
  const joinable = (row: OutboxRow) => JOINABLE.has(row.kind) && row.message.type === 'text' && !row.message.buttons?.length;
  const textLength = (row: OutboxRow) => (row.message.type === 'text' ? row.message.html.length : Infinity);

  /**
   * Oldest due message per idle chat. Consecutive acknowledgements to one chat travel together, and so do
   * consecutive staff alerts and notices (Telegram allows a group 20 messages a minute).
   */
  function takeBatches(rows: OutboxRow[], limit: number, busy: (chatId: number) => boolean): OutboxRow[][] {
    const batches: OutboxRow[][] = [];
    const open = new Map<number, OutboxRow[]>();
    const closed = new Set<number>();
    for (const row of rows) {
      if (busy(row.chatId) || closed.has(row.chatId)) continue;
      const batch = open.get(row.chatId);
      if (!batch) {
        if (batches.length >= limit) continue;
        const fresh = [row];
        open.set(row.chatId, fresh);
        batches.push(fresh);
        continue;
      }
      const head = batch[0]!;
      const acks = row.kind === 'ack' && head.kind === 'ack' && batch.length < maxAcks;
      const joined = joinable(row) && joinable(head) && batch.reduce((n, r) => n + textLength(r) + 2, textLength(row)) <= JOIN_LIMIT;
      if (acks || joined) batch.push(row);
      // Order within a chat: anything after a different message waits for the next round.
      else closed.add(row.chatId);
    }
    return batches;
  }

  function messageFor(batch: OutboxRow[]): OutgoingMessage {
    if (batch.length === 1) {
      const only = batch[0]!.message;
      if (only.type === 'text' && only.ack?.flooded) return { type: 'text', html: combineAcks([only.ack]) };
      return only;
    }
    if (batch[0]!.kind !== 'ack') {
      return { type: 'text', html: batch.map((row) => (row.message.type === 'text' ? row.message.html : '')).join('\n\n') };
    }
    const parts = batch.map((row) => (row.message.type === 'text' ? row.message.ack : undefined)).filter((p): p is AckPart => !!p);
    return { type: 'text', html: combineAcks(parts) };
  }

  async function deliver(batch: OutboxRow[]): Promise<void> {
    const chatId = batch[0]!.chatId;
    const ids = batch.map((row) => row.id);
    const attempts = Math.max(...batch.map((row) => row.attempts));
    let outcome: DeliveryOutcome;
    try {
      const via = channelOf(chatId) === 'web' ? options.webTransport : transport;
      outcome = via
        ? await via.deliver(chatId, messageFor(batch))
        : { ok: false, retry: true, error: 'no delivery for the web channel', retryAfterMs: 60_000 };
    } catch (error) {
      outcome = { ok: false, retry: true, error: error instanceof Error ? error.message : String(error) };
    }
    try {
      record(chatId, ids, attempts, outcome);
    } catch (error) {
      logger.error({ err: error, chatId }, 'outbox: could not record a delivery');
    }
  }

  function record(chatId: number, ids: number[], attempts: number, outcome: DeliveryOutcome): void {
    // Recorded synchronously, right after Telegram answered: the window in which a crash could
    // cause a second copy is the time between Telegram's answer and this statement.
    for (let attempt = 0; ; attempt++) {
      try {
        if (outcome.ok) {
          outbox.markSent(ids, outcome.messageId, now());
        } else if (outcome.retry) {
          const backoff = outcome.retryAfterMs ?? Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(attempts, 10));
          outbox.markRetry(ids, outcome.error, now() + backoff);
          logger.warn({ chatId, attempts: attempts + 1, retryInMs: backoff, error: outcome.error }, 'outbox: delivery failed, will retry');
        } else if (outcome.migratedTo !== undefined && options.onChatMigrated) {
          // Not a refusal of the message: the chat moved. It goes to the new chat at once, in order.
          options.onChatMigrated(chatId, outcome.migratedTo);
          outbox.markRetry(ids, outcome.error, now());
        } else {
          outbox.markUndeliverable(ids, outcome.error);
          if (outcome.blocked) {
            const dropped = outbox.abandonChat(chatId, outcome.error);
            options.onBlocked?.(chatId);
            logger.info({ chatId, dropped }, 'outbox: the recipient blocked the bot; not retrying');
          } else {
            logger.error({ chatId, error: outcome.error }, 'outbox: Telegram refused a message');
          }
        }
        return;
      } catch (error) {
        if (!isBusyError(error) || attempt > 50) throw error;
        // Waiting synchronously is deliberate: giving up the event loop here would widen the duplicate window.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      }
    }
  }

  return {
    start: () => loop.start(),
    // Waits for the deliveries in flight and releases everyone waiting in idle().
    stop: () => loop.stop(),
    // Many things are queued in one turn of the event loop (a pipeline pass, a resolved problem's
    // surveys): the loop's one coalesced look at the outbox serves them all.
    wake: () => loop.wake(),
    idle: () => loop.idle(),
  };
}
