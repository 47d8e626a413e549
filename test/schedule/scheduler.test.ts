import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { lastFullPeriod } from '../../src/digest/periods.ts';
import { createOutbox } from '../../src/outbox/outbox.ts';
import { createScheduler, type ScheduledJob, type Scheduler, type Timers } from '../../src/schedule/scheduler.ts';
import { tempDir } from '../support/harness.ts';

const TZ = 'Asia/Shanghai';
const sh = (text: string) => Date.parse(`${text.replace(' ', 'T')}:00+08:00`);
const logger = pino({ level: 'silent' });

/** A fake timer: records what was armed, fires on demand. */
function fakeTimers() {
  const armed: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
  const timers: Timers = {
    set(fn, ms) {
      const timer = { fn, ms, cleared: false };
      armed.push(timer);
      return timer;
    },
    clear: (handle) => void ((handle as { cleared: boolean }).cleared = true),
  };
  return { timers, armed, last: () => armed.at(-1)! };
}

let dir: { dir: string; cleanup: () => void };
let path: string;
let clock: number;
const open: Db[] = [];
const schedulers: Scheduler[] = [];

beforeEach(() => {
  dir = tempDir();
  path = join(dir.dir, 'minyi.sqlite');
  clock = sh('2026-11-23 08:00');
});
afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
  for (const db of open.splice(0)) db.close();
  dir.cleanup();
});

interface Process {
  db: Db;
  scheduler: Scheduler;
  prepared: string[];
  chats: number[];
  failCommit: Set<number>;
  timers: ReturnType<typeof fakeTimers>;
}

/** One bot process: its own connection to the database file, its own scheduler, a weekly job like the digest. */
function startProcess(options: { prepare?: (period: string) => Promise<void> } = {}): Process {
  const db = openDatabase(path);
  open.push(db);
  const outbox = createOutbox(db, () => clock);
  const timers = fakeTimers();
  const process: Process = { db, scheduler: undefined as never, prepared: [], chats: [-1, -2], failCommit: new Set(), timers };
  const job: ScheduledJob<string> = {
    name: 'weekly',
    cron: '0 9 * * 1',
    period: (at) => lastFullPeriod('week', at, TZ).key,
    chats: () => process.chats,
    async prepare(run) {
      process.prepared.push(run.period);
      await options.prepare?.(run.period);
      return `digest of ${run.period}`;
    },
    commit(chatId, text, run) {
      outbox.enqueue({ dedupeKey: `weekly:${run.period}:${chatId}`, chatId, kind: 'digest', message: { type: 'text', html: text } });
      if (process.failCommit.delete(chatId)) throw new Error('crash while queueing');
    },
  };
  process.scheduler = createScheduler({ db, timezone: TZ, logger, now: () => clock, timers: timers.timers, retryMs: 5 * 60_000 });
  process.scheduler.register(job);
  schedulers.push(process.scheduler);
  return process;
}

const queued = (db: Db) => db.prepare('SELECT dedupe_key AS key FROM outbox ORDER BY id').pluck().all() as string[];
const runs = (db: Db) => db.prepare('SELECT job, period, chat_id AS chatId FROM schedule_runs ORDER BY period, chat_id').all();

describe('a weekly job on the scheduler', () => {
  it('runs at the scheduled time for every chat, once, about the week that just ended', async () => {
    const p = startProcess();
    clock = sh('2026-11-16 09:00');
    await p.scheduler.runDue();
    clock = sh('2026-11-23 08:59');
    expect(await p.scheduler.runDue()).toEqual([]);
    clock = sh('2026-11-23 09:00');
    expect(await p.scheduler.runDue()).toEqual([{ job: 'weekly', period: '2026-W47', scheduledAt: sh('2026-11-23 09:00'), chats: [-1, -2] }]);
    clock = sh('2026-11-23 09:05');
    expect(await p.scheduler.runDue()).toEqual([]);
    clock = sh('2026-11-29 23:59');
    expect(await p.scheduler.runDue()).toEqual([]);
    expect(queued(p.db)).toEqual(['weekly:2026-W46:-1', 'weekly:2026-W46:-2', 'weekly:2026-W47:-1', 'weekly:2026-W47:-2']);
    expect(p.prepared).toEqual(['2026-W46', '2026-W47']);
    expect(p.scheduler.isDone('weekly', '2026-W47', -2)).toBe(true);
  });

  it('is not repeated after a restart (a second process on the same database file)', async () => {
    clock = sh('2026-11-23 09:00');
    const first = startProcess();
    await first.scheduler.start();
    await first.scheduler.stop();
    first.db.close();
    open.splice(open.indexOf(first.db), 1);

    clock = sh('2026-11-23 09:30');
    const second = startProcess();
    await second.scheduler.start();
    expect(second.prepared).toEqual([]);
    expect(queued(second.db)).toEqual(['weekly:2026-W47:-1', 'weekly:2026-W47:-2']);
  });

  it('catches up at the next start when the bot was down at the scheduled time', async () => {
    clock = sh('2026-11-21 12:00');
    const before = startProcess();
    await before.scheduler.start(); // catches up W46 (its Monday had passed)
    await before.scheduler.stop();
    before.db.close();
    open.splice(open.indexOf(before.db), 1);

    // Down from Saturday to Tuesday afternoon: Monday 09:00 passed unseen.
    clock = sh('2026-11-24 15:00');
    const after = startProcess();
    await after.scheduler.start();
    expect(queued(after.db)).toEqual(['weekly:2026-W46:-1', 'weekly:2026-W46:-2', 'weekly:2026-W47:-1', 'weekly:2026-W47:-2']);
    expect(runs(after.db)).toEqual([
      { job: 'weekly', period: '2026-W46', chatId: -2 },
      { job: 'weekly', period: '2026-W46', chatId: -1 },
      { job: 'weekly', period: '2026-W47', chatId: -2 },
      { job: 'weekly', period: '2026-W47', chatId: -1 },
    ]);
  });

  it('catches up only the most recent period after a long outage', async () => {
    clock = sh('2026-12-16 10:00');
    const p = startProcess();
    await p.scheduler.start();
    expect(queued(p.db)).toEqual(['weekly:2026-W50:-1', 'weekly:2026-W50:-2']);
  });

  it('runs once per chat when two processes start at the same moment', async () => {
    clock = sh('2026-11-23 09:00');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Both build the digest before either queues it.
    const a = startProcess({ prepare: () => gate });
    const b = startProcess({ prepare: () => gate });
    const both = Promise.all([a.scheduler.runDue(), b.scheduler.runDue()]);
    release();
    const [ra, rb] = await both;
    expect([...(ra[0]?.chats ?? []), ...(rb[0]?.chats ?? [])].sort((x, y) => x - y)).toEqual([-2, -1]);
    expect(a.prepared).toEqual(['2026-W47']);
    expect(b.prepared).toEqual(['2026-W47']);
    expect(queued(a.db)).toEqual(['weekly:2026-W47:-1', 'weekly:2026-W47:-2']);
  });

  it('queues nothing for a chat whose run failed half-way, and does it on the retry', async () => {
    clock = sh('2026-11-23 09:00');
    const p = startProcess();
    p.failCommit.add(-2);
    await p.scheduler.start();
    // The failed chat's message and its run record were rolled back together.
    expect(queued(p.db)).toEqual(['weekly:2026-W47:-1']);
    expect(p.scheduler.isDone('weekly', '2026-W47', -2)).toBe(false);
    // A retry is armed five minutes out.
    expect(p.timers.last().ms).toBe(5 * 60_000);
    clock += 5 * 60_000;
    p.timers.last().fn();
    await p.scheduler.stop();
    expect(queued(p.db)).toEqual(['weekly:2026-W47:-1', 'weekly:2026-W47:-2']);
    expect(p.prepared).toEqual(['2026-W47', '2026-W47']);
  });

  it('runs for a staff chat added after the run, at the next check', async () => {
    clock = sh('2026-11-23 09:00');
    const p = startProcess();
    await p.scheduler.runDue();
    p.chats.push(-3);
    clock = sh('2026-11-23 10:00');
    await p.scheduler.runDue();
    expect(queued(p.db)).toEqual(['weekly:2026-W47:-1', 'weekly:2026-W47:-2', 'weekly:2026-W47:-3']);
  });

  it('sleeps until the next scheduled time (at most an hour at a time) and runs when the timer fires', async () => {
    clock = sh('2026-11-23 08:30');
    const p = startProcess();
    p.prepared.length = 0;
    await p.scheduler.start();
    // W46 was caught up on start; the next run is in 30 minutes.
    expect(p.prepared).toEqual(['2026-W46']);
    expect(p.timers.last().ms).toBe(30 * 60_000);
    clock = sh('2026-11-23 09:00');
    p.timers.last().fn();
    // Runs are serialised: this one waits for the timer's run (and finds nothing left to do).
    await p.scheduler.runDue();
    expect(p.prepared).toEqual(['2026-W46', '2026-W47']);
    // Re-armed: the next Monday is a week away, so it checks again within the hour.
    expect(p.timers.last().ms).toBe(60 * 60_000);
    expect(p.scheduler.nextScheduledAt('weekly')).toBe(sh('2026-11-30 09:00'));
    expect(p.scheduler.lastScheduledAt('weekly')).toBe(sh('2026-11-23 09:00'));
  });

  it('refuses a job with an invalid cron pattern, naming it', () => {
    const scheduler = createScheduler({ db: openDatabase(':memory:'), timezone: TZ, logger });
    const job = { name: 'reminder', cron: '0 25 * *', period: () => 'p', chats: () => [], prepare: () => 1, commit: () => {} };
    expect(() => scheduler.register(job)).toThrow(/reminder.*"0 25 \* \*"/);
  });
});
