import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/bot-process.ts';
import type { StandinRequest } from '../support/openai-standin.ts';
import { ackLedger, alive, createFaultWorld, outcome, sleep, zhResident, type FaultWorld } from './support/fault-world.ts';

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
});
