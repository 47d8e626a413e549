import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/bot-process.ts';
import { ackLedger, createFaultWorld, logLines, outcome, reportTexts, sleep, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * Crash mid-burst: 300 reports from 60 residents, kill -9 while they are being processed, restart.
 * Afterwards every message is exactly one report with exactly one acknowledgement; the only duplicate
 * allowed is a reply Telegram accepted in the instant before the kill could record it.
 */

const RESIDENTS = 60;
const PER_RESIDENT = 5;
const TOTAL = RESIDENTS * PER_RESIDENT;

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

describe('crash mid-burst', () => {
  it('kill -9 while 300 reports from 60 residents are being processed: after a restart, every message is one report and one reply', async () => {
    const { telegram, llm } = world;
    // A model that takes a little while, so the kill finds work at every stage.
    llm.setLatency({ meanMs: 120, jitterMs: 80 });
    let bot = await world.start();

    const texts = reportTexts(TOTAL);
    const sent: Array<{ chatId: number; messageId: number; text: string }> = [];
    const send = (i: number) => {
      const residentId = 10_000 + (i % RESIDENTS);
      const { message } = telegram.sendUserMessage({ from: zhResident(residentId), text: texts[i]! });
      sent.push({ chatId: residentId, messageId: message.message_id, text: texts[i]! });
    };
    const ackedIds = () => new Set(telegram.sentMessages().filter((m) => m.chat_id >= 10_000).flatMap((m) => [...(m.text ?? '').matchAll(/#(\d+)/g)].map((x) => x[1])));

    // 250 arrive in a burst; the last 50 arrive just before the kill, so some are still only in
    // Telegram's queue, some in the inbox, some half-classified, some acknowledged.
    for (let i = 0; i < 250; i++) {
      send(i);
      if (i % 25 === 24) await sleep(40);
    }
    await eventually(() => ackedIds().size >= 150, 30_000, () => `acked ${ackedIds().size}`);
    for (let i = 250; i < TOTAL; i++) send(i);
    await sleep(30);
    const ackedAtKill = ackedIds().size;
    const killAt = Date.now();
    await bot.kill9();

    const atKill = {
      reports: world.count('SELECT COUNT(*) FROM reports'),
      unclassified: world.count(`SELECT COUNT(*) FROM reports WHERE state = 'received'`),
      outboxPending: world.count(`SELECT COUNT(*) FROM outbox WHERE state = 'pending'`),
      inboxUnhandled: world.count('SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL'),
      unconfirmed: telegram.pendingUpdates().length,
    };

    bot = await world.start();
    const done = () => {
      if (world.count('SELECT COUNT(*) FROM reports') !== TOTAL) return false;
      if (world.count(`SELECT COUNT(*) FROM reports WHERE state = 'received'`) > 0) return false;
      if (world.count(`SELECT COUNT(*) FROM outbox WHERE state = 'pending'`) > 0) return false;
      return ackLedger(telegram, world.query('SELECT id, chat_id FROM reports')).missing.length === 0;
    };
    await eventually(done, 60_000, () => `reports ${world.count('SELECT COUNT(*) FROM reports')}, pending outbox ${world.count(`SELECT COUNT(*) FROM outbox WHERE state = 'pending'`)}`);
    await sleep(1500); // anything still in flight would show up as a duplicate

    const reports = world.query<{ id: number; chat_id: number; message_id: number; text: string }>('SELECT id, chat_id, message_id, text FROM reports ORDER BY id');
    // Every message exactly one report, holding the text exactly as sent.
    expect(reports).toHaveLength(TOTAL);
    const byMessage = new Map(reports.map((r) => [`${r.chat_id}:${r.message_id}`, r]));
    for (const message of sent) expect(byMessage.get(`${message.chatId}:${message.messageId}`)?.text).toBe(message.text);

    const ledger = ackLedger(telegram, reports);
    expect(ledger.missing).toEqual([]);
    // A duplicate is only acceptable for a message Telegram accepted just before the kill.
    const duplicateMessages = new Set<number>();
    const gaps: number[] = [];
    for (const id of ledger.duplicated) {
      const chatId = reports.find((r) => r.id === id)!.chat_id;
      const copies = telegram.sentMessages(chatId).filter((m) => m.method === 'sendMessage' && (m.text ?? '').includes(`#${id}`));
      // "The instant before the kill": Telegram took it, the bot had not yet recorded it (event-loop lag).
      expect(copies[0]!.at, `first copy of #${id} was sent ${killAt - copies[0]!.at} ms before the kill`).toBeGreaterThan(killAt - 500);
      if (!duplicateMessages.has(copies[0]!.seq)) gaps.push(killAt - copies[0]!.at);
      duplicateMessages.add(copies[0]!.seq);
    }
    // At ~30 messages a second and a few ms of lag, that is a message or two; a handful means the window is not small.
    expect(duplicateMessages.size).toBeLessThanOrEqual(5);

    const replayed = logLines(bot).find((l) => l.msg === 'handled updates left over from the last run')?.replayed ?? 0;
    outcome(
      `kill -9 with ${sent.length}/${TOTAL} sent and ${ackedAtKill} acknowledged ` +
        `(at the kill: ${atKill.reports} stored, ${atKill.unclassified} unclassified, ${atKill.outboxPending} replies queued, ` +
        `${atKill.inboxUnhandled} stored-but-unhandled updates, ${atKill.unconfirmed} unconfirmed at Telegram) → ` +
        `${reports.length} reports, ${reports.length - ledger.missing.length} acknowledged in ${ledger.messages} messages, ` +
        `${ledger.duplicated.length} duplicate acks in ${duplicateMessages.size} duplicate messages` +
        `${gaps.length ? ` (first copies sent ${gaps.join(', ')} ms before the kill)` : ''}; restart replayed ${String(replayed)} leftovers`,
    );
  }, 150_000);

  it('kill -9 while a stale button press is being answered: the bot starts again and answers', async () => {
    const { telegram } = world;
    let bot = await world.start({ llm: false });
    const chatId = 10_500;
    telegram.sendUserMessage({ from: zhResident(chatId), text: '第一中学的操场灯坏了' });
    const ack = await telegram.waitFor((m) => m.chat_id === chatId, 10_000, { includeExisting: true });
    // Telegram is slow to take the answer to a press of a button nobody handles (an old one, say);
    // the bot is killed meanwhile, with the press stored but not yet handled.
    telegram.injectFault({ method: 'answerCallbackQuery', kind: 'delay', delayMs: 2500 });
    telegram.pressButton({ chatId, messageId: ack.message_id, data: 'pd:1', from: zhResident(chatId), force: true });
    await eventually(() => world.count('SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL') > 0, 10_000);
    await sleep(500);
    await bot.kill9();
    await sleep(2500); // Telegram has answered it by now; answering it again is refused

    // The restart replays the press; Telegram refuses the second answer; the bot must start anyway.
    bot = await world.start({ llm: false });
    telegram.sendUserMessage({ from: zhResident(chatId), text: '第一中学的篮球架也坏了' });
    const second = await telegram.waitFor((m) => m.chat_id === chatId && m.message_id !== ack.message_id, 15_000, { includeExisting: true });
    expect(second.text).toMatch(/#\d+/);
    expect(world.count('SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL')).toBe(0);
    outcome('kill -9 while a stale button press was being answered: restart replayed it, Telegram refused the repeated answer, the bot started and answered');
  }, 60_000);
});
