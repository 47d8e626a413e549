import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/bot-process.ts';
import { lockDatabase } from './support/db-locker.ts';
import { ackLedger, alive, createFaultWorld, logLines, outcome, reportTexts, sleep, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * Disk and database: another process holds the database's write lock for several seconds (SQLITE_BUSY
 * after the 1 s busy timeout). Nothing is lost: the bot waits and proceeds.
 */

const HOLD_MS = 6000;

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

describe('database locked by another process', () => {
  it('messages that arrive while the database is locked are all stored and answered once it is free', async () => {
    const { telegram } = world;
    const bot = await world.start({ llm: false });
    const texts = reportTexts(13);
    // Before: the bot works.
    telegram.sendUserMessage({ from: zhResident(40_000), text: texts[0]! });
    await telegram.waitFor((m) => m.chat_id === 40_000, 10_000, { includeExisting: true });

    // Two reports already stored in the inbox but not yet handled when the lock starts: their resident's
    // earlier /help answers are still going out (one message a second per chat), and handling waits for them.
    const slowChat = 40_001;
    for (let i = 0; i < 4; i++) telegram.sendUserMessage({ from: zhResident(slowChat), text: '/help' });
    const sent: Array<{ chatId: number; text: string }> = [
      { chatId: slowChat, text: texts[1]! },
      { chatId: slowChat, text: texts[2]! },
    ];
    for (const report of sent) telegram.sendUserMessage({ from: zhResident(report.chatId), text: report.text });
    await eventually(() => world.count('SELECT COUNT(*) FROM inbox WHERE chat_id = ?', slowChat) === 6, 10_000);
    const lock = await lockDatabase(world.dbPath, HOLD_MS);
    const storedAtLock = world.count('SELECT COUNT(*) FROM reports WHERE chat_id = ?', slowChat);
    // And ten more arriving during the lock.
    for (let i = 0; i < 10; i++) {
      const chatId = 40_002 + (i % 4);
      telegram.sendUserMessage({ from: zhResident(chatId), text: texts[i + 3]! });
      sent.push({ chatId, text: texts[i + 3]! });
      await sleep(300);
    }
    const repliesDuringLock = telegram.sentMessages().filter((m) => m.chat_id > 40_000 && m.at < lock.lockedAt + HOLD_MS).length;
    const releasedAt = await lock.released;

    const chats = [...new Set(sent.map((s) => s.chatId))];
    const reports = () => world.query<{ id: number; chat_id: number; text: string }>(`SELECT id, chat_id, text FROM reports WHERE chat_id IN (${chats.join(',')})`);
    await eventually(() => reports().length === sent.length && ackLedger(telegram, reports()).missing.length === 0, 30_000, () => `${reports().length} stored`);
    const allAnsweredAfter = Date.now() - releasedAt;
    await sleep(1000);

    const stored = reports();
    expect(stored.map((r) => r.text).sort()).toEqual(sent.map((s) => s.text).sort());
    const ledger = ackLedger(telegram, stored);
    expect(ledger.missing).toEqual([]);
    expect(ledger.duplicated).toEqual([]);
    expect(alive(bot)).toBe(true);
    const busyWarnings = logLines(bot).filter((l) => /busy/i.test(String(l.msg))).length;
    // The lock really was in the bot's way.
    expect(busyWarnings).toBeGreaterThan(0);
    outcome(
      `database locked ${HOLD_MS / 1000} s by another process, with 2 reports in the inbox not yet handled (${storedAtLock} of them stored as reports) and 10 arriving: ${repliesDuringLock} replies during the lock, ` +
        `${busyWarnings} "database busy" waits logged; ${stored.length} stored exactly as sent, all answered ${(allAnsweredAfter / 1000).toFixed(1)} s after release, ` +
        `0 lost, ${ledger.duplicated.length} duplicates, bot alive`,
    );
  }, 90_000);
});
