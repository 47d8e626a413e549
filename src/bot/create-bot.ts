import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler } from '@grammyjs/transformer-throttler';
import { Bot, Composer, GrammyError, HttpError, type BotConfig, type Middleware } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import { languageFromCode } from '../domain/classification.ts';
import { withBusyRetry } from '../db/database.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Inbox, RawUpdate } from '../intake/inbox.ts';
import type { Intake } from '../intake/intake.ts';
import type { BotContext } from './context.ts';

export interface BotDeps {
  logger: Logger;
  inbox: Inbox;
  intake: Intake;
  tr: Translator;
  /** Feature composers, in order; each is a thin adapter over the domain. */
  features: Composer<BotContext>[];
  /** Keeps one chat's updates in order when the runner handles several at once. */
  sequentialize?: Middleware<BotContext>;
}

export interface BotOptions {
  apiRoot?: string;
  /** Known bot identity (tests); otherwise fetched with getMe on init. */
  botInfo?: UserFromGetMe;
  /** Wrap Telegram calls in auto-retry and the rate throttler (on by default). */
  throttle?: boolean;
  fetch?: NonNullable<BotConfig<BotContext>['client']>['fetch'];
}

/** The updates the bot asks Telegram for. */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const;

/**
 * Builds the bot; never starts it (main.ts does). Every update is stored in the inbox before it is
 * handled, and after handling it is marked done, so a crash in between replays it on the next start.
 */
export function createBot(token: string, deps: BotDeps, options: BotOptions = {}): Bot<BotContext> {
  const { logger, inbox, intake } = deps;
  const bot = new Bot<BotContext>(token, {
    ...(options.botInfo && { botInfo: options.botInfo }),
    client: {
      ...(options.apiRoot && { apiRoot: options.apiRoot }),
      ...(options.fetch && { fetch: options.fetch }),
      // Long polling holds a request for up to 30 s; anything else should answer well within this.
      timeoutSeconds: 60,
    },
  });

  // Updates are written to the inbox the moment getUpdates returns them, before the runner asks for the
  // next batch (which confirms these to Telegram): nothing confirmed is ever only in memory.
  bot.api.config.use(async (prev, method, payload, signal) => {
    const response = await prev(method, payload, signal);
    if (method === 'getUpdates' && response.ok) {
      const updates = response.result as unknown as RawUpdate[];
      await withBusyRetry(
        () => inbox.save(updates),
        (attempt) => logger.warn({ attempt }, 'database busy while storing updates; waiting'),
      );
    }
    return response;
  });
  if (options.throttle ?? true) {
    // Telegram's limits: 30 messages a second overall (as a steady rate: a refilling reservoir lets twice
    // that through across a window edge), 1 a second per private chat, 20 a minute per group (a reservoir,
    // so staff get quick answers to a few commands in a row; bursts of alerts are joined by the outbox).
    bot.api.config.use(
      apiThrottler({
        global: { maxConcurrent: 30, minTime: 34 },
        group: { maxConcurrent: 1, minTime: 1000, reservoir: 20, reservoirRefreshAmount: 20, reservoirRefreshInterval: 60_000 },
        out: { maxConcurrent: 1, minTime: 1000 },
      }),
    );
    // Only Telegram's own "retry after N seconds" is waited out here; server and network errors go back to
    // the outbox, which reschedules the message (and survives a restart), and the runner retries getUpdates.
    bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30, rethrowHttpErrors: true, rethrowInternalServerErrors: true }));
  }

  // First, before anything that could throw on a malformed update: store it, and always mark it handled.
  bot.use(async (ctx, next) => {
    await withBusyRetry(() => inbox.save([ctx.update as unknown as RawUpdate]));
    try {
      ctx.logger = logger.child({ update_id: ctx.update.update_id });
      ctx.language = languageOf(ctx, intake);
      await next();
    } finally {
      await withBusyRetry(() => inbox.markHandled(ctx.update.update_id));
    }
  });
  if (deps.sequentialize) bot.use(deps.sequentialize);

  const features = new Composer<BotContext>();
  for (const feature of deps.features) features.use(feature);
  // Buttons nobody handles (stale, forged, or from a chat without rights) get a silent answer.
  features.on('callback_query', (ctx) => ctx.answerCallbackQuery());
  bot.errorBoundary(async (error) => {
    const ctx = error.ctx;
    const cause = error.error;
    if (cause instanceof GrammyError) ctx.logger.error({ err: cause, method: cause.method }, 'Telegram refused a request');
    else if (cause instanceof HttpError) ctx.logger.error({ err: cause }, 'could not reach Telegram');
    else ctx.logger.error({ err: cause }, 'error while handling an update');
    // A resident's report is already stored; tell them so instead of leaving them wondering.
    if (ctx.chat?.type === 'private' && typeof ctx.chat.id === 'number' && ctx.message) {
      try {
        await ctx.reply(deps.tr.t(ctx.language ?? 'zh', 'error.generic'));
      } catch (replyError) {
        ctx.logger.warn({ err: replyError }, 'could not tell the resident about the error');
      }
    }
  }, features);


  bot.catch((error) => logger.error({ err: error.error, update_id: error.ctx.update.update_id }, 'unhandled error'));
  return bot;
}

/** The resident's /lang choice, else Telegram's language_code; English when anything about the update is odd. */
function languageOf(ctx: BotContext, intake: Intake): BotContext['language'] {
  const userId = ctx.from?.id;
  const resident = typeof userId === 'number' ? intake.resident(userId) : undefined;
  if (resident?.languageChosen) return resident.language;
  const code = ctx.from?.language_code;
  return languageFromCode(typeof code === 'string' ? code : undefined);
}
