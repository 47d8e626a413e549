import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler } from '@grammyjs/transformer-throttler';
import { Bot, Composer, GrammyError, HttpError, type BotConfig, type Middleware } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import { languageFromCode } from '../domain/classification.ts';
import { isStorageError, withBusyRetry } from '../db/database.ts';
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
  /** Handling could not be written (full or failing disk): the update stays unhandled in the inbox, to be handled again. */
  onUnsaved?: (updateId: number) => void;
  /** Chats exempt from the flood guard (staff chats): a busy staff group must get every command answered. */
  isTrustedChat?: (chatId: number) => boolean;
}

export interface BotOptions {
  apiRoot?: string;
  /** Known bot identity (tests); otherwise fetched with getMe on init. */
  botInfo?: UserFromGetMe;
  /** Wrap Telegram calls in auto-retry and the rate throttler (on by default). */
  throttle?: boolean;
  fetch?: NonNullable<BotConfig<BotContext>['client']>['fetch'];
}

/** Updates of one chat in the bot at once (waiting their turn or being handled) beyond which that chat is flooding. */
export const CHAT_BACKLOG_LIMIT = 8;

/** A handler's call to a flooding chat, not made (see the flood guard in createBot). */
export class FloodSkipped extends Error {
  constructor(readonly method: string) {
    super(`${method} to a flooding chat skipped`);
    this.name = 'FloodSkipped';
  }
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

  // First, before anything that could throw on a malformed update: store it, and mark it handled — unless what
  // handling wrote could not be written (a full disk): then it stays in the inbox and is handled again (deps.onUnsaved).
  const toldUnsaved = new Set<number>();
  bot.use(async (ctx, next) => {
    await withBusyRetry(() => inbox.save([ctx.update as unknown as RawUpdate]));
    const updateId = ctx.update.update_id;
    let unsaved = false;
    try {
      ctx.logger = logger.child({ update_id: updateId });
      ctx.language = languageOf(ctx, intake);
      await next();
    } catch (error) {
      if (!isStorageError(error)) {
        await withBusyRetry(() => inbox.markHandled(updateId));
        throw error;
      }
      unsaved = true;
    }
    if (!unsaved) {
      try {
        await withBusyRetry(() => inbox.markHandled(updateId));
      } catch (error) {
        if (!isStorageError(error)) throw error;
        unsaved = true;
      }
    }
    if (unsaved) {
      logger.error({ update_id: updateId }, 'could not write to the database (disk full or failing): the update stays in the inbox and will be handled again');
      deps.onUnsaved?.(updateId);
    } else toldUnsaved.delete(updateId);
  });
  // A flood from one chat may slow only that chat. Its updates wait their turn (sequentialize) in the runner's
  // slots, which all chats share; a handler that waited for Telegram's pace for that chat (one message a second)
  // would keep them waiting until the slots ran out and every chat stalled (560 stickers: 60 s). So while a chat
  // has more than CHAT_BACKLOG_LIMIT updates in the bot, calls its handlers make to that chat are skipped and the
  // backlog drains at database speed. What the chat sent is stored all the same; answers owed go through the outbox.
  // One account spread over many chats (groups) is bounded the same way: while a sender has more than the limit
  // in the bot, its handlers' calls to any chat are skipped. Staff chats are exempt: their members are trusted,
  // and a busy staff group must get every command answered.
  const chatBacklog = new Map<number, number>();
  const senderBacklog = new Map<number, number>();
  const enter = (counts: Map<number, number>, key: number) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const leave = (counts: Map<number, number>, key: number) => {
    const left = (counts.get(key) ?? 1) - 1;
    if (left > 0) counts.set(key, left);
    else counts.delete(key);
  };
  const over = (counts: Map<number, number>, key: number | undefined) => key !== undefined && (counts.get(key) ?? 0) > CHAT_BACKLOG_LIMIT;
  bot.use(async (ctx, next) => {
    const chatId = ctx.chat?.id;
    if (typeof chatId !== 'number' || deps.isTrustedChat?.(chatId)) return next();
    const senderId = typeof ctx.from?.id === 'number' ? ctx.from.id : undefined;
    enter(chatBacklog, chatId);
    if (senderId !== undefined) enter(senderBacklog, senderId);
    ctx.api.config.use((prev, method, payload, signal) => {
      const target = payload && 'chat_id' in payload ? Number(payload.chat_id) : undefined;
      if (target !== undefined && ((target === chatId && over(chatBacklog, chatId)) || over(senderBacklog, senderId))) throw new FloodSkipped(method);
      return prev(method, payload, signal);
    });
    try {
      await next();
    } finally {
      leave(chatBacklog, chatId);
      if (senderId !== undefined) leave(senderBacklog, senderId);
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
    if (cause instanceof FloodSkipped) {
      ctx.logger.info({ method: cause.method, chatId: ctx.chat?.id }, 'flood: a reply to a flooding chat was skipped');
      return;
    }
    if (isStorageError(cause)) {
      // Not "saved": the report is not registered yet. The update itself is in the inbox and is handled again
      // once the disk takes writes, so asking them to send it again would only make a duplicate.
      // Told once, not at every later try.
      if (ctx.chat?.type === 'private' && ctx.message && !toldUnsaved.has(ctx.update.update_id)) {
        toldUnsaved.add(ctx.update.update_id);
        await ctx.reply(deps.tr.t(ctx.language ?? 'zh', 'error.not_saved')).catch((replyError: unknown) => ctx.logger.warn({ err: replyError }, 'could not tell the resident'));
      }
      throw cause;
    }
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
