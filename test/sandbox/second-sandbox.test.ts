import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { tempDir } from '../support/harness.ts';

/**
 * A second `npm start` beside a running sandbox (issue 14): it used to delete data/sandbox.sqlite first
 * and only then find the port taken. Now it is refused with one line, and the running one's database
 * stays on disk, whole.
 */

let dir: { dir: string; cleanup: () => void };
let first: Sandbox;
let databasePath: string;
const logger = pino({ level: 'silent' });
const config = () => parseConfig({ LOG_LEVEL: 'silent', DATABASE_PATH: join(dir.dir, 'minyi.sqlite') });

beforeAll(async () => {
  dir = tempDir();
  databasePath = join(dir.dir, 'sandbox.sqlite');
  first = await startSandbox({ config: config(), logger, port: 0, databasePath });
  first.app.db.prepare(`INSERT INTO meta (key, value) VALUES ('first sandbox', 'still here')`).run();
});

afterAll(async () => {
  await first?.stop();
  dir?.cleanup();
});

/** What a fresh connection finds in the file on disk (an unlinked file would still read through the first's connection). */
function onDisk(): unknown {
  expect(existsSync(databasePath)).toBe(true);
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT value FROM meta WHERE key = 'first sandbox'`).pluck().get();
  } finally {
    db.close();
  }
}

describe('a second sandbox', () => {
  it('on the same database and another port is refused, naming the running one, and deletes nothing', async () => {
    await expect(startSandbox({ config: config(), logger, port: 0, databasePath })).rejects.toThrow(
      new RegExp(`^a sandbox is already running on ${databasePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(pid ${process.pid} on .+\\); stop it first`),
    );
    expect(onDisk()).toBe('still here');
    expect(first.app.db.prepare(`SELECT COUNT(*) FROM instance_lock`).pluck().get()).toBe(1);
  });

  it('on the same database and the same port is refused for the port, and deletes nothing', async () => {
    await expect(startSandbox({ config: config(), logger, port: first.emulator.port, databasePath })).rejects.toThrow(/^SANDBOX_PORT \d+ is already in use/);
    expect(onDisk()).toBe('still here');
  });

  it('leaves the first one working: its page still answers', async () => {
    const page = await fetch(`${first.url}/sandbox.json`);
    expect(page.status).toBe(200);
    await page.arrayBuffer();
  });

  it('starts clean once the first has stopped', async () => {
    await first.stop();
    const second = await startSandbox({ config: config(), logger, port: 0, databasePath });
    try {
      expect(second.app.db.prepare(`SELECT COUNT(*) FROM meta WHERE key = 'first sandbox'`).pluck().get()).toBe(0);
    } finally {
      await second.stop();
    }
  });
});
