import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/**
 * Another process holds the database's write lock (`BEGIN EXCLUSIVE`; in WAL mode writers wait and readers
 * go on) for `holdMs`: what a backup tool, a DBA's sqlite3 shell or a stuck cron job does.
 * Resolves once the lock is held; `released` resolves when it has been let go.
 */
export async function lockDatabase(path: string, holdMs: number): Promise<{ lockedAt: number; released: Promise<number> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.env.LOCK_DB);
    db.pragma('busy_timeout = 10000');
    db.exec('BEGIN EXCLUSIVE');
    // A write, so the lock is a real writer's.
    db.exec("CREATE TABLE IF NOT EXISTS _locker (at INTEGER)");
    db.prepare('INSERT INTO _locker VALUES (?)').run(Date.now());
    process.stdout.write('locked\\n');
    setTimeout(() => {
      db.exec('ROLLBACK');
      db.close();
      process.stdout.write('released\\n');
    }, Number(process.env.LOCK_MS));
  `;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOCK_DB: path, LOCK_MS: String(holdMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let releasedAt = 0;
  const released = new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(releasedAt || Date.now()) : reject(new Error(`locker exited with ${code}: ${output}`))));
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('released') && !releasedAt) releasedAt = Date.now();
      if (output.includes('locked')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`locker exited with ${code} before locking: ${output}`)));
  });
  return { lockedAt: Date.now(), released };
}
