import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createKnowledgeStore, type KnowledgeStore } from '../../src/knowledge/knowledge-store.ts';
import { createKnowledgeFeedback } from '../../src/pipeline/knowledge-feedback.ts';
import { createKnowledgeReplies } from '../../src/replies/knowledge-replies.ts';
import { createHarness, tempDir, type Harness } from '../support/harness.ts';
import { callback, privateText, resident, type Person } from '../support/updates.ts';

// A held question ("您是想问…?", issue 15) is settled once when the resident's press and the timeout sweep race.
// Two guards: pick() reads the status under its immediate transaction, and every settle is a conditional UPDATE
// (… WHERE status = 'suggested') whose "no row changed" refuses. These tests make each guard fail a test alone.

const TODAY = Date.parse('2026-12-04T02:00:00Z');
const realStart = Date.now();
let skew = 0;
const clock = () => TODAY + (Date.now() - realStart) + skew;
const MINUTE = 60_000;
const VAGUE = '哪里能查到正规的培训机构名单';
const STALE = '这个按钮已失效。';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  skew = 0;
});

describe('the store: a settle of a row that is no longer held changes nothing and says so', () => {
  function held(): { store: KnowledgeStore; row: () => Record<string, unknown> } {
    const { dir, cleanup } = tempDir();
    const db = openDatabase(join(dir, 'race.sqlite'));
    cleanups.push(cleanup, () => void db.close());
    db.prepare(`INSERT INTO residents (id, telegram_user_id, chat_id, language, created_at) VALUES (1, 1, 1, 'zh', 0)`).run();
    db.prepare(`INSERT INTO reports (id, resident_id, chat_id, message_id, text, received_at, reply_language) VALUES (7, 1, 1, 1, '问题', 0, 'zh')`).run();
    const store = createKnowledgeStore(db);
    expect(store.suggested(7, ['a', 'b'], 100)).toBe(true);
    return { store, row: () => db.prepare('SELECT * FROM knowledge_questions WHERE report_id = 7').get() as Record<string, unknown> };
  }

  it('swept first (unmatched): a later pick or "none" returns false and the row stays as the sweep left it', () => {
    const { store, row } = held();
    expect(store.dismiss(7, 'unmatched', 200)).toBe(true);
    const swept = row();
    expect(swept).toMatchObject({ status: 'unmatched', decided_at: 200, entry_id: null, entry_title: null, answered_by: null });
    expect(store.pick(7, { id: 'a', title: 'A' })).toBe(false);
    expect(store.dismiss(7, 'declined', 300)).toBe(false);
    expect(store.dismiss(7, 'unmatched', 400)).toBe(false);
    expect(row()).toEqual(swept);
  });

  it('picked first (offered): the sweep\'s settle returns false and the pick stands; a second pick too', () => {
    const { store, row } = held();
    expect(store.pick(7, { id: 'b', title: 'B' })).toBe(true);
    const picked = row();
    expect(picked).toMatchObject({ status: 'offered', entry_id: 'b', entry_title: 'B', answered_by: 'offline', decided_at: null });
    expect(store.dismiss(7, 'unmatched', 500)).toBe(false);
    expect(store.pick(7, { id: 'a', title: 'A' })).toBe(false);
    expect(row()).toEqual(picked);
  });
});

describe('the press and the sweep through the bot', () => {
  async function start(): Promise<Harness> {
    const h = await createHarness({ now: clock, env: { KNOWLEDGE_SUGGEST_TIMEOUT: '30m' } });
    cleanups.push(() => h.close());
    return h;
  }
  const reportOf = (h: Harness, chatId: number) => h.app.db.prepare('SELECT id FROM reports WHERE chat_id = ? ORDER BY id DESC').pluck().get(chatId) as number;
  const status = (h: Harness, id: number) => h.app.db.prepare('SELECT status FROM knowledge_questions WHERE report_id = ?').pluck().get(id);
  const problems = (h: Harness) => h.app.db.prepare('SELECT COUNT(*) FROM problems').pluck().get();
  const callbackAnswers = (h: Harness) => h.calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => String(c.payload.text ?? ''));
  const tickets = (h: Harness, chatId: number, id: number) => h.texts(chatId).filter((t) => t.includes(`#${id}`));
  async function askVague(h: Harness, chatId: number, me: Person): Promise<number> {
    await h.send(privateText(me, VAGUE));
    const id = reportOf(h, chatId);
    expect(status(h, id)).toBe('suggested');
    return id;
  }

  it('a press after the sweep settled it: "这个按钮已失效" once, no second ticket, no second acknowledgement', async () => {
    const h = await start();
    const me = resident(301);
    const id = await askVague(h, 301, me);
    skew = 31 * MINUTE;
    expect(h.app.knowledgeFeedback.expireHeld()).toEqual([id]);
    await h.settle();
    expect(status(h, id)).toBe('unmatched');
    expect(tickets(h, 301, id)).toHaveLength(1);
    const sent = h.sent(301).length;
    const answers = callbackAnswers(h).length;

    await h.send(callback(301, me, `kbs:${id}:0`, 10_000));
    expect(callbackAnswers(h).slice(answers)).toEqual([STALE]);
    await h.send(callback(301, me, `kbs:${id}:x`, 10_000));
    expect(callbackAnswers(h).slice(answers)).toEqual([STALE, STALE]);
    expect(status(h, id)).toBe('unmatched');
    expect(h.sent(301)).toHaveLength(sent);
    expect(tickets(h, 301, id)).toHaveLength(1);
    expect(problems(h)).toBe(1);
  });

  it('a press naming the resident\'s own report that was never held is refused like a stale one (the status check)', async () => {
    const h = await start();
    const me = resident(302);
    await h.send(privateText(me, '实小收了300元资料费，没有收据'));
    const id = reportOf(h, 302);
    expect(status(h, id)).toBeUndefined();
    const sent = h.sent(302).length;
    await h.send(callback(302, me, `kbs:${id}:0`, 10_000));
    await h.send(callback(302, me, `kbs:${id}:x`, 10_000));
    expect(callbackAnswers(h)).toEqual([STALE, STALE]);
    expect(h.sent(302)).toHaveLength(sent);
    expect(status(h, id)).toBeUndefined();
  });

  it('the sweep read the held question, the press landed, then the sweep wrote: the pick stands, no ticket', async () => {
    const h = await start();
    const me = resident(303);
    const id = await askVague(h, 303, me);
    skew = 31 * MINUTE;
    // The sweep's read: what another connection (or a sweep on its way) saw as held and timed out.
    const store = createKnowledgeStore(h.app.db);
    const seen = store.heldSince(clock() - 30 * MINUTE, 100);
    expect(seen).toEqual([id]);

    // The resident's press lands first, through the bot.
    await h.send(callback(303, me, `kbs:${id}:0`, 10_000));
    expect(status(h, id)).toBe('offered');
    const sent = h.sent(303).length;
    expect(h.texts(303).at(-1)).toContain('这解答了您的问题吗？');

    // The sweep goes on with what it read: the real feedback over the real stores, its read replayed once.
    let reads = 0;
    const sweeper = createKnowledgeFeedback({
      db: h.app.db,
      reports: h.app.reports,
      store: { ...store, heldSince: () => (reads++ === 0 ? seen : []) },
      entries: { byId: () => undefined },
      outbox: h.app.outbox,
      replies: createKnowledgeReplies(h.app.tr),
      suggestTimeoutMs: 30 * MINUTE,
      onDeclined: () => h.app.pipeline.wake(),
      onQueued: () => undefined,
      now: clock,
    });
    expect(sweeper.expireHeld()).toEqual([]);
    await h.settle();
    expect(status(h, id)).toBe('offered');
    expect(h.app.db.prepare('SELECT problem_id, state FROM reports WHERE id = ?').get(id)).toEqual({ problem_id: null, state: 'classified' });
    expect(problems(h)).toBe(0);
    expect(h.sent(303)).toHaveLength(sent);
    expect(tickets(h, 303, id)).toEqual([]);
    // The resident's yes still closes it as answered.
    await h.send(callback(303, me, `kb:y:${id}`, 10_001));
    expect(status(h, id)).toBe('answered');
  });
});
