import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { UserFromGetMe } from 'grammy/types';
import { createApp, type App, type AppOptions } from '../../src/app.ts';
import { createOfflineClassifier, loadExamples, type OfflineClassifier } from '../../src/classify/offline/offline-classifier.ts';
import { parseConfig, type Config } from '../../src/config.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { loadSubtopics } from '../../src/domain/subtopics.ts';
import { DEFAULT_BOT_INFO } from '../../src/emulator/bot-api-emulator.ts';
import { installOfflineTelegram } from '../../src/sample/offline-telegram.ts';
import { findButton, keyboardOf, type ButtonChoice, type InlineButton, type InlineKeyboard } from './buttons.ts';
import { callback, type Person } from './updates.ts';

export { findButton, keyboardOf, type ButtonChoice, type InlineButton, type InlineKeyboard } from './buttons.ts';

/** The emulator's bot, with a short id the update builders use for the bot's own messages. */
export const BOT_INFO: UserFromGetMe = { ...DEFAULT_BOT_INFO, id: 42 };

export interface SentCall {
  method: string;
  payload: Record<string, unknown>;
}

export const STAFF_CHAT = -100_777;

/** The inline keyboard a recorded call carried ([] for none). */
export const buttonsOf = (call: SentCall): InlineKeyboard => keyboardOf(call.payload.reply_markup);

/**
 * The offline classifier every harness app uses: trained once per test worker on the shipped catalogue and
 * examples (what createApp would train itself, about half a second every time), then only read.
 */
let sharedOffline: OfflineClassifier | undefined;
export function offlineClassifier(): OfflineClassifier {
  if (!sharedOffline) {
    const catalogue = loadCatalogue();
    sharedOffline = createOfflineClassifier({ catalogue, subtopics: loadSubtopics(catalogue), examples: loadExamples() });
  }
  return sharedOffline;
}

/** A temporary directory with a fresh database path; removed by cleanup(). */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'minyi-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(dir: string, env: Record<string, string> = {}): Config {
  return parseConfig({
    BOT_TOKEN: '123:test',
    DATABASE_PATH: join(dir, 'minyi.sqlite'),
    STAFF_CHAT_IDS: String(STAFF_CHAT),
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/**
 * The real app (real SQLite, real migrations, real pipeline) with a recording transformer instead of
 * Telegram: every API call is recorded and answered like Telegram would.
 */
export interface Harness {
  app: App;
  calls: SentCall[];
  /** Messages the bot sent (sendMessage/sendPhoto/sendDocument/edits), optionally to one chat. */
  sent(chatId?: number): SentCall[];
  texts(chatId?: number): string[];
  /** The last inline keyboard sent to a chat (a new message or an edit); [] when none was. */
  buttons(chatId: number): InlineKeyboard;
  /**
   * `user` presses a button of the last inline keyboard in `chatId` (by callback data or a test), on the
   * message that carried it; waits like send(). Throws, naming the buttons there, when there is no such button.
   */
  press(chatId: number, user: Person, choice: ButtonChoice): Promise<InlineButton>;
  /** The message id Telegram gave a sent message (an edit keeps the edited message's id). */
  messageIdOf(call: SentCall): number;
  /** Feed an update, then wait until the pipeline and the outbox have nothing left to do. */
  send(update: Parameters<App['bot']['handleUpdate']>[0]): Promise<void>;
  /** Wait until nothing is left to do: reports answered, voice notes and photos heard or seen, the outbox empty. */
  settle(): Promise<void>;
  /**
   * A file residents sent (a voice note, a photo), for getFile: answered as a local Bot API server does, with its
   * path on disk. A file id never put is answered 400, as Telegram answers an unknown one.
   */
  putFile(fileId: string, bytes: Uint8Array): void;
  /** Make the next calls fail the way Telegram does. */
  failNext(method: string, error: { error_code: number; description: string; parameters?: Record<string, unknown> }, times?: number): void;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  now?: () => number;
  /** Voice and photo models (the transcription job runs only with one of them). */
  mediaModels?: AppOptions['mediaModels'];
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { dir, cleanup } = tempDir();
  const config = testConfig(dir, options.env);
  const app = createApp({
    config,
    token: '123:test',
    logger: pino({ level: 'silent' }),
    botInfo: BOT_INFO,
    throttle: false,
    pollIntervalMs: 50,
    offlineClassifier: offlineClassifier(),
    ...(options.now && { now: options.now }),
    ...(options.mediaModels && { mediaModels: options.mediaModels }),
  });
  const firstMessageId = 10_000;
  const failures: Array<{ method: string; error: { error_code: number; description: string; parameters?: Record<string, unknown> }; times: number }> = [];
  const { calls } = installOfflineTelegram(app.bot, {
    keep: true,
    firstMessageId,
    fail(method) {
      const failure = failures.find((f) => f.method === method && f.times > 0);
      if (!failure) return undefined;
      failure.times--;
      return failure.error;
    },
  });
  const filesDir = join(dir, 'files');
  const fileFor = (fileId: string) => join(filesDir, Buffer.from(fileId).toString('hex'));
  // Installed after the recorder, so it is asked first: getFile for a file the test put, as a local Bot API server answers.
  app.bot.api.config.use(async (prev, method, payload, signal) => {
    if (method !== 'getFile') return prev(method, payload, signal);
    const fileId = String((payload as { file_id?: unknown }).file_id);
    const path = fileFor(fileId);
    if (!existsSync(path)) return { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' } as never;
    return { ok: true, result: { file_id: fileId, file_unique_id: fileId, file_size: statSync(path).size, file_path: path } } as never;
  });
  // The same runner main.ts and the sandbox use; only the workers: updates come from the test, nothing is scheduled.
  await app.runner.startWorkers();

  const isMessage = (c: SentCall) => /^(send|edit)/.test(c.method) && c.method !== 'sendChatAction';
  const sent = (chatId?: number) => calls.filter((c) => isMessage(c) && (chatId === undefined || c.payload.chat_id === chatId));
  // The recording transformer numbers every send and edit it answers, from firstMessageId.
  const messageIdOf = (call: SentCall): number => {
    if (call.method.startsWith('edit') && typeof call.payload.message_id === 'number') return call.payload.message_id;
    const index = calls.filter((c) => c.method.startsWith('send') || c.method.startsWith('edit')).indexOf(call);
    if (index < 0) throw new Error(`${call.method} was not sent by this harness`);
    return firstMessageId + index;
  };
  const textOf = (call: SentCall) => {
    const text = call.payload.text ?? call.payload.caption;
    return typeof text === 'string' ? text : undefined;
  };
  const lastKeyboardCall = (chatId: number) => sent(chatId).filter((c) => buttonsOf(c).length > 0).at(-1);
  const send = async (update: Parameters<App['bot']['handleUpdate']>[0]) => {
    await app.bot.handleUpdate(update);
    await app.runner.settle();
  };
  return {
    app,
    calls,
    sent,
    texts: (chatId) => sent(chatId).map((c) => String(c.payload.text ?? c.payload.caption ?? '')),
    buttons: (chatId) => {
      const call = lastKeyboardCall(chatId);
      return call ? buttonsOf(call) : [];
    },
    async press(chatId, user, choice) {
      const call = lastKeyboardCall(chatId);
      const button = call && findButton(buttonsOf(call), choice);
      if (!call || !button) {
        const there = call ? buttonsOf(call).flat().map((b) => b.callback_data) : [];
        throw new Error(`no such button in chat ${chatId}; the last keyboard there: ${JSON.stringify(there)}`);
      }
      await send(callback(chatId, user, button.callback_data, messageIdOf(call), undefined, textOf(call)));
      return button;
    },
    messageIdOf,
    send,
    settle: () => app.runner.settle(),
    putFile(fileId, bytes) {
      mkdirSync(filesDir, { recursive: true });
      writeFileSync(fileFor(fileId), bytes);
    },
    failNext(method, error, times = 1) {
      failures.push({ method, error, times });
    },
    async close() {
      await app.runner.stop();
      cleanup();
    },
  };
}
