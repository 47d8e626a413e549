import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { createOutbox, type AckPart, type Outbox, type OutgoingMessage } from '../../src/outbox/outbox.ts';
import { createSender, type DeliveryOutcome, type Sender } from '../../src/outbox/sender.ts';
import { acquireInstanceLock } from '../../src/db/instance-lock.ts';
import { tempDir } from '../support/harness.ts';

let dir: ReturnType<typeof tempDir>;
let db: Db;
let outbox: Outbox;
let sender: Sender | undefined;
const delivered: Array<{ chatId: number; message: OutgoingMessage }> = [];
let answer: (chatId: number) => DeliveryOutcome = () => ({ ok: true, messageId: 1 });

beforeEach(() => {
  dir = tempDir();
  db = openDatabase(join(dir.dir, 'outbox.sqlite'));
  outbox = createOutbox(db);
  delivered.length = 0;
  answer = () => ({ ok: true, messageId: delivered.length });
});
afterEach(async () => {
  await sender?.stop();
  db.close();
  dir.cleanup();
});

const ack = (ticket: number, flooded = false): AckPart => ({ language: 'zh', ticket, category: 'food', kind: 'complaint', urgent: false, flooded });

function start(extra: { holdsLease?: () => boolean } = {}): Sender {
  sender = createSender({
    ...extra,
    outbox,
    transport: {
      deliver: async (chatId, message) => {
        delivered.push({ chatId, message });
        return answer(chatId);
      },
    },
    logger: pino({ level: 'silent' }),
    combineAcks: (parts) => `ACKS ${parts.map((p) => `#${p.ticket}${p.flooded ? '!' : ''}`).join(' ')}`,
  });
  sender.start();
  return sender;
}

const text = (m: OutgoingMessage) => (m.type === 'text' ? m.html : '');

describe('the outbox sender', () => {
  it('sends nothing more once this instance no longer holds the database lease (a paused bot that was taken over)', async () => {
    const lock = acquireInstanceLock(db);
    try {
      outbox.enqueue({ dedupeKey: 'status:1', chatId: 10, kind: 'status', message: { type: 'text', html: 'before' } });
      const running = start({ holdsLease: () => lock.held() });
      await running.idle();
      expect(delivered.map((d) => text(d.message))).toEqual(['before']);
      // Another instance took the lease over (what acquireInstanceLock writes when it takes over).
      db.prepare(`UPDATE instance_lock SET owner = 'the-new-holder', pid = pid + 1 WHERE id = 1`).run();
      outbox.enqueue({ dedupeKey: 'status:2', chatId: 10, kind: 'status', message: { type: 'text', html: 'after' } });
      outbox.enqueue({ dedupeKey: 'status:3', chatId: 20, kind: 'status', message: { type: 'text', html: 'after' } });
      running.wake();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(delivered.map((d) => text(d.message))).toEqual(['before']);
      expect(outbox.pendingCount()).toBe(2);
    } finally {
      lock.release();
    }
  });

  it('folds a chat’s waiting acknowledgements into one message and keeps each chat in order', async () => {
    for (const t of [1, 2, 3]) outbox.enqueue({ dedupeKey: `ack:${t}`, chatId: 10, kind: 'ack', message: { type: 'text', html: `ack ${t}`, ack: ack(t) } });
    outbox.enqueue({ dedupeKey: 'status:1', chatId: 10, kind: 'status', message: { type: 'text', html: 'status after' } });
    outbox.enqueue({ dedupeKey: 'ack:4', chatId: 20, kind: 'ack', message: { type: 'text', html: 'ack 4', ack: ack(4) } });
    await start().idle();
    const toTen = delivered.filter((d) => d.chatId === 10).map((d) => text(d.message));
    expect(toTen).toEqual(['ACKS #1 #2 #3', 'status after']);
    expect(delivered.filter((d) => d.chatId === 20).map((d) => text(d.message))).toEqual(['ack 4']);
    expect(outbox.pendingCount()).toBe(0);
  });

  it('asks a flooding resident to slow down even in a single acknowledgement', async () => {
    outbox.enqueue({ dedupeKey: 'ack:9', chatId: 10, kind: 'ack', message: { type: 'text', html: 'ack 9', ack: ack(9, true) } });
    await start().idle();
    expect(text(delivered[0]!.message)).toBe('ACKS #9!');
  });

  it('joins waiting staff alerts into one message while it fits', async () => {
    for (let i = 0; i < 4; i++) outbox.enqueue({ dedupeKey: `alert:${i}:-1`, chatId: -1, kind: 'alert', message: { type: 'text', html: `alert ${i} ${'x'.repeat(1200)}` } });
    await start().idle();
    const parts = delivered.map((d) => text(d.message));
    expect(parts.length).toBe(2);
    expect(parts[0]).toContain('alert 0');
    expect(parts[0]).toContain('alert 2');
    expect(parts[1]).toContain('alert 3');
    expect(parts.every((p) => p.length <= 4096)).toBe(true);
  });

  it('retries later when delivery fails, and gives up on a chat that blocked the bot', async () => {
    let failures = 1;
    answer = (chatId) => {
      if (chatId === 30) return { ok: false, retry: false, blocked: true, error: '403' };
      if (failures-- > 0) return { ok: false, retry: true, error: '502', retryAfterMs: 50 };
      return { ok: true, messageId: 7 };
    };
    outbox.enqueue({ dedupeKey: 'n:1', chatId: 10, kind: 'notice', message: { type: 'text', html: 'hello' } });
    outbox.enqueue({ dedupeKey: 'n:2', chatId: 30, kind: 'status', message: { type: 'text', html: 'a' } });
    outbox.enqueue({ dedupeKey: 'n:3', chatId: 30, kind: 'status', message: { type: 'text', html: 'b' } });
    start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sender!.idle();
    expect(db.prepare(`SELECT state, attempts FROM outbox WHERE dedupe_key = 'n:1'`).get()).toEqual({ state: 'sent', attempts: 2 });
    expect(db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE chat_id = 30 AND state = 'undeliverable'`).get()).toEqual({ n: 2 });
    expect(delivered.filter((d) => d.chatId === 30)).toHaveLength(1);
  });

  it('stop() releases whoever waits for the outbox to go quiet (a shutdown that waits for idle does not hang)', async () => {
    // A delivery Telegram has not answered yet: idle() waits for it; stop() comes first, then Telegram answers.
    let answerTelegram!: () => void;
    const pending = new Promise<void>((resolve) => (answerTelegram = resolve));
    sender = createSender({
      outbox,
      transport: {
        deliver: async (chatId, message) => {
          await pending;
          delivered.push({ chatId, message });
          return { ok: true, messageId: 1 };
        },
      },
      logger: pino({ level: 'silent' }),
      combineAcks: () => '',
    });
    outbox.enqueue({ dedupeKey: 'status:1', chatId: 10, kind: 'status', message: { type: 'text', html: 'one' } });
    outbox.enqueue({ dedupeKey: 'status:2', chatId: 10, kind: 'status', message: { type: 'text', html: 'two' } });
    sender.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    let quiet = false;
    void sender.idle().then(() => (quiet = true));
    const stopping = sender.stop();
    answerTelegram();
    await stopping;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(delivered.map((d) => text(d.message))).toEqual(['one']); // in flight: finished; the next one waits for a restart
    expect(quiet).toBe(true);
    expect(outbox.pendingCount()).toBe(1);
  });

  it('never queues the same message twice', () => {
    expect(outbox.enqueue({ dedupeKey: 'ack:1', chatId: 1, kind: 'ack', message: { type: 'text', html: 'a' } })).toBe(true);
    expect(outbox.enqueue({ dedupeKey: 'ack:1', chatId: 1, kind: 'ack', message: { type: 'text', html: 'b' } })).toBe(false);
    expect(outbox.pendingCount()).toBe(1);
  });
});

describe('outbox.dueByChat', () => {
  const put = (key: string, chatId: number, at?: number) =>
    outbox.enqueue({ dedupeKey: key, chatId, kind: 'ack', message: { type: 'text', html: key, ack: ack(1) } }, at);

  it('serves the chats waiting longest, each with its whole due backlog, oldest first', () => {
    const now = Date.now();
    // Chat 1 waits longest; chat 3's rows come late in the backlog but it is among the first three chats to appear.
    put('a1', 1, now - 10);
    put('b1', 2, now - 10);
    put('c1', 3, now - 10);
    for (let i = 0; i < 50; i++) put(`d${i}`, 4 + (i % 5), now - 10);
    put('a2', 1, now - 10);
    put('c2', 3, now - 10);
    put('later', 2, now + 60_000); // not due yet
    const rows = outbox.dueByChat(now, 3, 100);
    expect(rows.map((r) => r.dedupeKey)).toEqual(['a1', 'b1', 'c1', 'a2', 'c2']);
    expect(outbox.dueByChat(now, 1, 100).map((r) => r.dedupeKey)).toEqual(['a1', 'a2']);
    expect(outbox.dueByChat(now, 3, 2).map((r) => r.dedupeKey)).toEqual(['a1', 'b1']);
    expect(outbox.dueByChat(now, 0, 100)).toEqual([]);
    // Once chat 1 is sent, chat 4 (next to appear) is among the three.
    outbox.markSent(rows.filter((r) => r.chatId === 1).map((r) => r.id), 1, now);
    expect(new Set(outbox.dueByChat(now, 3, 100).map((r) => r.chatId))).toEqual(new Set([2, 3, 4]));
  });
});
