import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { createApp, type App } from '../app.ts';
import type { Config } from '../config.ts';
import { instanceLockHolder, type LockHolder } from '../db/instance-lock.ts';
import { createBotApiEmulator, type BotApiEmulator } from '../emulator/bot-api-emulator.ts';
import { createPageServer } from './page-server.ts';
import { createModelStandin } from './model-standin.ts';
import OpenAI from 'openai';
import { createOpenAiTranscriber, type Transcriber } from '../classify/transcriber.ts';
import { createOpenAiDescriber, type Describer } from '../classify/describer.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PERSONAS, SANDBOX_BOT, SANDBOX_STAFF_GROUP, SANDBOX_TOKEN, SANDBOX_UNIT_GROUP, SEEDED_UNIT_GROUPS } from './personas.ts';
import { bindUnitPersonas, seedSandbox } from './seed.ts';

/**
 * The sandbox behind `npm start` without a BOT_TOKEN: the real bot, unchanged, polling a Bot API
 * emulator on 127.0.0.1 instead of Telegram, and a web chat page on the same port to talk to it.
 * Nothing here reaches the internet, and nothing touches the real database.
 */

export const SANDBOX_DATABASE_PATH = './data/sandbox.sqlite';

export interface SandboxOptions {
  config: Config;
  logger: Logger;
  /** Fill the fresh database with weeks of simulated activity before the bot starts (default 6 weeks). */
  seed?: boolean | { weeks: number };
  /** Overrides SANDBOX_PORT; 0 picks a free port (tests). */
  port?: number;
  /** Overrides ./data/sandbox.sqlite (tests). */
  databasePath?: string;
}

export interface Sandbox {
  /** The page, e.g. http://127.0.0.1:8080. */
  url: string;
  emulator: BotApiEmulator;
  app: App;
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const { config, logger } = options;
  const databasePath = options.databasePath ?? SANDBOX_DATABASE_PATH;
  if (resolve(databasePath) === resolve(config.databasePath)) {
    throw new Error(`DATABASE_PATH is ${config.databasePath}, the sandbox's own database; point it elsewhere so the sandbox never mixes with real data`);
  }
  const instance = randomUUID();
  // Fresh secrets on every start, so that no other web page can guess them. The page gets the control
  // token inside its HTML; the bot token never leaves this process (with a fixed one, an <img> on any
  // site could call the Bot API as the bot: post in the staff group, or set a webhook that starves it).
  const controlToken = randomBytes(24).toString('base64url');
  // The key the bot's voice and photo adapters present to the sandbox's stand-ins (issue 16).
  const modelKey = randomBytes(24).toString('base64url');
  const models = createModelStandin({ apiKey: modelKey });
  const botToken = `${SANDBOX_TOKEN.split(':')[0]}:sandbox-${randomBytes(24).toString('base64url')}`;
  const emulator = createBotApiEmulator({
    port: options.port ?? config.sandboxPort,
    token: botToken,
    botInfo: SANDBOX_BOT,
    controlToken,
    // The voice and vision stand-ins answer POSTs to /v1/…; the page and its JSON are GETs.
    fallback: orElse(models, createPageServer({
      token: controlToken,
      world: () => ({
        instance,
        bot: { id: emulator.botInfo.id, first_name: emulator.botInfo.first_name, username: emulator.botInfo.username },
        staffGroup: { id: SANDBOX_STAFF_GROUP.id, title: SANDBOX_STAFF_GROUP.title },
        personas: PERSONAS,
      }),
      replyMarkup: (chatId, messageId) =>
        emulator.sentMessages(chatId).findLast((r) => r.message_id === messageId && r.method.startsWith('send'))?.reply_markup,
    })),
  });
  try {
    await emulator.start();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EADDRINUSE') {
      throw new Error(`SANDBOX_PORT ${options.port ?? config.sandboxPort} is already in use; set SANDBOX_PORT to a free port`);
    }
    throw error;
  }
  // Only now, with the port ours and no sandbox running on the file, is the old database deleted: a
  // second `npm start` must not pull the database out from under a running sandbox.
  try {
    refuseWhileRunning(databasePath);
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  // The emulator keeps chats in memory and numbers messages from 1 again on every start. A database
  // that outlived it would take new messages for ones it already stored, so each run starts clean.
  resetDatabase(databasePath);

  // STAFF_CHAT_IDS from the environment stay staff chats; they exist in the emulator so that what
  // the bot posts there is accepted, though the page shows only the sandbox's own group.
  const staffChatIds = [SANDBOX_STAFF_GROUP.id, ...config.staffChatIds.filter((id) => id !== SANDBOX_STAFF_GROUP.id)];
  emulator.registerChat(SANDBOX_STAFF_GROUP);
  for (const id of staffChatIds.slice(1)) {
    emulator.registerChat(id < 0 ? { id, type: 'supergroup', title: `Staff chat ${id} (STAFF_CHAT_IDS)`, botIsAdmin: true } : { id, type: 'private' });
  }
  for (const { role, chatId, user } of PERSONAS) {
    if (role === 'resident') emulator.registerChat({ id: chatId, type: 'private', first_name: user.first_name, ...(user.last_name && { last_name: user.last_name }) });
  }
  emulator.registerChat(SANDBOX_UNIT_GROUP);
  // The seeded history's other unit groups: not on the page, but what the bot posts there (督办) is accepted.
  for (const { units: _units, principalId: _principal, ...chat } of SEEDED_UNIT_GROUPS) emulator.registerChat(chat);

  const sandboxConfig: Config = {
    ...config,
    botToken,
    telegramApiRoot: emulator.apiRoot,
    databasePath,
    staffChatIds,
    // A WEBHOOK_URL in .env is for Telegram; the sandbox always polls its own emulator.
    delivery: { mode: 'polling' },
    // BACKUP_DIR holds the real database's backups: sandbox copies there would rotate them away.
    backup: { ...config.backup, dir: undefined },
    // The residents' web page is never the sandbox page (issue 17): a WEB_PUBLIC_URL in .env is for the real bot.
    web: undefined,
  };

  let app: App | undefined;
  try {
    if (options.seed) await seedSandbox({ config: sandboxConfig, logger, ...(typeof options.seed === 'object' && { weeks: options.seed.weeks }) });
    app = createApp({ config: sandboxConfig, token: botToken, logger, mediaModels: sandboxMediaModels(emulator.apiRoot, modelKey) });
    // The unit personas' groups are bound as the bureau would bind them: a one-time code, redeemed in the group.
    bindUnitPersonas(app, Date.now());
    await app.runner.start();
  } catch (error) {
    await app?.runner.stop().catch(() => undefined);
    await emulator.stop();
    throw error;
  }

  const url = `http://127.0.0.1:${emulator.port}`;
  logger.info({ url, databasePath, classifier: config.llm ? 'llm' : 'offline' }, `sandbox ready: open ${url} in a browser`);

  const running = app;
  let stopping: Promise<void> | undefined;
  return {
    url,
    emulator,
    app: running,
    stop() {
      stopping ??= (async () => {
        await running.runner.stop();
        await emulator.stop();
      })();
      return stopping;
    },
  };
}

/** Throws naming the holder when a live sandbox (or bot) holds the lease of the database at `path`. */
function refuseWhileRunning(path: string): void {
  if (!existsSync(path)) return;
  let holder: LockHolder | undefined;
  let db: Database.Database | undefined;
  try {
    // Read-only, no migrations: only the lease is looked at.
    db = new Database(path, { readonly: true, fileMustExist: true });
    const hasLock = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'instance_lock'`).get() !== undefined;
    holder = hasLock ? instanceLockHolder(db) : undefined;
  } catch {
    // Unreadable or not a database: nothing can be running on it; it is replaced.
  } finally {
    db?.close();
  }
  if (holder) {
    throw new Error(`a sandbox is already running on ${path} (pid ${holder.pid} on ${holder.host}); stop it first or open its page`);
  }
}

function resetDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
}

type Fallback = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
const orElse = (first: Fallback, second: Fallback): Fallback => async (req, res) => (await first(req, res)) || second(req, res);

/**
 * Voice notes and photos in the sandbox (issue 16): the bot's real adapters, pointed at the stand-ins on the
 * sandbox's own port (src/sandbox/model-standin.ts). Models named in the configuration take precedence in createApp.
 */
function sandboxMediaModels(apiRoot: string, apiKey: string): { transcriber: Transcriber; describer: Describer } {
  const baseURL = `${apiRoot}/v1`;
  return {
    transcriber: createOpenAiTranscriber({ apiKey, baseURL, model: 'sandbox-transcribe', timeoutMs: 10_000, maxRetries: 0 }),
    describer: createOpenAiDescriber({ client: new OpenAI({ apiKey, baseURL, maxRetries: 0 }), model: 'sandbox-vision', timeoutMs: 10_000 }),
  };
}
