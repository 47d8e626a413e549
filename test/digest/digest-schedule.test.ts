import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import type { OutgoingMessage } from '../../src/outbox/outbox.ts';
import { createScheduler } from '../../src/schedule/scheduler.ts';
import { tempDir } from '../support/harness.ts';
import { digestService, local, openFixtureDb, TZ } from './fixture.ts';
import { buildScenario } from './scenario.ts';

const CHATS = [-100_1, -100_2];
let dir: { dir: string; cleanup: () => void };
let clock: number;
const dbs: Db[] = [];

beforeEach(() => {
  dir = tempDir();
  clock = local('2026-11-23 09:00');
});
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  dir.cleanup();
});

/** What a bot process wires: a connection, the digest service, the scheduler with the digest job. */
function processOnDatabase() {
  const db = openFixtureDb(dir.dir);
  dbs.push(db);
  let wakes = 0;
  const digest = digestService(db, { now: () => clock, staffChatIds: CHATS, onQueued: () => wakes++ });
  const scheduler = createScheduler({ db, timezone: TZ, logger: pino({ level: 'silent' }), now: () => clock, onCommitted: () => wakes++ });
  scheduler.register(digest.job);
  return { db, digest, scheduler, wakes: () => wakes };
}

const outbox = (db: Db) =>
  (db.prepare('SELECT dedupe_key AS key, chat_id AS chatId, kind, payload FROM outbox ORDER BY id').all() as Array<{ key: string; chatId: number; kind: string; payload: string }>).map((row) => ({
    ...row,
    message: JSON.parse(row.payload) as OutgoingMessage,
  }));

describe('the scheduled weekly digest', () => {
  it('is queued on Monday 09:00 to every staff chat: the chart, then the text parts, in order', async () => {
    const p = processOnDatabase();
    buildScenario(p.db);
    await p.scheduler.runDue();
    const rows = outbox(p.db);
    const parts = rows.filter((r) => r.chatId === CHATS[0]);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(parts.map((r) => r.key)).toEqual(parts.map((_, i) => `digest:2026-W47:${CHATS[0]}:${i + 1}`));
    expect(parts[0]!.message.type).toBe('photo');
    expect(parts.slice(1).every((r) => r.message.type === 'text' && r.kind === 'digest')).toBe(true);
    // The same digest to each chat.
    expect(rows.filter((r) => r.chatId === CHATS[1]).map((r) => r.payload)).toEqual(parts.map((r) => r.payload));
    expect(p.wakes()).toBeGreaterThan(0);
  });

  it('is queued exactly once per chat, also after a restart', async () => {
    const first = processOnDatabase();
    buildScenario(first.db);
    await first.scheduler.start();
    const count = outbox(first.db).length;
    await first.scheduler.stop();

    clock = local('2026-11-23 11:00');
    const second = processOnDatabase();
    await second.scheduler.start();
    await second.scheduler.runDue();
    await second.scheduler.stop();
    expect(outbox(second.db)).toHaveLength(count);
  });

  it('is sent at the next start when the bot was down at 09:00', async () => {
    clock = local('2026-11-24 18:30');
    const p = processOnDatabase();
    buildScenario(p.db);
    await p.scheduler.start();
    await p.scheduler.stop();
    expect(outbox(p.db).map((r) => r.key)).toContain(`digest:2026-W47:${CHATS[1]}:1`);
  });

  it('on demand (/digest) is queued apart from the scheduled one and does not count as it', async () => {
    clock = local('2026-11-23 08:00');
    const p = processOnDatabase();
    buildScenario(p.db);
    const week = p.digest.parseWeek('2026-W47')!;
    const queued = p.digest.queueDigest(CHATS[0]!, week, '1234');
    expect(queued).toBeGreaterThanOrEqual(2);
    // The same request again (a replayed update): nothing more.
    expect(p.digest.queueDigest(CHATS[0]!, week, '1234')).toBe(0);
    expect(outbox(p.db).every((r) => r.key.startsWith(`digest:2026-W47:${CHATS[0]}:request-1234:`))).toBe(true);
    expect(p.scheduler.isDone('weekly-digest', '2026-W47', CHATS[0]!)).toBe(false);

    clock = local('2026-11-23 09:00');
    await p.scheduler.runDue();
    expect(outbox(p.db).filter((r) => r.key.startsWith(`digest:2026-W47:${CHATS[0]}:`) && !r.key.includes('request')).length).toBe(queued);
  });
});
