import { sequentialize } from '@grammyjs/runner';
import type { Logger } from 'pino';
import type { UserFromGetMe } from 'grammy/types';
import { createBot } from './bot/create-bot.ts';
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
import { createKindNotices } from './replies/kind-notices.ts';
import { createStaffMediaFeature } from './bot/features/staff-media.ts';
import { createVoiceCorrectionFeature } from './bot/features/voice-correction.ts';
import type { Classification } from './domain/classification.ts';
import type { OfflineClassifier } from './classify/offline/offline-classifier.ts';
import { createSurveyFeature } from './bot/features/survey.ts';
import { createStaffExportFeature } from './bot/features/staff-export.ts';
import { createDigestFeature } from './bot/features/digest.ts';
import { createDigestService, type DigestService } from './desk/digest-service.ts';
import { createScheduler, type Scheduler } from './schedule/scheduler.ts';
import { createOverdueReminderJob } from './desk/overdue-reminder.ts';
import { createStaffQuestionsFeature } from './bot/features/staff-questions.ts';
import { createStaffQuestions } from './questions/staff-questions.ts';
import { createUnitScopeQueries } from './questions/unit-scope-queries.ts';
import { createProblemQueries, type ProblemQueries } from './problems/problem-queries.ts';
import { createStaffViews } from './replies/staff-views.ts';
import { createTelegramTransport } from './bot/telegram-transport.ts';
import { buildClassifier } from './classify/build-classifier.ts';
import { classificationCacheKey, type ReportClassifier } from './classify/report-classifier.ts';
import type { Config } from './config.ts';
import { openDatabase, type Db } from './db/database.ts';
import type { InstanceLock } from './db/instance-lock.ts';
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
import { createRedelivery, type Redelivery } from './intake/redelivery.ts';
import { createStaffChats, type StaffChats } from './intake/staff-chats.ts';
import { createIntake, type Intake } from './intake/intake.ts';
import { createReportStore, type ReportStore } from './intake/report-store.ts';
import { createOutbox, type Outbox } from './outbox/outbox.ts';
import { createDirectReplies } from './outbox/direct-replies.ts';
import { createSender, type Sender } from './outbox/sender.ts';
import { createReportPipeline, type ReportPipeline } from './pipeline/report-pipeline.ts';
import { createMediaStep } from './pipeline/media-step.ts';
import { createTranscriptionJob, type TranscriptionJob } from './pipeline/transcription-job.ts';
import { createTelegramFiles } from './media/telegram-files.ts';
import { createOpenAiTranscriber, type Transcriber } from './classify/transcriber.ts';
import { createOpenAiDescriber, type Describer } from './classify/describer.ts';
import { createGrouping, type Grouping, type GroupingDecider } from './problems/grouping.ts';
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
import { createMetaStore } from './db/meta-store.ts';
import { createSemanticRanker } from './knowledge/semantic.ts';
import { createEntryVectorStore } from './knowledge/entry-vector-store.ts';
import { createKnowledgeAnswerer } from './knowledge/answering.ts';
import { createKnowledgeFolder } from './knowledge/knowledge-folder.ts';
import { createKnowledgeStore } from './knowledge/knowledge-store.ts';
import { createPendingEntries } from './knowledge/pending-entry.ts';
import { createLlmComposer } from './knowledge/llm-composer.ts';
import { createKnowledgeFeedback, type KnowledgeFeedback } from './pipeline/knowledge-feedback.ts';
import { createKnowledgeReplies } from './replies/knowledge-replies.ts';
import type { Bot } from 'grammy';
import { channelOf } from './domain/channel.ts';
import { createWebDelivery } from './web/web-delivery.ts';
import { createLogContactNotifier } from './web/contact.ts';
import { loadDeadlineRule } from './domain/deadlines.ts';
import { createAppRunner, type AppRunner } from './app-runner.ts';

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
  /**
   * The offline classifier, already trained on the shipped catalogue and examples (training is most of createApp's
   * time: the test kit trains one per test worker and hands it to every app it builds).
   */
  offlineClassifier?: OfflineClassifier;
}

/** Everything the bot is made of, wired once. Nothing here has started: that is the runner's job (src/app-runner.ts). */
export interface AppParts {
  config: Config;
  logger: Logger;
  /** The clock the app was built with (a test's or the simulation's, else Date.now). */
  now: () => number;
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
  /** Voice notes and photos → words (issue 16); absent when no transcription or vision model is configured. */
  transcription: TranscriptionJob | undefined;
  /** Updates whose handling could not be written (a full disk), handled again while the bot runs. */
  redelivery: Redelivery;
  /** The resident's answers to knowledge-base answers and suggestions; the runner sweeps held questions that timed out. */
  knowledgeFeedback: KnowledgeFeedback;
  /** Which problem a report joins, and the "may be the same matter" suggestions /problem offers staff (grouping evaluation reads both). */
  grouping: Grouping;
  /** The database's instance lock once the runner took it; the sender sends only while it is held. */
  lease: { lock?: InstanceLock };
}

/** The wired app and the one runner that runs it: main.ts, the sandbox, the CLIs and the test kit call `app.runner`. */
export interface App extends AppParts {
  runner: AppRunner;
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

  const { classifier, openai } = buildClassifier({
    db,
    catalogue,
    subtopics,
    llm: config.llm,
    logger: logger.child({ module: 'classifier' }),
    now,
    ...(options.offlineClassifier && { offline: options.offlineClassifier }),
  });

  const inbox = createInbox(db, now);
  const intake = createIntake(db, { now, flood: config.flood });
  const reports = createReportStore(db);
  const problems = createProblemStore(db);
  const outbox = createOutbox(db, now);
  const replies = createReplies(tr, catalogue, deadlines);
  const staffNotices = createStaffNotices(tr, catalogue, (id) => units.displayName(id));
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
  const grouping = createGrouping(problems, deadlines, {
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
  // The resident's yes/no and choice among suggestions, and the timeout of a held question (the runner's sweep).
  const knowledgeFeedback = createKnowledgeFeedback({
    db,
    reports,
    store: knowledgeStore,
    entries: knowledgeFolder,
    outbox,
    replies: knowledgeReplies,
    suggestTimeoutMs: config.knowledgeSuggestTimeoutMs,
    onDeclined: () => wakePipeline(),
    onQueued: () => wakeSender(),
    now,
  });
  const queries = createProblemQueries(db);
  const staffViews = createStaffViews(tr, catalogue, units, config.timezone, (reportId) => channelOf(reports.get(reportId)?.chatId ?? 0), subtopics);
  // District-wide themes (一类问题, issue 11): one subtopic at several units within a window.
  const themeStore = createThemeStore(db);
  const themeViews = createThemeViews(tr, catalogue, subtopics, (id) => units.displayName(id));
  const themeRules = { minUnits: config.problems.themeMinUnits, windowMs: config.problems.themeWindowMs };
  const kindQueries = createKindQueries(db);
  const kindNotices = createKindNotices(tr, catalogue, (id) => units.name(id), config.timezone);
  const digest = createDigestService({
    db,
    outbox,
    tr,
    catalogue,
    unitName: (id) => units.displayName(id),
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
    unitsLine: (period, language) => renderUnitWork(tr, language, unitWork.work(period), (id) => units.displayName(id)),
    themesLine: (period, language) => {
      const activity = themeStore.activity(period.end - themeRules.windowMs, period.end).filter((row) => mayBeTheme(row.subtopic, catalogue.fallbackId));
      const top = themeStore.topSubtopics(period.start, period.end, 8).filter((row) => mayBeTheme(row.subtopic, catalogue.fallbackId)).slice(0, 5);
      return themeViews.digest(language, top, themesFrom(activity, themeRules.minUnits), Math.round(themeRules.windowMs / 86_400_000));
    },
  });
  // The first run on this database is the installation time; nothing scheduled before it is caught up.
  const installedAt = Number(createMetaStore(db).keepFirst('installed_at', () => String(now())));
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
    renderer: createDigestRenderer({ tr, catalogue, unitName: (id) => units.displayName(id), timezone: config.timezone }),
    tr,
    unitName: (id) => units.displayName(id),
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
    // A unit's resolution of an inquiry reaches the bureau with 📥 (issue 15): the bureau decides what the base keeps.
    resolvedButtons: resolvedInquiryButtons({ tr, staffLanguage: config.staffLanguage, problems }),
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
          feedback: knowledgeFeedback,
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

  const lease: AppParts['lease'] = {};
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
    // Taken by the runner's start(), before the sender starts; tools and tests that take none send freely.
    holdsLease: () => lease.lock?.held() ?? true,
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
        ...(meaning && {
          semantic: createSemanticRanker({
            embedder: meaning.embedder,
            store: createEntryVectorStore(db),
            onFailure: (reason, entryId) => knowledgeLog.warn({ reason, entryId }, 'knowledge embedding failed; lexical ranking alone'),
          }),
        }),
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

  const parts: AppParts = {
    config,
    logger,
    now,
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
    transcription,
    redelivery,
    knowledgeFeedback,
    grouping,
    lease,
  };
  const runner = createAppRunner(parts, { ...(options.onFatal && { onFatal: options.onFatal }) });
  const app: App = { ...parts, runner };
  return app;
}
