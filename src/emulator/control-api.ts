import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyError, readBody } from './http-body.ts';
import type { BotApiEmulator } from './bot-api-emulator.ts';
import type {
  BotMessageRecord,
  ButtonPress,
  ChatRegistration,
  EmulatorEvents,
  FaultSpec,
  StoredFile,
  UserFileSpec,
  UserMessageSpec,
} from './types.ts';

/**
 * The emulator's own HTTP face under /_emulator/, for clients in another process (the sandbox page,
 * tests that speak only HTTP). Every route is a thin call into the same public API the tests use.
 * Answers are `{ ok: true, result }` or `{ ok: false, error }`.
 */

const SSE_HEARTBEAT_MS = 15_000;

/** The header that carries the control token (see ControlApiOptions). */
export const CONTROL_TOKEN_HEADER = 'x-control-token';

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ControlApi {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  stop(): void;
}

export interface ControlApiOptions {
  /**
   * When set (the sandbox), every control request must carry it: in the x-control-token header, or as
   * `?token=` on the GETs a page cannot add headers to (its EventSource, <img> and download links). A
   * state-changing request must also be `application/json`, which no other site's form or no-cors
   * fetch can send. Without it (tests), any program on this computer may drive the emulator.
   */
  token?: string;
}

/** Whether a request carries the control token, where the rule above allows it. */
export function carriesControlToken(req: IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers[CONTROL_TOKEN_HEADER];
  const inQuery = req.method === 'GET' || req.method === 'HEAD' ? url.searchParams.get('token') : null;
  const given = typeof header === 'string' ? header : inQuery;
  if (given === null || given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkAccess(req: IncomingMessage, url: URL, token: string | undefined): void {
  if (token === undefined) return;
  if (!carriesControlToken(req, url, token)) throw new ControlError(403, 'the control token is missing or wrong');
  if (req.method === 'GET' || req.method === 'HEAD') return;
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') throw new ControlError(415, 'control requests that change something must be application/json');
}

export function createControlApi(emulator: BotApiEmulator, options: ControlApiOptions = {}): ControlApi {
  const streams = new Set<ServerResponse>();
  let heartbeat: NodeJS.Timeout | undefined;

  function openEventStream(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const chatFilter = url.searchParams.get('chat_id');
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    const send = (event: string, data: { chat_id?: number }): void => {
      if (chatFilter !== null && String(data.chat_id) !== chatFilter) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const listeners: Array<[keyof EmulatorEvents, (data: never) => void]> = [
      ['transcript', (entry) => send('message', entry)],
      ['chat-action', (action) => send('chat_action', action)],
      ['callback-answer', (answer) => send('callback_answer', answer)],
    ];
    const unsubscribe = listeners.map(([event, listener]) => emulator.on(event, listener as never));
    streams.add(res);
    heartbeat ??= setInterval(() => {
      for (const stream of streams) stream.write(': ping\n\n');
    }, SSE_HEARTBEAT_MS);
    req.on('close', () => {
      for (const off of unsubscribe) off();
      streams.delete(res);
      if (streams.size === 0 && heartbeat) {
        clearInterval(heartbeat);
        heartbeat = undefined;
      }
    });
  }

  function serveFile(res: ServerResponse, file: StoredFile | undefined): void {
    if (!file) throw new ControlError(404, 'no such file');
    res.writeHead(200, {
      'content-type': file.mime,
      'content-length': file.bytes.length,
      'content-disposition': `inline; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
    });
    res.end(file.bytes);
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<unknown> {
    const path = url.pathname.replace(/^\/_emulator/, '').replace(/\/$/, '') || '/';
    const method = req.method ?? 'GET';
    const chatMessages = /^\/chats\/(-?\d+)\/messages$/.exec(path);
    const file = /^\/files\/([^/]+)$/.exec(path);

    if (method === 'GET' && path === '/') {
      return {
        bot: emulator.botInfo,
        api_root: emulator.apiRoot,
        webhook: emulator.webhookInfo(),
        pending_update_count: emulator.pendingUpdates().length,
      };
    }
    if (method === 'GET' && path === '/chats') return emulator.chats();
    if (method === 'POST' && path === '/chats') return emulator.registerChat((await jsonBody(req)) as unknown as ChatRegistration);
    if (method === 'POST' && path === '/messages') {
      const { message, delivered } = emulator.sendUserMessage(toMessageSpec(await jsonBody(req)));
      return { message, delivered };
    }
    if (method === 'POST' && path === '/callback') {
      const { callbackQuery } = emulator.pressButton((await jsonBody(req)) as unknown as ButtonPress);
      return { callback_query: callbackQuery };
    }
    if (method === 'GET' && chatMessages) return emulator.transcript(Number(chatMessages[1]));
    if (method === 'GET' && path === '/sent') {
      const chatId = url.searchParams.get('chat_id');
      return emulator.sentMessages(chatId === null ? undefined : Number(chatId)).map(withoutBytes);
    }
    if (method === 'GET' && path === '/requests') return emulator.requestLog;
    if (method === 'GET' && path === '/callback-answers') return emulator.callbackAnswers;
    if (method === 'POST' && path === '/faults') {
      const body = (await jsonBody(req)) as unknown as FaultSpec & { methodPattern?: string };
      const { methodPattern, ...spec } = body;
      const handle = emulator.injectFault(methodPattern ? { ...spec, method: new RegExp(methodPattern) } : spec);
      return { id: handle.id };
    }
    if (method === 'DELETE' && path === '/faults') {
      emulator.clearFaults();
      return true;
    }
    if (method === 'POST' && path === '/blocked') {
      const body = (await jsonBody(req)) as { userId?: unknown; blocked?: unknown };
      if (typeof body.userId !== 'number') throw new ControlError(400, 'userId must be a number');
      emulator.setBotBlocked(body.userId, body.blocked !== false);
      return true;
    }
    if (method === 'GET' && path === '/events') {
      openEventStream(req, res, url);
      return STREAMING;
    }
    if (method === 'GET' && file) {
      serveFile(res, emulator.file(decodeURIComponent(file[1]!)));
      return STREAMING;
    }
    throw new ControlError(404, `no route ${method} /_emulator${path === '/' ? '/' : path}`);
  }

  return {
    async handle(req, res, url) {
      try {
        checkAccess(req, url, options.token);
        const result = await route(req, res, url);
        if (result !== STREAMING) sendJson(res, 200, { ok: true, result });
      } catch (error) {
        const status = error instanceof ControlError || error instanceof BodyError ? error.status : 400;
        sendJson(res, status, { ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    },
    stop() {
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
      for (const stream of streams) stream.end();
      streams.clear();
    },
  };
}

const STREAMING = Symbol('streaming');

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req, 60 * 1024 * 1024);
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8') || '{}');
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ControlError(400, 'body must be a JSON object');
}

/** Over HTTP, file bytes travel as base64 in `data`. */
function toMessageSpec(body: Record<string, unknown>): UserMessageSpec {
  const spec = { ...body } as Record<string, unknown>;
  for (const key of ['photo', 'document', 'voice']) {
    const file = spec[key] as (UserFileSpec & { data?: unknown }) | undefined;
    if (file && typeof file.data === 'string') spec[key] = { ...file, data: Buffer.from(file.data, 'base64') };
  }
  return spec as unknown as UserMessageSpec;
}

function withoutBytes(record: BotMessageRecord): unknown {
  if (!record.file) return record;
  const { bytes, ...file } = record.file;
  return { ...record, file: { ...file, size: bytes.length, download: `/_emulator/files/${file.file_id}` } };
}
