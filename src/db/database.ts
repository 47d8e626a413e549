import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';

export type Db = Database.Database;

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

export interface OpenDatabaseOptions {
  /** How long a statement waits for another process's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/**
 * One connection, WAL, foreign keys on, migrations applied. `:memory:` works for tests.
 * The busy timeout is short on purpose: SQLite waits synchronously, blocking the event loop; longer locks
 * are waited out asynchronously by withBusyRetry and the workers' own retries.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Erased texts (/forget, purged inbox rows) are overwritten on disk, not just unlinked from the b-tree.
  db.pragma('secure_delete = ON');
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 1000))}`);
  migrate(db);
  refreshPlannerStatistics(db, 'open');
  return db;
}

/**
 * SQLite's own upkeep of the query planner's statistics (sqlite_stat1), as its documentation advises for a
 * long-lived connection: at open, every table is looked at (`0x10002`), and then `PRAGMA optimize` now and then
 * (the app's hourly purge) re-analyses only tables whose size changed a lot. Without statistics the planner took a
 * live-problems index over 200,000 rows for "/problems widespread" (87 ms at two years) instead of the partial index
 * made for it (1 ms). `analysis_limit` keeps each ANALYZE to a sample: 0.3 s at open on a 1M-report database.
 */
export function refreshPlannerStatistics(db: Db, when: 'open' | 'periodic'): void {
  db.pragma('analysis_limit = 400');
  db.pragma(when === 'open' ? 'optimize = 0x10002' : 'optimize');
}

/** Plain numbered .sql files, each in a transaction, tracked with PRAGMA user_version. */
export function migrate(db: Db): void {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d+_.+\.sql$/.test(name))
    .sort();
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const file of files) {
    const version = Number.parseInt(file, 10);
    if (version <= current) continue;
    const sql = readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8');
    // SQLite's documented way to loosen a CHECK constraint edits sqlite_schema (PRAGMA writable_schema), which
    // better-sqlite3's defensive mode forbids; only our own migration files may do it, only while they run.
    const editsSchema = /PRAGMA\s+writable_schema/i.test(sql);
    if (editsSchema) db.unsafeMode(true);
    try {
      db.transaction(() => {
        db.exec(sql);
        db.pragma(`user_version = ${version}`);
      })();
    } finally {
      if (editsSchema) db.unsafeMode(false);
    }
  }
}

export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_SNAPSHOT';
}

/** The disk is full or failing: nothing was written, and waiting a moment will not help (unlike a busy lock). */
export function isStorageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR'));
}

/**
 * Run a write that must not be lost, waiting out another process's lock for as long as it takes.
 * busy_timeout already waits a few seconds inside SQLite; this covers longer locks without blocking the event loop.
 */
export async function withBusyRetry<T>(work: () => T, onWait?: (attempt: number, error: unknown) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return work();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      onWait?.(attempt, error);
      await sleep(Math.min(2000, 50 * 2 ** Math.min(attempt, 6)));
    }
  }
}
