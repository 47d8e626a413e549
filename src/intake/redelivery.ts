import type { Logger } from 'pino';
import type { Inbox, RawUpdate } from './inbox.ts';

/**
 * Updates whose handling could not be written (a full or failing disk) stay in the inbox unhandled; they are
 * handled again here while the bot runs, with growing pauses, instead of waiting for the next restart.
 */
export interface Redelivery {
  /** Handle this stored update again soon. */
  defer(updateId: number): void;
  /** Updates waiting for another try. */
  waiting(): number;
  stop(): Promise<void>;
}

/** Pauses between rounds while the disk stays full: quick at first, then once a minute. */
const PAUSES_MS = [1_000, 2_000, 5_000, 15_000, 60_000];

export function createRedelivery(deps: { inbox: Inbox; handle: (update: RawUpdate) => Promise<void>; logger: Logger; pausesMs?: readonly number[] }): Redelivery {
  const pauses = deps.pausesMs ?? PAUSES_MS;
  const deferred = new Set<number>();
  let failedRounds = 0;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;
  let stopped = false;

  function schedule(): void {
    if (stopped || timer || round || deferred.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      round = redeliver().finally(() => {
        round = undefined;
        schedule();
      });
    }, pauses[Math.min(failedRounds, pauses.length - 1)]);
    timer.unref?.();
  }

  async function redeliver(): Promise<void> {
    const ids = [...deferred].sort((a, b) => a - b);
    deferred.clear();
    for (const updateId of ids) {
      if (stopped) return;
      try {
        const update = deps.inbox.waiting(updateId);
        // A failed handling defers the update again (through the bot's first middleware).
        if (update) await deps.handle(update);
      } catch (error) {
        deps.logger.warn({ err: error, update_id: updateId }, 'a stored update could not be handled again; will retry');
        deferred.add(updateId);
      }
    }
    failedRounds = deferred.size > 0 ? failedRounds + 1 : 0;
    if (deferred.size === 0) deps.logger.info({ handled: ids.length }, 'updates that could not be written earlier are handled now');
  }

  return {
    defer(updateId) {
      deferred.add(updateId);
      schedule();
    },
    waiting: () => deferred.size,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await round;
    },
  };
}
