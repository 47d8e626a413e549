import { Cron } from 'croner';
import { z } from 'zod';
import { maskSecrets } from './logger.ts';
import { MINUTE, HOUR, DAY } from './domain/time.ts';

/**
 * Configuration is read once, at the boundary, from the environment (and a .env file, loaded by main.ts).
 * A bad value stops the program with one line naming the variable: operators should never need a stack trace.
 */

const optionalString = z.string().trim().optional();

const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const positiveNumber = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'expected a positive number')
  .transform(Number)
  .pipe(z.number().positive());

const timezone = z
  .string()
  .trim()
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'expected an IANA time zone such as Asia/Shanghai');

const chatIdList = z
  .string()
  .trim()
  .refine((s) => s.split(',').every((part) => /^-?\d+$/.test(part.trim())), 'expected comma-separated chat ids such as -1001234567890,-1009876543210')
  .transform((s) => s.split(',').map((part) => Number(part.trim())));

const userIdList = z
  .string()
  .trim()
  .refine((s) => s.split(',').every((part) => /^\d{1,15}$/.test(part.trim())), 'expected comma-separated Telegram user ids such as 12345678,87654321')
  .transform((s) => s.split(',').map((part) => Number(part.trim())));

/** A length of time as operators write it: 30m, 90s, 2h; a bare number is minutes. */
const duration = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,7}\s*(?:s|m|min|h)?$/i, 'expected a duration such as 30m, 90s or 2h (a bare number is minutes)')
    .transform((s) => {
      const [, amount, unit = 'm'] = /^(\d+)\s*([a-z]*)$/i.exec(s)!;
      const scale = /^s$/i.test(unit) ? 1000 : /^h$/i.test(unit) ? HOUR : MINUTE;
      return Number(amount) * scale;
    })
    .pipe(z.number().min(min, `expected at least ${min / 1000} seconds`).max(max, `expected at most ${max / HOUR} hours`));

const url = z.string().trim().url('expected a URL such as https://example.org/path');

const clockTime = z
  .string()
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day as HH:MM, for example 09:00');

const cronPattern = z
  .string()
  .trim()
  .refine((pattern) => {
    try {
      // Without a function to call, croner only parses the pattern: nothing is scheduled.
      new Cron(pattern);
      return true;
    } catch {
      return false;
    }
  }, 'expected a cron pattern such as "30 3 * * *" (minute hour day month weekday)');

const weights = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?,\d+(\.\d+)?,\d+(\.\d+)?$/, 'expected three weights "response,resolution,satisfaction" such as 30,35,35')
  // All zero (or absurdly long digits) would divide by zero or infinity: every score NaN.
  .refine((s) => {
    const parts = s.split(',').map(Number);
    return parts.every(Number.isFinite) && parts.some((w) => w > 0);
  }, 'expected at least one weight above 0, such as 30,35,35')
  .transform((s) => {
    const [response, resolution, satisfaction] = s.split(',').map(Number) as [number, number, number];
    const total = response + resolution + satisfaction;
    return { response: response / total, resolution: resolution / total, satisfaction: satisfaction / total };
  });

const EnvSchema = z.object({
  BOT_TOKEN: z
    .string()
    .trim()
    .regex(/^\d+:[A-Za-z0-9_-]+$/, 'expected a token from @BotFather such as 123456:ABC-DEF…')
    .optional(),
  TELEGRAM_API_ROOT: url.default('https://api.telegram.org'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: url.optional(),
  OPENAI_MODEL: z.string().trim().min(1).default('gpt-4o-mini'),
  OPENAI_TIMEOUT_MS: integer(100, 600_000).default(15_000),
  OPENAI_MAX_RETRIES: integer(0, 5).default(1),
  OPENAI_TRANSCRIBE_MODEL: optionalString,
  OPENAI_TRANSCRIBE_BASE_URL: url.optional(),
  MAX_VOICE_SECONDS: integer(1, 86_400).default(300),
  OPENAI_VISION_MODEL: optionalString,
  OPENAI_EMBEDDING_MODEL: optionalString,
  LLM_CONCURRENCY: integer(1, 256).default(48),
  LLM_BUDGET_PER_RESIDENT_HOUR: integer(0, 100_000).default(20),
  LLM_RECLASSIFY_SECONDS: integer(1, 86_400).default(10),
  DATABASE_PATH: z.string().trim().min(1).default('./data/minyi.sqlite'),
  STAFF_CHAT_IDS: chatIdList.default([]),
  STAFF_LANGUAGE: z.enum(['zh', 'en']).default('zh'),
  STAFF_ADMIN_IDS: userIdList.default([]),
  UNIT_REVIEW: z.enum(['on', 'off'], { message: 'expected on or off' }).default('on'),
  SIGN_WITHIN_HOURS: positiveNumber.default(24),
  SIGN_WITHIN_HOURS_URGENT: positiveNumber.default(4),
  LEADER_CHAT_IDS: chatIdList.default([]),
  LEADER_AFTER_DAYS: integer(1, 365).default(3),
  TIMEZONE: timezone.default('Asia/Shanghai'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEBHOOK_URL: url.optional(),
  WEBHOOK_SECRET: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, 'expected 16–256 characters of A-Z, a-z, 0-9, _ and -')
    .optional(),
  PORT: integer(1, 65_535).default(8080),
  FLOOD_MAX_MESSAGES: integer(1, 10_000).default(8),
  FLOOD_WINDOW_SECONDS: integer(1, 86_400).default(60),
  RECURRING_WITHIN_DAYS: integer(1, 3650).default(30),
  WIDESPREAD_MIN_RESIDENTS: integer(2, 100_000).default(5),
  WIDESPREAD_WITHIN_DAYS: integer(1, 365).default(7),
  // District-wide themes (一类问题, issue 11): one subtopic at this many units within the window tells staff once.
  THEME_MIN_UNITS: integer(2, 10_000).default(3),
  THEME_WINDOW_DAYS: integer(1, 365).default(14),
  OVERDUE_REMINDER_TIME: clockTime.default('09:00'),
  DIGEST_CRON: z.string().trim().min(1).default('0 9 * * 1'),
  RESPONSE_WINDOW_HOURS: positiveNumber.default(24),
  RANKING_MIN_PROBLEMS: integer(1, 100_000).default(3),
  RANKING_WEIGHTS: weights.default({ response: 0.3, resolution: 0.35, satisfaction: 0.35 }),
  SANDBOX_PORT: integer(1, 65_535).default(8080),
  BACKUP_DIR: optionalString,
  BACKUP_CRON: cronPattern.default('30 3 * * *'),
  BACKUP_KEEP: integer(1, 10_000).default(14),
  KNOWLEDGE_DIR: z.string().trim().min(1).default('prompts/knowledge/'),
  // How long a question held with knowledge-base suggestions waits for the resident's choice before it becomes a ticket.
  KNOWLEDGE_SUGGEST_TIMEOUT: duration(MINUTE, 7 * DAY).default(30 * MINUTE),
  // The web page for residents without Telegram (issue 17, src/web/): off unless WEB_PUBLIC_URL is set.
  WEB_PUBLIC_URL: url.refine((u) => /^https?:\/\//i.test(u), 'expected an http(s) URL such as https://minyi.example.gov.cn').optional(),
  WEB_PORT: integer(1, 65_535).default(8090),
  WEB_HOST: z.string().trim().min(1).default('127.0.0.1'),
  WEB_CONTACT_KEY: z
    .string()
    .trim()
    .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, 'expected 32 random bytes as 64 hex digits (openssl rand -hex 32) or 44 base64 characters')
    .optional(),
  WEB_MAX_PHOTO_MB: integer(1, 20).default(8),
  WEB_REPORTS_PER_IP_HOUR: integer(1, 100_000).default(20),
  WEB_REPORTS_PER_MINUTE: integer(1, 1_000_000).default(120),
});

type Env = z.infer<typeof EnvSchema>;

export interface LlmConfig {
  apiKey: string;
  baseURL: string | undefined;
  model: string;
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
  budgetPerResidentHour: number;
  /** How often reports labelled offline during an LLM failure are offered to the LLM again. */
  reclassifyIntervalMs: number;
}

export type DeliveryConfig =
  | { mode: 'polling' }
  | { mode: 'webhook'; url: string; secret: string; port: number };

export interface Config {
  /** Absent when the operator has not created a bot yet: main.ts then runs the local sandbox. */
  botToken: string | undefined;
  telegramApiRoot: string;
  llm: LlmConfig | undefined;
  /** Voice notes → text (issue 16): absent without OPENAI_API_KEY and OPENAI_TRANSCRIBE_MODEL; longer notes are kept, not transcribed. */
  transcription: { model: string; baseURL: string | undefined } | undefined;
  /** Voice notes longer than this are kept but not transcribed (MAX_VOICE_SECONDS). */
  maxVoiceSeconds: number;
  /** Photos → a description (issue 16): a vision-capable chat model at OPENAI_BASE_URL; absent without OPENAI_API_KEY and OPENAI_VISION_MODEL. */
  visionModel: string | undefined;
  /** Reports → embeddings for grouping by meaning (issue 11): absent without OPENAI_API_KEY and OPENAI_EMBEDDING_MODEL. */
  embeddingModel: string | undefined;
  databasePath: string;
  staffChatIds: readonly number[];
  staffLanguage: 'zh' | 'en';
  /** Units' own chats (issue 13): who may bind chats, merge, close and export everything (empty: every staff member); review of units' results. */
  units: {
    adminIds: readonly number[];
    review: boolean;
    /** The escalation ladder (src/dispatch/unit-ladder.ts). */
    ladder: { signWithinMs: number; signWithinUrgentMs: number; leaderChatIds: readonly number[]; leaderAfterDays: number };
  };
  timezone: string;
  logLevel: Env['LOG_LEVEL'];
  delivery: DeliveryConfig;
  flood: { maxMessages: number; windowMs: number };
  problems: {
    recurringWithinMs: number;
    widespreadMinResidents: number;
    widespreadWithinMs: number;
    /** A subtopic reported at this many distinct units within `themeWindowMs` is a district-wide theme. */
    themeMinUnits: number;
    themeWindowMs: number;
    overdueReminderTime: string;
  };
  digest: {
    cron: string;
    responseWindowMs: number;
    rankingMinProblems: number;
    weights: { response: number; resolution: number; satisfaction: number };
    /** A unit's sign-for counts as its response within these (the ladder's SIGN_WITHIN_HOURS, _URGENT). */
    signWithin: { normalMs: number; urgentMs: number };
  };
  sandboxPort: number;
  /** Scheduled online backups (src/db/backup.ts); none while `dir` is undefined. */
  backup: { dir: string | undefined; cron: string; keep: number };
  /** The bureau's knowledge base (src/knowledge/): Markdown files, read again when they change. */
  knowledgeDir: string;
  /** A question held with suggestions becomes a ticket after this long without a choice (KNOWLEDGE_SUGGEST_TIMEOUT). */
  knowledgeSuggestTimeoutMs: number;
  /** The residents' web page (src/web/, issue 17); undefined (off) without WEB_PUBLIC_URL. */
  web: WebConfig | undefined;
}

export interface WebConfig {
  /** Where residents reach the page through the operator's reverse proxy; tracking links start with it. */
  publicUrl: string;
  port: number;
  host: string;
  /** AES-256-GCM key for residents' contacts; without one a contact is not stored (and the resident is told). */
  contactKey: Buffer | undefined;
  maxPhotoBytes: number;
  reportsPerIpHour: number;
  reportsPerMinute: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty variable (`OPENAI_API_KEY=` in a copied .env.example) means "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const result = EnvSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const value = env[variable];
    // The value helps the operator, but a secret pasted into the wrong variable (a token inside
    // TELEGRAM_API_ROOT, a key in OPENAI_BASE_URL) must not reach a terminal or a log: every echo is
    // masked with the raw secret values and the secret shapes. Every caller prints this message as is.
    const secrets = [env.BOT_TOKEN, env.OPENAI_API_KEY, env.WEBHOOK_SECRET, env.WEB_CONTACT_KEY].flatMap((s) => (s?.trim() ? [s, s.trim()] : []));
    const shown = value === undefined || /TOKEN|KEY|SECRET/.test(variable) ? '' : ` (got "${maskSecrets(value, secrets)}")`;
    throw new ConfigError(`${variable}: ${issue.message}${shown}`);
  }
  const e = result.data;
  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET) {
    throw new ConfigError('WEBHOOK_SECRET: required when WEBHOOK_URL is set, so that only Telegram can post updates');
  }
  return {
    botToken: e.BOT_TOKEN,
    telegramApiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
    llm: e.OPENAI_API_KEY
      ? {
          apiKey: e.OPENAI_API_KEY,
          baseURL: e.OPENAI_BASE_URL,
          model: e.OPENAI_MODEL,
          timeoutMs: e.OPENAI_TIMEOUT_MS,
          maxRetries: e.OPENAI_MAX_RETRIES,
          concurrency: e.LLM_CONCURRENCY,
          budgetPerResidentHour: e.LLM_BUDGET_PER_RESIDENT_HOUR,
          reclassifyIntervalMs: e.LLM_RECLASSIFY_SECONDS * 1000,
        }
      : undefined,
    transcription:
      e.OPENAI_API_KEY && e.OPENAI_TRANSCRIBE_MODEL
        ? { model: e.OPENAI_TRANSCRIBE_MODEL, baseURL: e.OPENAI_TRANSCRIBE_BASE_URL ?? e.OPENAI_BASE_URL }
        : undefined,
    visionModel: e.OPENAI_API_KEY ? e.OPENAI_VISION_MODEL : undefined,
    embeddingModel: e.OPENAI_API_KEY ? e.OPENAI_EMBEDDING_MODEL : undefined,
    maxVoiceSeconds: e.MAX_VOICE_SECONDS,
    databasePath: e.DATABASE_PATH,
    staffChatIds: e.STAFF_CHAT_IDS,
    staffLanguage: e.STAFF_LANGUAGE,
    units: {
      adminIds: e.STAFF_ADMIN_IDS,
      review: e.UNIT_REVIEW === 'on',
      ladder: {
        signWithinMs: e.SIGN_WITHIN_HOURS * HOUR,
        signWithinUrgentMs: e.SIGN_WITHIN_HOURS_URGENT * HOUR,
        leaderChatIds: e.LEADER_CHAT_IDS,
        leaderAfterDays: e.LEADER_AFTER_DAYS,
      },
    },
    timezone: e.TIMEZONE,
    logLevel: e.LOG_LEVEL,
    delivery: e.WEBHOOK_URL ? { mode: 'webhook', url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET!, port: e.PORT } : { mode: 'polling' },
    flood: { maxMessages: e.FLOOD_MAX_MESSAGES, windowMs: e.FLOOD_WINDOW_SECONDS * 1000 },
    problems: {
      recurringWithinMs: e.RECURRING_WITHIN_DAYS * DAY,
      widespreadMinResidents: e.WIDESPREAD_MIN_RESIDENTS,
      widespreadWithinMs: e.WIDESPREAD_WITHIN_DAYS * DAY,
      themeMinUnits: e.THEME_MIN_UNITS,
      themeWindowMs: e.THEME_WINDOW_DAYS * DAY,
      overdueReminderTime: e.OVERDUE_REMINDER_TIME,
    },
    digest: {
      cron: e.DIGEST_CRON,
      responseWindowMs: e.RESPONSE_WINDOW_HOURS * HOUR,
      rankingMinProblems: e.RANKING_MIN_PROBLEMS,
      weights: e.RANKING_WEIGHTS,
      signWithin: { normalMs: e.SIGN_WITHIN_HOURS * HOUR, urgentMs: e.SIGN_WITHIN_HOURS_URGENT * HOUR },
    },
    sandboxPort: e.SANDBOX_PORT,
    backup: { dir: e.BACKUP_DIR, cron: e.BACKUP_CRON, keep: e.BACKUP_KEEP },
    knowledgeDir: e.KNOWLEDGE_DIR,
    knowledgeSuggestTimeoutMs: e.KNOWLEDGE_SUGGEST_TIMEOUT,
    web: e.WEB_PUBLIC_URL
      ? {
          publicUrl: e.WEB_PUBLIC_URL.replace(/\/+$/, ''),
          port: e.WEB_PORT,
          host: e.WEB_HOST,
          contactKey: e.WEB_CONTACT_KEY ? Buffer.from(e.WEB_CONTACT_KEY, e.WEB_CONTACT_KEY.length === 64 ? 'hex' : 'base64') : undefined,
          maxPhotoBytes: e.WEB_MAX_PHOTO_MB * 1024 * 1024,
          reportsPerIpHour: e.WEB_REPORTS_PER_IP_HOUR,
          reportsPerMinute: e.WEB_REPORTS_PER_MINUTE,
        }
      : undefined,
  };
}
