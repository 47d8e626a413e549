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
    bot.api.config.use(apiThrottler());
    bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30 }));
  }

  if (deps.sequentialize) bot.use(deps.sequentialize);
  bot.use(async (ctx, next) => {
    ctx.logger = logger.child({ update_id: ctx.update.update_id });
    const resident = ctx.from ? intake.resident(ctx.from.id) : undefined;
    ctx.language = resident?.languageChosen ? resident.language : languageFromCode(ctx.from?.language_code);
    // Updates fed straight to handleUpdate (webhook, tests) are stored here; polling stored them already.
    await withBusyRetry(() => inbox.save([ctx.update as unknown as RawUpdate]));
    try {
      await next();
    } finally {
      await withBusyRetry(() => inbox.markHandled(ctx.update.update_id));
    }
  });

  const features = new Composer<BotContext>();
  for (const feature of deps.features) features.use(feature);
  bot.errorBoundary(async (error) => {
    const ctx = error.ctx;
    const cause = error.error;
    if (cause instanceof GrammyError) ctx.logger.error({ err: cause, method: cause.method }, 'Telegram refused a request');
    else if (cause instanceof HttpError) ctx.logger.error({ err: cause }, 'could not reach Telegram');
    else ctx.logger.error({ err: cause }, 'error while handling an update');
    // A resident's report is already stored; tell them so instead of leaving them wondering.
    if (ctx.chat?.type === 'private' && ctx.message) {
      await ctx.reply(deps.tr.t(ctx.language, 'error.generic')).catch(() => undefined);
    }
  }, features);

  // Buttons nobody handles (stale, forged, or from a chat without rights) get a silent answer.
  bot.on('callback_query', (ctx) => ctx.answerCallbackQuery());

  bot.catch((error) => logger.error({ err: error.error }, 'unhandled error'));
  return bot;
}
