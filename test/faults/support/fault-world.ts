import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createBotApiEmulator, type BotApiEmulator, type BotMessageRecord, type UserSpec } from '../../../src/emulator/bot-api-emulator.ts';
import { eventually, startBotProcess, type BotProcess } from '../../support/bot-process.ts';
import { tempDir } from '../../support/harness.ts';
import { createOpenAiStandin, type OpenAiStandin, type Responder } from '../../support/openai-standin.ts';

/**
 * The world a fault test attacks the bot in: the Bot API emulator and the OpenAI stand-in in the test
 * process, the bot as its own process (`tsx src/main.ts`), and a read-only look at its SQLite file.
 */

export const STAFF_CHAT = -100_100_1;
export const BOT_TOKEN = '123456:fault-suite-token';

export const zhResident = (id: number): UserSpec => ({ id, first_name: `居民${id}`, language_code: 'zh-hans' });
export const enResident = (id: number): UserSpec => ({ id, first_name: `Resident ${id}`, language_code: 'en' });

/** A well-behaved model: a plausible label for any report, "no match" for any grouping question. */
export const plainModel: Responder = (request) =>
  request.schemaName === 'grouping_decision'
    ? { same_as: null }
    : { category: 'facilities', kind: 'complaint', urgent: false, unit: null, summary: '设施问题', language: 'zh' };

export interface StartOptions {
  /** Configure the LLM (the stand-in); default true. */
  llm?: boolean;
  env?: Record<string, string>;
  /** The log line that says the bot is ready. */
  readyLine?: string;
}

export interface FaultWorld {
  telegram: BotApiEmulator;
  llm: OpenAiStandin;
  dir: string;
  dbPath: string;
  /** The bot process currently running, if any. */
  bot: BotProcess | undefined;
  env(options?: StartOptions): Record<string, string>;
  start(options?: StartOptions): Promise<BotProcess>;
  /** Rows from the bot's database (a fresh read-only connection each time). */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  count(sql: string, ...params: unknown[]): number;
  close(): Promise<void>;
}

export async function createFaultWorld(options: { registerStaff?: boolean } = {}): Promise<FaultWorld> {
  const telegram = createBotApiEmulator({ token: BOT_TOKEN });
  await telegram.start();
  if (options.registerStaff ?? true) telegram.registerChat({ id: STAFF_CHAT, type: 'supergroup', title: '教体局工作群', botIsAdmin: true });
  const llm = createOpenAiStandin();
  await llm.start();
  llm.setResponder(plainModel);
  const { dir, cleanup } = tempDir();
  const dbPath = join(dir, 'minyi.sqlite');
  const knowledgeDir = join(dir, 'knowledge');
  mkdirSync(knowledgeDir);

  const world: FaultWorld = {
    telegram,
    llm,
    dir,
    dbPath,
    bot: undefined,
    env(start = {}) {
      return {
        BOT_TOKEN,
        TELEGRAM_API_ROOT: telegram.apiRoot,
        DATABASE_PATH: dbPath,
        STAFF_CHAT_IDS: String(STAFF_CHAT),
        // An empty knowledge base: these tests count tickets in the replies, and a question answered from the base
        // gets its one reply without a ticket (that path's one reply is tested in test/knowledge/).
        KNOWLEDGE_DIR: knowledgeDir,
        ...((start.llm ?? true) && {
          OPENAI_API_KEY: 'sk-fault-suite',
          OPENAI_BASE_URL: llm.baseURL,
          OPENAI_MODEL: 'test-model',
          OPENAI_TIMEOUT_MS: '2000',
          LLM_RECLASSIFY_SECONDS: '1',
        }),
        ...start.env,
      };
    },
    async start(start = {}) {
      const bot = startBotProcess(world.env(start));
      world.bot = bot;
      const ready = start.readyLine ?? 'receiving updates by long polling';
      await Promise.race([
        eventually(() => bot.output().includes(ready), 25_000, () => bot.output().slice(-3000)),
        bot.exited.then((code) => {
          throw new Error(`the bot exited with ${code} before it was ready:\n${bot.output().slice(-3000)}`);
        }),
      ]);
      return bot;
    },
    query<T>(sql: string, ...params: unknown[]): T[] {
      const db = new Database(dbPath, { readonly: true, fileMustExist: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    count(sql, ...params) {
      const row = world.query<Record<string, number>>(sql, ...params)[0];
      return row ? Number(Object.values(row)[0]) : 0;
    },
    async close() {
      if (world.bot && world.bot.child.exitCode === null && world.bot.child.signalCode === null) await world.bot.kill9();
      world.bot = undefined;
      await telegram.stop();
      await llm.stop();
      cleanup();
    },
  };
  return world;
}

/** Is the bot process still running (it never crashed)? */
export const alive = (bot: BotProcess): boolean => bot.child.exitCode === null && bot.child.signalCode === null;

/** Ticket numbers (`#128`) in a message as the resident sees it. */
export const ticketsIn = (record: BotMessageRecord): number[] =>
  [...(record.text ?? record.caption ?? '').matchAll(/#(\d+)/g)].map((m) => Number(m[1]));

export interface AckLedger {
  /** For each report id: how many bot messages to its chat name its ticket. */
  copies: Map<number, number>;
  missing: number[];
  /** Report ids acknowledged more than once. */
  duplicated: number[];
  /** Bot messages that carried at least one acknowledgement. */
  messages: number;
}

/**
 * "Every message a reply": every report id appears in exactly one bot message to its chat (a combined
 * acknowledgement counts for every id it lists). Compares the emulator's record with the database.
 */
export function ackLedger(telegram: BotApiEmulator, reports: ReadonlyArray<{ id: number; chat_id: number }>): AckLedger {
  const byChat = new Map<number, BotMessageRecord[]>();
  for (const record of telegram.sentMessages()) {
    if (record.method !== 'sendMessage') continue;
    const list = byChat.get(record.chat_id) ?? [];
    list.push(record);
    byChat.set(record.chat_id, list);
  }
  const copies = new Map<number, number>();
  let messages = 0;
  const counted = new Set<number>();
  for (const report of reports) {
    const sent = byChat.get(report.chat_id) ?? [];
    let n = 0;
    for (const record of sent) {
      if (ticketsIn(record).includes(report.id)) {
        n++;
        if (!counted.has(record.seq)) {
          counted.add(record.seq);
          messages++;
        }
      }
    }
    copies.set(report.id, n);
  }
  return {
    copies,
    missing: [...copies].filter(([, n]) => n === 0).map(([id]) => id),
    duplicated: [...copies].filter(([, n]) => n > 1).map(([id]) => id),
    messages,
  };
}

/** Resident-like texts with unique wording (texts from the holdout set, numbered). */
export function reportTexts(count: number): string[] {
  const lines = readFileSync(new URL('../../fixtures/holdout.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => (JSON.parse(line) as { text: string }).text);
  return Array.from({ length: count }, (_, i) => `${lines[i % lines.length]!}（第${i + 1}条）`);
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Parsed pino log lines of a bot process. */
export function logLines(bot: BotProcess): Array<Record<string, unknown>> {
  return bot
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One-line outcome of a fault test, printed with the test's output. */
export function outcome(line: string): void {
  console.log(`[fault] ${line}`);
}
