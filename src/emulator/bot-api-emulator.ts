import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Chat, Message, Update, UserFromGetMe, WebhookInfo } from 'grammy/types';
import { ApiError } from './api-error.ts';
import { createBotMethods, type MethodHandler } from './bot-methods.ts';
import { createControlApi } from './control-api.ts';
import { FaultRegistry } from './faults.ts';
import { foreignPageRefusal } from './same-origin.ts';
import { BodyError, parseBotApiRequest, type UploadedFile } from './http-body.ts';
import { UpdateQueue, type WebhookDelivery } from './update-queue.ts';
import { World } from './world.ts';
import type {
  BotApiEmulatorOptions,
  BotMessageRecord,
  ButtonPress,
  CallbackAnswer,
  ChatActionRecord,
  ChatRegistration,
  EmulatorEvents,
  FaultHandle,
  FaultSpec,
  PressedButton,
  RequestLogEntry,
  SentUserMessage,
  StoredFile,
  TranscriptEntry,
  UserMessageSpec,
} from './types.ts';

export type * from './types.ts';
export { parseTelegramHtml } from './telegram-html.ts';

/**
 * A local stand-in for the Telegram Bot API: a test tool and the sandbox behind `npm start` without
 * a token. It is not Telegram; docs/EMULATOR.md lists what it checks and where it differs.
 */
export interface BotApiEmulator {
  /** `http://127.0.0.1:PORT`, for `new Bot(token, { client: { apiRoot } })`. Valid after start(). */
  readonly apiRoot: string;
  readonly port: number;
  readonly botInfo: UserFromGetMe;
  start(): Promise<void>;
  /** Closes every connection and clears every timer; held polls are answered with no updates. */
  stop(): Promise<void>;

  // The simulated world.
  registerChat(chat: ChatRegistration): Chat;
  chats(): Chat[];
  sendUserMessage(spec: UserMessageSpec): SentUserMessage;
  editUserMessage(chatId: number, messageId: number, text: string): { message: Message; update: Update };
  pressButton(press: ButtonPress): PressedButton;
  /** Queues any update as is (a new update_id unless it has one): for fuzzing and duplicate delivery. */
  deliverRaw(update: Omit<Update, 'update_id'> & { update_id?: number }): Update;
  /** The user blocks (true) or unblocks the bot: a my_chat_member update, then 403 on every send to them. */
  setBotBlocked(userId: number, blocked?: boolean): void;

  // What happened.
  /** Every message the bot sent or edited, in order. */
  sentMessages(chatId?: number): BotMessageRecord[];
  /** Both sides of the conversation, in order: messages, edits, deletions, button presses. */
  transcript(chatId?: number): TranscriptEntry[];
  /**
   * Resolves with the first bot message matching `predicate` that arrives from now on (or already
   * arrived, with includeExisting); rejects after timeoutMs (default 5000).
   */
  waitFor(
    predicate: (record: BotMessageRecord) => boolean,
    timeoutMs?: number,
    options?: { includeExisting?: boolean },
  ): Promise<BotMessageRecord>;
  readonly callbackAnswers: readonly CallbackAnswer[];
  readonly chatActions: readonly ChatActionRecord[];
  readonly requestLog: readonly RequestLogEntry[];
  readonly webhookDeliveries: readonly WebhookDelivery[];
  /** Updates not yet confirmed by the bot (by offset or by a 2xx webhook answer). */
  pendingUpdates(): readonly Update[];
  webhookInfo(): WebhookInfo;
  file(fileId: string): StoredFile | undefined;

  // Faults.
  injectFault(spec: FaultSpec): FaultHandle;
  clearFaults(): void;

  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof EmulatorEvents>(event: E, listener: (...args: EmulatorEvents[E]) => void): () => void;
}

const TOKEN = /^(\d+):[A-Za-z0-9_-]+$/;
const LOOPBACK = /^(127(?:\.\d{1,3}){3}|::1|localhost)$/;

/** The bot the emulator pretends to be unless told otherwise; tests and the offline simulation reuse it. */
export const DEFAULT_BOT_INFO: UserFromGetMe = {
  id: 7000000001,
  is_bot: true,
  first_name: 'Minyi',
  username: 'minyi_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

const NGINX_PAGES: Record<number, string> = {
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

export function createBotApiEmulator(options: BotApiEmulatorOptions = {}): BotApiEmulator {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.test(host)) throw new Error(`emulator: refusing to listen on ${host}; only loopback addresses are allowed`);
  if (options.token !== undefined && !TOKEN.test(options.token)) throw new Error('emulator: token must look like 123:abc');
  const now = options.now ?? Date.now;
  const botInfo: UserFromGetMe = {
    ...DEFAULT_BOT_INFO,
    ...(options.token ? { id: Number(TOKEN.exec(options.token)![1]) } : {}),
    ...options.botInfo,
  } as UserFromGetMe;

  const faults = new FaultRegistry();
  const requestLog: RequestLogEntry[] = [];
  const timers = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  const waits = new Set<(error: Error) => void>();
  let logSeq = 0;
  let port = 0;
  let started = false;

  const queue = new UpdateQueue({
    now,
    retryBaseMs: options.webhook?.retryBaseMs ?? 1000,
    retryMaxMs: options.webhook?.retryMaxMs ?? 60_000,
    timeoutMs: options.webhook?.timeoutMs ?? 30_000,
    executeWebhookReply: async (method, params) => {
      await invoke(method, params, { files: new Map(), signal: new AbortController().signal }, Date.now());
    },
  });
  const world = new World(botInfo, now, queue);
  // A webhook's reply runs through the same method table as any API call.
  const methods: Map<string, MethodHandler> = createBotMethods(world, queue, { strictHtmlEntities: options.strictHtmlEntities ?? true });

  /** Runs a method and logs it; returns the HTTP status and body Telegram would answer. */
  async function invoke(
    name: string,
    params: Record<string, unknown>,
    ctx: { files: Map<string, UploadedFile>; signal: AbortSignal },
    startedAt: number,
  ): Promise<{ status: number; body: unknown }> {
    const handler = methods.get(name.toLowerCase());
    let status: number;
    let body: Record<string, unknown>;
    if (!handler) {
      status = 404;
      body = { ok: false, error_code: 404, description: 'Not Found: method not found' };
    } else {
      try {
        const outcome = await handler(params, ctx);
        status = 200;
        body = { ok: true, result: outcome.result, ...(outcome.description ? { description: outcome.description } : {}) };
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        status = error.errorCode;
        body = error.toJSON();
      }
    }
    log(name, params, ctx.files, status, body, startedAt);
    return { status, body };
  }

  function log(
    method: string,
    params: Record<string, unknown>,
    files: Map<string, UploadedFile>,
    status: number,
    body: Record<string, unknown> | undefined,
    startedAt: number,
    fault?: FaultSpec,
  ): void {
    const entry: RequestLogEntry = {
      seq: ++logSeq,
      at: now(),
      method,
      params,
      ...(files.size
        ? { files: [...files.values()].map((f) => ({ field: f.field, filename: f.filename, size: f.data.length })) }
        : {}),
      status,
      ok: body?.ok === true,
      ...(typeof body?.description === 'string' ? { description: body.description } : {}),
      ...(fault ? { fault: fault.kind } : {}),
      duration_ms: Date.now() - startedAt,
    };
    requestLog.push(entry);
    world.emit('request', entry);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
        done: resolve,
      };
      timers.add(entry);
    });
  }

  function faultAnswer(fault: FaultSpec): { status: number; body: Record<string, unknown> } {
    switch (fault.kind) {
      case 'too_many_requests': {
        const retryAfter = fault.retryAfter ?? 1;
        return {
          status: 429,
          body: {
            ok: false,
            error_code: 429,
            description: `Too Many Requests: retry after ${retryAfter}`,
            parameters: { retry_after: retryAfter },
          },
        };
      }
      case 'blocked':
        return { status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } };
      default:
        return { status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } };
    }
  }

  function sendServerError(res: ServerResponse, fault: FaultSpec): { status: number; body: Record<string, unknown> | undefined } {
    const status = fault.status ?? 500;
    if (status === 500) {
      const { body } = faultAnswer(fault);
      writeJson(res, 500, body);
      return { status, body };
    }
    const title = `${status} ${NGINX_PAGES[status] ?? 'Error'}`;
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end(`<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n`);
    return { status, body: undefined };
  }

  async function handleBotApi(req: IncomingMessage, res: ServerResponse, url: URL, token: string, name: string): Promise<void> {
    const startedAt = Date.now();
    if (options.token !== undefined && token !== options.token) {
      writeJson(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      return;
    }
    let parsed: Awaited<ReturnType<typeof parseBotApiRequest>>;
    try {
      parsed = await parseBotApiRequest(req, url);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      writeJson(res, error.status, { ok: false, error_code: error.status, description: error.message });
      return;
    }
    const { params, files } = parsed;
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const ctx = { files, signal: controller.signal };

    const fault = methods.has(name.toLowerCase()) ? faults.take(name, params) : undefined;
    if (fault?.kind === 'delay') await sleep(fault.delayMs ?? 1000);
    else if (fault && !fault.afterExecute) {
      if (fault.kind === 'network') {
        log(name, params, files, 0, undefined, startedAt, fault);
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'server_error') {
        const { status, body } = sendServerError(res, fault);
        log(name, params, files, status, body, startedAt, fault);
        return;
      }
      const { status, body } = faultAnswer(fault);
      writeJson(res, status, body);
      log(name, params, files, status, body, startedAt, fault);
      return;
    }

    const { status, body } = await invoke(name, params, ctx, startedAt);
    if (fault?.afterExecute && fault.kind === 'network') {
      requestLog.at(-1)!.status = 0;
      requestLog.at(-1)!.fault = 'network';
      req.socket.destroy();
      return;
    }
    if (fault?.afterExecute && fault.kind === 'server_error') {
      const answered = sendServerError(res, fault);
      Object.assign(requestLog.at(-1)!, { status: answered.status, ok: false, fault: 'server_error' });
      return;
    }
    writeJson(res, status, body);
  }

  function handleFileDownload(res: ServerResponse, token: string, path: string): void {
    const file = world.filesByPath.get(path);
    if ((options.token !== undefined && token !== options.token) || !file) {
      writeJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    res.writeHead(200, { 'content-type': file.mime, 'content-length': file.bytes.length });
    res.end(file.bytes);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname;
    // Loopback is not enough: any web page the operator opens can send requests to 127.0.0.1.
    const foreign = foreignPageRefusal(req.headers, port);
    if (foreign) {
      writeJson(res, 403, { ok: false, error_code: 403, description: `Forbidden: ${foreign}` });
      return;
    }
    if (path === '/_emulator' || path.startsWith('/_emulator/')) return controlApi.handle(req, res, url);

    const api = /^\/bot([^/]*)\/([^/]*)\/?$/.exec(path);
    if (api) {
      const token = decodeURIComponent(api[1]!);
      if (!TOKEN.test(token) || !/^[A-Za-z]+$/.test(api[2]!)) {
        writeJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
        return;
      }
      return handleBotApi(req, res, url, token, api[2]!);
    }
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
    if (download && TOKEN.test(decodeURIComponent(download[1]!))) {
      return handleFileDownload(res, decodeURIComponent(download[1]!), decodeURIComponent(download[2]!));
    }
    if (options.fallback && (await options.fallback(req, res))) return;
    writeJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the emulator itself: say so loudly rather than imitate Telegram.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (!res.headersSent) writeJson(res, 500, { ok: false, error_code: 500, description: `Emulator bug: ${message}` });
      else res.destroy();
    });
  });

  const emulator: BotApiEmulator = {
    get apiRoot() {
      if (!started) throw new Error('emulator: apiRoot is known only after start()');
      return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    },
    get port() {
      return port;
    },
    botInfo,

    async start() {
      if (started) return;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      port = (server.address() as AddressInfo).port;
      started = true;
    },

    async stop() {
      if (!started) return;
      started = false;
      queue.stop();
      controlApi.stop();
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.done();
      }
      timers.clear();
      for (const reject of waits) reject(new Error('emulator: stopped while waiting for a bot message'));
      waits.clear();
      // Let the answers to released polls and delays reach their sockets before those are closed.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },

    registerChat: (chat) => world.registerChat(chat),
    chats: () => [...world.chats.values()].map((state) => state.chat),
    sendUserMessage: (spec) => world.sendUserMessage(spec),
    editUserMessage: (chatId, messageId, text) => world.editUserMessage(chatId, messageId, text),
    pressButton: (press) => world.pressButton(press),
    deliverRaw: (update) => world.deliverRaw(update),
    setBotBlocked: (userId, blocked = true) => void world.setBotBlocked(userId, blocked),

    sentMessages: (chatId) => world.records.filter((r) => chatId === undefined || r.chat_id === chatId),
    transcript: (chatId) => world.transcript.filter((e) => chatId === undefined || e.chat_id === chatId),

    waitFor(predicate, timeoutMs = 5000, waitOptions = {}) {
      if (waitOptions.includeExisting) {
        const existing = world.records.find(predicate);
        if (existing) return Promise.resolve(existing);
      }
      return new Promise<BotMessageRecord>((resolve, reject) => {
        const finish = (): void => {
          clearTimeout(timer);
          off();
          waits.delete(fail);
        };
        const fail = (error: Error): void => {
          finish();
          reject(error);
        };
        const off = emulator.on('bot-message', (record) => {
          if (!predicate(record)) return;
          finish();
          resolve(record);
        });
        const timer = setTimeout(() => {
          const recent = world.records
            .slice(-5)
            .map((r) => `  ${r.method} chat ${r.chat_id}: ${JSON.stringify(r.text ?? r.caption ?? '')}`)
            .join('\n');
          fail(new Error(`emulator: no matching bot message within ${timeoutMs} ms; last bot messages:\n${recent || '  (none)'}`));
        }, timeoutMs);
        waits.add(fail);
      });
    },

    get callbackAnswers() {
      return world.callbackAnswers;
    },
    get chatActions() {
      return world.chatActions;
    },
    get requestLog() {
      return requestLog;
    },
    get webhookDeliveries() {
      return queue.webhookDeliveries;
    },
    pendingUpdates: () => queue.pendingUpdates(),
    webhookInfo: () => queue.webhookInfo(),
    file: (fileId) => world.files.get(fileId),

    injectFault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),

    on(event, listener) {
      world.events.on(event, listener as (...args: unknown[]) => void);
      return () => void world.events.off(event, listener as (...args: unknown[]) => void);
    },
  };
  const controlApi = createControlApi(emulator, { ...(options.controlToken !== undefined && { token: options.controlToken }) });
  return emulator;
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
