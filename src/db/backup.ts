import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { ScheduledJob } from '../schedule/scheduler.ts';
import type { Db } from './database.ts';
import { DAY } from '../domain/time.ts';

/**
 * Online backups of the database: SQLite's backup API copies a consistent snapshot while the bot keeps
 * reading and writing. A backup is written under a temporary name, checked, made a single self-contained
 * file, synced to disk and only then renamed to `minyi-YYYYMMDDTHHMMSSZ.sqlite`: a crash or a full disk
 * leaves a stray temporary file, never a half-written backup under a backup's name.
 */

/** Only files with this name are ever rotated away: nothing else in BACKUP_DIR is touched. */
const BACKUP_NAME = /^minyi-\d{8}T\d{6}Z\.sqlite$/;
/** Left behind by a backup that crashed; removed once they are clearly not in progress. */
const TEMP_NAME = /^\.minyi-\d{8}T\d{6}Z\.sqlite\.\d+\.tmp(-wal|-shm|-journal)?$/;
const STALE_TEMP_MS = DAY;
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;
const requireHere = createRequire(import.meta.url);

/** Pages copied per step: about 1 MB, so each step holds the event loop for milliseconds. */
const PAGES_PER_STEP = 250;
const ALL_PAGES = 0x7fffffff;

export class BackupError extends Error {
  override name = 'BackupError';
}

/** `minyi-20261123T193000Z.sqlite`: UTC, so names sort by time and never repeat across a DST change. */
export function backupFileName(at: number): string {
  return `minyi-${utcStamp(at)}.sqlite`;
}

/** `20261123T193000Z` */
export function utcStamp(at: number): string {
  return new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export interface BackupOutcome {
  path: string;
  bytes: number;
  ms: number;
  userVersion: number;
  /** Times SQLite restarted the copy because another connection wrote meanwhile. */
  restarts: number;
  /** Older backups deleted to keep `keep`. */
  removed: string[];
}

export interface BackupOptions {
  dir: string;
  /** Keep this many newest backups in `dir` and delete older ones; undefined: delete nothing. */
  keep?: number;
  now?: () => number;
}

/** Copy `db` into `dir` now. Safe while the bot runs; throws BackupError when the copy does not check out. */
export async function backupDatabase(db: Db, options: BackupOptions): Promise<BackupOutcome> {
  const started = performance.now();
  const at = (options.now ?? Date.now)();
  // Backups hold residents' words: private to the bot's user (a directory we create, and every file).
  mkdirSync(options.dir, { recursive: true, mode: PRIVATE_DIR });
  const name = backupFileName(at);
  const path = join(options.dir, name);
  const temp = join(options.dir, `.${name}.${process.pid}.tmp`);
  const userVersion = db.pragma('user_version', { simple: true }) as number;
  let restarts = 0;
  try {
    // Created 0600 before SQLite writes a byte (its journal files take the same mode), whatever the umask.
    closeSync(openSync(temp, 'wx', PRIVATE_FILE));
    chmodSync(temp, PRIVATE_FILE);
    let step = PAGES_PER_STEP;
    let lastRemaining = Infinity;
    await db.backup(temp, {
      progress({ remainingPages }) {
        // Another connection wrote since the last step, so SQLite started over. Bigger steps outrun the
        // writes; at worst the rest is copied in one step (still a read snapshot: writers are not blocked).
        if (remainingPages >= lastRemaining) {
          restarts++;
          step = Math.min(step * 2, ALL_PAGES);
        }
        lastRemaining = remainingPages;
        return step;
      },
    });
    const copy = await inspectDatabaseFile(temp, { check: 'quick', toSingleFile: true });
    if (copy.check !== 'ok') throw new BackupError(`backup ${path} failed its check: ${copy.check}`);
    if (copy.userVersion !== userVersion) throw new BackupError(`backup ${path} has schema ${copy.userVersion}, the database ${userVersion}`);
    chmodSync(temp, PRIVATE_FILE);
    renameSync(temp, path);
    fsyncPath(options.dir);
  } catch (error) {
    removeDatabaseFiles(temp);
    throw error;
  }
  const removed = options.keep === undefined ? [] : pruneBackups(options.dir, options.keep, { spare: path });
  return { path, bytes: statSync(path).size, ms: Math.round(performance.now() - started), userVersion, restarts, removed };
}

/**
 * Delete all but the newest `keep` backups in `dir` (only files named like ours) and stale temporary files.
 * `spare` (the backup just written) is never deleted, even when a clock set back makes it look old.
 */
export function pruneBackups(dir: string, keep: number, options: { spare?: string } = {}): string[] {
  const names = readdirSync(dir);
  const backups = names.filter((name) => BACKUP_NAME.test(name) && join(dir, name) !== options.spare).sort().reverse();
  const removed = backups.slice(Math.max(0, keep - (options.spare === undefined ? 0 : 1))).map((name) => join(dir, name));
  for (const name of names) {
    if (!TEMP_NAME.test(name)) continue;
    const path = join(dir, name);
    // Another process (npm run backup beside the bot) may be writing one right now; mtime is wall-clock time.
    if (Date.now() - statSync(path).mtimeMs > STALE_TEMP_MS) removed.push(path);
  }
  for (const path of removed) rmSync(path, { force: true });
  return removed;
}

export interface DatabaseFileReport {
  /** 'ok', or the first problem SQLite reported (page and index numbers, never the data). */
  check: string;
  userVersion: number;
  tables: string[];
}

/**
 * Open a database file and check it: `quick` (PRAGMA quick_check, O(pages)) or `full` (integrity_check,
 * also every index against its table). `toSingleFile` folds any WAL into the file and switches it to a
 * rollback journal, so the file alone is the whole database, and syncs it to disk. Runs on a worker thread: a check of a
 * multi-gigabyte database takes seconds, which the bot's event loop must not spend.
 */
export function inspectDatabaseFile(path: string, options: { check: 'quick' | 'full'; toSingleFile: boolean }): Promise<DatabaseFileReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(INSPECT_WORKER, {
      eval: true,
      workerData: { driver: requireHere.resolve('better-sqlite3'), path, pragma: options.check === 'full' ? 'integrity_check' : 'quick_check', toSingleFile: options.toSingleFile },
    });
    worker.once('message', (report: DatabaseFileReport) => resolve(report));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new BackupError(`checking ${path} stopped with exit code ${code}`));
    });
  });
}

// Plain JavaScript: an eval'd worker gets no TypeScript loader. Opened read-write only to fold the WAL in.
const INSPECT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
let report;
try {
  const db = new Database(workerData.path, { fileMustExist: true });
  try {
    const rows = db.prepare('PRAGMA ' + workerData.pragma + '(20)').pluck().all();
    const check = rows.length === 1 && rows[0] === 'ok' ? 'ok' : rows.join('; ');
    const userVersion = db.pragma('user_version', { simple: true });
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    if (check === 'ok' && workerData.toSingleFile && db.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') {
      throw new Error('could not switch the copy to a single file');
    }
    report = { check, userVersion, tables };
  } finally {
    db.close();
  }
  // Synced here too: flushing a large file to disk takes a while.
  if (report.check === 'ok' && workerData.toSingleFile) {
    const fd = fs.openSync(workerData.path, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  }
} catch (error) {
  report = { check: error && error.message ? error.message : String(error), userVersion: 0, tables: [] };
}
parentPort.postMessage(report);
`;

/** A database file with its -wal, -shm and -journal companions. */
export function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
}

/** Make a file's contents, or a directory's entries (a rename), durable before going on. */
export function fsyncPath(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch (error) {
    // Some platforms cannot open or sync a directory; the rename is then as durable as they allow.
    if (!statSync(path).isDirectory()) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export const BACKUP_JOB = 'backup';
/** schedule_runs records a run per chat; a backup is one per installation, recorded under 0 (no chat has it). */
const INSTALLATION = 0;

/**
 * The scheduled backup (BACKUP_CRON in TIMEZONE). The copy is made in `prepare`, outside any transaction;
 * the scheduler then records the run, so a backup missed while the bot was down is made at the next start,
 * and a failed one (a full disk) is tried again later.
 */
export function createBackupJob(deps: { db: Db; dir: string; keep: number; cron: string; logger: Logger; now?: () => number }): ScheduledJob<BackupOutcome> {
  return {
    name: BACKUP_JOB,
    cron: deps.cron,
    period: (scheduledAt) => new Date(scheduledAt).toISOString(),
    chats: () => [INSTALLATION],
    async prepare() {
      const outcome = await backupDatabase(deps.db, { dir: deps.dir, keep: deps.keep, ...(deps.now && { now: deps.now }) });
      deps.logger.info(
        { path: outcome.path, bytes: outcome.bytes, ms: outcome.ms, userVersion: outcome.userVersion, restarts: outcome.restarts, removed: outcome.removed.length },
        'backup written',
      );
      return outcome;
    },
    commit() {},
  };
}
