import type { Logger } from 'pino';
import { isBusyError } from '../db/database.ts';
import { channelOf } from '../domain/channel.ts';
import type { AckPart, Outbox, OutboxRow, OutgoingMessage } from './outbox.ts';

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

const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * Delivers the outbox. One message in flight per chat keeps a chat's messages in order and lets
 * acknowledgements that pile up during a flood go out together; several chats are served at once.
 */
export function createSender(options: SenderOptions): Sender {
  const { outbox, transport, logger, combineAcks } = options;
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? 24;
  const maxAcks = options.maxAcksPerMessage ?? 25;

  const busyChats = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping = false;
  let pumpAgain = false;
  let pumpScheduled = false;
  let leaseLost = false;
  const idleWaiters: Array<() => void> = [];

  function schedule(): void {
    if (!running) return;
    if (timer) clearTimeout(timer);
    let next: number | undefined;
    try {
      next = outbox.nextDueAt();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      next = now() + 500;
    }
    if (next === undefined) return;
    timer = setTimeout(pump, Math.max(0, Math.min(next - now(), 60_000)));
    timer.unref?.();
  }

  function settleIdle(): void {
    if (inFlight.size > 0) return;
    let dueNow = 0;
    try {
      dueNow = outbox.due(now(), 1).length;
    } catch {
      dueNow = 1;
    }
    if (dueNow > 0 && running) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  function pump(): void {
    if (!running) return;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        const free = concurrency - inFlight.size;
        if (free <= 0) break;
        if (options.holdsLease && !options.holdsLease()) {
          // The heartbeat stops this instance; until then, nothing more goes out from here.
          if (!leaseLost) logger.error('outbox: this instance no longer holds the database lease; not sending');
          leaseLost = true;
          break;
        }
        let rows: OutboxRow[];
        try {
          rows = outbox.dueByChat(now(), free + busyChats.size, 5000);
        } catch (error) {
          if (!isBusyError(error)) throw error;
          logger.warn('database busy while reading the outbox; retrying shortly');
          break;
        }
        const batches = takeBatches(rows, free);
        for (const batch of batches) launch(batch);
      } while (pumpAgain);
    } finally {
      pumping = false;
    }
    schedule();
    settleIdle();
  }

  /** Staff-chat messages without buttons that may share one Telegram message when several are waiting. */
  const JOINABLE: ReadonlySet<OutboxRow['kind']> = new Set(['alert', 'notice']);
  const JOIN_LIMIT = 3800;
  const joinable = (row: OutboxRow) => JOINABLE.has(row.kind) && row.message.type === 'text' && !row.message.buttons?.length;
  const textLength = (row: OutboxRow) => (row.message.type === 'text' ? row.message.html.length : Infinity);

  /**
   * Oldest due message per idle chat. Consecutive acknowledgements to one chat travel together, and so do
   * consecutive staff alerts and notices (Telegram allows a group 20 messages a minute).
   */
  function takeBatches(rows: OutboxRow[], limit: number): OutboxRow[][] {
    const batches: OutboxRow[][] = [];
    const open = new Map<number, OutboxRow[]>();
    const closed = new Set<number>();
    for (const row of rows) {
      if (busyChats.has(row.chatId) || closed.has(row.chatId)) continue;
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

  function launch(batch: OutboxRow[]): void {
    const chatId = batch[0]!.chatId;
    busyChats.add(chatId);
    const ids = batch.map((row) => row.id);
    const attempts = Math.max(...batch.map((row) => row.attempts));
    const task = (async () => {
      let outcome: DeliveryOutcome;
      try {
        const via = channelOf(chatId) === 'web' ? options.webTransport : transport;
        outcome = via
          ? await via.deliver(chatId, messageFor(batch))
          : { ok: false, retry: true, error: 'no delivery for the web channel', retryAfterMs: 60_000 };
      } catch (error) {
        outcome = { ok: false, retry: true, error: error instanceof Error ? error.message : String(error) };
      }
      record(chatId, ids, attempts, outcome);
    })()
      .catch((error: unknown) => logger.error({ err: error, chatId }, 'outbox: could not record a delivery'))
      .finally(() => {
        busyChats.delete(chatId);
        inFlight.delete(task);
        pump();
      });
    inFlight.add(task);
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
    start() {
      running = true;
      pump();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
    },
    wake() {
      // Many things are queued in one turn of the event loop (a pipeline pass, a resolved problem's
      // surveys): one look at the outbox serves them all.
      if (!running || pumpScheduled) return;
      pumpScheduled = true;
      setImmediate(() => {
        pumpScheduled = false;
        pump();
      });
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
  };
}
