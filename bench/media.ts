import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBotApiEmulator, type BotMessageRecord } from '../src/emulator/bot-api-emulator.ts';
import { createOpenAiStandin, type Responder } from '../test/support/openai-standin.ts';
import { startBot, STAFF_CHAT, until } from './intake.ts';
import { stopGroup } from './lib/proc.ts';
import type { ResultSet } from './lib/results.ts';
import { median, sleep } from './lib/stats.ts';

/**
 * Voice notes (issue 16), end to end: the bot as its own process, long polling the Bot API emulator, which
 * serves each voice note through getFile; a transcription server that answers after 2 s (its own OpenAI
 * stand-in, reached through OPENAI_TRANSCRIBE_BASE_URL) and a chat model that answers at once. One voice note at a
 * time, so each figure is the latency of one report, not of a queue: sent → acknowledged (ticket), and sent →
 * "what we heard" with its category (transcribed and classified). The cost per 1,000 voice notes is arithmetic
 * on a published per-minute price, stated with its source in the output.
 */

const TOKEN = '123456:bench-media-token';
const TRANSCRIPTION_MS = 2000;

/**
 * Per-minute prices as OpenAI's pricing page listed them (not verified online when this was written, 2026-12):
 * whisper-1 $0.006/min; gpt-4o-mini-transcribe $0.003/min. whisper-1 is the model README and .env.example name.
 */
export const TRANSCRIPTION_PRICES = [
  { model: 'whisper-1', usdPerMinute: 0.006 },
  { model: 'gpt-4o-mini-transcribe', usdPerMinute: 0.003 },
] as const;
export const PRICE_SOURCE = 'openai.com/api/pricing as last read, not verified online (2026-12)';

// Spoken lengths of the notes, seconds: a grandparent at the gate says a sentence or two, some say more.
const DURATIONS = [8, 12, 15, 20, 25, 30, 40, 60];
const SPOKEN = '第一中学操场的围栏倒了，孩子放学要经过';

const label: Responder = (request) =>
  request.schemaName === 'grouping_decision'
    ? { same_as: null }
    : { category: 'facilities', kind: 'complaint', urgent: false, unit: null, summary: '操场围栏倒了', language: 'zh' };

export interface MediaRun {
  ackMs: number[];
  classifiedMs: number[];
  durations: number[];
}

export async function runMedia(notes: number, log: (line: string) => void): Promise<MediaRun> {
  const clock = () => performance.timeOrigin + performance.now();
  const telegram = createBotApiEmulator({ now: clock, token: TOKEN });
  await telegram.start();
  telegram.registerChat({ id: STAFF_CHAT, type: 'supergroup', title: '教体局工作群' });
  const chat = createOpenAiStandin({ seed: 7 });
  const speech = createOpenAiStandin({ seed: 8 });
  await chat.start();
  await speech.start();
  chat.setResponder(label);
  speech.setLatency({ meanMs: TRANSCRIPTION_MS, jitterMs: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'minyi-bench-media-'));
  const bot = startBot({
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    DATABASE_PATH: join(dir, 'minyi.sqlite'),
    STAFF_CHAT_IDS: String(STAFF_CHAT),
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: chat.baseURL,
    OPENAI_MODEL: 'gpt-4o-mini',
    OPENAI_TRANSCRIBE_MODEL: 'whisper-1',
    OPENAI_TRANSCRIBE_BASE_URL: speech.baseURL,
    LOG_LEVEL: 'warn',
  });
  const run: MediaRun = { ackMs: [], classifiedMs: [], durations: [] };
  try {
    await until(() => telegram.requestLog.some((r) => r.method === 'deleteWebhook'), 60_000, () => bot.output());
    await sleep(1000);
    const messages: BotMessageRecord[] = [];
    telegram.on('bot-message', (record) => messages.push(record));
    for (let i = 0; i < notes; i++) {
      const chatId = 70_000 + i;
      const duration = DURATIONS[i % DURATIONS.length]!;
      const sentAt = clock();
      telegram.sendUserMessage({ from: { id: chatId, first_name: `居民${i}`, language_code: 'zh-hans' }, voice: { duration, data: Buffer.from(`OggS SAY:${SPOKEN}`) } });
      const mine = () => messages.filter((m) => m.chat_id === chatId);
      await until(() => mine().some((m) => /#\d+/.test(m.text ?? '')), 30_000, () => bot.output().slice(-2000));
      const heard = (m: BotMessageRecord) => (m.text ?? '').includes('听到') && (m.text ?? '').includes('类别');
      await until(() => mine().some(heard), 30_000, () => bot.output().slice(-2000));
      run.ackMs.push(mine().find((m) => /#\d+/.test(m.text ?? ''))!.at - sentAt);
      run.classifiedMs.push(mine().find(heard)!.at - sentAt);
      run.durations.push(duration);
    }
    const transcriptions = speech.requests.filter((r) => r.path.startsWith('/v1/audio/transcriptions')).length;
    if (transcriptions !== notes) throw new Error(`expected ${notes} transcription requests, saw ${transcriptions}`);
    log(`media: ${notes} voice notes; ack median ${median(run.ackMs).toFixed(0)} ms, classified median ${median(run.classifiedMs).toFixed(0)} ms`);
    return run;
  } finally {
    await stopGroup(bot.child);
    await telegram.stop();
    await chat.stop();
    await speech.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** USD for 1,000 voice notes of these lengths (billed by the second) at each published per-minute price. */
export function costPerThousand(durations: readonly number[]): Array<{ model: string; usdPerMinute: number; usd: number }> {
  const meanSeconds = durations.reduce((s, d) => s + d, 0) / durations.length;
  return TRANSCRIPTION_PRICES.map((p) => ({ ...p, usd: Math.round(1000 * (meanSeconds / 60) * p.usdPerMinute * 100) / 100 }));
}

export async function benchMedia(results: ResultSet, options: { quick: boolean; log: (line: string) => void }): Promise<MediaRun> {
  const section = 'media';
  const run = await runMedia(options.quick ? 4 : 24, options.log);
  results.add({ id: 'media.voice.ack', section, name: 'voice note: sent → acknowledged with a ticket (2 s transcription service)', unit: 'ms', samples: run.ackMs });
  results.add({ id: 'media.voice.classified', section, name: 'voice note: sent → “what we heard” with its category (2 s transcription, 0 ms chat model)', unit: 'ms', samples: run.classifiedMs });
  const meanSeconds = run.durations.reduce((s, d) => s + d, 0) / run.durations.length;
  results.fact(section, 'transcriptionMs', TRANSCRIPTION_MS);
  results.fact(section, 'meanVoiceSeconds', Math.round(meanSeconds * 10) / 10);
  results.fact(section, 'costPer1000', Object.fromEntries(costPerThousand(run.durations).map((c) => [c.model, c.usd])));
  results.fact(section, 'costAtMaxVoiceSeconds', Object.fromEntries(costPerThousand([300]).map((c) => [c.model, c.usd])));
  results.fact(section, 'priceSource', PRICE_SOURCE);
  results.fact(section, 'measuredAt', new Date().toISOString());
  return run;
}

// `tsx bench/media.ts [--quick]`: this section alone, printed (bench/run.ts --only=media records it in results.json).
if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const run = await runMedia(quick ? 4 : 24, (line) => process.stdout.write(`${line}\n`));
  const p = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
  process.stdout.write(
    `${JSON.stringify(
      {
        notes: run.ackMs.length,
        ackMs: { median: Math.round(median(run.ackMs)), p90: Math.round(p(run.ackMs, 0.9)) },
        classifiedMs: { median: Math.round(median(run.classifiedMs)), p90: Math.round(p(run.classifiedMs, 0.9)) },
        meanVoiceSeconds: run.durations.reduce((s, d) => s + d, 0) / run.durations.length,
        costPer1000: costPerThousand(run.durations),
        costPer1000At300s: costPerThousand([300]),
        priceSource: PRICE_SOURCE,
      },
      null,
      2,
    )}\n`,
  );
}
