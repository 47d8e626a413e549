/**
 * One worker loop for every durable queue (the report pipeline, the outbox sender, the transcription job): the
 * queue's rows live in SQLite; this decides when to look, how many jobs run at once, that one key (a report, a
 * chat) never has two jobs in flight, and when the queue is idle. Each queue says only what its jobs are.
 */

export interface Job<K> {
  /** Jobs with the same key never run at the same time (a chat's messages stay in order). */
  key: K;
  run(): Promise<void>;
}

export interface WorkerLoopOptions<K> {
  /** At most `free` jobs to start now, none whose key `busy` says is in flight. Synchronous: reads the store. */
  take(free: number, busy: (key: K) => boolean): Array<Job<K>>;
  /** Is there work due now? While there is, `idle()` keeps waiting. Asked only when nothing is in flight. */
  hasDue(): boolean;
  /** When to look again if nothing wakes the loop, in ms from now; undefined: only when woken. */
  nextLookInMs?(): number | undefined;
  /** How many jobs run at once. */
  concurrency: number;
  /** A job threw: it is the job's business to record failures; this only reports what escaped. */
  onJobError(error: unknown): void;
  /** `take` threw (a busy database): look again after the returned delay, or rethrow. */
  onTakeError?(error: unknown): number;
  /** Longest sleep between looks, so a clock jump or a missed wake is caught up (default one minute). */
  maxSleepMs?: number;
}

export interface WorkerLoop {
  start(): void;
  /** Stops taking jobs, waits for those in flight, releases everyone waiting in `idle()`. */
  stop(): Promise<void>;
  /** Something was queued: look now (coalesced) instead of at the next timer. */
  wake(): void;
  /** Resolves when nothing is in flight and nothing is due (or the loop is stopped). */
  idle(): Promise<void>;
  readonly running: boolean;
  readonly inFlight: number;
}

export function createWorkerLoop<K>(options: WorkerLoopOptions<K>): WorkerLoop {
  const maxSleepMs = options.maxSleepMs ?? 60_000;
  const inFlight = new Map<K, Promise<void>>();
  const idleWaiters: Array<() => void> = [];
  let running = false;
  let pumping = false;
  let pumpAgain = false;
  let wakeScheduled = false;
  let timer: NodeJS.Timeout | undefined;

  const busy = (key: K) => inFlight.has(key);

  function lookIn(ms: number): void {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(pump, Math.max(0, Math.min(ms, maxSleepMs)));
    timer.unref?.();
  }

  function launch(job: Job<K>): void {
    const task = (async () => {
      try {
        await job.run();
      } catch (error) {
        options.onJobError(error);
      }
    })().finally(() => {
      inFlight.delete(job.key);
      if (running) wake();
      else settleIdle();
    });
    inFlight.set(job.key, task);
  }

  function pump(): void {
    if (!running) return;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    let retryInMs: number | undefined;
    try {
      do {
        pumpAgain = false;
        const free = options.concurrency - inFlight.size;
        if (free <= 0) break;
        let jobs: Array<Job<K>>;
        try {
          jobs = options.take(free, busy);
        } catch (error) {
          if (!options.onTakeError) throw error;
          retryInMs = options.onTakeError(error);
          break;
        }
        for (const job of jobs.slice(0, free)) if (!busy(job.key)) launch(job);
      } while (pumpAgain);
    } finally {
      pumping = false;
    }
    const next = retryInMs ?? options.nextLookInMs?.();
    if (next !== undefined) lookIn(next);
    settleIdle();
  }

  function settleIdle(): void {
    if (inFlight.size > 0 || idleWaiters.length === 0) return;
    if (running) {
      let due = true;
      try {
        due = options.hasDue();
      } catch {
        // An unreadable queue is not an idle one; the next look settles it.
      }
      if (due) return;
    }
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  function wake(): void {
    if (!running || wakeScheduled) return;
    wakeScheduled = true;
    setImmediate(() => {
      wakeScheduled = false;
      pump();
    });
  }

  return {
    start() {
      if (running) return;
      running = true;
      wake();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.allSettled([...inFlight.values()]);
      for (const resolve of idleWaiters.splice(0)) resolve();
    },
    wake,
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
        // A queue with due work that was never started: look now so the waiter is not left hanging.
        if (idleWaiters.length > 0) wake();
      });
    },
    get running() {
      return running;
    },
    get inFlight() {
      return inFlight.size;
    },
  };
}
