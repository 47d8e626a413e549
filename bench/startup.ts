import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBotApiEmulator } from '../src/emulator/bot-api-emulator.ts';
import { botProcessIn, memoryOf, spawnGroup, stopGroup } from './lib/proc.ts';
import type { ResultSet } from './lib/results.ts';
import { sleep } from './lib/stats.ts';

/**
 * Start-up: `npm start` as an operator types it, against the local Bot API emulator, timed to the bot's
 * first getUpdates. A long poll is only logged by the emulator when it is answered, so a resident's
 * /start is queued before the bot starts: the first getUpdates then returns at once, and its log entry
 * marks the moment it was made. The reply to that /start is the first message the bot sends.
 */

const TOKEN = '123456:bench-token';
const ROOT = join(import.meta.dirname, '..');

interface StartupRun {
  firstGetUpdatesMs: number;
  firstReplyMs: number;
  idleRssMiB: number;
}

async function once(command: 'npm' | 'node'): Promise<StartupRun> {
  const telegram = createBotApiEmulator({ token: TOKEN });
  await telegram.start();
  telegram.sendUserMessage({ from: { id: 4242, first_name: '居民', language_code: 'zh-hans' }, text: '/start' });
  const dir = mkdtempSync(join(tmpdir(), 'minyi-bench-start-'));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    DATABASE_PATH: join(dir, 'minyi.sqlite'),
    // An LLM is configured (it is not called at start-up): the same work at start as in production.
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    LOG_LEVEL: 'warn',
  };
  const started = Date.now();
  const child =
    command === 'npm'
      ? spawnGroup('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: 'ignore' })
      : spawnGroup(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts')], { cwd: ROOT, env, stdio: 'ignore' });
  try {
    const deadline = started + 60_000;
    while (!telegram.requestLog.some((r) => r.method === 'getUpdates')) {
      if (Date.now() > deadline) throw new Error('startup: no getUpdates within 60 s');
      await sleep(5);
    }
    const firstGetUpdatesMs = telegram.requestLog.find((r) => r.method === 'getUpdates')!.at - started;
    const reply = await telegram.waitFor((m) => m.chat_id === 4242, 30_000, { includeExisting: true });
    await sleep(2000);
    const bot = botProcessIn(child.pid!) ?? child.pid!;
    const idle = memoryOf(bot);
    return { firstGetUpdatesMs, firstReplyMs: reply.at - started, idleRssMiB: idle?.rssMiB ?? Number.NaN };
  } finally {
    // The whole group, while the emulator still answers: npm's sh does not pass SIGTERM on to tsx and the bot.
    await stopGroup(child);
    await telegram.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchStartup(results: ResultSet, options: { quick: boolean; log: (line: string) => void }): Promise<void> {
  const runs = options.quick ? 2 : 3;
  // npm start is what the issue asks; the direct command shows what npm and the tsx CLI add (full mode only).
  for (const command of options.quick ? (['npm'] as const) : (['npm', 'node'] as const)) {
    const all: StartupRun[] = [];
    for (let i = 0; i < runs; i++) all.push(await once(command));
    const label = command === 'npm' ? 'npm start' : 'node --import tsx src/main.ts';
    const first = results.add({
      id: `startup.${command}.first-get-updates`,
      section: 'startup',
      name: `${label} → first getUpdates`,
      unit: 'ms',
      samples: all.map((r) => r.firstGetUpdatesMs),
      baseline: 'cpu',
    });
    results.add({ id: `startup.${command}.first-reply`, section: 'startup', name: `${label} → reply to a /start waiting in the queue`, unit: 'ms', samples: all.map((r) => r.firstReplyMs), baseline: 'cpu' });
    results.add({ id: `startup.${command}.idle-rss`, section: 'startup', name: `${label}: RSS of the bot process at idle`, unit: 'MiB', samples: all.map((r) => r.idleRssMiB) });
    options.log(`startup: ${label} → first getUpdates median ${first.median.toFixed(0)} ms`);
  }
}
