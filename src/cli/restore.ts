import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { Config } from '../config.ts';
import { fsyncPath, inspectDatabaseFile, PRIVATE_FILE, removeDatabaseFiles, utcStamp } from '../db/backup.ts';
import { isBusyError, openDatabase } from '../db/database.ts';
import { instanceLockHolder } from '../db/instance-lock.ts';
import { classificationCacheKey } from '../classify/report-classifier.ts';
import { loadCatalogue } from '../domain/categories.ts';
import { createForgetting, neutralTitles } from '../intake/forget.ts';
import { createUnitRegistry } from '../units/unit-registry.ts';
import { configFromEnv, fail } from './cli-config.ts';

const USAGE = `usage: npm run restore -- FILE [--db FILE]

Puts a backup in place of the database. FILE is checked first (integrity, a Minyi database, a schema this
version knows); the current database is kept as <db>.before-restore-<time>, never deleted. Stop the bot first.
  --db  the database to replace (default DATABASE_PATH)`;

/** Tables every Minyi database has had since its first schema. */
const CORE_TABLES = ['residents', 'reports', 'problems', 'inbox', 'outbox'];
const COMPANIONS = ['-wal', '-shm', '-journal'];

class Refusal extends Error {}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ options: { db: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: true, strict: true });
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (parsed.positionals.length !== 1) fail(`restore: name one backup file to restore\n\n${USAGE}`);
  const config = configFromEnv();
  try {
    process.stdout.write(`${await restore(resolve(parsed.positionals[0]!), resolve(parsed.values.db ?? config.databasePath), config)}\n`);
  } catch (error) {
    if (error instanceof Refusal) fail(`restore: refused: ${error.message}`);
    fail(`restore: failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function restore(file: string, target: string, config: Config): Promise<string> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new Refusal(`no backup file at ${file}`);
  if (file === target || COMPANIONS.some((suffix) => file === `${target}${suffix}`)) throw new Refusal(`${file} is the database itself`);

  // What this version of Minyi knows: its schema, built fresh in memory by the real migrations.
  const fresh = openDatabase(':memory:');
  const known = { version: fresh.pragma('user_version', { simple: true }) as number, tables: tablesOf(fresh) };
  fresh.close();

  // Checked and folded into one file as a copy beside the database (same disk: the final rename is atomic),
  // so the backup itself is never changed. A WAL next to FILE belongs to it and is taken along.
  mkdirSync(dirname(target), { recursive: true });
  const staging = `${target}.restore-${process.pid}.tmp`;
  removeDatabaseFiles(staging);
  try {
    copyFileSync(file, staging);
    // Residents' words: private whatever mode an older backup had (copyFileSync copies it).
    chmodSync(staging, PRIVATE_FILE);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${staging}-wal`);
    const copy = await inspectDatabaseFile(staging, { check: 'full', toSingleFile: true });
    if (copy.check !== 'ok') throw new Refusal(`${file} is damaged or not a database (${copy.check.slice(0, 200)})`);
    const missing = (copy.userVersion === known.version ? known.tables : CORE_TABLES).filter((table) => !copy.tables.includes(table));
    if (copy.userVersion < 1 || missing.length > 0) {
      throw new Refusal(`${file} is not a Minyi database (schema ${copy.userVersion}${missing.length > 0 ? `, no ${missing.slice(0, 5).join(', ')} table` : ''})`);
    }
    if (copy.userVersion > known.version) {
      throw new Refusal(`${file} has schema ${copy.userVersion}, newer than this version of Minyi knows (${known.version}): update Minyi first`);
    }
    const aside = existsSync(target) ? swapIn(staging, target) : (renameSync(staging, target), undefined);
    fsyncPath(dirname(target));
    const replayed = aside ? replayForgets(target, aside, config) : 0;
    const restored = new Database(target, { readonly: true, fileMustExist: true });
    const reports = restored.prepare('SELECT COUNT(*) FROM reports').pluck().get() as number;
    restored.close();
    return (
      `restore: ${target} now holds ${file} (schema ${copy.userVersion}, ${reports} reports; migrated at the next start if older); ` +
      (aside ? `the previous database is kept as ${aside}` : 'there was no database before') +
      (replayed > 0 ? `; ${replayed} resident(s) who used /forget after this backup are forgotten again` : '')
    );
  } finally {
    removeDatabaseFiles(staging);
  }
}

/**
 * Replace the database at `target` with `staging`, keeping the current one aside. Refuses while anything
 * has it open: the bot's lease (src/db/instance-lock.ts) says who; and since a bot that crashed leaves a
 * lease but no open connection while a tool leaves no lease, SQLite is asked too — leaving WAL mode
 * needs every other connection closed.
 */
function swapIn(staging: string, target: string): string {
  const current = new Database(target, { fileMustExist: true });
  try {
    current.pragma('busy_timeout = 0');
    let damaged = false;
    try {
      const holder = hasTable(current, 'instance_lock') ? instanceLockHolder(current) : undefined;
      if (holder) throw new Refusal(`a Minyi bot is running on ${target} (pid ${holder.pid} on ${holder.host}): stop it first`);
      // Folds the current WAL into the file, so the copy kept aside is complete on its own.
      current.pragma('journal_mode = DELETE');
      // Held until the new file is in place: a bot starting meanwhile waits, then opens the restored one.
      current.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      if (error instanceof Refusal) throw error;
      if (isBusyError(error)) throw new Refusal(`${target} is open in another process (a running bot?): stop it first`);
      const code = String((error as { code?: unknown }).code ?? '');
      // The reason to restore may be that the current file is broken: no bot can be using it; keep it as it is.
      if (!code.startsWith('SQLITE_CORRUPT') && code !== 'SQLITE_NOTADB') throw error;
      damaged = true;
    }
    let aside = `${target}.before-restore-${utcStamp(Date.now())}`;
    for (let n = 2; existsSync(aside); n++) aside = `${target}.before-restore-${utcStamp(Date.now())}-${n}`;
    // The database kept aside holds residents' words too: private before it takes its new name.
    chmodSync(target, PRIVATE_FILE);
    renameSync(target, aside);
    // A WAL left beside the restored file would be replayed into it: it goes with the database it belongs to.
    for (const suffix of COMPANIONS) {
      if (!existsSync(`${target}${suffix}`)) continue;
      chmodSync(`${target}${suffix}`, PRIVATE_FILE);
      renameSync(`${target}${suffix}`, `${aside}${suffix}`);
    }
    renameSync(staging, target);
    if (damaged) process.stderr.write(`restore: the previous database could not be read; it is kept as it was\n`);
    return aside;
  } finally {
    current.close();
  }
}

/**
 * A /forget must outlive a restore: residents the replaced database had forgotten (same row id, since
 * resident rows are never deleted) are in the backup with their words again, and are forgotten again
 * here, by the same use case as /forget. Migrates the restored file first (the use case needs this schema).
 */
function replayForgets(target: string, aside: string, config: Config): number {
  let forgotten: number[];
  try {
    const before = new Database(aside, { readonly: true, fileMustExist: true });
    try {
      forgotten = before.prepare(`SELECT id FROM residents WHERE forgotten_at IS NOT NULL`).pluck().all() as number[];
    } finally {
      before.close();
    }
  } catch {
    process.stderr.write(`restore: the previous database could not be read, so /forget made since this backup cannot be repeated: check ${aside}\n`);
    return 0;
  }
  if (forgotten.length === 0) return 0;
  const db = openDatabase(target);
  try {
    // By row id, not Telegram id: a web resident (issue 17) has none.
    const stillKnown = db.prepare(`SELECT 1 FROM residents WHERE id = ? AND forgotten_at IS NULL`).pluck();
    const again = forgotten.filter((id) => stillKnown.get(id) !== undefined);
    if (again.length === 0) return 0;
    const catalogue = loadCatalogue();
    const units = createUnitRegistry(db);
    const forgetting = createForgetting(db, {
      cacheKeyOf: classificationCacheKey,
      neutralTitle: neutralTitles(catalogue, (id) => units.name(id), config.staffLanguage),
    });
    for (const id of again) forgetting.forgetResident(id);
    return again.length;
  } finally {
    db.close();
  }
}

function tablesOf(db: Database.Database): string[] {
  return db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).pluck().all() as string[];
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}


await main();
