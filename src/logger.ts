import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.ts';
import { redactPersonalData } from './domain/redact.ts';

/**
 * The one log-safety layer every logger goes through. Errors from grammY and the OpenAI SDK carry what
 * must never be logged: the request URL with the bot token (`…/bot<TOKEN>/getUpdates` in a fetch error),
 * the outgoing payload with a resident's words (GrammyError.payload), request bodies and headers. So an
 * error is logged as a few safe fields only, and every finished line is scrubbed of the secrets we know.
 */

export interface LoggerOptions {
  pretty?: boolean;
  /** Values that must never appear in a log line (BOT_TOKEN, OPENAI_API_KEY, WEBHOOK_SECRET). */
  secrets?: ReadonlyArray<string | undefined>;
  /** Where lines go (tests capture them); default stdout. */
  destination?: DestinationStream;
}

// Secret shapes, whatever their value. Each is a run of one character class after a literal: linear time.
const SECRET_SHAPES: Array<[RegExp, string]> = [
  // The Bot API URL path, also URL-encoded: /bot123456:AAE…/getUpdates
  [/bot\d+(?::|%3A)[A-Za-z0-9_-]+/gi, 'bot[secret]'],
  // A bare bot token (BotFather's secret half is 35 characters).
  [/\b\d{5,}:[A-Za-z0-9_-]{30,}/g, '[secret]'],
  // API keys in OpenAI's shape (sk-…, sk-proj-…).
  [/\bsk-[A-Za-z0-9_-]{8,}/g, 'sk-[secret]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [secret]'],
  // Secrets in a query string (?key=…, &token=…) and credentials in a URL (//user:pass@host).
  [/([?&](?:api[_-]?key|key|token|access_token|secret|password|signature|sig)=)[^&\s"'#]+/gi, '$1[secret]'],
  [/\/\/[^/\s:@"']+:[^/\s@"']+@/g, '//[secret]@'],
];

/** Known secret values and secret shapes replaced by a marker; everything else unchanged. */
export function maskSecrets(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) {
    result = result.split(secret).join('[secret]');
    // As it appears inside a JSON string (a key may hold quotes or backslashes).
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) result = result.split(escaped).join('[secret]');
  }
  for (const [pattern, replacement] of SECRET_SHAPES) result = result.replace(pattern, replacement);
  return result;
}

const MAX_DESCRIPTION = 300;

/** A message fit for a log: secrets and personal data (phones, IDs, e-mail) masked, and short. */
export function safeDescription(text: string, secrets: readonly string[] = []): string {
  const masked = redactPersonalData(maskSecrets(text, secrets));
  return masked.length > MAX_DESCRIPTION ? `${masked.slice(0, MAX_DESCRIPTION)}…` : masked;
}

/**
 * An error as a log may show it: its kind, codes, the Telegram method, a masked description, stack
 * frames without the message, and its cause the same way. Payloads, bodies, headers and texts are dropped.
 */
export function serializeError(error: unknown, secrets: readonly string[] = [], depth = 0): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) return { type: typeof error, message: safeDescription(String(error), secrets) };
  const e = error as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : (error.constructor?.name ?? e.name);
  if (typeof name === 'string' && name) out.type = safeDescription(name, secrets);
  // A provider's answer (the OpenAI SDK's APIError carries status and headers) is their words, and content
  // filters quote the input: only its status and codes are kept.
  const remote = typeof e.status === 'number' && 'headers' in e;
  if (remote) out.message = `HTTP ${String(e.status)}`;
  else if (typeof e.message === 'string') out.message = safeDescription(e.message, secrets);
  if (remote && typeof e.type === 'string' && /^[A-Za-z0-9_.-]{1,60}$/.test(e.type)) out.error_type = e.type;
  for (const key of ['code', 'status', 'error_code', 'errno', 'syscall'] as const) {
    const value = e[key];
    if (typeof value === 'number' || (typeof value === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(value))) out[key] = value;
  }
  if (typeof e.method === 'string' && /^[A-Za-z]{1,40}$/.test(e.method)) out.method = e.method;
  if (typeof e.description === 'string') out.description = safeDescription(e.description, secrets);
  const retryAfter = (e.parameters as { retry_after?: unknown } | undefined)?.retry_after;
  if (typeof retryAfter === 'number') out.retry_after = retryAfter;
  if (typeof e.stack === 'string') {
    // Frames only: the stack's first lines repeat the message, which is already masked above.
    const frames = e.stack.split('\n').filter((line) => line.startsWith('    at ')).slice(0, 12);
    if (frames.length > 0) out.stack = maskSecrets(frames.join('\n'), secrets);
  }
  // grammY's HttpError keeps the fetch error in `error`; others use `cause`.
  const cause = e.error instanceof Error ? e.error : e.cause;
  if (cause !== undefined && cause !== error && depth < 3) out.cause = serializeError(cause, secrets, depth + 1);
  if (Array.isArray(e.errors) && depth < 3) out.errors = e.errors.slice(0, 3).map((inner) => serializeError(inner, secrets, depth + 1));
  return out;
}

/**
 * A failure reason from our own Result types ("LLM HTTP 400: <provider text>", "LLM refused: <model text>"):
 * only its kind, before the first ": ", since the rest is a provider's or a model's words and may quote the resident.
 */
export function reasonKind(reason: unknown, secrets: readonly string[] = []): string {
  const text = String(reason);
  const colon = text.indexOf(': ');
  return safeDescription(colon === -1 ? text : text.slice(0, colon), secrets);
}


/** The configuration's secret values, for createLogger's `secrets` (the token's secret half on its own too). */
export function secretsOf(config: Pick<Config, 'botToken' | 'llm' | 'delivery'>): string[] {
  return [
    config.botToken,
    config.botToken?.split(':')[1],
    config.llm?.apiKey,
    config.delivery.mode === 'webhook' ? config.delivery.secret : undefined,
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/**
 * JSON logs for operators; pretty lines only when a person is watching a terminal in development.
 * Secrets never reach a log line: the config is never logged whole, these paths are censored, errors keep
 * only safe fields, and each finished line is scrubbed of the known secret values and secret shapes.
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const secrets = [...new Set((options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 6))]
    // Longest first, so a token is masked whole before its secret half is.
    .sort((a, b) => b.length - a.length);
  const pretty = !options.destination && (options.pretty ?? (process.stdout.isTTY && process.env.NODE_ENV !== 'production'));
  const safeField = (value: unknown) => (typeof value === 'string' ? safeDescription(value, secrets) : serializeError(value, secrets));
  const settings: pino.LoggerOptions = {
    level,
    redact: {
      paths: ['token', 'botToken', 'apiKey', 'config.botToken', 'config.llm.apiKey', '*.apiKey', '*.token', 'headers.authorization'],
      censor: '[secret]',
    },
    serializers: {
      err: (value: unknown) => serializeError(value, secrets),
      error: safeField,
      reason: (value: unknown) => (value instanceof Error ? serializeError(value, secrets) : reasonKind(value, secrets)),
    },
    hooks: { streamWrite: (line) => maskSecrets(line, secrets) },
    ...(pretty && { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } }),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
