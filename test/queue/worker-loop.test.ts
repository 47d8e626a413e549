import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerLoop, type Job } from '../../src/queue/worker-loop.ts';

/** A queue held in memory: items with a key; a job takes one item and finishes when the test says so. */
function memoryQueue(options: { concurrency: number; retryInMs?: number }) {
  const waiting: Array<{ id: number; key: string }> = [];
  const started: number[] = [];
  const finishers = new Map<number, (fail?: boolean) => void>();
  const errors: unknown[] = [];
  let maxInFlight = 0;
  let takeFails = 0;
  const loop = createWorkerLoop<string>({
    concurrency: options.concurrency,
    take(free, busy) {
      if (takeFails > 0) {
        takeFails--;
        throw new Error('database is locked');
      }
      const jobs: Job<string>[] = [];
      for (const item of [...waiting]) {
        if (jobs.length >= free) break;
        if (busy(item.key) || jobs.some((j) => j.key === item.key)) continue;
        waiting.splice(waiting.indexOf(item), 1);
        jobs.push({
          key: item.key,
          run: () =>
            new Promise<void>((resolve, reject) => {
              started.push(item.id);
              maxInFlight = Math.max(maxInFlight, loop.inFlight + 1);
              finishers.set(item.id, (fail) => (fail ? reject(new Error(`job ${item.id} failed`)) : resolve()));
            }),
        });
      }
      return jobs;
    },
    hasDue: () => waiting.length > 0,
    onJobError: (error) => errors.push(error),
    onTakeError: () => options.retryInMs ?? 5,
  });
  return {
    loop,
    started,
    errors,
    get maxInFlight() {
      return maxInFlight;
    },
    failTakes(n: number) {
      takeFails = n;
    },
    add(id: number, key: string) {
      waiting.push({ id, key });
      loop.wake();
    },
    finish(id: number, fail = false) {
      finishers.get(id)!(fail);
      finishers.delete(id);
    },
    releaseAll() {
      for (const id of [...finishers.keys()]) this.finish(id);
    },
    async finishAll() {
      while (finishers.size > 0 || waiting.length > 0) {
        for (const id of [...finishers.keys()]) this.finish(id);
        await tick();
      }
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 2));
const queues: Array<ReturnType<typeof memoryQueue>> = [];
afterEach(async () => {
  // Nothing left running: stop every loop, letting the jobs a test left open end.
  await Promise.all(
    queues.splice(0).map((q) => {
      const stopping = q.loop.stop();
      q.releaseAll();
      return stopping;
    }),
  );
});

describe('one worker loop for every queue', () => {
  it('runs at most `concurrency` jobs at once and never two of one key', async () => {
    const q = memoryQueue({ concurrency: 3 });
    queues.push(q);
    q.loop.start();
    for (let i = 1; i <= 8; i++) q.add(i, i <= 4 ? 'chat-a' : `chat-${i}`);
    await tick();
    // chat-a's four items go one at a time; three slots in all.
    expect(q.started.length).toBe(3);
    expect(q.started.filter((id) => id <= 4)).toEqual([1]);
    // A slot frees while chat-a's first job still runs: the next job is another chat's, not chat-a's second.
    q.finish(q.started.find((id) => id > 4)!);
    await tick();
    expect(q.started.filter((id) => id <= 4)).toEqual([1]);
    expect(q.started.length).toBe(4);
    await q.finishAll();
    expect([...q.started].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(q.started.filter((id) => id <= 4)).toEqual([1, 2, 3, 4]);
    expect(q.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('idle() waits for jobs in flight and for due work, then resolves', async () => {
    const q = memoryQueue({ concurrency: 2 });
    queues.push(q);
    q.loop.start();
    q.add(1, 'a');
    q.add(2, 'a');
    let idle = false;
    void q.loop.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    q.finish(1);
    await tick();
    expect(idle).toBe(false); // item 2 was due, and now runs
    q.finish(2);
    await tick();
    expect(idle).toBe(true);
  });

  it('a job that throws is reported and the loop goes on', async () => {
    const q = memoryQueue({ concurrency: 1 });
    queues.push(q);
    q.loop.start();
    q.add(1, 'a');
    q.add(2, 'b');
    await tick();
    q.finish(1, true);
    await tick();
    expect(q.errors.map(String)).toEqual(['Error: job 1 failed']);
    expect(q.started).toEqual([1, 2]);
  });

  it('a queue that cannot be read (busy database) is looked at again after the delay it asks for', async () => {
    const q = memoryQueue({ concurrency: 1, retryInMs: 10 });
    queues.push(q);
    q.failTakes(2);
    q.loop.start();
    q.add(1, 'a');
    await tick();
    expect(q.started).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(q.started).toEqual([1]);
  });

  it('stop() waits for jobs in flight, releases idle waiters, and takes nothing more', async () => {
    const q = memoryQueue({ concurrency: 1 });
    queues.push(q);
    q.loop.start();
    q.add(1, 'a');
    q.add(2, 'b');
    await tick();
    let idle = false;
    void q.loop.idle().then(() => (idle = true));
    let stopped = false;
    const stopping = q.loop.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false); // job 1 is still running
    q.finish(1);
    await stopping;
    expect(idle).toBe(true); // the sender's old loop left this waiter hanging
    q.add(3, 'c');
    await tick();
    expect(q.started).toEqual([1]);
    expect(q.loop.running).toBe(false);
  });

  it('stop() releases idle waiters even when nothing is in flight and work is still due', async () => {
    const q = memoryQueue({ concurrency: 1, retryInMs: 1000 });
    queues.push(q);
    q.failTakes(1_000_000);
    q.loop.start();
    q.add(1, 'a');
    let idle = false;
    void q.loop.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    await q.loop.stop();
    await tick();
    expect(idle).toBe(true);
  });
});
