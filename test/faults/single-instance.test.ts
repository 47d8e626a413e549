import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { acquireInstanceLock, instanceLockHolder, InstanceLockedError, LOCK_STALE_MS, processStartIdentity } from '../../src/db/instance-lock.ts';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { eventually, startBotProcess, type BotProcess } from '../support/bot-process.ts';
import { tempDir } from '../support/harness.ts';
import { ackLedger, alive, BOT_TOKEN, createFaultWorld, outcome, reportTexts, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * One bot per database. A second process on the same file would send every queued message again (the
 * review saw 40 messages sent 80 times) and, polling, die on an unhandled rejection; it must refuse to
 * start with one clear line instead. A 409 from Telegram (another consumer of this token's updates) ends
 * the bot with one clear line and a non-zero exit, never an unhandled rejection.
 */

const SECOND_INSTANCE = 'another Minyi is already running on this database';

describe('one bot per database (processes)', () => {
  let world: FaultWorld;
  const extra: BotProcess[] = [];

  beforeEach(async () => {
    world = await createFaultWorld();
  });

  afterEach(async () => {
    for (const bot of extra.splice(0)) if (alive(bot)) await bot.kill9();
    await world.close();
  });

  it('a second bot on the same database exits with one clear line; every queued reply is sent once; after kill -9 a new start takes over at once', async () => {
    const { telegram } = world;
    const first = await world.start({ llm: false });

    // Replies waiting in the outbox when the second process starts: Telegram fails them for a while.
    const chats = Array.from({ length: 20 }, (_, i) => 52_000 + i);
    const fault = telegram.injectFault({ method: 'sendMessage', kind: 'server_error', times: 20 });
    const texts = reportTexts(chats.length);
    chats.forEach((chatId, i) => telegram.sendUserMessage({ from: zhResident(chatId), text: texts[i]! }));
    await eventually(() => fault.hits >= 10, 20_000);

    const second = startBotProcess(world.env({ llm: false }));
    extra.push(second);
    const code = await second.exited;
    const lines = second.output().trim().split('\n');

    const reports = world.query<{ id: number; chat_id: number }>(`SELECT id, chat_id FROM reports WHERE chat_id IN (${chats.join(',')})`);
    await eventually(() => ackLedger(telegram, reports).missing.length === 0, 60_000, () => JSON.stringify(ackLedger(telegram, reports)));
    await new Promise((resolve) => setTimeout(resolve, 1500)); // would a second sender add copies?
    const ledger = ackLedger(telegram, reports);

    await first.kill9();
    const restartedAt = Date.now();
    const third = await world.start({ llm: false });
    const takeoverMs = Date.now() - restartedAt;
    outcome(
      `second instance → exit code ${code}, ${lines.length} line(s): "${lines.join(' | ').slice(0, 200)}"; ` +
        `${reports.length} replies, ${ledger.duplicated.length} sent twice; start after kill -9 of the holder took ${takeoverMs} ms`,
    );

    expect(code).not.toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(SECOND_INSTANCE);
    expect(ledger.missing).toEqual([]);
    expect(ledger.duplicated).toEqual([]);
    // The crashed holder's pid is gone: the lease is taken over at once (a refusal would have ended the start).
    expect(alive(third)).toBe(true);
    expect(third.output()).not.toContain(SECOND_INSTANCE);
  }, 120_000);

  it('409 Conflict from Telegram (another getUpdates consumer): one clear line, a clean stop, a non-zero exit, no unhandled rejection', async () => {
    const { telegram } = world;
    const bot = await world.start({ llm: false });
    // Another process polls with the same token: Telegram ends our pending poll with 409.
    const foreign = await fetch(`${telegram.apiRoot}/bot${BOT_TOKEN}/getUpdates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timeout: 0 }),
    });
    expect(foreign.ok).toBe(true);
    const code = await Promise.race([bot.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 20_000))]);
    const output = bot.output();
    const conflictLines = output.split('\n').filter((line) => line.includes('409 Conflict'));
    outcome(`409 → exit code ${code}; ${conflictLines.length} line(s) naming the conflict`);

    expect(code).not.toBe('still running');
    expect(code).not.toBe(0);
    expect(conflictLines).toHaveLength(1);
    expect(conflictLines[0]).toContain('another bot is receiving updates with this token');
    expect(output).not.toMatch(/unhandled|UnhandledPromiseRejection|ERROR ERROR/i);
    // Stopped cleanly: the lease was let go, so the next start needs no waiting.
    expect(world.count('SELECT COUNT(*) FROM instance_lock')).toBe(0);
  }, 60_000);
});

describe('instance lock (one database, real migrations)', () => {
  let db: Db;
  let cleanup: () => void;

  beforeEach(() => {
    const dir = tempDir();
    cleanup = dir.cleanup;
    db = openDatabase(`${dir.dir}/minyi.sqlite`);
  });

  afterEach(() => {
    db.close();
    cleanup();
  });

  it('refuses a second holder while the first lives, and names it', () => {
    const first = acquireInstanceLock(db);
    expect(() => acquireInstanceLock(db)).toThrow(InstanceLockedError);
    expect(() => acquireInstanceLock(db)).toThrow(/pid \d+ on /);
    first.release();
    const next = acquireInstanceLock(db);
    expect(next.heartbeat()).toBe(true);
    next.release();
  });

  it('cannot outlive a crash: a dead pid on this host is taken over at once, a silent holder elsewhere once its lease is stale', () => {
    let clock = 1_000_000;
    const now = () => clock;
    const crashed = acquireInstanceLock(db, { now, pid: 999_999, host: 'this-host' });
    // Same host, its pid gone: no waiting.
    const taker = acquireInstanceLock(db, { now, host: 'this-host', isAlive: () => false });
    expect(crashed.heartbeat()).toBe(false);
    taker.release();

    acquireInstanceLock(db, { now, pid: 1234, host: 'other-host' });
    // Another host, heartbeat fresh: refused; silent for the stale window: taken over.
    expect(() => acquireInstanceLock(db, { now, host: 'this-host' })).toThrow(InstanceLockedError);
    clock += LOCK_STALE_MS - 1;
    expect(() => acquireInstanceLock(db, { now, host: 'this-host' })).toThrow(InstanceLockedError);
    clock += 1;
    expect(() => acquireInstanceLock(db, { now, host: 'this-host' }).release()).not.toThrow();
  });

  it('never takes over a live holder on this host, however long it was stopped; a reused pid is taken over at once', async () => {
    // A real process, really stopped (SIGSTOP: a paused VM, a hung event loop): it resumes and would send.
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const gone = new Promise((resolve) => holder.once('exit', resolve));
    try {
      await eventually(() => processStartIdentity(holder.pid!) !== undefined, 10_000);
      let clock = Date.now();
      const now = () => clock;
      const stalled = acquireInstanceLock(db, { now, pid: holder.pid! });
      holder.kill('SIGSTOP');
      clock += 10 * LOCK_STALE_MS;
      expect(() => acquireInstanceLock(db, { now })).toThrow(InstanceLockedError);
      expect(instanceLockHolder(db, { now })?.pid).toBe(holder.pid);
      expect(stalled.held()).toBe(true);
      expect(stalled.heartbeat()).toBe(true);

      // The same pid with another start time is another process (the holder died, its pid was reused):
      // taken over at once, fresh heartbeat or not.
      clock += 1;
      db.prepare(`UPDATE instance_lock SET owner = ?, heartbeat_at = ? WHERE id = 1`).run(`earlier@${processStartIdentity(holder.pid!)}0`, clock);
      const taker = acquireInstanceLock(db, { now });
      expect(stalled.held()).toBe(false);
      expect(stalled.heartbeat()).toBe(false);
      expect(taker.held()).toBe(true);
      taker.release();

      // Where /proc cannot tell (another system), a live pid's lease still ends when it is stale.
      const blind = { now, startIdentity: () => undefined };
      acquireInstanceLock(db, { ...blind, pid: holder.pid! });
      expect(() => acquireInstanceLock(db, blind)).toThrow(InstanceLockedError);
      clock += LOCK_STALE_MS;
      expect(() => acquireInstanceLock(db, blind).release()).not.toThrow();
    } finally {
      holder.kill('SIGKILL');
      await gone;
    }
  });

  it('a row left by an earlier life of this very pid (a container restarted as pid 1) does not block the start', () => {
    db.prepare(`INSERT INTO instance_lock (id, owner, pid, host, started_at, heartbeat_at) VALUES (1, 'earlier-life', ?, ?, ?, ?)`).run(
      process.pid,
      'this-host',
      Date.now(),
      Date.now(),
    );
    expect(() => acquireInstanceLock(db, { host: 'this-host' }).release()).not.toThrow();
  });
});
