import { execFile } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDatabase } from '../../src/db/backup.ts';
import { openDatabase } from '../../src/db/database.ts';
import { acquireInstanceLock } from '../../src/db/instance-lock.ts';
import { classificationCacheKey } from '../../src/classify/report-classifier.ts';
import { createForgetting } from '../../src/intake/forget.ts';
import { webAddress } from '../../src/domain/channel.ts';
import { eventually } from '../support/bot-process.ts';
import { createFaultWorld, zhResident, type FaultWorld } from '../faults/support/fault-world.ts';
import { tempDir } from '../support/harness.ts';

/**
 * `npm run backup` and `npm run restore -- FILE` as an operator runs them (tsx, real files in a temporary
 * folder), beside a real bot process on the Bot API emulator.
 */

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

async function tool(script: 'backup.ts' | 'restore.ts', args: string[], env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', script), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const reportTexts = (path: string): string[] => {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT text FROM reports ORDER BY id').pluck().all() as string[];
  } finally {
    db.close();
  }
};
const asideFiles = (dir: string) => readdirSync(dir).filter((name) => name.includes('.before-restore-'));
const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.includes('.restore-') || name.endsWith('.tmp'));

describe('backup and restore round trip beside a running bot', () => {
  let world: FaultWorld;
  beforeEach(async () => {
    world = await createFaultWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('a backup taken while the bot runs brings the data back after a restore; a running bot is never overwritten', async () => {
    const backups = join(world.dir, 'backups');
    const env = { DATABASE_PATH: world.dbPath, BACKUP_DIR: backups };
    const bot = await world.start({ llm: false });
    world.telegram.sendUserMessage({ from: zhResident(20_001), text: '一中食堂的饭菜里有头发' });
    await eventually(() => world.count('SELECT COUNT(*) FROM reports') === 1, 20_000);

    const backup = await tool('backup.ts', [], env);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout.trim().split('\n')).toHaveLength(1);
    const [file] = readdirSync(backups);
    expect(file).toMatch(/^minyi-\d{8}T\d{6}Z\.sqlite$/);
    expect(backup.stdout).toContain(join(backups, file!));

    world.telegram.sendUserMessage({ from: zhResident(20_002), text: '实验小学门口放学太堵了' });
    await eventually(() => world.count('SELECT COUNT(*) FROM reports') === 2, 20_000);

    // The bot is running: refused, and nothing changed.
    const refused = await tool('restore.ts', [join(backups, file!)], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^restore: refused: a Minyi bot is running on .*minyi\.sqlite \(pid \d+ on .+\): stop it first/);
    expect(world.count('SELECT COUNT(*) FROM reports')).toBe(2);
    expect(asideFiles(world.dir)).toEqual([]);

    expect(await bot.stop()).toBe(0);
    const restored = await tool('restore.ts', [join(backups, file!)], env);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout.trim().split('\n')).toHaveLength(1);
    expect(reportTexts(world.dbPath)).toEqual(['一中食堂的饭菜里有头发']);
    // The database it replaced is kept, whole, beside it; no WAL of it is left to be replayed into the restored one.
    const [aside] = asideFiles(world.dir);
    expect(aside).toMatch(/^minyi\.sqlite\.before-restore-\d{8}T\d{6}Z$/);
    expect(restored.stdout).toContain(aside);
    expect(reportTexts(join(world.dir, aside!))).toEqual(['一中食堂的饭菜里有头发', '实验小学门口放学太堵了']);
    expect(existsSync(`${world.dbPath}-wal`)).toBe(false);
    expect(leftovers(world.dir)).toEqual([]);

    // The bot starts on the restored database and carries on from it.
    await world.start({ llm: false });
    world.telegram.sendUserMessage({ from: zhResident(20_003), text: '区体育馆周末开放时间太短' });
    await eventually(() => world.count('SELECT COUNT(*) FROM reports') === 2, 20_000);
    expect(reportTexts(world.dbPath)).toEqual(['一中食堂的饭菜里有头发', '区体育馆周末开放时间太短']);
  }, 120_000);
});

describe('restore refuses', () => {
  let dir: { dir: string; cleanup: () => void };
  let dbPath: string;
  let env: Record<string, string>;
  let good: string;
  beforeEach(async () => {
    dir = tempDir();
    dbPath = join(dir.dir, 'minyi.sqlite');
    env = { DATABASE_PATH: dbPath };
    const db = openDatabase(dbPath);
    db.prepare(`INSERT INTO meta (key, value) VALUES ('current', 'yes')`).run();
    // A valid backup of a database with some weight to it, to damage in the tests below.
    const source = openDatabase(join(dir.dir, 'source.sqlite'));
    const insert = source.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)`);
    source.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run(`row:${i}`, 'x'.repeat(200));
    })();
    good = (await backupDatabase(source, { dir: join(dir.dir, 'backups') })).path;
    source.close();
    db.close();
  });
  afterEach(() => dir.cleanup());

  const current = () => {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(`SELECT value FROM meta WHERE key = 'current'`).pluck().get();
    } finally {
      db.close();
    }
  };

  async function expectRefused(file: string, reason: RegExp): Promise<void> {
    const result = await tool('restore.ts', [file], env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^restore: refused: /);
    expect(result.stderr).toMatch(reason);
    expect(current()).toBe('yes');
    expect(asideFiles(dir.dir)).toEqual([]);
    expect(leftovers(dir.dir)).toEqual([]);
  }

  it('a damaged backup', async () => {
    const damaged = join(dir.dir, 'damaged.sqlite');
    copyFileSync(good, damaged);
    // Garbage over the middle of the file: b-tree pages, not the header, so SQLite still opens it.
    const fd = openSync(damaged, 'r+');
    writeSync(fd, Buffer.alloc(3 * 4096, 0xab), 0, 3 * 4096, 8 * 4096);
    closeSync(fd);
    await expectRefused(damaged, /damaged\.sqlite is damaged or not a database/);
  });

  it('a file that is not a database at all', async () => {
    const text = join(dir.dir, 'notes.sqlite');
    copyFileSync(join(ROOT, 'README.md'), text);
    await expectRefused(text, /notes\.sqlite is damaged or not a database \(file is not a database\)/);
  });

  it('an SQLite database that is not Minyi’s', async () => {
    const other = join(dir.dir, 'other.sqlite');
    const db = new Database(other);
    db.exec('CREATE TABLE residents (id INTEGER PRIMARY KEY); CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
    db.pragma('user_version = 3');
    db.close();
    await expectRefused(other, /other\.sqlite is not a Minyi database \(schema 3, no reports, problems, inbox, outbox table\)/);
  });

  it('a backup from a newer version of Minyi', async () => {
    const newer = join(dir.dir, 'newer.sqlite');
    copyFileSync(good, newer);
    const db = new Database(newer);
    db.pragma('user_version = 999');
    db.close();
    await expectRefused(newer, /newer\.sqlite has schema 999, newer than this version of Minyi knows \(\d+\): update Minyi first/);
  });

  it('while another process has the database open, even without a bot’s lease (a crashed bot’s tool, an old version)', async () => {
    const holder = openDatabase(dbPath);
    try {
      await expectRefused(good, /minyi\.sqlite is open in another process \(a running bot\?\): stop it first/);
    } finally {
      holder.close();
    }
  });

  it('while a bot on another host holds the lease, even with no connection open here', async () => {
    const db = openDatabase(dbPath);
    acquireInstanceLock(db, { host: 'bureau-server-2', pid: 4242 });
    db.close();
    await expectRefused(good, /a Minyi bot is running on .*minyi\.sqlite \(pid 4242 on bureau-server-2\): stop it first/);
  });

  it('and restores once nothing holds the database, keeping the current one aside', async () => {
    const backupBytes = readFileSync(good);
    // The live database and an older backup as a common umask leaves them: both hold residents' words.
    chmodSync(dbPath, 0o644);
    chmodSync(good, 0o644);
    const result = await tool('restore.ts', [good], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    expect(db.prepare(`SELECT COUNT(*) FROM meta WHERE key LIKE 'row:%'`).pluck().get()).toBe(500);
    db.close();
    const [aside] = asideFiles(dir.dir);
    const kept = new Database(join(dir.dir, aside!), { readonly: true, fileMustExist: true });
    expect(kept.prepare(`SELECT value FROM meta WHERE key = 'current'`).pluck().get()).toBe('yes');
    kept.close();
    // Both the database kept aside and the restored one are private to the bot's user.
    expect(statSync(join(dir.dir, aside!)).mode & 0o777).toBe(0o600);
    expect(statSync(dbPath).mode & 0o777).toBe(0o600);
    // The backup file itself was only read.
    expect(readFileSync(good).equals(backupBytes)).toBe(true);
    expect(readdirSync(join(dir.dir, 'backups'))).toHaveLength(1);
  });
});

describe('restore and /forget', () => {
  let dir: { dir: string; cleanup: () => void };
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('forgets again, in the restored database, the residents who used /forget after the backup was taken', async () => {
    const dbPath = join(dir.dir, 'minyi.sqlite');
    const db = openDatabase(dbPath);
    const addResident = db.prepare(`INSERT INTO residents (telegram_user_id, chat_id, language, created_at) VALUES (?, ?, 'zh', ?) RETURNING id`).pluck();
    const addReport = db.prepare(`INSERT INTO reports (chat_id, message_id, resident_id, text, reply_language, received_at) VALUES (?, 1, ?, ?, 'zh', ?)`);
    const FORGOTTEN = '实验小学的王老师罚我家孩子站了一整天';
    const KEPT = '校车每天都迟到二十分钟';
    addReport.run(61_001, addResident.get(61_001, 61_001, Date.now()), FORGOTTEN, Date.now());
    addReport.run(61_002, addResident.get(61_002, 61_002, Date.now()), KEPT, Date.now());
    // A web resident (issue 17) has no Telegram id: filed before the backup, erased from the page after it.
    const WEB_WORDS = '网页上反映的：和平路小学门口的栏杆倒了';
    const webResident = db.prepare(`INSERT INTO residents (telegram_user_id, chat_id, language, language_chosen, created_at, channel) VALUES (NULL, 0, 'zh', 1, ?, 'web') RETURNING id`).pluck().get(Date.now()) as number;
    db.prepare(`UPDATE residents SET chat_id = ? WHERE id = ?`).run(webAddress(webResident), webResident);
    addReport.run(webAddress(webResident), webResident, WEB_WORDS, Date.now());
    const backup = (await backupDatabase(db, { dir: join(dir.dir, 'backups') })).path;
    // After the backup: the first resident uses /forget (the real use case); a new resident writes, and forgets too.
    const forgetting = createForgetting(db, { cacheKeyOf: classificationCacheKey, neutralTitle: () => 'untitled' });
    expect(forgetting.forget(61_001)).toBe(1);
    addReport.run(61_003, addResident.get(61_003, 61_003, Date.now()), '新来的居民也说了些话', Date.now());
    expect(forgetting.forget(61_003)).toBe(1);
    expect(forgetting.forgetResident(webResident)).toBe(1);
    db.close();

    const result = await tool('restore.ts', [backup], { DATABASE_PATH: dbPath });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toContain('; 2 resident(s) who used /forget after this backup are forgotten again');

    const restored = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      expect(restored.prepare(`SELECT telegram_user_id FROM residents WHERE channel = 'telegram' ORDER BY id`).pluck().all()).toEqual([-1, 61_002]);
      expect(restored.prepare(`SELECT forgotten_at IS NOT NULL FROM residents WHERE id = ?`).pluck().get(webResident)).toBe(1);
      expect(restored.prepare(`SELECT text FROM reports WHERE text IS NOT NULL`).pluck().all()).toEqual([KEPT]);
    } finally {
      restored.close();
    }
    // Nowhere in the file either (secure_delete and the checkpoint of the real /forget).
    expect(readFileSync(dbPath).includes(Buffer.from(FORGOTTEN))).toBe(false);
    expect(readFileSync(dbPath).includes(Buffer.from(WEB_WORDS))).toBe(false);
  }, 60_000);
});
