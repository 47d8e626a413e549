import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StandinMode } from '../support/openai-standin.ts';
import { eventually } from '../support/bot-process.ts';
import { alive, createFaultWorld, outcome, reportTexts, sleep, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * LLM outage: timeouts, HTTP 500, 429 with retry-after, invalid JSON, JSON against the schema. (A refusal or a
 * content filter is not an outage: it is about one text, and is tested as such below.)
 * Every resident still gets a reply within the LLM timeout plus a few seconds (the offline label), the
 * affected reports are re-classified once the LLM answers again, and the LLM is not hammered while down.
 *
 * The bot runs with the operator's defaults except a short timeout (OPENAI_MAX_RETRIES is not set).
 */

const TIMEOUT_MS = 3000;
/** "The LLM timeout plus a few seconds." */
const REPLY_WITHIN_MS = TIMEOUT_MS + 3000;

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

const llmRequests = (world: FaultWorld, since: number) => world.llm.requests.filter((r) => r.at >= since).length;

/** Classification requests (not grouping questions) whose report contains `marker`. */
const classifyRequests = (world: FaultWorld, marker: string, since = 0) =>
  world.llm.requests.filter((r) => {
    const body = r.body as { response_format?: { json_schema?: { name?: string } }; messages?: Array<{ content?: unknown }> } | undefined;
    return r.at >= since && body?.response_format?.json_schema?.name === 'report_classification' && JSON.stringify(body.messages ?? []).includes(marker);
  }).length;

describe('LLM outage', () => {
  it('every kind of LLM failure: each resident is answered in time, and re-classified once the LLM is back', async () => {
    const { telegram, llm } = world;
    const bot = await world.start({ env: { OPENAI_TIMEOUT_MS: String(TIMEOUT_MS), LLM_RECLASSIFY_SECONDS: '1' } });
    const phases: Array<{ mode: StandinMode; retryAfterSeconds?: number }> = [
      { mode: 'timeout' },
      { mode: 'server_error' },
      { mode: 'rate_limited', retryAfterSeconds: 8 },
      { mode: 'invalid_json' },
      { mode: 'schema_violation' },
    ];
    const texts = reportTexts(phases.length * 3 + 2);
    let resident = 20_000;
    let textIndex = 0;

    for (const phase of phases) {
      llm.setMode(phase.mode, phase.retryAfterSeconds ? { retryAfterSeconds: phase.retryAfterSeconds } : {});
      const since = Date.now();
      const chats = [resident++, resident++, resident++];
      const sentAt = new Map<number, number>();
      for (const chatId of chats) {
        sentAt.set(chatId, Date.now());
        telegram.sendUserMessage({ from: zhResident(chatId), text: texts[textIndex++]! });
      }
      const latencies = await Promise.all(
        chats.map(async (chatId) => {
          const reply = await telegram.waitFor((m) => m.chat_id === chatId, 30_000, { includeExisting: true });
          return reply.at - sentAt.get(chatId)!;
        }),
      );
      const requestsWhileDown = llmRequests(world, since);
      if (phase.mode === 'rate_limited') {
        // The provider said "come back in 8 s": residents who write meanwhile get the offline label at once,
        // and nothing is sent to the LLM until then.
        const quietSince = Date.now();
        const more = [resident++, resident++];
        for (const chatId of more) telegram.sendUserMessage({ from: zhResident(chatId), text: texts[textIndex++]! });
        for (const chatId of more) await telegram.waitFor((m) => m.chat_id === chatId, 10_000, { includeExisting: true });
        const during = llmRequests(world, quietSince);
        outcome(`LLM rate_limited: ${during} LLM requests for 2 more residents within the retry-after window (answered offline at once)`);
        expect.soft(during, 'requests inside the retry-after window').toBe(0);
        chats.push(...more);
      }

      llm.setMode('ok');
      const backAt = Date.now();
      const ids = world.query<{ id: number }>(`SELECT id FROM reports WHERE chat_id IN (${chats.join(',')})`).map((r) => r.id);
      const offline = world.count(`SELECT COUNT(*) FROM reports WHERE chat_id IN (${chats.join(',')}) AND classified_by = 'offline' AND needs_reclassify = 1`);
      let reclassifiedMs = Number.NaN;
      try {
        await eventually(
          () => world.count(`SELECT COUNT(*) FROM reports WHERE id IN (${ids.join(',')}) AND classified_by = 'llm' AND needs_reclassify = 0`) === ids.length,
          30_000,
        );
        reclassifiedMs = Date.now() - backAt;
      } catch {
        // reported below
      }
      const repliesPerResident = chats.map((chatId) => telegram.sentMessages(chatId).length);
      outcome(
        `LLM ${phase.mode}${phase.retryAfterSeconds ? ` (retry-after ${phase.retryAfterSeconds} s)` : ''}: replies after ` +
          `${latencies.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} (limit ${REPLY_WITHIN_MS / 1000} s), ${offline}/${chats.length} labelled offline, ` +
          `${requestsWhileDown} LLM requests while down, re-classified ${Number.isNaN(reclassifiedMs) ? 'NOT within 30 s' : `${(reclassifiedMs / 1000).toFixed(1)} s after the LLM came back`}, ` +
          `replies per resident ${repliesPerResident.join('/')}`,
      );
      for (const ms of latencies) expect.soft(ms, `${phase.mode}: reply latency`).toBeLessThanOrEqual(REPLY_WITHIN_MS);
      expect.soft(offline, `${phase.mode}: labelled offline, to be asked again`).toBe(chats.length);
      expect.soft(reclassifiedMs, `${phase.mode}: re-classified when the LLM is back`).not.toBeNaN();
      expect.soft(repliesPerResident, `${phase.mode}: re-classification sends no second reply`).toEqual(chats.map(() => 1));
    }
    expect(alive(bot)).toBe(true);
  }, 240_000);

  it('a sustained outage: residents keep being answered and the LLM is not hammered (circuit breaker, back-off)', async () => {
    const { telegram, llm } = world;
    const bot = await world.start({ env: { OPENAI_TIMEOUT_MS: String(TIMEOUT_MS), LLM_RECLASSIFY_SECONDS: '1' } });
    llm.setMode('server_error');
    const since = Date.now();
    const texts = reportTexts(24);
    // 24 residents over 12 seconds, while the LLM answers every request with a 500.
    for (let i = 0; i < 24; i++) {
      telegram.sendUserMessage({ from: zhResident(21_000 + i), text: texts[i]! });
      await sleep(500);
    }
    await eventually(() => Array.from({ length: 24 }, (_, i) => telegram.sentMessages(21_000 + i).length).every((n) => n === 1), 20_000);
    const elapsed = Date.now() - since;
    const requests = llmRequests(world, since);
    // Without a breaker: 24 classifications (each retried by the SDK) plus a re-classification pass every second.
    // With it: three failures open the circuit, then a probe after 5 s, 10 s, …
    expect(requests).toBeLessThanOrEqual(14);

    llm.setMode('ok');
    await eventually(() => world.count(`SELECT COUNT(*) FROM reports WHERE classified_by = 'llm' AND needs_reclassify = 0`) === 24, 45_000);
    expect(alive(bot)).toBe(true);
    outcome(
      `LLM answering 500 for ${(elapsed / 1000).toFixed(0)} s while 24 residents wrote: 24 answered, ${requests} LLM requests in that time ` +
        `(circuit breaker), all 24 re-classified after it came back`,
    );
  }, 120_000);

  it('refused texts (DashScope and Azure content filters, a refusal, a filtered completion) keep their offline label, are asked once, and do not switch the LLM off for everyone; a real outage still does, and a refused report does not hold up re-classification', async () => {
    const { telegram, llm } = world;
    const REFUSALS: StandinMode[] = ['content_filter', 'content_filter_azure', 'refusal', 'content_filter_finish'];
    let outage = false;
    // A text marked 【拒N】 is refused the N-th way, except while the provider is down (then it fails like the rest).
    llm.setModeFor((request) => {
      const mark = /【拒(\d)】/.exec(request.lastUserText);
      return mark && !outage ? REFUSALS[Number(mark[1])] : undefined;
    });
    const bot = await world.start({ env: { OPENAI_TIMEOUT_MS: String(TIMEOUT_MS), LLM_RECLASSIFY_SECONDS: '1' } });
    const texts = reportTexts(30);
    const reports = (chats: number[]) =>
      world.query<{ id: number; chat_id: number; classified_by: string; needs_reclassify: number; refused: number }>(
        `SELECT id, chat_id, classified_by, needs_reclassify, llm_refused_at IS NOT NULL AS refused FROM reports WHERE chat_id IN (${chats.join(',')}) ORDER BY id`,
      );
    const send = async (chats: number[], textOf: (i: number) => string) => {
      for (const [i, chatId] of chats.entries()) {
        telegram.sendUserMessage({ from: zhResident(chatId), text: textOf(i) });
        // One at a time, as residents arrive: the breaker sees the refusals in a row.
        await telegram.waitFor((m) => m.chat_id === chatId, 15_000, { includeExisting: true });
      }
    };

    // Eight refused texts in a row (each kind twice), then eight residents with ordinary texts.
    const refusedChats = Array.from({ length: 8 }, (_, i) => 30_000 + i);
    const plainChats = Array.from({ length: 8 }, (_, i) => 30_100 + i);
    await send(refusedChats, (i) => `${texts[i]!}【拒${i % 4}】`);
    await send(plainChats, (i) => texts[8 + i]!);
    // Several re-classification passes (one a second) go by.
    await sleep(4000);
    const refused = reports(refusedChats);
    const plain = reports(plainChats);
    const askedAboutRefused = classifyRequests(world, '【拒');
    outcome(
      `LLM refusals: ${refused.filter((r) => r.refused).length}/8 refused texts marked refused and labelled offline, asked ${askedAboutRefused} times in all; ` +
        `${plain.filter((r) => r.classified_by === 'llm').length}/8 residents after them labelled by the LLM (circuit ${plain.every((r) => r.classified_by === 'llm') ? 'closed' : 'OPENED'})`,
    );
    expect(refused.map((r) => [r.classified_by, r.refused, r.needs_reclassify])).toEqual(refusedChats.map(() => ['offline', 1, 0]));
    expect(plain.map((r) => r.classified_by)).toEqual(plainChats.map(() => 'llm'));
    expect(askedAboutRefused, 'each refused text is asked once, never again').toBe(8);

    // A real outage still opens the breaker. The first report labelled offline in it will be refused when the
    // provider is back: it is the oldest waiting for re-classification, and must not hold up the others.
    outage = true;
    llm.setMode('server_error');
    const outageSince = Date.now();
    const poisonChat = 30_200;
    const outageChats = Array.from({ length: 8 }, (_, i) => 30_300 + i);
    await send([poisonChat], () => `${texts[20]!}【拒0】`);
    await send(outageChats, (i) => texts[21 + (i % 9)]!);
    const requestsInOutage = llmRequests(world, outageSince);
    expect(reports([poisonChat, ...outageChats]).map((r) => [r.classified_by, r.needs_reclassify])).toEqual([poisonChat, ...outageChats].map(() => ['offline', 1]));
    // Without a breaker: 9 reports × 2 tries each. With it: three failures (2 tries each), then a probe every 5 s, 10 s…
    expect(requestsInOutage, 'LLM requests while it answers 500').toBeLessThanOrEqual(10);

    outage = false;
    llm.setMode('ok');
    const backAt = Date.now();
    await eventually(() => reports(outageChats).every((r) => r.classified_by === 'llm' && r.needs_reclassify === 0), 30_000, () => JSON.stringify(reports([poisonChat, ...outageChats])));
    const reclassifiedMs = Date.now() - backAt;
    await sleep(3000);
    const [poison] = reports([poisonChat]);
    expect([poison!.classified_by, poison!.refused, poison!.needs_reclassify]).toEqual(['offline', 1, 0]);
    expect(classifyRequests(world, '【拒0】', backAt), 'the poisoned report is asked once after the outage').toBe(1);

    const everyone = [...refusedChats, ...plainChats, poisonChat, ...outageChats];
    expect(everyone.map((chatId) => telegram.sentMessages(chatId).length)).toEqual(everyone.map(() => 1));
    expect(alive(bot)).toBe(true);
    outcome(
      `LLM outage after refusals: ${requestsInOutage} LLM requests while it answered 500 for 9 residents (circuit breaker); once back, ` +
        `the refused report (oldest in the queue) was asked once and set to its offline label, and the other 8 were re-classified in ${(reclassifiedMs / 1000).toFixed(1)} s`,
    );
  }, 180_000);
});
