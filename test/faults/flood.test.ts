import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/bot-process.ts';
import type { StandinRequest } from '../support/openai-standin.ts';
import { ackLedger, alive, createFaultWorld, outcome, sleep, ticketsIn, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * Flood: one resident sends 50 messages in 10 seconds. The bot asks them politely to slow down, still
 * stores every message, and caps LLM calls so a flood cannot run up the bill (identical texts are
 * classified once; a per-resident budget, default 20 an hour).
 */

const zh = JSON.parse(readFileSync(new URL('../../src/i18n/zh.json', import.meta.url), 'utf8')) as Record<string, string>;
const BUDGET = 20;

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

describe('flood', () => {
  it('50 messages in 10 s from one resident: all stored, each acknowledged once, asked to slow down, LLM calls capped', async () => {
    const { telegram, llm } = world;
    const flooder = 50_000;
    const bystander = 50_001;
    const classified: StandinRequest[] = [];
    llm.setResponder((request) => {
      if (request.schemaName === 'grouping_decision') return { same_as: null };
      classified.push(request);
      return { category: 'food', kind: 'complaint', urgent: false, unit: '第一中学', summary: '一中食堂问题', language: 'zh' };
    });
    const bot = await world.start();

    // Half the flood is one text pasted again and again; the other half are variations on the same complaint.
    const repeated = '第一中学食堂的饭菜太难吃了，孩子天天饿肚子，请你们管一管！';
    const dishes = ['米饭', '青菜', '红烧肉', '鸡蛋汤', '馒头'];
    const faults = ['是凉的', '有头发', '量太少', '味道发酸', '价格又涨了'];
    const texts = Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0 ? repeated : `第一中学食堂今天的${dishes[(i >> 1) % 5]}${faults[Math.floor(i / 10) % 5]}，第${i}次说了`,
    );
    const startedAt = Date.now();
    for (const text of texts) {
      telegram.sendUserMessage({ from: zhResident(flooder), text });
      await sleep(200);
    }
    const floodSeconds = (Date.now() - startedAt) / 1000;
    // Someone else writing at the same time is not held up by the flood.
    const bystanderAt = Date.now();
    telegram.sendUserMessage({ from: zhResident(bystander), text: '实验小学门口的路灯坏了好几天了' });
    const bystanderReply = await telegram.waitFor((m) => m.chat_id === bystander, 10_000, { includeExisting: true });

    const reports = () => world.query<{ id: number; chat_id: number; text: string; flooded: number }>('SELECT id, chat_id, text, flooded FROM reports WHERE chat_id = ? ORDER BY id', flooder);
    await eventually(() => reports().length === 50 && ackLedger(telegram, reports()).missing.length === 0, 45_000, () => `${reports().length} stored`);
    await sleep(1500);

    const stored = reports();
    // Nothing a resident says is dropped, and it is stored exactly as sent.
    expect(stored.map((r) => r.text)).toEqual(texts);
    const ledger = ackLedger(telegram, stored);
    expect(ledger.missing).toEqual([]);
    expect(ledger.duplicated).toEqual([]);
    const messages = telegram.sentMessages(flooder);
    // Combined acknowledgements, and a polite request to slow down.
    expect(messages.length).toBeLessThan(25);
    const slowDown = messages.filter((m) => (m.text ?? '').includes(zh.flood!.slice(0, 12)));
    expect(slowDown.length).toBeGreaterThan(0);
    expect(stored.filter((r) => r.flooded === 1).length).toBeGreaterThanOrEqual(40);

    // The bill: the repeated text is classified once; the variations only up to the resident's budget.
    const repeatedCalls = classified.filter((r) => r.lastUserText.includes(repeated)).length;
    const fromFlood = world.llm.requests.filter((r) => r.at >= startedAt && r.at < bystanderAt);
    const groupingCalls = fromFlood.filter((r) => JSON.stringify(r.body).includes('grouping_decision')).length;
    const classificationCalls = fromFlood.length - groupingCalls;
    outcome(
      `flood of 50 messages in ${floodSeconds.toFixed(0)} s: 50 stored, 50 acknowledged in ${messages.length} messages (${slowDown.length} with the slow-down note), ` +
        `${stored.filter((r) => r.flooded === 1).length} marked flooded; LLM: ${classificationCalls} classification calls (repeated text ${repeatedCalls}×, budget ${BUDGET}), ` +
        `${groupingCalls} grouping calls, ${fromFlood.length} in all; a bystander was answered in ${((bystanderReply.at - bystanderAt) / 1000).toFixed(1)} s`,
    );
    expect(repeatedCalls).toBe(1);
    expect(classificationCalls).toBeLessThanOrEqual(BUDGET);
    // Every LLM call the flood causes counts: grouping decisions too, or the flood still runs up the bill.
    expect(fromFlood.length, 'LLM calls of every kind caused by one resident’s flood').toBeLessThanOrEqual(BUDGET);
    expect(alive(bot)).toBe(true);
  }, 120_000);

  it('600 updates of every kind from one chat slow only that chat: another resident is answered within 3 s', async () => {
    const { telegram } = world;
    const flooder = 60_000;
    const bystander = 60_001;
    const bot = await world.start({ llm: false });

    // A keyboard to press: the flooder asks for /lang and then presses its buttons (and forged ones) over and over.
    telegram.sendUserMessage({ from: zhResident(flooder), text: '/lang' });
    const prompt = await telegram.waitFor((m) => m.chat_id === flooder && !!m.reply_markup, 10_000, { includeExisting: true });
    const texts: number[] = [];
    let voices = 0;
    const startedAt = Date.now();
    for (let i = 0; i < 600; i++) {
      const from = zhResident(flooder);
      switch (i % 6) {
        case 0:
        case 1:
          telegram.sendUserMessage({ from, sticker: { emoji: '😀' } });
          break;
        case 2:
          telegram.sendUserMessage({ from, text: i % 12 === 2 ? '/help' : '/nonsense' });
          break;
        case 3:
          telegram.pressButton({ chatId: flooder, messageId: prompt.message_id, data: i % 12 === 3 ? 'lang:zh' : 'forged', from, force: true });
          break;
        case 4:
          if (texts.length > 0) telegram.editUserMessage(flooder, texts[texts.length - 1]!, `改过的第${i}条`);
          else telegram.sendUserMessage({ from, location: { latitude: 31.2, longitude: 121.5 } });
          break;
        default:
          if (i % 30 === 5) texts.push(telegram.sendUserMessage({ from, text: `第一中学操场的灯坏了，第${i}次说了` }).message.message_id);
          else {
            // A voice note is a report too (issue 16).
            telegram.sendUserMessage({ from, voice: { duration: 1 } });
            voices++;
          }
      }
    }
    await sleep(300);
    // Another resident writes while the flood is being handled: a command answered directly, and a report.
    const helpAt = Date.now();
    telegram.sendUserMessage({ from: zhResident(bystander), text: '/help' });
    const help = await telegram.waitFor((m) => m.chat_id === bystander, 90_000, { includeExisting: true });
    const reportAt = Date.now();
    telegram.sendUserMessage({ from: zhResident(bystander), text: '实验小学门口的路灯坏了好几天了' });
    const ack = await telegram.waitFor((m) => m.chat_id === bystander && ticketsIn(m).length > 0, 90_000, { includeExisting: true });
    const helpWait = (help.at - helpAt) / 1000;
    const ackWait = (ack.at - reportAt) / 1000;

    // Every update is stored; every report from the flood is stored and acknowledged exactly once.
    const reports = () => world.query<{ id: number; chat_id: number }>('SELECT id, chat_id FROM reports WHERE chat_id = ? ORDER BY id', flooder);
    await eventually(() => reports().length === texts.length + voices && ackLedger(telegram, reports()).missing.length === 0, 60_000, () => `${reports().length} stored`);
    const ledger = ackLedger(telegram, reports());
    const flooderMessages = telegram.sentMessages(flooder).length;
    const stored = world.count('SELECT COUNT(*) FROM inbox WHERE chat_id = ?', flooder);
    const drained = world.count('SELECT MAX(handled_at) - MIN(received_at) FROM inbox WHERE chat_id = ?', flooder) / 1000;
    outcome(
      `600 updates of every kind from one chat in ${((helpAt - startedAt) / 1000).toFixed(1)} s: another resident's /help answered in ${helpWait.toFixed(2)} s, ` +
        `their report acknowledged in ${ackWait.toFixed(2)} s; the bot had handled the flood ${drained.toFixed(1)} s after it began; the flooder got ${flooderMessages} messages; ${stored} of their updates in the inbox; ` +
        `${texts.length + voices} reports (${voices} voice notes), ${ledger.missing.length} unacknowledged, ${ledger.duplicated.length} acknowledged twice`,
    );
    expect(helpWait, 'seconds another resident waits for a direct reply during a flood').toBeLessThan(3);
    expect(ackWait, 'seconds another resident waits for an acknowledgement during a flood').toBeLessThan(3);
    expect(stored).toBeGreaterThanOrEqual(601);
    expect(ledger.missing).toEqual([]);
    expect(ledger.duplicated).toEqual([]);
    expect(alive(bot)).toBe(true);
  }, 240_000);
});
