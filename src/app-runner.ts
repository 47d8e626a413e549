import { run, type RunnerHandle } from '@grammyjs/runner';
import { GrammyError } from 'grammy';
import type { AppParts } from './app.ts';
import { ALLOWED_UPDATES } from './bot/create-bot.ts';
import { createOfflineClassifier, loadExamples } from './classify/offline/offline-classifier.ts';
import { startWebhookServer, type WebhookServer } from './bot/webhook-server.ts';
import { acquireInstanceLock, LOCK_HEARTBEAT_MS } from './db/instance-lock.ts';
import { createRetention } from './db/retention.ts';
import { refreshPlannerStatistics } from './db/database.ts';
import { backfillKinds } from './pipeline/backfill-kinds.ts';
import { startResidentsPage } from './web/residents-page.ts';
import type { WebServer } from './web/web-server.ts';

/** getUpdates answers that end polling (the runner gives up on them); reported once, as fatal. */
const UNRECOVERABLE: ReadonlySet<number> = new Set([401, 409]);
/** Copies of residents' words that have served their purpose are looked for this often (src/db/retention.ts). */
const PURGE_EVERY_MS = 3_600_000;
/** Questions held with knowledge-base suggestions are looked at this often for a timed-out choice. */
const HELD_SWEEP_EVERY_MS = 60_000;

/**
 * What runs a wired app: everything with a timer, a socket or a loop. `createApp` builds and wires and starts
 * nothing; main.ts and the sandbox call `start()`, tests and tools that feed updates themselves call
 * `startWorkers()` (the same workers `start()` starts), and every one of them ends with `stop()`.
 */
export interface AppRunner {
  /**
   * The whole bot: the instance lock, the once-per-database backfill, getMe, the inbox replay, the workers, the
   * hourly retention, the schedule, the residents' page, and updates by long polling or webhook.
   */
  start(): Promise<void>;
  /**
   * getMe, the three worker loops (report pipeline, transcription, outbox sender) and the sweep of held questions
   * (knowledge-base suggestions not chosen in time); nothing received, nothing scheduled, no lock: for tests and
   * tools that hand updates to `bot.handleUpdate` themselves.
   */
  startWorkers(): Promise<void>;
  /** Stops whatever was started (once, however often called) and closes the database. */
  stop(): Promise<void>;
  /**
   * Resolves when nothing is left to do: every stored report answered, every voice note and photo due heard
   * or seen, the outbox empty (tests, tools).
   */
  settle(): Promise<void>;
  /** Handle updates stored but not handled before the last stop; returns how many. */
  replayInbox(): Promise<number>;
  /** The residents' web page (issue 17), while it runs: only with WEB_PUBLIC_URL, after start(). */
  webServer(): WebServer | undefined;
}

export interface AppRunnerOptions {
  /**
   * The bot cannot go on (Telegram answered 409 or 401 to getUpdates, or another instance took the database
   * over): called after one log line and a clean stop; main.ts exits non-zero.
   */
  onFatal?: (error: unknown) => void;
}

export function createAppRunner(app: AppParts, options: AppRunnerOptions = {}): AppRunner {
  const { bot, config, db, inbox, logger, now, pipeline, sender, transcription, scheduler } = app;
  let runner: RunnerHandle | undefined;
  let lockTimer: NodeJS.Timeout | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  let heldTimer: NodeJS.Timeout | undefined;
  let webhook: WebhookServer | undefined;
  let web: WebServer | undefined;
  let stopping: Promise<void> | undefined;
  let failed = false;

  /** One clear line, a clean stop, then the caller decides (main.ts exits non-zero). */
  function fatal(error: unknown, line: string): void {
    if (failed) return;
    failed = true;
    logger.fatal({ err: error }, line);
    void stop()
      .catch((stopError: unknown) => logger.error({ err: stopError }, 'error while stopping'))
      .finally(() => options.onFatal?.(error));
  }

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

  async function startWorkers(): Promise<void> {
    await bot.init();
    pipeline.start();
    transcription?.start();
    sender.start();
    startHeldSweep();
  }

  /**
   * A question held with suggestions that nobody chose for within KNOWLEDGE_SUGGEST_TIMEOUT becomes a ticket: once
   * now (a restart must not strand one held before it), then every minute.
   */
  function startHeldSweep(): void {
    if (heldTimer) return;
    const sweep = () => {
      try {
        const expired = app.knowledgeFeedback.expireHeld();
        if (expired.length > 0) logger.info({ reportIds: expired.slice(0, 20), count: expired.length }, 'held questions timed out; they become tickets');
      } catch (error) {
        logger.warn({ err: error }, 'could not sweep held questions; trying again at the next sweep');
      }
    };
    sweep();
    heldTimer = setInterval(sweep, HELD_SWEEP_EVERY_MS);
    heldTimer.unref();
  }

  /** getMe and getUpdates are retried by grammY and the runner without a word: their failures are logged here. */
  function logRetriedCalls(): void {
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
  }

  function startRetention(): void {
    const retention = createRetention(db);
    const purge = () => {
      try {
        const removed = retention.purge(now());
        if (Object.values(removed).some((n) => n > 0)) logger.info({ removed }, 'retention: old copies removed');
      } catch (error) {
        logger.warn({ err: error }, 'retention: could not remove old copies');
      }
      // After the purge, which changes table sizes most; its own failure is its own (the statistics of the open stay).
      try {
        refreshPlannerStatistics(db, 'periodic');
      } catch (error) {
        logger.warn({ err: error }, 'could not refresh the query planner statistics; trying again in an hour');
      }
    };
    purge();
    purgeTimer = setInterval(purge, PURGE_EVERY_MS);
    purgeTimer.unref();
  }

  async function receiveUpdates(): Promise<void> {
    if (config.delivery.mode === 'webhook') {
      webhook = await startWebhookServer({ bot, inbox, logger, url: config.delivery.url, secret: config.delivery.secret, port: config.delivery.port });
      await bot.api.setWebhook(config.delivery.url, { secret_token: config.delivery.secret, allowed_updates: [...ALLOWED_UPDATES] });
      logger.info({ url: config.delivery.url }, 'receiving updates by webhook');
      return;
    }
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

  async function start(): Promise<void> {
    // Before anything is read or sent: a second bot on this database would send every reply twice.
    const lock = acquireInstanceLock(db);
    app.lease.lock = lock;
    // Once per database, under the lock: chit-chat the old classifier put on the problem list leaves it (issue 18).
    backfillKinds({ db, offline: () => createOfflineClassifier({ catalogue: app.catalogue, examples: loadExamples() }), logger: logger.child({ module: 'kinds-backfill' }), now });
    lockTimer = setInterval(() => {
      if (!lock.heartbeat()) fatal(new Error('instance lock lost'), 'another Minyi took over this database; stopping');
    }, LOCK_HEARTBEAT_MS);
    lockTimer.unref();
    logRetriedCalls();
    if (config.staffChatIds.length === 0) {
      logger.warn('STAFF_CHAT_IDS is empty: urgent alerts, reminders and digests have nowhere to go');
    }
    for (const { configured, current } of app.staffChats.outdated()) {
      logger.warn({ configured, current }, 'a chat in STAFF_CHAT_IDS became a supergroup: serving the new id; replace the old id in STAFF_CHAT_IDS');
    }
    await bot.init();
    const replayed = await replayInbox();
    if (replayed > 0) logger.info({ replayed }, 'handled updates left over from the last run');
    await startWorkers();
    startRetention();
    // Catches up on a digest or reminder missed while the bot was down, then follows the schedule.
    await scheduler.start();
    // The residents' page (issue 17): its reports enter the same pipeline, its notices come from the same outbox.
    if (config.web) {
      const { desk, forgetting, tr, catalogue, units } = app;
      web = await startResidentsPage({ web: config.web, config, db, desk, forgetting, tr, catalogue, units, onReport: () => pipeline.wake(), logger: logger.child({ module: 'web' }), now });
    }
    await receiveUpdates();
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      await scheduler.stop();
      if (purgeTimer) clearInterval(purgeTimer);
      if (heldTimer) clearInterval(heldTimer);
      if (runner) {
        await runner.stop();
        // The runner stops fetching at once; updates already being handled finish before the database closes.
        for (let waited = 0; runner.size() > 0 && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await webhook?.close();
      // No new web report is accepted once stopping began; one being stored finishes before the database closes.
      await web?.close();
      await app.redelivery.stop();
      await transcription?.stop();
      await pipeline.stop();
      await sender.stop();
      if (lockTimer) clearInterval(lockTimer);
      app.lease.lock?.release();
      db.close();
    })();
    return stopping;
  }

  async function settle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      await pipeline.idle();
      // A voice note or photo being heard now: its words relabel the report and queue "this is what we heard".
      await transcription?.idle();
      await sender.idle();
      if (app.reports.pendingCount() === 0 && app.outbox.due(now(), 1).length === 0) return;
    }
  }

  return { start, startWorkers, stop, settle, replayInbox, webServer: () => web };
}
