import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Db } from '../db/database.ts';
import { HOUR, MINUTE } from '../domain/time.ts';
import { createScheduleStore } from './schedule-store.ts';

/**
 * Jobs that must happen once per period per chat (the weekly digest, a daily reminder), on a cron
 * schedule in the bureau's time zone, exactly once also across restarts and several processes.
 *
 * How a job runs: when its most recent scheduled time has passed (at that time, or at the next start
 * if the bot was down then), the job's `period(scheduledAt)` names what is due, e.g. '2026-W47'. For
 * every chat that has no `schedule_runs` row for (job, period, chat), the scheduler calls `prepare`
 * once (outside any transaction: it may be slow or async), then, per chat, one IMMEDIATE transaction
 * that inserts the `schedule_runs` row and calls `commit` — which queues the chat's messages in the
 * outbox. Either both happen or neither, so a crash cannot lose the run or do it twice, and a second
 * process that got there first makes the insert a no-op.
 *
 * Only the most recent scheduled time is caught up: after a two-week outage, last week's digest is
 * sent, not both. All time comes from `now()`; tests drive `runDue()` and never wait.
 */

export interface JobRun {
  job: string;
  period: string;
  /** The scheduled time this run belongs to (UTC ms), which may be well before now after an outage. */
  scheduledAt: number;
  now: number;
}

export interface ScheduledJob<Prepared = unknown> {
  /** Stable name, stored in schedule_runs.job: renaming a job makes it run again. */
  name: string;
  /** A cron pattern (5 or 6 fields), read in the scheduler's time zone. */
  cron: string;
  /** What a run scheduled at `scheduledAt` is about, e.g. the ISO week before it; once per period per chat. */
  period(scheduledAt: number): string;
  /** The chats to run for; asked at every run, so a changed list takes effect without a restart. */
  chats(): readonly number[];
  /** Build what the run needs, once for all due chats. Outside any transaction; may be async. */
  prepare(run: JobRun): Prepared | Promise<Prepared>;
  /**
   * Do the run for one chat: typically queue outbox messages. Called inside the transaction that
   * records (job, period, chat) as done, so it must be synchronous, write only to this database,
   * and never talk to Telegram.
   */
  commit(chatId: number, prepared: Prepared, run: JobRun): void;
}

export interface JobOutcome {
  job: string;
  period: string;
  scheduledAt: number;
  /** Chats this call committed (a chat done earlier, or by another process meanwhile, is not listed). */
  chats: number[];
  error?: unknown;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface SchedulerOptions {
  db: Db;
  /** IANA zone the cron patterns are read in (config.timezone). */
  timezone: string;
  logger: Logger;
  now?: () => number;
  /** Called after a run committed something (wake the outbox sender). */
  onCommitted?: () => void;
  /** How soon to try again after a job failed (default 5 minutes). */
  retryMs?: number;
  /**
   * Scheduled times before this are never caught up: a bot installed on a Wednesday does not post a
   * digest for the week before it existed (default: no limit).
   */
  notBefore?: () => number;
  /** Timers, replaceable in tests (default setTimeout, unref'd). */
  timers?: Timers;
}

export interface Scheduler {
  /** Add a job; throws on an invalid cron pattern or a duplicate name. Register before start(). */
  register<Prepared>(job: ScheduledJob<Prepared>): void;
  /** Catch up on whatever is due, then wake at each scheduled time until stop(). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Run every job whose most recent scheduled time has passed and that is not done for some chat. */
  runDue(): Promise<JobOutcome[]>;
  /** The most recent scheduled time of a job at or before now, if any. */
  lastScheduledAt(jobName: string, at?: number): number | undefined;
  /** The next scheduled time of a job after now. */
  nextScheduledAt(jobName: string, at?: number): number | undefined;
  /** Whether (job, period, chat) is recorded as done. */
  isDone(jobName: string, period: string, chatId: number): boolean;
}

/** Longest sleep between checks: a clock that jumps (suspend, NTP) is noticed within this. */
const MAX_SLEEP_MS = HOUR;

const defaultTimers: Timers = {
  set(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Entry {
  job: ScheduledJob;
  cron: Cron;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { db, timezone, logger } = options;
  const now = options.now ?? Date.now;
  const timers = options.timers ?? defaultTimers;
  const retryMs = options.retryMs ?? 5 * MINUTE;
  const entries = new Map<string, Entry>();

  const runs = createScheduleStore(db);

  let running = false;
  let timer: unknown;
  let current: Promise<unknown> = Promise.resolve();

  function entry(name: string): Entry {
    const found = entries.get(name);
    if (!found) throw new Error(`scheduler: no job named ${name}`);
    return found;
  }

  // previousRuns excludes its reference; a run exactly now counts as passed.
  const lastAt = (e: Entry, at: number) => e.cron.previousRuns(1, new Date(at + 1))[0]?.getTime();
  const nextAt = (e: Entry, at: number) => e.cron.nextRun(new Date(at))?.getTime();

  async function runJob(e: Entry, at: number): Promise<JobOutcome | undefined> {
    const scheduledAt = lastAt(e, at);
    if (scheduledAt === undefined || scheduledAt < (options.notBefore?.() ?? -Infinity)) return undefined;
    const { job } = e;
    const period = job.period(scheduledAt);
    const done = new Set(runs.doneChats(job.name, period));
    const due = [...new Set(job.chats())].filter((chatId) => !done.has(chatId));
    if (due.length === 0) return undefined;
    const run: JobRun = { job: job.name, period, scheduledAt, now: at };
    const outcome: JobOutcome = { job: job.name, period, scheduledAt, chats: [] };
    try {
      const prepared = await job.prepare(run);
      for (const chatId of due) {
        const committed = db
          .transaction(() => {
            // Someone else (another process, an earlier call) may have done it since we looked.
            if (!runs.markDone(job.name, period, chatId, now())) return false;
            job.commit(chatId, prepared, run);
            return true;
          })
          .immediate();
        if (committed) outcome.chats.push(chatId);
      }
      if (outcome.chats.length > 0) {
        logger.info({ job: job.name, period, chats: outcome.chats, late: scheduledAt < at - MINUTE }, 'scheduled job done');
        options.onCommitted?.();
      }
    } catch (error) {
      outcome.error = error;
      logger.error({ err: error, job: job.name, period }, 'scheduled job failed; will try again');
      if (outcome.chats.length > 0) options.onCommitted?.();
    }
    return outcome;
  }

  async function runDueNow(): Promise<JobOutcome[]> {
    const at = now();
    const outcomes: JobOutcome[] = [];
    for (const e of entries.values()) {
      const outcome = await runJob(e, at);
      if (outcome) outcomes.push(outcome);
    }
    return outcomes;
  }

  /** One run at a time, also when a timer fires while start() is still catching up. */
  function runDue(): Promise<JobOutcome[]> {
    const next = current.then(runDueNow, runDueNow);
    current = next.catch(() => undefined);
    return next;
  }

  function arm(failed: boolean): void {
    if (!running) return;
    const at = now();
    const upcoming = [...entries.values()].map((e) => nextAt(e, at)).filter((t): t is number => t !== undefined);
    let wait = upcoming.length > 0 ? Math.min(...upcoming) - at : MAX_SLEEP_MS;
    if (failed) wait = Math.min(wait, retryMs);
    timer = timers.set(() => void tick(), Math.max(0, Math.min(wait, MAX_SLEEP_MS)));
  }

  async function tick(): Promise<void> {
    timer = undefined;
    if (!running) return;
    let failed = false;
    try {
      failed = (await runDue()).some((o) => o.error !== undefined);
    } catch (error) {
      failed = true;
      logger.error({ err: error }, 'scheduler: run failed');
    }
    arm(failed);
  }

  return {
    register(job) {
      if (entries.has(job.name)) throw new Error(`scheduler: a job named ${job.name} is already registered`);
      let cron: Cron;
      try {
        cron = new Cron(job.cron, { timezone });
      } catch (error) {
        throw new Error(`scheduler: job ${job.name} has an invalid cron pattern "${job.cron}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      entries.set(job.name, { job: job as ScheduledJob, cron });
    },
    async start() {
      if (running) return;
      running = true;
      await tick();
    },
    async stop() {
      running = false;
      if (timer !== undefined) timers.clear(timer);
      timer = undefined;
      await current;
    },
    runDue,
    lastScheduledAt: (name, at = now()) => lastAt(entry(name), at),
    nextScheduledAt: (name, at = now()) => nextAt(entry(name), at),
    isDone: (name, period, chatId) => runs.isDone(name, period, chatId),
  };
}
