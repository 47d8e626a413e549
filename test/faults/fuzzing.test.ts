import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/bot-process.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { privateText, resident } from '../support/updates.ts';
import { alive, createFaultWorld, logLines, outcome, zhResident, type FaultWorld } from './support/fault-world.ts';
import { update, updateBody } from './support/update-arbitraries.ts';

/**
 * Fuzzing: random well-formed and malformed updates of every kind. No unhandled rejection, no crash, every
 * update marked handled (so none is replayed forever after a restart), and the bot still answers after.
 * In-process for volume (bot.handleUpdate), and against the running process through the emulator.
 */

let harness: Harness | undefined;
let world: FaultWorld | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await world?.close();
  world = undefined;
});

function watchUnhandled(): { failures: unknown[]; stop: () => void } {
  const failures: unknown[] = [];
  const onRejection = (reason: unknown) => failures.push(reason);
  const onException = (error: unknown) => failures.push(error);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    failures,
    stop: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

describe('fuzzing', () => {
  it('in process: 600 random updates, well-formed and malformed — every one handled or its error contained, nothing left to replay, the bot still answers', async () => {
    harness = await createHarness();
    const app = harness.app;
    const watch = watchUnhandled();
    let nextId = 1;
    let handled = 0;
    try {
      for (const wrong of [0, 1]) {
        await fc.assert(
          fc.asyncProperty(update(wrong, () => nextId++), async (u) => {
            // As in polling: the getUpdates transformer stores the update, the runner hands it to the bot
            // and gives whatever it throws to the bot's error handler.
            app.inbox.save([u as never]);
            await app.bot.handleUpdate(u as never).catch((error: unknown) => app.bot.errorHandler(error as never));
            handled++;
            // Marked handled even when handling failed: a poison update must not be replayed at every start.
            expect(app.inbox.unhandled(1000).map((stored) => stored.update_id)).not.toContain(u.update_id);
          }),
          { numRuns: 300, seed: 20_250_101 + wrong },
        );
      }
      await app.runner.settle();
      // What a restart does first: replay whatever the inbox holds. It must not throw.
      await app.runner.replayInbox();
      // A resident is still answered.
      const before = harness.texts(99_001).length;
      await harness.send(privateText(resident(99_001), '第一中学食堂的饭菜太贵了'));
      expect(harness.texts(99_001).slice(before).some((t) => /#\d+/.test(t))).toBe(true);
      expect(app.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      watch.stop();
    }
    expect(watch.failures).toEqual([]);
    const replies = harness.sent().length;
    outcome(`fuzzing in process: ${handled} random updates (300 well-formed, 300 malformed) → 0 rejections, 0 unhandled errors, ${replies} messages sent, inbox fully handled, bot still answers`);
  }, 120_000);

  it('against the running bot: 250 random updates through the emulator — the process never crashes and still answers', async () => {
    world = await createFaultWorld();
    const { telegram } = world;
    const bot = await world.start({ llm: false });
    const bodies = [...fc.sample(updateBody(0), { numRuns: 150, seed: 7 }), ...fc.sample(updateBody(1), { numRuns: 100, seed: 8 })];
    let queued = 0;
    const wellFormed = new Set<number>();
    for (const [i, body] of bodies.entries()) {
      // Updates go to the bot exactly as given; the emulator only numbers them.
      const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
      const { update_id } = telegram.deliverRaw(copy as never);
      if (i < 150) wellFormed.add(update_id);
      queued++;
    }
    await eventually(() => telegram.pendingUpdates().length === 0, 60_000, () => `${telegram.pendingUpdates().length} unconfirmed`);
    await eventually(() => world!.count('SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL') === 0, 20_000).catch(() => undefined);
    const leftUnhandled = world.query<{ update_id: number; payload: string }>('SELECT update_id, payload FROM inbox WHERE handled_at IS NULL');
    const wellFormedLeft = leftUnhandled.filter((row) => wellFormed.has(row.update_id));
    if (leftUnhandled.length > 0) {
      outcome(
        `fuzzing the process: ${leftUnhandled.length} updates never marked handled (${wellFormedLeft.length} of them well-formed), e.g. ` +
          `${(wellFormedLeft[0] ?? leftUnhandled[0]!).payload.slice(0, 300)}`,
      );
    }
    expect(alive(bot)).toBe(true);
    telegram.sendUserMessage({ from: zhResident(99_002), text: '实验小学门口的路灯坏了' });
    const reply = await telegram.waitFor((m) => m.chat_id === 99_002, 15_000, { includeExisting: true });
    expect(reply.text).toMatch(/#\d+/);
    expect(alive(bot)).toBe(true);
    // A restart after the fuzz: nothing left in the inbox may keep the bot from starting.
    await bot.kill9();
    const restarted = await world.start({ llm: false });
    telegram.sendUserMessage({ from: zhResident(99_003), text: '第二中学的篮球场地面坏了' });
    expect((await telegram.waitFor((m) => m.chat_id === 99_003, 15_000, { includeExisting: true })).text).toMatch(/#\d+/);
    expect(alive(restarted)).toBe(true);
    const logs = logLines(bot);
    const fatal = logs.filter((l) => Number(l.level) >= 60);
    expect(leftUnhandled.length, 'updates left unhandled in the inbox, replayed at every start').toBe(0);
    expect(fatal).toEqual([]);
    expect(bot.output()).not.toMatch(/Unhandled|uncaught/i);
    const errors = logs.filter((l) => Number(l.level) >= 50).length;
    outcome(`fuzzing the process: ${queued} random updates (150 well-formed, 100 malformed) → all confirmed, ${leftUnhandled.length} left unhandled, ${errors} errors logged and contained, 0 crashes, still answers, restarts`);
  }, 120_000);
});
