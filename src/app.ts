import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import type { Logger } from 'pino';
import type { UserFromGetMe } from 'grammy/types';
import { createBot, ALLOWED_UPDATES } from './bot/create-bot.ts';
import type { BotContext } from './bot/context.ts';
import { createGroupsFeature } from './bot/features/groups.ts';
import { createResidentFeature } from './bot/features/resident.ts';
import { createStaffFeature } from './bot/features/staff.ts';
import { createSurveyFeature } from './bot/features/survey.ts';
import { createStaffExportFeature } from './bot/features/staff-export.ts';
import { createDigestFeature } from './bot/features/digest.ts';
import { createDigestService, type DigestService } from './digest/digest-service.ts';
import { createScheduler, type Scheduler } from './schedule/scheduler.ts';
import { createOverdueReminderJob } from './problems/overdue-reminder.ts';
import { createStaffQuestionsFeature } from './bot/features/staff-questions.ts';
import { createStaffQuestions } from './questions/staff-questions.ts';
import { createProblemQueries, type ProblemQueries } from './problems/problem-queries.ts';
import { createStaffViews } from './replies/staff-views.ts';
import { createTelegramTransport } from './bot/telegram-transport.ts';
import { startWebhookServer, type WebhookServer } from './bot/webhook-server.ts';
import { buildClassifier } from './classify/build-classifier.ts';
import type { ReportClassifier } from './classify/report-classifier.ts';
import type { Config } from './config.ts';
import { openDatabase, type Db } from './db/database.ts';
import { createRetention } from './db/retention.ts';
import { loadCatalogue, type Catalogue } from './domain/categories.ts';
import { createTranslator, type Translator } from './i18n/i18n.ts';
import { createForgetting } from './intake/forget.ts';
import { createInbox, type Inbox } from './intake/inbox.ts';
import { createIntake, type Intake } from './intake/intake.ts';
import { createReportStore, type ReportStore } from './intake/report-store.ts';
import { createOutbox, type Outbox } from './outbox/outbox.ts';
import { createSender, type Sender } from './outbox/sender.ts';
import { createReportPipeline, type ReportPipeline } from './pipeline/report-pipeline.ts';
import { createGrouping } from './problems/grouping.ts';
import { createLlmDecider } from './problems/llm-decider.ts';
import { createProblemStore, type ProblemStore } from './problems/problem-store.ts';
import { createReplies } from './replies/replies.ts';
import { createResidentNotices } from './replies/resident-notices.ts';
import { createProblemDesk, type ProblemDesk } from './problems/problem-desk.ts';
import { createStaffNotices } from './replies/staff-notices.ts';
import { createUnitRegistry, type UnitRegistry } from './units/unit-registry.ts';
import type { Bot } from 'grammy';

export interface AppOptions {
  config: Config;
  /** The token the bot uses; main.ts passes BOT_TOKEN or the sandbox's own. */
  token: string;
  logger: Logger;
  now?: () => number;
  botInfo?: UserFromGetMe;
  /** Auto-retry and throttling of Telegram calls (tests that count calls may turn it off). */
  throttle?: boolean;
  pollIntervalMs?: number;
  reclassifyIntervalMs?: number;
}

/** Everything the running bot is made of, wired once. Nothing here starts until `start()`. */
export interface App {
  config: Config;
  db: Db;
  bot: Bot<BotContext>;
  catalogue: Catalogue;
  tr: Translator;
  intake: Intake;
  inbox: Inbox;
  reports: ReportStore;
  problems: ProblemStore;
  units: UnitRegistry;
  /** Staff actions on problems and residents' survey answers. */
  desk: ProblemDesk;
  queries: ProblemQueries;
  digest: DigestService;
  /** Weekly digest and daily overdue reminder, exactly once per period per staff chat. */
  scheduler: Scheduler;
  outbox: Outbox;
  classifier: ReportClassifier;
  pipeline: ReportPipeline;
  sender: Sender;
  /** Handle updates stored but not handled before the last stop. */
  replayInbox(): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Wait until every stored report is answered and the outbox is empty (tests, tools). */
  settle(): Promise<void>;
}

export function createApp(options: AppOptions): App {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const db = openDatabase(config.databasePath);
  const catalogue = loadCatalogue();
  const tr = createTranslator();
  const units = createUnitRegistry(db, now);

  const { classifier, openai } = buildClassifier({ db, catalogue, llm: config.llm, logger: logger.child({ module: 'classifier' }), now });

  const inbox = createInbox(db, now);
  const intake = createIntake(db, { now, flood: config.flood });
  const reports = createReportStore(db);
  const problems = createProblemStore(db);
  const outbox = createOutbox(db, now);
  const replies = createReplies(tr, catalogue);
  const staffNotices = createStaffNotices(tr, catalogue, (id) => units.name(id));
  const grouping = createGrouping(db, problems, catalogue, {
    recurringWithinMs: config.problems.recurringWithinMs,
    widespreadMinResidents: config.problems.widespreadMinResidents,
    widespreadWithinMs: config.problems.widespreadWithinMs,
  }, (unitId, written) => {
    const unit = unitId ? units.get(unitId) : undefined;
    return [...(unit ? [unit.name, ...unit.aliases] : []), ...(written ? [written] : [])];
  });

  const residentNotices = createResidentNotices(tr, config.timezone);
  const queries = createProblemQueries(db);
  const staffViews = createStaffViews(tr, catalogue, units, config.timezone);
  const digest = createDigestService({
    db,
    outbox,
    tr,
    catalogue,
    unitName: (id) => units.name(id),
    timezone: config.timezone,
    settings: config.digest,
    staffChatIds: config.staffChatIds,
    staffLanguage: config.staffLanguage,
    logger: logger.child({ module: 'digest' }),
    onQueued: () => wakeSender(),
    now,
  });
  // The first run on this database is the installation time; nothing scheduled before it is caught up.
  db.prepare(`INSERT INTO meta (key, value) VALUES ('installed_at', ?) ON CONFLICT (key) DO NOTHING`).run(String(now()));
  const installedAt = Number((db.prepare(`SELECT value FROM meta WHERE key = 'installed_at'`).get() as { value: string }).value);
  const scheduler = createScheduler({
    db,
    timezone: config.timezone,
    logger: logger.child({ module: 'scheduler' }),
    now,
    onCommitted: () => wakeSender(),
    notBefore: () => installedAt,
  });
  scheduler.register(digest.job);
  scheduler.register(
    createOverdueReminderJob({
      queries,
      views: staffViews,
      outbox,
      staffChatIds: () => config.staffChatIds,
      staffLanguage: config.staffLanguage,
      timezone: config.timezone,
      time: config.problems.overdueReminderTime,
    }),
  );
  const isStaffChat = (chatId: number) => config.staffChatIds.includes(chatId);
  // The outbox sender is built after the bot; anything queued before it exists is picked up when it starts.
  let wakeSender = () => {};
  const desk = createProblemDesk({
    db,
    problems,
    reports,
    outbox,
    units,
    catalogue,
    residentNotices,
    staffNotices,
    staffChatIds: config.staffChatIds,
    staffLanguage: config.staffLanguage,
    onQueued: () => wakeSender(),
    now,
  });
  // The bot is built before the pipeline it feeds; this late binding is the only cycle.
  let wakePipeline = () => {};

  const bot = createBot(
    options.token,
    {
      logger,
      inbox,
      intake,
      tr,
      features: [
        createSurveyFeature({ intake, desk, outbox, tr, notices: residentNotices }),
        createResidentFeature({
          intake,
          reports,
          forgetting: createForgetting(db, now),
          tr,
          catalogue,
          timezone: config.timezone,
          onReport: () => wakePipeline(),
        }),
        createStaffFeature({
          tr,
          isStaffChat,
          staffLanguage: config.staffLanguage,
          desk,
          queries,
          problems,
          units,
          catalogue,
          views: staffViews,
          timezone: config.timezone,
          now,
          residentsOf: (problemId) => problems.get(problemId)?.residentCount ?? 0,
          possiblySame: (problem) => grouping.possiblySame(problem),
        }),
        createDigestFeature({ digest, tr, isStaffChat, staffLanguage: config.staffLanguage }),
        createStaffExportFeature({ db, units, catalogue, tr, timezone: config.timezone, isStaffChat, staffLanguage: config.staffLanguage, now }),
        // Last among staff features: a reply other features wait for (a resolution note) must reach them first.
        createStaffQuestionsFeature({
          questions: createStaffQuestions({
            client: openai,
            model: config.llm?.model ?? '',
            queries,
            problems,
            units,
            catalogue,
            timezone: config.timezone,
            now,
            timeoutMs: config.llm?.timeoutMs ?? 15_000,
            maxRetries: config.llm?.maxRetries ?? 1,
          }),
          tr,
          isStaffChat,
          staffLanguage: config.staffLanguage,
        }),
        createGroupsFeature({ tr, isStaffChat }),
      ],
      sequentialize: sequentialize((ctx) => String(ctx.chat?.id ?? ctx.from?.id ?? ctx.update.update_id)),
    },
    {
      apiRoot: config.telegramApiRoot,
      ...(options.botInfo && { botInfo: options.botInfo }),
      throttle: options.throttle ?? true,
    },
  );

  const sender = createSender({
    outbox,
    transport: createTelegramTransport(bot.api),
    logger: logger.child({ module: 'outbox' }),
    combineAcks: (parts) => replies.combineAcks(parts),
    onBlocked: (chatId) => intake.markBlocked(chatId),
    now,
  });
  wakeSender = () => sender.wake();

  const pipeline = createReportPipeline({
    db,
    reports,
    problems,
    classifier,
    grouping,
    ...(openai &&
      config.llm && {
        decider: createLlmDecider({ client: openai, model: config.llm.model, timeoutMs: config.llm.timeoutMs, breaker: classifier.breaker, logger: logger.child({ module: 'grouping' }) }),
      }),
    matchUnit: (written) => units.match(written),
    outbox,
    replies,
    staffNotices,
    catalogue,
    staffChatIds: config.staffChatIds,
    staffLanguage: config.staffLanguage,
    onQueued: () => sender.wake(),
    logger: logger.child({ module: 'pipeline' }),
    now,
    concurrency: config.llm?.concurrency ?? 16,
    ...(options.pollIntervalMs !== undefined && { pollIntervalMs: options.pollIntervalMs }),
    reclassifyIntervalMs: options.reclassifyIntervalMs ?? config.llm?.reclassifyIntervalMs ?? 10_000,
  });
  wakePipeline = () => pipeline.wake();

  let runner: RunnerHandle | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  let webhook: WebhookServer | undefined;
  let stopping: Promise<void> | undefined;

  async function replayInbox(): Promise<number> {
    let replayed = 0;
    for (;;) {
      const batch = inbox.unhandled(100);
      if (batch.length === 0) return replayed;
      for (const update of batch) {
        try {
          await bot.handleUpdate(update as never);
        } catch (error) {
          // An update that cannot be handled must not stop the bot from starting: log it and move on.
          logger.error({ err: error, update_id: update.update_id }, 'a stored update could not be handled');
        }
        inbox.markHandled(update.update_id);
        replayed++;
      }
    }
  }

  return {
    config,
    db,
    bot,
    catalogue,
    tr,
    intake,
    inbox,
    reports,
    problems,
    units,
    desk,
    queries,
    digest,
    scheduler,
    outbox,
    classifier,
    pipeline,
    sender,
    replayInbox,
    async start() {
      if (config.staffChatIds.length === 0) {
        logger.warn('STAFF_CHAT_IDS is empty: urgent alerts, reminders and digests have nowhere to go');
      }
      await bot.init();
      const replayed = await replayInbox();
      if (replayed > 0) logger.info({ replayed }, 'handled updates left over from the last run');
      pipeline.start();
      sender.start();
      // Copies of residents' words that have served their purpose are removed hourly (src/db/retention.ts).
      const retention = createRetention(db);
      const purge = () => {
        try {
          const removed = retention.purge(now());
          if (Object.values(removed).some((n) => n > 0)) logger.info({ removed }, 'retention: old copies removed');
        } catch (error) {
          logger.warn({ err: error }, 'retention: could not remove old copies');
        }
      };
      purge();
      purgeTimer = setInterval(purge, 3_600_000);
      purgeTimer.unref();
      // Catches up on a digest or reminder missed while the bot was down, then follows the schedule.
      await scheduler.start();
      if (config.delivery.mode === 'webhook') {
        webhook = await startWebhookServer({ bot, inbox, logger, url: config.delivery.url, secret: config.delivery.secret, port: config.delivery.port });
        await bot.api.setWebhook(config.delivery.url, { secret_token: config.delivery.secret, allowed_updates: [...ALLOWED_UPDATES] });
        logger.info({ url: config.delivery.url }, 'receiving updates by webhook');
      } else {
        await bot.api.deleteWebhook();
        runner = run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
        logger.info({ bot: bot.botInfo.username }, 'receiving updates by long polling');
      }
    },
    stop() {
      stopping ??= (async () => {
        await scheduler.stop();
        if (purgeTimer) clearInterval(purgeTimer);
        if (runner) {
          await runner.stop();
          // The runner stops fetching at once; updates already being handled finish before the database closes.
          for (let waited = 0; runner.size() > 0 && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await webhook?.close();
        await pipeline.stop();
        await sender.stop();
        db.close();
      })();
      return stopping;
    },
    async settle() {
      for (let round = 0; round < 1000; round++) {
        await pipeline.idle();
        await sender.idle();
        if (reports.pendingCount() === 0 && outbox.due(now(), 1).length === 0) return;
      }
    },
  };
}
