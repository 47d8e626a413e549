import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { BACKUP_JOB, backupDatabase, backupFileName, createBackupJob } from '../../src/db/backup.ts';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { createScheduler, type Timers } from '../../src/schedule/scheduler.ts';
import { createHarness, tempDir, type Harness } from '../support/harness.ts';

const logger = pino({ level: 'silent' });
const sh = (text: string) => Date.parse(`${text.replace(' ', 'T')}:00+08:00`);
const timers: Timers = { set: () => ({}), clear: () => {} };

let dir: { dir: string; cleanup: () => void };
let dbPath: string;
let backups: string;
const open: Db[] = [];
const harnesses: Harness[] = [];
beforeEach(() => {
  dir = tempDir();
  dbPath = join(dir.dir, 'minyi.sqlite');
  backups = join(dir.dir, 'backups');
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
  for (const db of open.splice(0)) db.close();
  dir.cleanup();
});

function database(): Db {
  const db = openDatabase(dbPath);
  open.push(db);
  return db;
}

const listBackups = () => readdirSync(backups).filter((name) => name.endsWith('.sqlite')).sort();

/** Rows a writer committed, as (seq) pairs written in one transaction each: a torn copy would show a half pair. */
function writesIn(db: Database.Database, writer: string): { seqs: number[]; halves: number } {
  const keys = db.prepare(`SELECT key FROM meta WHERE key LIKE ? ORDER BY key`).pluck().all(`${writer}:%`) as string[];
  const bySeq = new Map<number, number>();
  for (const key of keys) {
    const seq = Number(key.split(':')[1]);
    bySeq.set(seq, (bySeq.get(seq) ?? 0) + 1);
  }
  return { seqs: [...bySeq.keys()].sort((a, b) => a - b), halves: [...bySeq.values()].filter((n) => n !== 2).length };
}

// A second connection on its own thread: truly concurrent with the backup, like another process.
const WRITER_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const insert = db.prepare("INSERT INTO meta (key, value) VALUES (?, 'x')");
const pair = db.transaction((seq) => { insert.run('thread:' + String(seq).padStart(6, '0') + ':a'); insert.run('thread:' + String(seq).padStart(6, '0') + ':b'); });
let seq = 0;
let stop = false;
parentPort.on('message', (m) => { if (m === 'stop') stop = true; });
(function loop() {
  for (let i = 0; i < 5 && !stop; i++) { pair(seq); seq++; parentPort.postMessage(seq); }
  if (stop) { db.close(); parentPort.postMessage({ done: seq }); } else setImmediate(loop);
})();
`;

describe('online backup', () => {
  it('copies a consistent database while the bot’s connection, a second connection and another thread keep writing', async () => {
    const db = database();
    // About 12 MB, so the copy takes many steps and the writers land between them.
    const filler = db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)`);
    db.transaction(() => {
      for (let i = 0; i < 12_000; i++) filler.run(`filler:${i}`, 'x'.repeat(1000));
    })();
    const second = database();

    const committed: Record<string, number> = { same: 0, second: 0, thread: 0 };
    const writer = (conn: Db, name: string) => {
      const insert = conn.prepare(`INSERT INTO meta (key, value) VALUES (?, 'x')`);
      return conn.transaction((seq: number) => {
        const key = `${name}:${String(seq).padStart(6, '0')}`;
        insert.run(`${key}:a`);
        insert.run(`${key}:b`);
      });
    };
    const writeSame = writer(db, 'same');
    const writeSecond = writer(second, 'second');
    let copying = true;
    const loop = () => {
      if (!copying) return;
      writeSame(committed.same!++);
      writeSecond(committed.second!++);
      setImmediate(loop);
    };

    const thread = new Worker(WRITER_THREAD, { eval: true, workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path: dbPath } });
    thread.on('message', (m: number | { done: number }) => {
      if (typeof m === 'number') committed.thread = m;
    });
    const threadDone = new Promise<number>((resolve) => thread.on('message', (m: number | { done: number }) => typeof m === 'object' && resolve(m.done)));
    while (committed.thread! < 20) await new Promise((resolve) => setTimeout(resolve, 5));

    loop();
    const before = { ...committed };
    const outcome = await backupDatabase(db, { dir: backups, now: () => Date.UTC(2026, 10, 23, 19, 30, 0) });
    copying = false;
    thread.postMessage('stop');
    const threadTotal = await threadDone;

    expect(outcome.path).toBe(join(backups, 'minyi-20261123T193000Z.sqlite'));
    // The second connection's writes made SQLite start the copy over; it still finished.
    expect(outcome.restarts).toBeGreaterThan(0);
    const copy = new Database(outcome.path, { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.pragma('user_version', { simple: true })).toBe(db.pragma('user_version', { simple: true }));
      expect(copy.prepare(`SELECT COUNT(*) FROM meta WHERE key LIKE 'filler:%'`).pluck().get()).toBe(12_000);
      for (const name of ['same', 'second', 'thread']) {
        const { seqs, halves } = writesIn(copy, name);
        // Every transaction committed before the backup began is there, whole, and nothing after a gap.
        expect(halves, name).toBe(0);
        expect(seqs.length, name).toBeGreaterThanOrEqual(before[name]!);
        expect(seqs, name).toEqual(seqs.map((_, i) => i));
      }
      expect(writesIn(copy, 'thread').seqs.length).toBeLessThanOrEqual(threadTotal);
      // One self-contained file: no WAL to lose when it is copied elsewhere.
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    } finally {
      copy.close();
    }
    expect(readdirSync(backups)).toEqual(['minyi-20261123T193000Z.sqlite']);
    process.stdout.write(`backup of ${(outcome.bytes / 1e6).toFixed(1)} MB under three writers: ${outcome.ms} ms, ${outcome.restarts} restart(s)\n`);
  }, 60_000);

  it('keeps the newest BACKUP_KEEP backups and touches no other file', async () => {
    const db = database();
    mkdirSync(backups, { recursive: true });
    const old = [1, 2, 3, 4, 5].map((day) => backupFileName(Date.UTC(2026, 10, day, 19, 30)));
    for (const name of old) writeFileSync(join(backups, name), 'old backup');
    const foreign = ['notes.txt', 'minyi-latest.sqlite', `${old[0]}.bak`, 'minyi-2026-11-01.sqlite', 'other-20261101T193000Z.sqlite'];
    for (const name of foreign) writeFileSync(join(backups, name), 'not ours');
    // A temporary file left by a crash two days ago goes; one being written right now stays.
    const stale = `.${old[0]}.999.tmp`;
    const fresh = `.${old[1]}.998.tmp`;
    writeFileSync(join(backups, stale), '');
    writeFileSync(join(backups, fresh), '');
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(join(backups, stale), twoDaysAgo, twoDaysAgo);

    const outcome = await backupDatabase(db, { dir: backups, keep: 3, now: () => Date.UTC(2026, 10, 6, 19, 30) });

    expect(outcome.removed.map((p) => p.slice(backups.length + 1)).sort()).toEqual([stale, old[0], old[1], old[2]].sort());
    expect(readdirSync(backups).sort()).toEqual([...foreign, fresh, old[3], old[4], 'minyi-20261106T193000Z.sqlite'].sort());
  });

  it('keeps backups private: BACKUP_DIR created 0700, every backup 0600, whatever the umask lets through', async () => {
    const db = database();
    db.prepare(`INSERT INTO meta (key, value) VALUES ('resident words', '食堂的饭菜是凉的')`).run();
    // The common umask: without the fix, files come out 0644 and directories 0755.
    const previous = process.umask(0o022);
    try {
      const first = await backupDatabase(db, { dir: join(backups, 'nested'), now: () => Date.UTC(2026, 10, 6, 19, 30) });
      expect(statSync(join(backups, 'nested')).mode & 0o777).toBe(0o700);
      expect(statSync(backups).mode & 0o777).toBe(0o700);
      expect(statSync(first.path).mode & 0o777).toBe(0o600);
      // A directory the operator made (0755) is left as it is; the files in it are still private.
      const own = join(dir.dir, 'operator-made');
      mkdirSync(own, { mode: 0o755 });
      const second = await backupDatabase(db, { dir: own, now: () => Date.UTC(2026, 10, 7, 19, 30) });
      expect(statSync(second.path).mode & 0o777).toBe(0o600);
      expect(readdirSync(own)).toEqual([backupFileName(Date.UTC(2026, 10, 7, 19, 30))]);
    } finally {
      process.umask(previous);
    }
  });

  it('never deletes the backup it just wrote, even when the clock was set back', async () => {
    const db = database();
    mkdirSync(backups, { recursive: true });
    const later = [backupFileName(Date.UTC(2027, 0, 1)), backupFileName(Date.UTC(2027, 0, 2))];
    for (const name of later) writeFileSync(join(backups, name), 'later');
    const outcome = await backupDatabase(db, { dir: backups, keep: 2, now: () => Date.UTC(2026, 10, 6, 19, 30) });
    expect(listBackups()).toEqual(['minyi-20261106T193000Z.sqlite', later[1]]);
    expect(existsSync(outcome.path)).toBe(true);
  });

  it('leaves nothing under a backup’s name, and no temporary file, when the backup cannot be put in place', async () => {
    const db = database();
    const at = Date.UTC(2026, 10, 23, 19, 30);
    // Something already occupies the name (a directory with a file in it): the final rename fails.
    mkdirSync(join(backups, backupFileName(at)), { recursive: true });
    writeFileSync(join(backups, backupFileName(at), 'x'), '');
    await expect(backupDatabase(db, { dir: backups, keep: 1, now: () => at })).rejects.toThrow();
    expect(readdirSync(backups)).toEqual([backupFileName(at)]);
  });
});

describe('scheduled backup', () => {
  it('a bad BACKUP_CRON or BACKUP_KEEP stops the bot with one line naming the variable', () => {
    expect(() => parseConfig({ BACKUP_CRON: '30 25 * * *' })).toThrow(/^BACKUP_CRON: expected a cron pattern such as "30 3 \* \* \*".*\(got "30 25 \* \* \*"\)$/);
    expect(() => parseConfig({ BACKUP_CRON: 'daily' })).toThrow(/^BACKUP_CRON: /);
    expect(() => parseConfig({ BACKUP_KEEP: '0' })).toThrow(/^BACKUP_KEEP: .*\(got "0"\)$/);
    expect(parseConfig({}).backup).toEqual({ dir: undefined, cron: '30 3 * * *', keep: 14 });
  });

  it('runs at BACKUP_CRON in the bureau’s time zone, once per scheduled time', async () => {
    const db = database();
    let clock = sh('2026-11-23 03:00');
    const scheduler = createScheduler({ db, timezone: 'Asia/Shanghai', logger, now: () => clock, timers, notBefore: () => sh('2026-11-23 03:00') });
    scheduler.register(createBackupJob({ db, dir: backups, keep: 14, cron: '30 3 * * *', logger, now: () => clock }));

    clock = sh('2026-11-23 03:29');
    expect(await scheduler.runDue()).toEqual([]);
    expect(existsSync(backups)).toBe(false);

    clock = sh('2026-11-23 03:30');
    const [run] = await scheduler.runDue();
    expect(run).toMatchObject({ job: BACKUP_JOB, scheduledAt: sh('2026-11-23 03:30'), chats: [0] });
    expect(run!.error).toBeUndefined();
    // 03:30 in Shanghai is 19:30 UTC the day before.
    expect(listBackups()).toEqual(['minyi-20261122T193000Z.sqlite']);

    clock = sh('2026-11-23 12:00');
    expect(await scheduler.runDue()).toEqual([]);
    expect(scheduler.nextScheduledAt(BACKUP_JOB)).toBe(sh('2026-11-24 03:30'));

    clock = sh('2026-11-24 03:30');
    await scheduler.runDue();
    expect(listBackups()).toEqual(['minyi-20261122T193000Z.sqlite', 'minyi-20261123T193000Z.sqlite']);
  });

  it('is registered by the app when BACKUP_DIR is set, and not otherwise', async () => {
    let clock = sh('2026-11-23 03:00');
    const withDir = await createHarness({ env: { BACKUP_DIR: backups, BACKUP_CRON: '30 3 * * *', BACKUP_KEEP: '2' }, now: () => clock });
    harnesses.push(withDir);
    clock = sh('2026-11-23 03:30');
    await withDir.app.scheduler.runDue();
    expect(listBackups()).toEqual(['minyi-20261122T193000Z.sqlite']);
    expect(withDir.app.config.backup).toEqual({ dir: backups, cron: '30 3 * * *', keep: 2 });

    const without = await createHarness({ now: () => clock });
    harnesses.push(without);
    expect(() => without.app.scheduler.nextScheduledAt(BACKUP_JOB)).toThrow(/no job named backup/);
  });
});
