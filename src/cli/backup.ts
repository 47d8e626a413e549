import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { backupDatabase } from '../db/backup.ts';
import { configFromEnv, fail } from './cli-config.ts';

const USAGE = `usage: npm run backup [-- --to DIR] [--db FILE]

Copies the database into a checked backup file minyi-YYYYMMDDTHHMMSSZ.sqlite, now. Safe while the bot runs.
  --to  where to write it (default BACKUP_DIR; older backups there beyond BACKUP_KEEP are deleted)
  --db  the database (default DATABASE_PATH)`;

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { to: { type: 'string' }, db: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } }, strict: true }).values;
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = configFromEnv();
  const dir = args.to ?? config.backup.dir;
  if (!dir) fail('backup: nowhere to write it: set BACKUP_DIR or pass --to DIR');
  const dbPath = args.db ?? config.databasePath;
  if (!existsSync(dbPath)) fail(`backup: no database at ${dbPath} (set DATABASE_PATH or --db)`);

  // Not openDatabase: a backup must not migrate, or change anything in, the database it copies.
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // Rotation applies to BACKUP_DIR only: a one-off --to folder (a USB disk) keeps everything.
    const outcome = await backupDatabase(db, { dir, ...(args.to === undefined && { keep: config.backup.keep }) });
    const removed = outcome.removed.length > 0 ? `; removed ${outcome.removed.length} older backup(s)` : '';
    process.stdout.write(`backup: ${dbPath} → ${outcome.path} (${formatBytes(outcome.bytes)}, schema ${outcome.userVersion}, checked, ${outcome.ms} ms)${removed}\n`);
  } catch (error) {
    fail(`backup: failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    db.close();
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}


await main();
