import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { PERSONAS, SANDBOX_STAFF_GROUP, SEEDED_UNIT_GROUPS } from '../../src/sandbox/personas.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { tempDir } from '../support/harness.ts';

const logger = pino({ level: 'silent' });
const resident = PERSONAS.find((p) => p.key === 'wang')!;
const staff = PERSONAS.find((p) => p.role === 'staff')!;

let sandbox: Sandbox | undefined;
let cleanup: (() => void) | undefined;

afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
  cleanup?.();
});

function setUp(env: Record<string, string> = {}) {
  const dir = tempDir();
  cleanup = dir.cleanup;
  return {
    dir: dir.dir,
    config: parseConfig({ LOG_LEVEL: 'silent', DATABASE_PATH: join(dir.dir, 'minyi.sqlite'), ...env }),
    databasePath: join(dir.dir, 'sandbox.sqlite'),
  };
}

describe('the sandbox', () => {
  it('answers a resident after a restart, although the emulator numbers messages from 1 again', async () => {
    const { config, databasePath, dir } = setUp();
    for (let run = 1; run <= 2; run++) {
      sandbox = await startSandbox({ config, logger, port: 0, databasePath });
      const { message } = sandbox.emulator.sendUserMessage({ from: resident.user, text: '实验小学门口早上没有护学岗，车开得很快' });
      expect(message.message_id).toBe(1);
      const ack = await sandbox.emulator.waitFor((m) => m.chat_id === resident.chatId, 10_000);
      expect(ack.text).toMatch(/编号 #1\b/);
      await sandbox.stop();
      sandbox = undefined;
    }
    expect(existsSync(join(dir, 'minyi.sqlite'))).toBe(false);
  });

  it('lets the staff group use staff commands, and keeps the staff chats from the config', async () => {
    const { config, databasePath } = setUp({ STAFF_CHAT_IDS: '-100123' });
    sandbox = await startSandbox({ config, logger, port: 0, databasePath });
    expect(sandbox.app.config.staffChatIds).toEqual([SANDBOX_STAFF_GROUP.id, -100123]);
    sandbox.emulator.sendUserMessage({ chatId: staff.chatId, from: staff.user, text: '/help' });
    const help = await sandbox.emulator.waitFor((m) => m.chat_id === SANDBOX_STAFF_GROUP.id, 10_000);
    expect(help.text).toContain('/problems');

    // An urgent report alerts every staff chat, and the emulator accepts the one it only knows from the config.
    const pupil = PERSONAS.find((p) => p.key === 'zhang')!;
    sandbox.emulator.sendUserMessage({ from: pupil.user, text: '今天二中操场有校外的人翻墙进来，还跟同学要钱，有个同学被打伤了' });
    const alerts = await Promise.all([-100123, SANDBOX_STAFF_GROUP.id].map((id) => sandbox!.emulator.waitFor((m) => m.chat_id === id, 10_000)));
    for (const alert of alerts) expect(alert.text).toContain('紧急反映');
  });

  it('seeds weeks of history through the real app, so staff summaries have numbers', async () => {
    const { config, databasePath } = setUp();
    sandbox = await startSandbox({ config, logger, port: 0, databasePath, seed: { weeks: 1 } });
    const db = sandbox.app.db;
    const count = (sql: string) => (db.prepare(sql).pluck().get() as number);
    expect(count('SELECT COUNT(*) FROM reports')).toBeGreaterThan(50);
    // Classified and grouped by the pipeline, acted on by staff, answered by residents.
    expect(count("SELECT COUNT(*) FROM reports WHERE state = 'received'")).toBe(0);
    expect(count("SELECT COUNT(*) FROM problems WHERE status = 'resolved'")).toBeGreaterThan(0);
    expect(count('SELECT COUNT(*) FROM feedback WHERE rating IS NOT NULL')).toBeGreaterThan(0);
    // Spread over the past week, not all stamped now.
    expect(count('SELECT MAX(received_at) - MIN(received_at) FROM reports')).toBeGreaterThan(5 * 24 * 3_600_000);

    sandbox.emulator.sendUserMessage({ chatId: staff.chatId, from: staff.user, text: '/summary 7d' });
    // The staff group may first get the digest the seeded history is due (caught up at start).
    const summary = await sandbox.emulator.waitFor((m) => m.chat_id === SANDBOX_STAFF_GROUP.id && (m.text ?? '').includes('概况'), 20_000, { includeExisting: true });
    expect(summary.text).toMatch(/新反映 [1-9]\d* 条/);
  });

  it('seeds the units\' loop: 实验小学\'s group and other units\' groups sign, return, ask for time and send results to review', async () => {
    const { config, databasePath } = setUp();
    sandbox = await startSandbox({ config, logger, port: 0, databasePath, seed: { weeks: 2 } });
    const db = sandbox.app.db;
    const count = (sql: string, ...params: unknown[]) => db.prepare(sql).pluck().get(...params) as number;
    const principal = PERSONAS.find((p) => p.role === 'unit')!;
    // The persona's group and the other seeded groups were bound once, in the history, through the one-time code.
    expect(db.prepare('SELECT chat_id FROM unit_chats ORDER BY chat_id').pluck().all()).toEqual([principal.chatId, ...SEEDED_UNIT_GROUPS.map((g) => g.id)].sort((a, b) => a - b));
    expect(count(`SELECT COUNT(*) FROM unit_dispatches WHERE unit_id = 'sx' AND signed_at IS NOT NULL`)).toBeGreaterThan(0);
    expect(count(`SELECT COUNT(*) FROM problem_events WHERE actor = ? AND action = 'signed'`, `staff:${principal.user.id}`)).toBeGreaterThan(0);
    for (const action of ['returned', 'extension_requested', 'submitted']) expect(count('SELECT COUNT(*) FROM problem_events WHERE action = ?', action), action).toBeGreaterThan(0);

    // The principal's /problems lists 实验小学's open problems only, with whether each is signed for.
    sandbox.emulator.sendUserMessage({ chatId: principal.chatId, from: principal.user, text: '/problems' });
    const list = await sandbox.emulator.waitFor((m) => m.chat_id === principal.chatId && /本单位的待办问题|本单位目前没有待办问题/.test(m.text ?? ''), 20_000, { includeExisting: true });
    const open = db.prepare(`SELECT id FROM problems WHERE responsible_unit_id = 'sx' AND merged_into IS NULL AND status NOT IN ('resolved', 'closed') ORDER BY id`).pluck().all() as number[];
    expect([...(list.text ?? '').matchAll(/#(\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b)).toEqual(open);
    // What the bot posted at start to the seeded groups (督办, weekly lines) was accepted by the emulator.
    await sandbox.app.runner.settle();
    expect(count(`SELECT COUNT(*) FROM outbox WHERE state = 'undeliverable' AND chat_id < 0`)).toBe(0);
  });

  it('refuses to run on the real database', async () => {
    const { config } = setUp();
    await expect(startSandbox({ config, logger, port: 0, databasePath: config.databasePath })).rejects.toThrow(/DATABASE_PATH/);
  });

  it('says which variable to change when its port is taken', async () => {
    const { config, databasePath } = setUp();
    sandbox = await startSandbox({ config, logger, port: 0, databasePath });
    await expect(startSandbox({ config, logger, port: sandbox.emulator.port, databasePath: `${databasePath}-2` })).rejects.toThrow(/SANDBOX_PORT \d+ is already in use/);
  });
});
