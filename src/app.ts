import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import type { Logger } from 'pino';
import type { UserFromGetMe } from 'grammy/types';
import { createBot, ALLOWED_UPDATES } from './bot/create-bot.ts';
import type { BotContext } from './bot/context.ts';
import { createGroupsFeature } from './bot/features/groups.ts';
import { createChatMigrationFeature } from './bot/features/chat-migration.ts';
import { createUnitBindingFeature } from './bot/features/unit-binding.ts';
import { createUnitDeskFeature } from './bot/features/unit-desk.ts';
import { createUnitReviewFeature } from './bot/features/unit-review.ts';
import { createStaffAccessFeature } from './bot/features/staff-access.ts';
import { createUnitDesk, type UnitDesk } from './dispatch/unit-desk.ts';
import { createUnitLadderJob } from './dispatch/unit-ladder.ts';
import { createUnitWorkQueries, renderUnitWork } from './dispatch/unit-work.ts';
import { createUnitStanding, createUnitWeeklyJob } from './dispatch/unit-standing.ts';
import { createDigestRenderer } from './digest/render.ts';
import { createUnitViews } from './replies/unit-views.ts';
import { createUnitChats } from './units/unit-chats.ts';
import { createAccessAudit } from './units/access-audit.ts';
import { createResidentFeature } from './bot/features/resident.ts';
import { createStaffProblemsFeature } from './bot/features/staff-problems.ts';
import { createStaffUnitsFeature } from './bot/features/staff-units.ts';
import { createStaffActionsFeature } from './bot/features/staff-actions.ts';
import { createStaffRetryFeature } from './bot/features/staff-retry.ts';
import { createPraiseFeature } from './bot/features/praise.ts';
import { createInboxFeature } from './bot/features/inbox.ts';
import { createKindQueries } from './intake/kind-queries.ts';
import { createNotProblems } from './pipeline/not-problems.ts';
import { backfillKinds } from './pipeline/backfill-kinds.ts';
import { createOfflineClassifier, loadExamples } from './classify/offline/offline-classifier.ts';
import { createKindNotices } from './replies/kind-notices.ts';
import { createStaffMediaFeature } from './bot/features/staff-media.ts';
import { createVoiceCorrectionFeature } from './bot/features/voice-correction.ts';
import type { Classification } from './domain/classification.ts';
import { createSurveyFeature } from './bot/features/survey.ts';
import { createStaffExportFeature } from './bot/features/staff-export.ts';
import { createDigestFeature } from './bot/features/digest.ts';
import { createDigestService, type DigestService } from './desk/digest-service.ts';
import { createScheduler, type Scheduler } from './schedule/scheduler.ts';
import { createOverdueReminderJob } from './desk/overdue-reminder.ts';
import { createStaffQuestionsFeature } from './bot/features/staff-questions.ts';
import { createStaffQuestions } from './questions/staff-questions.ts';
import { createUnitScopeQueries } from './questions/unit-scope.ts';
import { createProblemQueries, type ProblemQueries } from './problems/problem-queries.ts';
import { createStaffViews } from './replies/staff-views.ts';
import { createTelegramTransport } from './bot/telegram-transport.ts';
import { startWebhookServer, type WebhookServer } from './bot/webhook-server.ts';
import { buildClassifier } from './classify/build-classifier.ts';
import { classificationCacheKey, type ReportClassifier } from './classify/report-classifier.ts';
import type { Config } from './config.ts';
import { openDatabase, type Db } from './db/database.ts';
import { acquireInstanceLock, LOCK_HEARTBEAT_MS, type InstanceLock } from './db/instance-lock.ts';
import { createRetention } from './db/retention.ts';
import { createBackupJob } from './db/backup.ts';
import { loadCatalogue, type Catalogue } from './domain/categories.ts';
import { loadSubtopics } from './domain/subtopics.ts';
import { createLedgerTitles } from './problems/ledger-title.ts';
import { createThemeStore } from './problems/theme-store.ts';
import { mayBeTheme, themesFrom } from './problems/themes.ts';
import { createThemeViews } from './replies/theme-views.ts';
import { createThemeAlerts } from './pipeline/theme-alerts.ts';
import { createThemesFeature } from './bot/features/themes.ts';
import { createTranslator, type Translator } from './i18n/i18n.ts';
import { createForgetting, neutralTitles, type Forgetting } from './intake/forget.ts';
import { createInbox, type Inbox } from './intake/inbox.ts';
import { createRedelivery } from './intake/redelivery.ts';
import { createStaffChats, type StaffChats } from './intake/staff-chats.ts';
import { createIntake, type Intake } from './intake/intake.ts';
import { createReportStore, type ReportStore } from './intake/report-store.ts';
import { createOutbox, type Outbox } from './outbox/outbox.ts';
import { createDirectReplies } from './outbox/direct-replies.ts';
import { createSender, type Sender } from './outbox/sender.ts';
import { createReportPipeline, type ReportPipeline } from './pipeline/report-pipeline.ts';
import { createMediaStep } from './pipeline/media-step.ts';
import { createTranscriptionJob } from './pipeline/transcription-job.ts';
import { createTelegramFiles } from './media/telegram-files.ts';
import { createOpenAiTranscriber, type Transcriber } from './classify/transcriber.ts';
import { createOpenAiDescriber, type Describer } from './classify/describer.ts';
import { createGrouping, type GroupingDecider } from './problems/grouping.ts';
import { createLlmDecider } from './classify/llm-decider.ts';
import { createOpenAiEmbedder } from './classify/embedder.ts';
import { createVectorStore } from './problems/vector-store.ts';
import { createProblemStore, type ProblemStore } from './problems/problem-store.ts';
import { createReplies } from './replies/replies.ts';
import { createResidentNotices } from './replies/resident-notices.ts';
import { createProblemDesk, type ProblemDesk } from './desk/problem-desk.ts';
import { createStaffNotices } from './replies/staff-notices.ts';
import { createUnitRegistry, type UnitRegistry } from './units/unit-registry.ts';
import { createKnowledgeFeature, resolvedInquiryButtons } from './bot/features/knowledge.ts';
import { createKnowledgeAnswerer } from './knowledge/answering.ts';
import { createKnowledgeFolder } from './knowledge/knowledge-folder.ts';
import { createKnowledgeStore } from './knowledge/knowledge-store.ts';
import { createPendingEntries } from './knowledge/pending-entry.ts';
import { createLlmComposer } from './knowledge/llm-composer.ts';
import { createKnowledgeFeedback } from './pipeline/knowledge-feedback.ts';
import { createKnowledgeReplies } from './replies/knowledge-replies.ts';
import { GrammyError, type Bot } from 'grammy';
import { channelOf } from './domain/channel.ts';
import { createWebDelivery } from './web/web-delivery.ts';
import { createLogContactNotifier } from './web/contact.ts';
import { startResidentsPage } from './web/residents-page.ts';
import type { WebServer } from './web/web-server.ts';
import { loadDeadlineRule } from './domain/deadlines.ts';

/** getUpdates answers that end polling (the runner gives up on them); reported once, as fatal. */
const UNRECOVERABLE: ReadonlySet<number> = new Set([401, 409]);

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
  /**
   * The bot cannot go on (Telegram answered 409 or 401 to getUpdates, or another instance took the database
   * over): called after one log line and a clean stop; main.ts exits non-zero.
   */
  onFatal?: (error: unknown) => void;
  /** Decides which problem a report joins instead of the LLM or the similarity (the grouping evaluation's oracle). */
  decider?: GroupingDecider;
  /** Voice and photo models used where the configuration names none (the sandbox's stand-ins, issue 16). */
  mediaModels?: { transcriber?: Transcriber; describer?: Describer };
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
  /** The staff chats as they are now (STAFF_CHAT_IDS followed through supergroup upgrades). */
  staffChats: StaffChats;
  /** Staff actions on problems and residents' survey answers. */
  desk: ProblemDesk;
  /** /forget on Telegram and "delete my report" on the web page: one use case. */
  forgetting: Forgetting;
  /** The units' side of the loop (issue 13): sign-for, return, extension, result, the bureau's review. */
  unitDesk: UnitDesk;
  queries: ProblemQueries;
  digest: DigestService;
  /** Weekly digest and daily overdue reminder, exactly once per period per staff chat. */
  scheduler: Scheduler;
  outbox: Outbox;
  classifier: ReportClassifier;
  pipeline: ReportPipeline;
  sender: Sender;
  /** The residents' web page (issue 17), while it runs: only with WEB_PUBLIC_URL, after start(). */
  webServer(): WebServer | undefined;
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
  // The second level of the taxonomy (议题, prompts/subtopics.json), loaded once for the classifier and staff views.
  const subtopics = loadSubtopics(catalogue);
  // Deadlines by kind in working days (prompts/deadlines.json, prompts/holidays-cn.json): one rule for every caller.
  const deadlines = loadDeadlineRule(catalogue, config.timezone);
  const tr = createTranslator();
  const units = createUnitRegistry(db, now);
  // STAFF_CHAT_IDS, each followed to the supergroup it became: every staff check and every post to staff uses these.
  const staffChats = createStaffChats(db, config.staffChatIds, logger.child({ module: 'staff-chats' }), now);
  // Units' own chats (a school's group or its principal's private chat), bound to directory units; src/units/unit-chats.ts.
  const unitChats = createUnitChats(db);
  const unitWork = createUnitWorkQueries(db, { normalMs: config.units.ladder.signWithinMs, urgentMs: config.units.ladder.signWithinUrgentMs });

  const { classifier, openai } = buildClassifier({ db, catalogue, subtopics, llm: config.llm, logger: logger.child({ module: 'classifier' }), now });

  const inbox = createInbox(db, now);
  const intake = createIntake(db, { now, flood: config.flood });
  const reports = createReportStore(db);
  const problems = createProblemStore(db);
  const outbox = createOutbox(db, now);
  const replies = createReplies(tr, catalogue, deadlines);
  const staffNotices = createStaffNotices(tr, catalogue, (id) => units.name(id));
  const unitNamesOf = (unitId: string | null, written: string | null) => {
    const unit = unitId ? units.get(unitId) : undefined;
    return [...(unit ? [unit.name, ...unit.aliases] : []), ...(written ? [written] : [])];
  };
  // Ledger-line titles (unit + matter) in the staff language: the model's, else built from unit and subtopic (issue 11).
  const ledgerTitles = createLedgerTitles({
    catalogue,
    subtopics,
    unitName: (unitId, written) => staffNotices.unitName(unitId) ?? written,
    unitNames: unitNamesOf,
    language: config.staffLanguage,
  });
  // Grouping by meaning (issue 11): embeddings from the same endpoint, when a model is named.
  const meaning = openai && config.llm && config.embeddingModel
    ? {
        embedder: createOpenAiEmbedder({ client: openai, model: config.embeddingModel, timeoutMs: config.llm.timeoutMs, concurrency: config.llm.concurrency }),
        vectors: createVectorStore(db),
      }
    : undefined;
  const grouping = createGrouping(db, problems, deadlines, {
    recurringWithinMs: config.problems.recurringWithinMs,
    widespreadMinResidents: config.problems.widespreadMinResidents,
    widespreadWithinMs: config.problems.widespreadWithinMs,
  }, unitNamesOf, ledgerTitles, {
    writtenKey: (written) => units.writtenKey(written),
    ...(meaning && { vectors: { store: meaning.vectors, model: meaning.embedder.model } }),
  });

  const residentNotices = createResidentNotices(tr, config.timezone);
  // The bureau's knowledge base (issue 15): questions it answers get the answer and a yes/no instead of a ticket.
  const knowledgeLog = logger.child({ module: 'knowledge' });
  const knowledgeFolder = createKnowledgeFolder({
    dir: config.knowledgeDir,
    timezone: config.timezone,
    now,
    onProblems: (problems) => {
      for (const problem of problems) knowledgeLog.warn({ problem }, 'knowledge base: an entry was not loaded');
    },
  });
  const knowledgeStore = createKnowledgeStore(db);
  const knowledgeReplies = createKnowledgeReplies(tr);
  const queries = createProblemQueries(db);
  const staffViews = createStaffViews(tr, catalogue, units, config.timezone, (reportId) => channelOf(reports.get(reportId)?.chatId ?? 0), subtopics);
  // District-wide themes (一类问题, issue 11): one subtopic at several units within a window.
  const themeStore = createThemeStore(db);
  const themeViews = createThemeViews(tr, catalogue, subtopics, (id) => units.name(id));
  const themeRules = { minUnits: config.problems.themeMinUnits, windowMs: config.problems.themeWindowMs };
  const kindQueries = createKindQueries(db);
  const kindNotices = createKindNotices(tr, catalogue, (id) => units.name(id), config.timezone);
  const digest = createDigestService({
    db,
    outbox,
    tr,
    catalogue,
    unitName: (id) => units.name(id),
    timezone: config.timezone,
    settings: config.digest,
    staffChatIds: staffChats.ids(),
    staffLanguage: config.staffLanguage,
    logger: logger.child({ module: 'digest' }),
    onQueued: () => wakeSender(),
    now,
    adoptedLine: (week, language) => kindNotices.adoptedLines(language, kindQueries.adoptedSuggestions(week.start, week.end, 5)),
    knowledgeLine: (week, language) => {
      const counts = knowledgeStore.counts(week.start, week.end);
      const gaps = knowledgeStore.gaps(week.start, week.end, 3);
      return knowledgeReplies.digestLine(language, { answered: counts.answered, unanswered: counts.declined + counts.unmatched }, gaps, (id) => catalogue.name(id, language));
    },
    unitsLine: (period, language) => renderUnitWork(tr, language, unitWork.work(period), (id) => units.name(id) ?? id),
    themesLine: (period, language) => {
      const activity = themeStore.activity(period.end - themeRules.windowMs, period.end).filter((row) => mayBeTheme(row.subtopic, catalogue.fallbackId));
      const top = themeStore.topSubtopics(period.start, period.end, 8).filter((row) => mayBeTheme(row.subtopic, catalogue.fallbackId)).slice(0, 5);
      return themeViews.digest(language, top, themesFrom(activity, themeRules.minUnits), Math.round(themeRules.windowMs / 86_400_000));
    },
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
  // A unit's own chat sees its own row of the ranking (/ranking there) and gets its weekly line with the digest.
  const unitStanding = createUnitStanding({
    db,
    ranking: (period, asOf) => digest.ranking(period, asOf),
    work: (period) => unitWork.work(period),
    renderer: createDigestRenderer({ tr, catalogue, unitName: (id) => units.name(id) ?? id, timezone: config.timezone }),
    tr,
    unitName: (id) => units.name(id) ?? id,
    timezone: config.timezone,
    late: (language, ms) => staffViews.late(language, ms),
  });
  scheduler.register(createUnitWeeklyJob({ cron: config.digest.cron, timezone: config.timezone, language: config.staffLanguage, unitChats, standing: unitStanding, outbox }));
  scheduler.register(
    createUnitLadderJob({
      db,
      problems,
      outbox,
      unitChats,
      units,
      tr,
      language: config.staffLanguage,
      timezone: config.timezone,
      late: (language, ms) => staffViews.late(language, ms),
      settings: config.units.ladder,
    }),
  );
  scheduler.register(
    createOverdueReminderJob({
      queries,
      views: staffViews,
      outbox,
      staffChatIds: () => staffChats.ids(),
      staffLanguage: config.staffLanguage,
      timezone: config.timezone,
      time: config.problems.overdueReminderTime,
    }),
  );
  // A copy of the database on BACKUP_CRON, while the bot runs; none unless BACKUP_DIR is set.
  if (config.backup.dir) {
    scheduler.register(createBackupJob({ db, ...config.backup, dir: config.backup.dir, logger: logger.child({ module: 'backup' }), now }));
  }
  const isStaffChat = (chatId: number) => staffChats.isStaff(chatId);
  // Units' own chats (issue 13): bound by one-time codes, sent dispatch cards, scoped to their units' problems.
  const audit = createAccessAudit(db);
  const unitViews = createUnitViews(tr, catalogue, config.timezone);
  const isAdmin = (userId: number | undefined) => config.units.adminIds.length === 0 || (userId !== undefined && config.units.adminIds.includes(userId));
  const tellBureau = (key: string, html: string) => {
    for (const chatId of staffChats.ids()) outbox.enqueue({ dedupeKey: `${key}:${chatId}`, chatId, kind: 'notice', message: { type: 'text', html } });
    wakeSender();
  };
  const unitDesk = createUnitDesk({
    db,
    problems,
    queries,
    desk: () => desk,
    outbox,
    units,
    unitChats,
    views: unitViews,
    tr,
    staffChatIds: () => staffChats.ids(),
    language: config.staffLanguage,
    timezone: config.timezone,
    review: config.units.review,
    onQueued: () => wakeSender(),
    now,
    audit,
  });
  // The outbox sender is built after the bot; anything queued before it exists is picked up when it starts.
  let wakeSender = () => {};
  const forgetting = createForgetting(db, {
    cacheKeyOf: classificationCacheKey,
    neutralTitle: neutralTitles(catalogue, (id) => units.name(id), config.staffLanguage),
    now,
  });
  const desk = createProblemDesk({
    db,
    problems,
    reports,
    outbox,
    units,
    deadlines,
    residentNotices,
    staffNotices,
    staffChatIds: staffChats.ids(),
    staffLanguage: config.staffLanguage,
    onQueued: () => wakeSender(),
    now,
    onAssigned: (problem, at) => unitDesk.dispatch(problem, at),
  });
  // Praise and chit-chat (issue 18): answered and recorded, kept off the problem list.
  const notProblems = createNotProblems({
    db,
    reports,
    problems,
    grouping,
    outbox,
    replies,
    kindNotices,
    catalogue,
    unitName: (id) => (id ? (units.name(id) ?? null) : null),
    staffChatIds: staffChats.ids(),
    unitChatsOf: (unitId) => unitChats.chatsOf(unitId),
    staffLanguage: config.staffLanguage,
    onQueued: () => wakeSender(),
    now,
  });
  // The bot is built before the pipeline it feeds; this late binding is the only cycle.
  let wakePipeline = () => {};
  let relabelLate: (reportId: number) => Promise<Classification | undefined> = async () => undefined;

  // What every staff feature is told: who is staff, and the language staff chats are written in.
  const staffChat = { tr, isStaffChat, staffLanguage: config.staffLanguage };
  const bot = createBot(
    options.token,
    {
      logger,
      inbox,
      intake,
      tr,
      features: [
        createChatMigrationFeature({ staffChats, also: [unitChats] }),
        // Before the resident features: a unit's private chat binds with /bind CODE and answers its prompts here.
        createUnitBindingFeature({ tr, staffLanguage: config.staffLanguage, isStaffChat, isAdmin, unitChats, units, audit, tellBureau, timezone: config.timezone, now }),
        createUnitDeskFeature({
          tr,
          staffLanguage: config.staffLanguage,
          unitChats,
          unitDesk,
          units,
          queries,
          views: unitViews,
          audit,
          standing: unitStanding,
          parsePeriod: (text) => digest.parsePeriod(text),
          timezone: config.timezone,
          now,
        }),
        createUnitReviewFeature({ tr, staffLanguage: config.staffLanguage, isStaffChat, unitDesk, units, timezone: config.timezone }),
        createStaffAccessFeature({ tr, staffLanguage: config.staffLanguage, isStaffChat, isAdmin, audit, now }),
        // Right after the admin gate and the audit, and before the resident feature: a unit's private chat exports too.
        createStaffExportFeature({ db, units, catalogue, subtopics, tr, timezone: config.timezone, isStaffChat, staffLanguage: config.staffLanguage, now, unitScope: (chatId) => unitChats.unitsOf(chatId) }),
        createSurveyFeature({ intake, desk, outbox, tr, notices: residentNotices }),
        // Before the resident feature: a reply to "this is what we heard" corrects a voice note's transcript (issue 16).
        createVoiceCorrectionFeature({
          db,
          outbox,
          tr,
          catalogue,
          replies: createDirectReplies({ outbox, tr, flood: config.flood, onQueued: () => wakeSender(), now }),
          relabel: (reportId) => relabelLate(reportId),
        }),
        createKnowledgeFeature({
          intake,
          folder: knowledgeFolder,
          store: knowledgeStore,
          feedback: createKnowledgeFeedback({ db, reports, store: knowledgeStore, onDeclined: () => wakePipeline(), now }),
          replies: knowledgeReplies,
          catalogue,
          tr,
          isStaffChat,
          staffLanguage: config.staffLanguage,
          timezone: config.timezone,
          now,
          pending: { entries: createPendingEntries({ dir: config.knowledgeDir, timezone: config.timezone, now }), problems },
        }),
        createResidentFeature({
          intake,
          reports,
          forgetting,
          tr,
          catalogue,
          timezone: config.timezone,
          onReport: () => wakePipeline(),
          replies: createDirectReplies({ outbox, tr, flood: config.flood, onQueued: () => wakeSender(), now }),
        }),
        createStaffRetryFeature({ tr, isStaffChat, staffLanguage: config.staffLanguage, retry: (reportId) => pipeline.retry(reportId) }),
        createPraiseFeature({ tr, queries: kindQueries, notices: kindNotices, units, isStaffChat, staffLanguage: config.staffLanguage, timezone: config.timezone, now }),
        createInboxFeature({ tr, queries: kindQueries, notices: kindNotices, notProblems, isStaffChat, staffLanguage: config.staffLanguage }),
        createStaffMediaFeature({ tr, isStaffChat, staffLanguage: config.staffLanguage, reports, outbox, onQueued: () => wakeSender() }),
        // The problem list: reading it, the units directory, then acting on it (its reply handler after every command).
        createStaffProblemsFeature({ ...staffChat, queries, problems, units, catalogue, subtopics, views: staffViews, timezone: config.timezone, now, possiblySame: (problem) => grouping.possiblySame(problem) }),
        createStaffUnitsFeature({ ...staffChat, units, views: staffViews }),
        createStaffActionsFeature({
          ...staffChat,
          desk,
          units,
          views: staffViews,
          timezone: config.timezone,
          residentsOf: (problemId) => problems.get(problemId)?.residentCount ?? 0,
          resolvedButtons: resolvedInquiryButtons({ tr, staffLanguage: config.staffLanguage, problems }),
        }),
        createDigestFeature({ digest, tr, isStaffChat, staffLanguage: config.staffLanguage }),
        createThemesFeature({ tr, store: themeStore, views: themeViews, rules: themeRules, fallbackCategory: catalogue.fallbackId, isStaffChat, staffLanguage: config.staffLanguage, now }),
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
            scopeQueries: createUnitScopeQueries(db),
          }),
          tr,
          isStaffChat,
          staffLanguage: config.staffLanguage,
          unitScope: (chatId) => unitChats.unitsOf(chatId),
        }),
        createGroupsFeature({ tr, isStaffChat }),
      ],
      sequentialize: sequentialize((ctx) => String(ctx.chat?.id ?? ctx.from?.id ?? ctx.update.update_id)),
      onUnsaved: (updateId) => redelivery.defer(updateId),
      isTrustedChat: isStaffChat,
    },
    {
      apiRoot: config.telegramApiRoot,
      ...(options.botInfo && { botInfo: options.botInfo }),
      throttle: options.throttle ?? true,
    },
  );

  // A full disk: what could not be written is handled again while the bot runs, not only at the next start.
  const redelivery = createRedelivery({ inbox, handle: (update) => bot.handleUpdate(update as never), logger: logger.child({ module: 'redelivery' }) });

  const sender = createSender({
    outbox,
    transport: createTelegramTransport(bot.api),
    // Web residents' messages become notices on their tracking page, whether or not the page is served now.
    webTransport: createWebDelivery(db, createLogContactNotifier(logger.child({ module: 'web' })), now),
    logger: logger.child({ module: 'outbox' }),
    combineAcks: (parts) => replies.combineAcks(parts),
    onBlocked: (chatId) => intake.markBlocked(chatId),
    onChatMigrated: (from, to) => {
      staffChats.migrate(from, to);
      unitChats.migrate(from, to);
    },
    // Taken in start(), before the sender starts.
    holdsLease: () => lock?.held() ?? true,
    now,
  });
  wakeSender = () => sender.wake();

  const pipeline = createReportPipeline({
    db,
    reports,
    problems,
    deadlines,
    classifier,
    grouping,
    ...(options.decider && { decider: options.decider }),
    ...(!options.decider &&
      openai &&
      config.llm && {
        decider: createLlmDecider({ client: openai, model: config.llm.model, timeoutMs: config.llm.timeoutMs, breaker: classifier.breaker, logger: logger.child({ module: 'grouping' }) }),
      }),
    matchUnit: (written) => units.match(written),
    spotUnit: (text) => units.spot(text),
    ...(meaning && { meaning }),
    outbox,
    replies,
    staffNotices,
    catalogue,
    staffChatIds: staffChats.ids(),
    staffLanguage: config.staffLanguage,
    onQueued: () => sender.wake(),
    logger: logger.child({ module: 'pipeline' }),
    media: createMediaStep({ db, tr, catalogue }),
    now,
    concurrency: config.llm?.concurrency ?? 16,
    ...(options.pollIntervalMs !== undefined && { pollIntervalMs: options.pollIntervalMs }),
    reclassifyIntervalMs: options.reclassifyIntervalMs ?? config.llm?.reclassifyIntervalMs ?? 10_000,
    notProblems,
    titles: ledgerTitles,
    themes: createThemeAlerts({
      store: themeStore,
      outbox,
      views: themeViews,
      rules: themeRules,
      staffChatIds: () => staffChats.ids(),
      staffLanguage: config.staffLanguage,
      fallbackCategory: catalogue.fallbackId,
      logger: logger.child({ module: 'themes' }),
    }),
    knowledge: {
      answerer: createKnowledgeAnswerer({
        folder: knowledgeFolder,
        ...(openai && config.llm && { composer: createLlmComposer({ client: openai, model: config.llm.model, timeoutMs: config.llm.timeoutMs }) }),
        onComposeFailure: (reason) => knowledgeLog.warn({ reason }, 'LLM answer refused or failed; using the offline match'),
      }),
      store: knowledgeStore,
      replies: knowledgeReplies,
    },
  });
  wakePipeline = () => pipeline.wake();
  relabelLate = (reportId) => pipeline.relabel(reportId);
  // Voice notes → text and photos → words (issue 16), when a transcription or vision model is configured
  // (or handed in: the sandbox's stand-ins).
  const transcriber = config.llm && config.transcription
    ? createOpenAiTranscriber({ apiKey: config.llm.apiKey, baseURL: config.transcription.baseURL, model: config.transcription.model, timeoutMs: Math.max(config.llm.timeoutMs, 60_000), maxRetries: 0 })
    : options.mediaModels?.transcriber;
  const describer = config.llm && config.visionModel && openai
    ? createOpenAiDescriber({ client: openai, model: config.visionModel, timeoutMs: Math.max(config.llm.timeoutMs, 30_000) })
    : options.mediaModels?.describer;
  const transcription = transcriber || describer
    ? createTranscriptionJob({
        db,
        files: createTelegramFiles({ api: bot.api, apiRoot: config.telegramApiRoot, token: options.token }),
        ...(transcriber && { transcriber }),
        ...(describer && { describer }),
        maxVoiceSeconds: config.maxVoiceSeconds,
        relabel: (reportId) => pipeline.relabel(reportId),
        wakePipeline: () => pipeline.wake(),
        outbox,
        tr,
        catalogue,
        onQueued: () => wakeSender(),
        logger: logger.child({ module: 'transcription' }),
        now,
      })
    : undefined;
  // A voice note or photo just stored is listened to at once, not at the job's next poll.
  if (transcription) wakePipeline = () => (pipeline.wake(), transcription.wake());

  let runner: RunnerHandle | undefined;
  let lock: InstanceLock | undefined;
  let lockTimer: NodeJS.Timeout | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  let webhook: WebhookServer | undefined;
  let web: WebServer | undefined;
  let stopping: Promise<void> | undefined;

  async function replayInbox(): Promise<number> {
    let replayed = 0;
    // Read onwards: an update whose handling could not be written (full disk) stays unhandled, for the redelivery.
    let after: number | undefined;
    for (;;) {
      const batch = inbox.unhandled(100, after);
      if (batch.length === 0) return replayed;
      for (const update of batch) {
        after = update.update_id;
        try {
          // The bot's first middleware marks it handled.
          await bot.handleUpdate(update as never);
        } catch (error) {
          // An update that cannot be handled must not stop the bot from starting: log it and move on.
          logger.error({ err: error, update_id: update.update_id }, 'a stored update could not be handled');
          inbox.markHandled(update.update_id);
        }
        replayed++;
      }
    }
  }

  let failed = false;
  /** One clear line, a clean stop, then the caller decides (main.ts exits non-zero). */
  function fatal(error: unknown, line: string): void {
    if (failed) return;
    failed = true;
    logger.fatal({ err: error }, line);
    void app
      .stop()
      .catch((stopError: unknown) => logger.error({ err: stopError }, 'error while stopping'))
      .finally(() => options.onFatal?.(error));
  }

  const app: App = {
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
    staffChats,
    desk,
    forgetting,
    unitDesk,
    queries,
    digest,
    scheduler,
    outbox,
    classifier,
    pipeline,
    sender,
    webServer: () => web,
    replayInbox,
    async start() {
      // Before anything is read or sent: a second bot on this database would send every reply twice.
      lock = acquireInstanceLock(db);
      // Once per database, under the lock: chit-chat the old classifier put on the problem list leaves it (issue 18).
      backfillKinds({ db, offline: () => createOfflineClassifier({ catalogue, examples: loadExamples() }), logger: logger.child({ module: 'kinds-backfill' }), now });
      lockTimer = setInterval(() => {
        if (lock && !lock.heartbeat()) fatal(new Error('instance lock lost'), 'another Minyi took over this database; stopping');
      }, LOCK_HEARTBEAT_MS);
      lockTimer.unref();
      // getMe (bot.init) and getUpdates are retried by grammY and the runner without a word, or with the whole
      // error on the console: their failures are logged here, once per attempt, through the safe logger.
      bot.api.config.use(async (prev, method, payload, signal) => {
        const retried = method === 'getMe' || method === 'getUpdates';
        try {
          const response = await prev(method, payload, signal);
          if (retried && !response.ok && !UNRECOVERABLE.has(response.error_code)) {
            logger.warn({ method, error_code: response.error_code, error: response.description }, 'Telegram refused a request; retrying');
          }
          return response;
        } catch (error) {
          if (retried && !signal?.aborted) logger.warn({ method, err: error }, 'could not reach Telegram; retrying');
          throw error;
        }
      });
      if (config.staffChatIds.length === 0) {
        logger.warn('STAFF_CHAT_IDS is empty: urgent alerts, reminders and digests have nowhere to go');
      }
      for (const { configured, current } of staffChats.outdated()) {
        logger.warn({ configured, current }, 'a chat in STAFF_CHAT_IDS became a supergroup: serving the new id; replace the old id in STAFF_CHAT_IDS');
      }
      await bot.init();
      const replayed = await replayInbox();
      if (replayed > 0) logger.info({ replayed }, 'handled updates left over from the last run');
      pipeline.start();
      transcription?.start();
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
      // The residents' page (issue 17): its reports enter the same pipeline, its notices come from the same outbox.
      if (config.web) {
        web = await startResidentsPage({ web: config.web, config, db, desk, forgetting, tr, catalogue, units, onReport: () => pipeline.wake(), logger: logger.child({ module: 'web' }), now });
      }
      if (config.delivery.mode === 'webhook') {
        webhook = await startWebhookServer({ bot, inbox, logger, url: config.delivery.url, secret: config.delivery.secret, port: config.delivery.port });
        await bot.api.setWebhook(config.delivery.url, { secret_token: config.delivery.secret, allowed_updates: [...ALLOWED_UPDATES] });
        logger.info({ url: config.delivery.url }, 'receiving updates by webhook');
      } else {
        await bot.api.deleteWebhook();
        // The runner's console output prints the whole error, the URL with the token included: silenced;
        // failed polls are logged by the transformer installed at start, through the safe logger.
        runner = run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] }, silent: true } });
        // 409 (another getUpdates consumer, or a webhook set) and 401 end the runner: a clean stop, not an unhandled rejection.
        runner.task()?.catch((error: unknown) => {
          const code = error instanceof GrammyError ? error.error_code : undefined;
          fatal(
            error,
            code === 409
              ? 'Telegram answered 409 Conflict: another bot is receiving updates with this token (or a webhook is set); stopping'
              : code === 401
                ? 'Telegram refused the bot token (401 Unauthorized); stopping'
                : 'receiving updates from Telegram failed for good; stopping',
          );
        });
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
        // No new web report is accepted once stopping began; one being stored finishes before the database closes.
        await web?.close();
        await redelivery.stop();
        await transcription?.stop();
        await pipeline.stop();
        await sender.stop();
        if (lockTimer) clearInterval(lockTimer);
        lock?.release();
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
  return app;
}
