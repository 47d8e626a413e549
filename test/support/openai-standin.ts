import { seededRandom } from '../../src/domain/random.ts';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for OpenAI's Chat Completions endpoint (non-streaming), for tests and benchmarks.
 * It checks requests the way the API does (key, model, messages, a strict JSON schema, function tools and
 * their results), answers from a test-set responder (content, or tool calls via `toolCalls`), and fails
 * on demand in each way the real service fails.
 */

export type StandinMode =
  | 'ok'
  /** Never answer; the socket is held until the client gives up or the stand-in stops. */
  | 'timeout'
  /** 500 with an OpenAI error body. */
  | 'server_error'
  /** 429 with a `retry-after` header in seconds. */
  | 'rate_limited'
  /** Content that is not JSON. */
  | 'invalid_json'
  /** JSON that breaks the schema (an enum value that is not in the enum, or a missing required field). */
  | 'schema_violation'
  /** `message.refusal` set, `content` null. */
  | 'refusal'
  /** A 200 whose body is not JSON (a proxy's error page). */
  | 'garbage_http'
  /** finish_reason "length" with truncated content. */
  | 'length'
  /** DashScope's content inspection: 400 `data_inspection_failed`, "Input data may contain inappropriate content." */
  | 'content_filter'
  /** Azure OpenAI's content filter on the prompt: 400 with code `content_filter`. */
  | 'content_filter_azure'
  /** A 200 whose completion the content filter cut: finish_reason "content_filter", no content. */
  | 'content_filter_finish';

export type StandinOutcome = StandinMode | 'bad_request' | 'unauthorized' | 'not_found' | 'responder_error';

export interface StandinRequest {
  body: any;
  /** Messages with their content flattened to text. */
  messages: Array<{ role: string; content: string }>;
  lastUserText: string;
  schemaName?: string;
  schema?: JsonSchema;
  /** The function tools the request offers (tool calling); absent when it offers none. */
  tools?: StandinTool[];
}

export interface StandinTool {
  name: string;
  parameters: JsonSchema;
  strict: boolean;
}

/**
 * Returns the object the model "answers" (serialised as the JSON content); a string is sent as is;
 * `toolCalls(...)` answers with tool calls instead of content.
 */
export type Responder = (request: StandinRequest) => object | string | Promise<object | string>;

/** An answer that asks the client to call tools (see `toolCalls`). */
export class StandinToolCalls {
  constructor(readonly calls: ReadonlyArray<{ name: string; arguments: object | string }>) {}
}

/** What a responder returns to make the "model" call tools: `toolCalls({ name: 'count', arguments: { … } })`. */
export const toolCalls = (...calls: Array<{ name: string; arguments: object | string }>): StandinToolCalls => new StandinToolCalls(calls);

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  outcome: StandinOutcome;
  /** The delay drawn for this request (0 for requests refused before the model runs). */
  latencyMs: number;
}

export interface OpenAiStandinOptions {
  port?: number;
  /** Seed for latency jitter (default 1): the same seed gives the same delays. */
  seed?: number;
}

export interface OpenAiStandin {
  /** `http://127.0.0.1:PORT/v1`, for `new OpenAI({ baseURL, apiKey })`. Valid after start(). */
  readonly baseURL: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  setResponder(responder: Responder): void;
  /** The vector `/embeddings` answers for a text (default: hashed character bigrams, 256 dimensions). */
  setEmbedder(embedder: StandinEmbedder): void;
  /** What `/audio/transcriptions` hears in an upload (default: the words after `SAY:` in its bytes). */
  setTranscriber(transcriber: Transcriber): void;
  setLatency(latency: number | { meanMs: number; jitterMs: number }): void;
  setMode(mode: StandinMode, options?: { retryAfterSeconds?: number }): void;
  /** Modes used once each, in order, by the next requests; then the mode set with setMode applies again. */
  queueModes(modes: StandinMode[]): void;
  /**
   * A mode chosen per request (e.g. a content filter for texts with a marker) before queued modes and setMode;
   * undefined from the rule, or no rule, leaves the choice to them.
   */
  setModeFor(rule: ((request: StandinRequest) => StandinMode | undefined) | undefined): void;
  readonly requests: readonly RecordedRequest[];
  readonly counts: Readonly<Record<StandinOutcome, number>>;
  /** Back to mode 'ok', no latency, the default responder, empty records. */
  reset(): void;
}

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  minimum?: number;
  [key: string]: unknown;
}

const OUTCOMES: StandinOutcome[] = [
  'ok', 'timeout', 'server_error', 'rate_limited', 'invalid_json', 'schema_violation', 'refusal', 'garbage_http',
  'length', 'content_filter', 'content_filter_azure', 'content_filter_finish', 'bad_request', 'unauthorized', 'not_found',
  'responder_error',
];
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: StandinOutcome,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly type = 'invalid_request_error',
  ) {
    super(message);
  }
}

export function createOpenAiStandin(options: OpenAiStandinOptions = {}): OpenAiStandin {
  const requests: RecordedRequest[] = [];
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<StandinOutcome, number>;
  const held = new Set<Socket>();
  const timers = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  let responder: Responder = defaultResponder;
  let transcriber: Transcriber = defaultTranscriber;
  let embedder: StandinEmbedder = defaultEmbedder;
  let mode: StandinMode = 'ok';
  let retryAfterSeconds = 1;
  let queued: StandinMode[] = [];
  let modeFor: ((request: StandinRequest) => StandinMode | undefined) | undefined;
  let latency = { meanMs: 0, jitterMs: 0 };
  let random = seededRandom(options.seed ?? 1);
  let completionCounter = 0;
  let toolCallCounter = 0;
  let port = 0;
  let started = false;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      sendError(res, 500, {
        message: `standin bug: ${error instanceof Error ? error.message : String(error)}`,
        type: 'server_error',
        param: null,
        code: null,
      });
    });
  });

  function sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
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

  /**
   * `/audio/transcriptions` as the API answers it (issue 16): a multipart upload with `file` and `model`; the
   * answer is `{ text }` from the transcriber (default: the words after `SAY:` in the bytes). Modes apply as for
   * chat: 'server_error', 'rate_limited' and 'timeout' fail the call; anything else answers.
   */
  async function transcribe(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const form = parseMultipart(raw, String(req.headers['content-type'] ?? ''));
    const body = { model: form.fields.model, file: form.file && { filename: form.file.filename, bytes: form.file.data.length, type: form.file.type }, fields: form.fields };
    if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) {
      record(req, body, 'unauthorized');
      return sendError(res, 401, { message: 'missing API key', type: 'invalid_request_error', param: null, code: null });
    }
    if (!form.file || !form.fields.model) {
      record(req, body, 'bad_request');
      return sendError(res, 400, { message: "Missing required parameter: 'file' or 'model'.", type: 'invalid_request_error', param: 'file', code: null });
    }
    const current = queued.shift() ?? mode;
    const delay = Math.max(0, latency.meanMs + (random() * 2 - 1) * latency.jitterMs);
    if (current === 'timeout') {
      record(req, body, 'timeout', delay);
      held.add(req.socket);
      req.socket.once('close', () => held.delete(req.socket));
      return;
    }
    await sleep(delay);
    if (res.destroyed) return;
    if (current === 'server_error' || current === 'rate_limited') {
      record(req, body, current, delay);
      return sendError(res, current === 'server_error' ? 500 : 429, { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null });
    }
    record(req, body, 'ok', delay);
    const text = transcriber(form.file.data, form.fields.model);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ text }));
  }

  /**
   * `/embeddings` as the API answers it (issue 11): `{ model, input }` (a string or an array of strings) → one
   * `{ embedding }` per input from the embedder (default: hashed character bigrams, deterministic, unit length),
   * with `usage.prompt_tokens`. Modes apply as for chat: 'timeout', 'server_error', 'rate_limited', 'garbage_http'
   * and the content filters fail the call; anything else answers.
   */
  async function embeddings(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    let body: any;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) {
      record(req, body, 'unauthorized');
      return sendError(res, 401, { message: 'missing API key', type: 'invalid_request_error', param: null, code: null });
    }
    const inputs: unknown[] | undefined = typeof body?.input === 'string' ? [body.input] : Array.isArray(body?.input) ? body.input : undefined;
    if (typeof body?.model !== 'string' || body.model === '' || !inputs || inputs.length === 0 || inputs.some((t) => typeof t !== 'string' || t === '')) {
      record(req, body, 'bad_request');
      return sendError(res, 400, { message: "Invalid 'input' or 'model'.", type: 'invalid_request_error', param: 'input', code: null });
    }
    const current = queued.shift() ?? mode;
    const delay = Math.max(0, latency.meanMs + (random() * 2 - 1) * latency.jitterMs);
    if (current === 'timeout') {
      record(req, body, 'timeout', delay);
      held.add(req.socket);
      req.socket.once('close', () => held.delete(req.socket));
      return;
    }
    await sleep(delay);
    if (res.destroyed) return;
    if (current === 'server_error' || current === 'rate_limited') {
      record(req, body, current, delay);
      return sendError(res, current === 'server_error' ? 500 : 429, { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null }, current === 'rate_limited' ? { 'retry-after': String(retryAfterSeconds) } : {});
    }
    if (current === 'content_filter' || current === 'content_filter_azure') {
      record(req, body, current, delay);
      return sendError(res, 400, { message: 'Input data may contain inappropriate content.', type: 'data_inspection_failed', param: null, code: 'data_inspection_failed' });
    }
    if (current === 'garbage_http') {
      record(req, body, current, delay);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html><body><h1>Upstream proxy error</h1></body></html>');
      return;
    }
    record(req, body, 'ok', delay);
    const texts = inputs as string[];
    const text = JSON.stringify({
      object: 'list',
      model: body.model,
      data: texts.map((t, index) => ({ object: 'embedding', index, embedding: embedder(t, body.model) })),
      usage: { prompt_tokens: texts.reduce((sum, t) => sum + estimateTokens(t), 0), total_tokens: texts.reduce((sum, t) => sum + estimateTokens(t), 0) },
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  function record(req: IncomingMessage, body: unknown, outcome: StandinOutcome, latencyMs = 0): void {
    requests.push({ at: Date.now(), method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, outcome, latencyMs });
    counts[outcome]++;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readAll(req);
    if ((req.url ?? '').split('?')[0] === '/v1/audio/transcriptions') return transcribe(req, res, raw);
    if ((req.url ?? '').split('?')[0] === '/v1/embeddings') return embeddings(req, res, raw);
    let body: unknown = raw.toString('utf8');
    try {
      body = JSON.parse(body as string);
    } catch {
      // recorded as text; validate() rejects it
    }
    let request: StandinRequest;
    try {
      request = validate(req, body);
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      record(req, body, error.outcome);
      sendError(res, error.status, { message: error.message, type: error.type, param: error.param, code: error.code });
      return;
    }

    const current = modeFor?.(request) ?? queued.shift() ?? mode;
    const delay = Math.max(0, latency.meanMs + (random() * 2 - 1) * latency.jitterMs);
    if (current === 'timeout') {
      record(req, body, 'timeout', delay);
      held.add(req.socket);
      req.socket.once('close', () => held.delete(req.socket));
      return;
    }
    await sleep(delay);
    if (res.destroyed) return;

    switch (current) {
      case 'server_error':
        record(req, body, current, delay);
        sendError(res, 500, {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: null,
        });
        return;
      case 'rate_limited':
        record(req, body, current, delay);
        sendError(
          res,
          429,
          {
            message: `Rate limit reached for ${request.body.model} in organization org-standin on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${retryAfterSeconds}s.`,
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
          { 'retry-after': String(retryAfterSeconds), 'x-ratelimit-remaining-requests': '0' },
        );
        return;
      case 'garbage_http':
        record(req, body, current, delay);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('<html><body><h1>Upstream proxy error</h1></body></html>');
        return;
      case 'content_filter':
        record(req, body, current, delay);
        sendError(res, 400, { message: 'Input data may contain inappropriate content.', type: 'data_inspection_failed', param: null, code: 'data_inspection_failed' });
        return;
      case 'content_filter_azure':
        record(req, body, current, delay);
        sendError(res, 400, {
          message:
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
          type: 'invalid_request_error',
          param: 'prompt',
          code: 'content_filter',
        });
        return;
      default:
        break;
    }

    let answer: object | string;
    try {
      answer = current === 'refusal' ? '' : await responder(request);
    } catch (error) {
      record(req, body, 'responder_error', delay);
      sendError(res, 500, { message: `standin responder threw: ${String(error)}`, type: 'server_error', param: null, code: null });
      return;
    }
    let calls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> | undefined;
    if (answer instanceof StandinToolCalls) {
      if (current === 'ok') {
        const problem = toolCallProblem(answer, request.tools);
        if (problem) {
          record(req, body, 'responder_error', delay);
          sendError(res, 500, { message: `standin responder asked for a tool call the request does not allow: ${problem}`, type: 'server_error', param: null, code: null });
          return;
        }
        calls = answer.calls.map((call) => ({
          id: `call_standin_${++toolCallCounter}`,
          type: 'function' as const,
          function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
        }));
      }
      // The failure modes below act on an empty answer.
      answer = '';
    }
    let content: string | null = calls ? null : typeof answer === 'string' ? answer : JSON.stringify(answer);
    let refusal: string | null = null;
    let finishReason: 'stop' | 'length' | 'tool_calls' | 'content_filter' = calls ? 'tool_calls' : 'stop';

    if (current === 'ok' && request.schema && typeof answer !== 'string') {
      answer = withNullsForMissing(answer, request.schema);
      const problems = validateAgainstSchema(answer, request.schema);
      if (problems.length > 0) {
        record(req, body, 'responder_error', delay);
        sendError(res, 500, {
          message: `standin responder answered against the schema (use mode 'schema_violation' for that on purpose): ${problems.join('; ')}`,
          type: 'server_error',
          param: null,
          code: null,
        });
        return;
      }
    }
    if (current === 'invalid_json') content = `Sure! Here is the classification you asked for: {"category": ${JSON.stringify(request.lastUserText.slice(0, 20))},`;
    if (current === 'schema_violation') content = JSON.stringify(violate(typeof answer === 'string' ? {} : answer, request.schema));
    if (current === 'length') {
      content = (content ?? '').slice(0, Math.max(1, Math.floor((content ?? '').length / 2)));
      finishReason = 'length';
    }
    if (current === 'refusal') {
      content = null;
      refusal = "I'm sorry, but I can't assist with that request.";
    }
    if (current === 'content_filter_finish') {
      content = null;
      finishReason = 'content_filter';
    }

    record(req, body, current, delay);
    const promptTokens = request.messages.reduce((sum, m) => sum + estimateTokens(m.content) + 4, 3) +
      (request.schema ? estimateTokens(JSON.stringify(request.schema)) : 0) +
      (request.tools ? estimateTokens(JSON.stringify(request.tools)) : 0);
    const completionTokens = estimateTokens(content ?? refusal ?? JSON.stringify(calls ?? ''));
    const completion = {
      id: `chatcmpl-standin${++completionCounter}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal, annotations: [], ...(calls && { tool_calls: calls }) },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
      service_tier: 'default',
      system_fingerprint: 'fp_standin',
    };
    const text = JSON.stringify(completion);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-request-id': `req_standin_${completionCounter}`,
      'openai-processing-ms': String(Math.round(delay)),
    });
    res.end(text);
  }

  const standin: OpenAiStandin = {
    get baseURL() {
      if (!started) throw new Error('standin: baseURL is known only after start()');
      return `http://127.0.0.1:${port}/v1`;
    },
    async start() {
      if (started) return;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, '127.0.0.1', () => {
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
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.done();
      }
      timers.clear();
      for (const socket of held) socket.destroy();
      held.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    setResponder(next) {
      responder = next;
    },
    setTranscriber(next) {
      transcriber = next;
    },
    setEmbedder(next) {
      embedder = next;
    },
    setLatency(next) {
      latency = typeof next === 'number' ? { meanMs: next, jitterMs: 0 } : { ...next };
    },
    setMode(next, modeOptions = {}) {
      mode = next;
      if (modeOptions.retryAfterSeconds !== undefined) retryAfterSeconds = modeOptions.retryAfterSeconds;
    },
    queueModes(modes) {
      queued.push(...modes);
    },
    setModeFor(rule) {
      modeFor = rule;
    },
    get requests() {
      return requests;
    },
    get counts() {
      return counts;
    },
    reset() {
      responder = defaultResponder;
      transcriber = defaultTranscriber;
      embedder = defaultEmbedder;
      mode = 'ok';
      retryAfterSeconds = 1;
      queued = [];
      modeFor = undefined;
      latency = { meanMs: 0, jitterMs: 0 };
      random = seededRandom(options.seed ?? 1);
      requests.length = 0;
      toolCallCounter = 0;
      for (const outcome of OUTCOMES) counts[outcome] = 0;
    },
  };
  return standin;
}

/** Checks what the API checks before it runs the model. */
function validate(req: IncomingMessage, body: unknown): StandinRequest {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'POST' || path !== '/v1/chat/completions') {
    throw new RequestError(404, 'not_found', `Invalid URL (${req.method} ${path})`);
  }
  const auth = req.headers.authorization ?? '';
  if (!/^Bearer \S+$/.test(auth)) {
    throw new RequestError(
      401,
      'unauthorized',
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestError(400, 'bad_request', 'We could not parse the JSON body of your request.');
  }
  const b = body as Record<string, any>;
  if (typeof b.model !== 'string' || b.model === '') {
    throw new RequestError(400, 'bad_request', 'you must provide a model parameter', 'model');
  }
  if (b.stream === true) throw new RequestError(400, 'bad_request', 'standin: streaming is not implemented', 'stream');
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    throw new RequestError(400, 'bad_request', "Invalid 'messages': empty array. Expected an array with minimum length 1.", 'messages');
  }
  const messages = b.messages.map((m: any, i: number) => {
    if (typeof m !== 'object' || m === null || !ROLES.has(m.role)) {
      throw new RequestError(400, 'bad_request', `Invalid value for 'messages[${i}].role'.`, `messages[${i}].role`);
    }
    const content = flattenContent(m.content);
    if (content === undefined && m.role !== 'assistant') {
      throw new RequestError(400, 'bad_request', `Invalid type for 'messages[${i}].content'.`, `messages[${i}].content`);
    }
    return { role: String(m.role), content: content ?? '' };
  });
  checkToolConversation(b.messages);
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const tools = b.tools === undefined ? undefined : validateTools(b.tools);

  const format = b.response_format;
  let schemaName: string | undefined;
  let schema: JsonSchema | undefined;
  if (format !== undefined) {
    if (format?.type === 'json_schema') {
      const js = format.json_schema ?? {};
      if (typeof js.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(js.name)) {
        throw new RequestError(400, 'bad_request', "Invalid 'response_format.json_schema.name'.", 'response_format.json_schema.name');
      }
      if (typeof js.schema !== 'object' || js.schema === null) {
        throw new RequestError(400, 'bad_request', "Missing required parameter: 'response_format.json_schema.schema'.", 'response_format');
      }
      if (js.strict === true) {
        const problem = strictSchemaProblem(js.schema as JsonSchema, js.schema as JsonSchema, '');
        if (problem) {
          throw new RequestError(400, 'bad_request', `Invalid schema for response_format '${js.name}': ${problem}`, 'response_format', 'invalid_json_schema');
        }
      }
      schemaName = js.name;
      schema = js.schema as JsonSchema;
    } else if (format?.type === 'json_object') {
      if (!messages.some((m: { content: string }) => /json/i.test(m.content))) {
        throw new RequestError(400, 'bad_request', "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'messages');
      }
    } else if (format?.type !== 'text') {
      throw new RequestError(400, 'bad_request', "Invalid value for 'response_format.type'.", 'response_format.type');
    }
  }
  return {
    body: b,
    messages,
    lastUserText: lastUser?.content ?? '',
    ...(schemaName ? { schemaName } : {}),
    ...(schema ? { schema } : {}),
    ...(tools ? { tools } : {}),
  };
}

/** `tools` as the API checks it: function tools with valid names, and strict schemas that are strict. */
function validateTools(raw: unknown): StandinTool[] {
  if (!Array.isArray(raw)) throw new RequestError(400, 'bad_request', "Invalid type for 'tools': expected an array.", 'tools');
  return raw.map((tool: any, i: number) => {
    if (tool?.type !== 'function' || typeof tool.function !== 'object' || tool.function === null) {
      throw new RequestError(400, 'bad_request', `Invalid value for 'tools[${i}].type'.`, `tools[${i}].type`);
    }
    const fn = tool.function;
    if (typeof fn.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(fn.name)) {
      throw new RequestError(400, 'bad_request', `Invalid 'tools[${i}].function.name'.`, `tools[${i}].function.name`);
    }
    const parameters = (fn.parameters ?? { type: 'object', properties: {} }) as JsonSchema;
    if (fn.strict === true) {
      const problem = strictSchemaProblem(parameters, parameters, '');
      if (problem) {
        throw new RequestError(400, 'bad_request', `Invalid schema for function '${fn.name}': ${problem}`, `tools[${i}].function.parameters`, 'invalid_function_parameters');
      }
    }
    return { name: fn.name, parameters, strict: fn.strict === true };
  });
}

/** OpenAI's refusal of a conversation that leaves tool calls unanswered. */
function unansweredToolCalls(pending: ReadonlySet<string>): RequestError {
  return new RequestError(
    400,
    'bad_request',
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
    'messages',
  );
}

/** Tool results must answer the assistant message right before them, and every call must be answered. */
function checkToolConversation(messages: any[]): void {
  let pending: Set<string> | undefined;
  messages.forEach((m: any, i: number) => {
    if (m.role === 'tool') {
      if (!pending || typeof m.tool_call_id !== 'string' || !pending.has(m.tool_call_id)) {
        throw new RequestError(400, 'bad_request', "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", `messages.[${i}].role`);
      }
      pending.delete(m.tool_call_id);
      return;
    }
    if (pending && pending.size > 0) {
      throw unansweredToolCalls(pending);
    }
    pending = m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0
      ? new Set(m.tool_calls.map((c: any) => String(c?.id)))
      : undefined;
  });
  if (pending && pending.size > 0) {
    throw unansweredToolCalls(pending);
  }
}

/** A responder's tool calls must name offered tools, with arguments that fit a strict tool's schema. */
function toolCallProblem(answer: StandinToolCalls, tools: StandinTool[] | undefined): string | undefined {
  if (answer.calls.length === 0) return 'no calls';
  for (const call of answer.calls) {
    const tool = tools?.find((t) => t.name === call.name);
    if (!tool) return `${call.name} is not among the request's tools`;
    if (tool.strict && typeof call.arguments !== 'string') {
      const problems = validateAgainstSchema(call.arguments, tool.parameters);
      if (problems.length > 0) return `${call.name}: ${problems.join('; ')}`;
    }
  }
  return undefined;
}

function flattenContent(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part: any) => (part?.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
  }
  return undefined;
}

/**
 * A top-level nullable field the responder left out is answered null, as a strict-mode model with nothing to say
 * would: responders written before a field such as the classification's `subtopic` existed keep working.
 */
function withNullsForMissing(answer: object, schema: JsonSchema): object {
  const root = resolveRef(schema, schema);
  if (Array.isArray(answer) || !root.properties) return answer;
  const filled: Record<string, unknown> = { ...(answer as Record<string, unknown>) };
  for (const key of root.required ?? []) {
    const type = resolveRef(root.properties[key] ?? {}, schema).type;
    if (!(key in filled) && Array.isArray(type) && type.includes('null')) filled[key] = null;
  }
  return filled;
}

function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(schema.$ref);
  const target = match ? (root[match[1]!] as Record<string, JsonSchema> | undefined)?.[match[2]!] : schema.$ref === '#' ? root : undefined;
  if (!target) throw new Error(`standin: cannot resolve $ref ${schema.$ref}`);
  return target;
}

/** OpenAI's strict mode: every object closes its properties and requires all of them. */
function strictSchemaProblem(schema: JsonSchema, root: JsonSchema, path: string): string | undefined {
  const s = schema.$ref ? resolveRef(schema, root) : schema;
  if (s.properties) {
    if (s.additionalProperties !== false) {
      return `In context=(${path}), 'additionalProperties' is required to be supplied and to be false.`;
    }
    const keys = Object.keys(s.properties);
    const missing = keys.filter((k) => !(s.required ?? []).includes(k));
    if (missing.length) {
      return `In context=(${path}), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    }
    for (const [key, child] of Object.entries(s.properties)) {
      const problem = strictSchemaProblem(child, root, path ? `${path}, '${key}'` : `'properties', '${key}'`);
      if (problem) return problem;
    }
  }
  if (s.items) return strictSchemaProblem(s.items, root, `${path}, 'items'`);
  for (const option of s.anyOf ?? []) {
    const problem = strictSchemaProblem(option, root, `${path}, 'anyOf'`);
    if (problem) return problem;
  }
  return undefined;
}

const typeOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;

/** The schema checks structured outputs guarantee: types, enums, required and closed objects. */
export function validateAgainstSchema(value: unknown, schema: JsonSchema, root: JsonSchema = schema, path = '$'): string[] {
  const s = resolveRef(schema, root);
  if (s.anyOf) {
    return s.anyOf.some((option) => validateAgainstSchema(value, option, root, path).length === 0)
      ? []
      : [`${path} matches none of anyOf`];
  }
  const problems: string[] = [];
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const actual = typeOf(value);
    const fits = types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
    if (!fits) return [`${path} should be ${types.join(' or ')}, got ${actual}`];
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    problems.push(`${path} ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  }
  if (s.const !== undefined && JSON.stringify(s.const) !== JSON.stringify(value)) problems.push(`${path} should be ${JSON.stringify(s.const)}`);
  if (typeOf(value) === 'object' && (s.properties || s.required)) {
    const object = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in object)) problems.push(`${path}.${key} is required`);
    for (const [key, child] of Object.entries(object)) {
      const childSchema = s.properties?.[key];
      if (childSchema) problems.push(...validateAgainstSchema(child, childSchema, root, `${path}.${key}`));
      else if (s.additionalProperties === false) problems.push(`${path}.${key} is not allowed`);
    }
  }
  if (Array.isArray(value) && s.items) {
    value.forEach((item, i) => problems.push(...validateAgainstSchema(item, s.items!, root, `${path}[${i}]`)));
  }
  return problems;
}

/** The smallest answer that fits the schema: first enum values, empty strings, zeros, false. */
export function exampleFor(schema: JsonSchema, root: JsonSchema = schema): unknown {
  const s = resolveRef(schema, root);
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  if (s.anyOf?.length) return exampleFor(s.anyOf[0]!, root);
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : ['object'];
  const type = types.find((t) => t !== 'null') ?? 'null';
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, exampleFor(v, root)]));
    case 'array':
      return [];
    case 'string':
      return 'example';
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' && s.minimum > 0 ? s.minimum : 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function defaultResponder(request: StandinRequest): object | string {
  return request.schema ? (exampleFor(request.schema) as object) : 'OK';
}

/** Breaks an answer against its schema: an enum value that is not allowed, else a missing required field. */
function violate(answer: object, schema: JsonSchema | undefined): unknown {
  const copy = structuredClone(answer) as Record<string, unknown>;
  if (!schema) return { ...copy, unexpected_field: true };
  const root = schema;
  const s = resolveRef(schema, root);
  const enumKey = Object.entries(s.properties ?? {}).find(([, child]) => resolveRef(child, root).enum)?.[0];
  if (enumKey) copy[enumKey] = 'not_in_the_enum';
  else if (s.required?.[0]) delete copy[s.required[0]];
  else copy.unexpected_field = true;
  return copy;
}

/** Roughly what a tokenizer would count: a CJK character is about a token, other text about four characters a token. */
function estimateTokens(text: string): number {
  const cjk = (text.match(/[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]/g) ?? []).length;
  return cjk + Math.ceil((text.length - cjk) / 4);
}


export type Transcriber = (audio: Buffer, model: string) => string;

export type StandinEmbedder = (text: string, model: string) => number[];

/**
 * Deterministic "meaning": each character bigram (and each lower-case word) of the text hashed into one of 256
 * dimensions, the counts scaled to unit length. Texts that share wording are near; it knows no synonyms.
 */
export const defaultEmbedder: StandinEmbedder = (text) => {
  const vector = new Array<number>(256).fill(0);
  const chars = Array.from(text.normalize('NFKC').toLowerCase().replace(/\s+/g, ''));
  const grams = [...chars.slice(1).map((c, i) => chars[i]! + c), ...(text.toLowerCase().match(/[a-z]{3,}/g) ?? [])];
  for (const gram of grams) {
    let hash = 2166136261;
    for (let i = 0; i < gram.length; i++) hash = Math.imul(hash ^ gram.charCodeAt(i), 16777619);
    vector[(hash >>> 0) % 256]! += 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0)) || 1;
  return vector.map((v) => v / norm);
};

/** Deterministic "speech": the text after `SAY:` in the bytes, else a line naming the size. */
const defaultTranscriber: Transcriber = (audio) => {
  const text = audio.toString('utf8');
  const at = text.indexOf('SAY:');
  return at >= 0 ? text.slice(at + 4).trim() : `(${audio.length} bytes of speech)`;
};

/** The parts of a multipart/form-data body: text fields, and the `file` part's bytes. */
function parseMultipart(raw: Buffer, contentType: string): { fields: Record<string, string>; file?: { filename: string; type: string; data: Buffer } } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const fields: Record<string, string> = {};
  if (!boundary) return { fields };
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]!}`);
  let file: { filename: string; type: string; data: Buffer } | undefined;
  let start = raw.indexOf(delimiter);
  while (start >= 0) {
    const next = raw.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = raw.subarray(start + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split >= 0) {
      const head = part.subarray(0, split).toString('utf8');
      const data = part.subarray(split + 4);
      const name = /name="([^"]*)"/.exec(head)?.[1] ?? '';
      const filename = /filename="([^"]*)"/.exec(head)?.[1];
      if (filename !== undefined) file = { filename, type: /content-type:\s*(\S+)/i.exec(head)?.[1] ?? '', data };
      else fields[name] = data.toString('utf8');
    }
    start = next;
  }
  return { fields, ...(file && { file }) };
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendError(
  res: ServerResponse,
  status: number,
  error: { message: string; type: string; param: string | null; code: string | null },
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify({ error });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Knowledge-answer mode (issue 15): answers `knowledge_answer` requests the way a careful model would, from
 * the entries the request offers — the first offered entry whose heading shares a word-sized piece with the
 * question, its first body line as the answer, citing it — and `{ answerable: false }` when none does.
 * `invent` makes it add a date no entry contains (the answer the bot must refuse); `cite` overrides the ids
 * it cites (e.g. one it was never offered). Any other request goes to `otherwise`.
 */
export function knowledgeAnswerResponder(
  otherwise: Responder,
  options: { invent?: string; cite?: string[]; answerable?: boolean } = {},
): Responder {
  return (request) => {
    if (request.schemaName !== 'knowledge_answer') return otherwise(request);
    const { question, entries } = JSON.parse(request.lastUserText) as { question: string; entries: Array<{ id: string; title: string; text: string }> };
    const pieces = (s: string) => {
      const han = Array.from(s.replace(/[^\p{Script=Han}]/gu, ''));
      return new Set([...han.slice(1).map((c, i) => han[i]! + c), ...(s.toLowerCase().match(/[a-z]{4,}/g) ?? [])]);
    };
    const asked = pieces(question);
    const chosen = options.answerable === false ? undefined : entries.find((e) => [...pieces(e.title)].filter((p) => asked.has(p)).length >= 2);
    if (!chosen) return { answerable: false, answer: null, cited_entry_ids: [] };
    const firstLine = chosen.text.split('\n').find((l) => l.trim() !== '') ?? chosen.text;
    return { answerable: true, answer: options.invent ? `${firstLine} ${options.invent}` : firstLine, cited_entry_ids: options.cite ?? [chosen.id] };
  };
}
