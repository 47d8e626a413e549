import { existsSync, readFileSync } from 'node:fs';
import type { Update } from 'grammy/types';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, BOT_INFO, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { createOpenAiStandin, type OpenAiStandin } from '../support/openai-standin.ts';
import { callback, groupText, privateMessage, privateText, resident, type Person } from '../support/updates.ts';

/**
 * /forget, the hard way: a resident lives a realistic life with the bot (two reports, one urgent, labelled by the
 * LLM after an outage so that the problem's title and the report's summary differ; staff reply to the alert and
 * resolve; the resident answers the survey with a comment), then asks to be forgotten. Afterwards the raw bytes of
 * the database file and of its write-ahead log hold none of their words, their name, their username, their phone
 * number or their Telegram id — before the WAL is checkpointed and after.
 */

const NAME = '龚雪薇';
const USERNAME = 'gong_xuewei_qz91';
const PHONE = '13912340987';
const TELEGRAM_ID = 987_654_321;
const TEXT_1 = `QZX-PLANT-4417 我是${NAME}，QZX-UNIT-7070幼儿园的午饭里有头发，电话${PHONE}。`;
const TEXT_2 = '实验小学有老师打孩子打到流鼻血了 QZX-PLANT-8826，请马上处理！';
const COMMENT = '修好了但是 QZX-COMMENT-5150 还要观察';
/** Someone else's report: must stay, and proves the byte search can find what is there. */
const KEEP = '第一中学食堂的饭菜太咸了 KEEP-QZX-0001';
const TRACES = [NAME, USERNAME, PHONE, String(TELEGRAM_ID), 'QZX-PLANT-4417', 'QZX-PLANT-8826', 'QZX-SUM-4417', 'QZX-SUM-8826', 'QZX-COMMENT-5150', 'QZX-UNIT-7070'];

const me: Person = { id: TELEGRAM_ID, first_name: NAME, language_code: 'zh-hans' };
const staffMember = { id: 7_001, first_name: '王科长', language_code: 'zh-hans' };
const bot = { id: BOT_INFO.id, is_bot: true, first_name: BOT_INFO.first_name };

/** What Telegram shows of our HTML (and quotes in a reply to it): the text without tags, entities decoded. */
const shown = (html: string) => html.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

/** Telegram puts the username on every update from the resident. */
function withUsername(update: Update): Update {
  const u = update as unknown as Record<string, { from?: Record<string, unknown>; chat?: Record<string, unknown>; message?: { chat?: Record<string, unknown> } }>;
  for (const part of Object.values(u)) {
    if (typeof part !== 'object' || part === null) continue;
    if (part.from?.id === TELEGRAM_ID) part.from.username = USERNAME;
    if (part.chat?.id === TELEGRAM_ID) part.chat.username = USERNAME;
    if (part.message?.chat?.id === TELEGRAM_ID) part.message.chat.username = USERNAME;
  }
  return update;
}

let h: Harness | undefined;
let llm: OpenAiStandin | undefined;

afterEach(async () => {
  await h?.close();
  await llm?.stop();
  h = undefined;
  llm = undefined;
});

async function until(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Which planted strings occur in the raw bytes of the database file and its WAL. */
function tracesOnDisk(path: string, traces: readonly string[]): string[] {
  const files = [path, `${path}-wal`].filter((file) => existsSync(file)).map((file) => ({ file, bytes: readFileSync(file) }));
  return traces.flatMap((trace) => files.filter(({ bytes }) => bytes.includes(Buffer.from(trace, 'utf8'))).map(({ file }) => `${trace} in ${file.slice(path.length) || 'db'}`));
}

describe('/forget leaves nothing behind', () => {
  it('no word, name, username, phone number or Telegram id of theirs remains in the database file or its WAL', async () => {
    llm = createOpenAiStandin();
    await llm.start();
    // The model's summary names the planted marker, so the cache and the summaries carry words of theirs.
    llm.setResponder((request) => {
      if (request.schemaName === 'grouping_decision') return { same_as: null };
      const report = String((JSON.parse(request.lastUserText) as { report: string }).report);
      const marker = /QZX-PLANT-(\d+)/.exec(report)?.[1];
      const urgent = report.includes('流鼻血');
      return {
        category: urgent ? 'teacher_conduct' : 'food',
        kind: 'complaint',
        urgent,
        unit: report.includes('QZX-UNIT-7070幼儿园') ? 'QZX-UNIT-7070幼儿园' : null,
        summary: marker ? `QZX-SUM-${marker} ${urgent ? '老师打学生' : '午饭有头发'}` : '食堂饭菜太咸',
        language: 'zh',
      };
    });
    // The first report meets an outage: labelled offline now (its first sentence becomes the problem's title), by the LLM later.
    llm.queueModes(['server_error']);
    h = await createHarness({
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.baseURL, OPENAI_MODEL: 'test-model', OPENAI_MAX_RETRIES: '0', LLM_RECLASSIFY_SECONDS: '1' },
    });
    const { app } = h;
    const db = app.db;
    const one = <T>(sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as T;

    await h.send(withUsername(privateText(me, TEXT_1)));
    await h.send(withUsername(privateText(me, TEXT_2)));
    await h.send(privateText(resident(55_001), KEEP));
    await until(() => one<{ n: number }>('SELECT COUNT(*) AS n FROM reports WHERE needs_reclassify = 1').n === 0, 're-classification');
    await app.runner.settle();

    const [first, second] = db.prepare('SELECT id, problem_id, summary FROM reports WHERE chat_id = ? ORDER BY id').all(TELEGRAM_ID) as Array<{ id: number; problem_id: number; summary: string }>;
    expect(first!.summary).toContain('QZX-SUM-4417');
    expect(one<{ n: number }>('SELECT COUNT(*) AS n FROM classification_cache').n).toBeGreaterThan(0);

    // Staff reply to the alert (Telegram quotes it in the update), then resolve the urgent problem.
    const alert = one<{ telegram_message_id: number; payload: string }>(`SELECT telegram_message_id, payload FROM outbox WHERE kind = 'alert' AND state = 'sent'`);
    const alertText = shown((JSON.parse(alert.payload) as { html: string }).html);
    expect(alertText).toContain('QZX-PLANT-8826');
    await h.send(groupText(STAFF_CHAT, staffMember, '收到，马上联系学校', { replyTo: { message_id: alert.telegram_message_id, from: bot, text: alertText } }));
    await h.send(groupText(STAFF_CHAT, staffMember, `/resolve ${second!.problem_id} 已约谈当事老师`));

    // The resident answers the survey and comments by replying to it.
    const survey = one<{ telegram_message_id: number; payload: string }>(`SELECT telegram_message_id, payload FROM outbox WHERE kind = 'survey' AND state = 'sent'`);
    await h.send(withUsername(callback(TELEGRAM_ID, me, `sv:f:${second!.id}:fixed`, survey.telegram_message_id)));
    await h.send(
      withUsername(
        privateText(me, COMMENT, { replyTo: { message_id: survey.telegram_message_id, from: bot, text: '是否已解决？' } }),
      ),
    );
    expect(one<{ comment: string }>('SELECT comment FROM feedback WHERE report_id = ?', second!.id).comment).toBe(COMMENT);

    // Everything planted is on disk now (the search works), then /forget with its confirmation.
    expect(tracesOnDisk(app.config.databasePath, TRACES)).not.toEqual([]);
    await h.send(withUsername(privateText(me, '/forget')));
    const confirm = one<{ n: number }>('SELECT COUNT(*) AS n FROM reports WHERE chat_id = ?', TELEGRAM_ID);
    expect(confirm.n).toBe(2);
    await h.send(withUsername(callback(TELEGRAM_ID, me, 'forget:yes', 30_000)));
    expect(h.texts(TELEGRAM_ID).at(-1)).toContain('2');

    // The reports still count; the problems keep a title; the other resident's words stay.
    expect(one<{ n: number }>('SELECT COUNT(*) AS n FROM reports WHERE id IN (?, ?) AND text IS NULL AND category IS NOT NULL', first!.id, second!.id).n).toBe(2);
    const titles = db.prepare('SELECT title FROM problems WHERE id IN (?, ?)').all(first!.problem_id, second!.problem_id) as Array<{ title: string }>;
    expect(titles.every((t) => t.title.trim().length > 0)).toBe(true);
    expect(one<{ text: string }>('SELECT text FROM reports WHERE chat_id = 55001').text).toBe(KEEP);

    // Not checkpointed by us: the database file and the WAL as they are.
    const before = tracesOnDisk(app.config.databasePath, TRACES);
    // And after a checkpoint that copies the WAL into the database file.
    db.pragma('wal_checkpoint(TRUNCATE)');
    const after = tracesOnDisk(app.config.databasePath, TRACES);
    const kept = tracesOnDisk(app.config.databasePath, ['KEEP-QZX-0001']);
    // Their Telegram id in no integer column either.
    const idColumns: string[] = [];
    for (const { name: table } of db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE '%VIRTUAL%'`).all() as Array<{ name: string }>) {
      for (const { name: column } of db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>) {
        if (one<{ n: number }>(`SELECT COUNT(*) AS n FROM "${table}" WHERE "${column}" = ?`, TELEGRAM_ID).n > 0) idColumns.push(`${table}.${column}`);
      }
    }
    console.log(`[forget-everything] traces before checkpoint: ${before.length ? before.join('; ') : 'none'}; after: ${after.length ? after.join('; ') : 'none'}; id in columns: ${idColumns.join(', ') || 'none'}`);
    expect(kept).not.toEqual([]);
    expect(before).toEqual([]);
    expect(after).toEqual([]);
    expect(idColumns).toEqual([]);
  }, 60_000);

  it('a voice note: its file ids, its transcript and the original re-sent to staff go too (issue 16)', async () => {
    h = await createHarness();
    const { app } = h;
    const db = app.db;
    const one = <T>(sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as T;
    const FILE = 'AwACAgQZX-VOICE-FILE-5151';
    const UNIQUE = 'AgADQZX-VUNQ-5151';
    const HEARD = '我孙子QZX-HEARD-5151在二中门口摔倒了';
    await h.send(withUsername(privateMessage(me, { voice: { file_id: FILE, file_unique_id: UNIQUE, duration: 9, mime_type: 'audio/ogg', file_size: 4321 } })));
    const report = one<{ id: number; problem_id: number }>('SELECT id, problem_id FROM reports WHERE chat_id = ?', TELEGRAM_ID);
    // What the transcription job (issue 16, step 2) writes once the service answers.
    db.prepare('UPDATE report_media SET transcript = ? WHERE report_id = ?').run(HEARD, report.id);
    // Staff hear it again: the original goes to the staff chat by its file id (an outbox row for another chat).
    await h.send(groupText(STAFF_CHAT, staffMember, `/problem ${report.problem_id}`));
    await h.send(callback(STAFF_CHAT, staffMember, `rm:${report.id}`, 40_000));
    expect(h.sent(STAFF_CHAT).some((c) => c.method === 'sendVoice' && c.payload.voice === FILE)).toBe(true);
    const traces = [FILE, UNIQUE, 'QZX-HEARD-5151', String(TELEGRAM_ID)];
    expect(tracesOnDisk(app.config.databasePath, traces)).not.toEqual([]);

    await h.send(withUsername(privateText(me, '/forget')));
    await h.send(withUsername(callback(TELEGRAM_ID, me, 'forget:yes', 30_000)));

    // The report still counts, marked as a voice note; nothing that fetches or repeats the voice remains.
    expect(one('SELECT kind, file_id, file_unique_id, transcript FROM report_media WHERE report_id = ?', report.id)).toEqual({ kind: 'voice', file_id: null, file_unique_id: null, transcript: null });
    expect(one<{ category: string | null }>('SELECT category FROM reports WHERE id = ?', report.id).category).not.toBeNull();
    const before = tracesOnDisk(app.config.databasePath, traces);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const after = tracesOnDisk(app.config.databasePath, traces);
    console.log(`[forget-everything] voice note traces before checkpoint: ${before.join('; ') || 'none'}; after: ${after.join('; ') || 'none'}`);
    expect(before).toEqual([]);
    expect(after).toEqual([]);
  }, 60_000);

  it('reports still being classified when they forget: nothing of them is written, cached or sent afterwards (issue 14 item 7)', async () => {
    // Two urgent reports are with the model when /forget runs: one answered by the LLM after it (its summary would
    // be cached and become the problem's title), one the LLM is too slow for (labelled offline after the timeout).
    const TEXT_LLM = '第一中学的老师打学生，孩子流鼻血了 QZX-RACE-4242';
    const TEXT_SLOW = '实验小学老师体罚学生，孩子不敢上学了 QZX-SLOW-3131';
    llm = createOpenAiStandin();
    await llm.start();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let asked = 0;
    let answered = 0;
    llm.setResponder(async (request) => {
      if (request.schemaName === 'grouping_decision') return { same_as: null };
      const report = String((JSON.parse(request.lastUserText) as { report: string }).report);
      asked++;
      const slow = report.includes('QZX-SLOW');
      await (slow ? new Promise((resolve) => setTimeout(resolve, 1_500)) : released);
      answered++;
      return { category: 'teacher_conduct', kind: 'complaint', urgent: true, unit: null, summary: `QZX-SUM-RACE 老师打学生 ${slow ? 'slow' : 'llm'}`, language: 'zh' };
    });
    h = await createHarness({
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.baseURL, OPENAI_MODEL: 'test-model', OPENAI_MAX_RETRIES: '0', OPENAI_TIMEOUT_MS: '700' },
    });
    const { app } = h;
    const db = app.db;
    const traces = ['QZX-RACE-4242', 'QZX-SLOW-3131', 'QZX-SUM-RACE', String(TELEGRAM_ID)];

    // Not h.send: that waits for the pipeline, which is waiting for the model.
    await app.bot.handleUpdate(privateText(me, TEXT_LLM));
    await app.bot.handleUpdate(privateText(me, TEXT_SLOW));
    await until(() => asked === 2, 'both reports with the model');
    await app.bot.handleUpdate(privateText(me, '/forget'));
    await app.bot.handleUpdate(callback(TELEGRAM_ID, me, 'forget:yes', 30_000));
    expect(h.texts(TELEGRAM_ID).at(-1)).toContain('2');
    const callsAtForget = h.calls.length;
    const outboxAtForget = (db.prepare('SELECT COALESCE(MAX(id), 0) AS n FROM outbox').get() as { n: number }).n;
    release();
    await app.runner.settle();
    // The slow answer comes after the client gave up; let it come (and anything it might cause) before looking.
    await until(() => answered === 2, 'both answers');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await app.runner.settle();

    const queuedAfter = db.prepare('SELECT kind, chat_id FROM outbox WHERE id > ?').all(outboxAtForget) as Array<{ kind: string; chat_id: number }>;
    const sentAfter = h.calls.slice(callsAtForget).map((c) => `${c.method} to ${String(c.payload.chat_id)}`);
    const reports = db.prepare('SELECT state, text, summary, problem_id FROM reports').all() as Array<{ state: string; text: string | null; summary: string | null; problem_id: number | null }>;
    const titles = db.prepare('SELECT title FROM problems').all() as Array<{ title: string }>;
    const cached = (db.prepare('SELECT COUNT(*) AS n FROM classification_cache').get() as { n: number }).n;
    const before = tracesOnDisk(app.config.databasePath, traces);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const after = tracesOnDisk(app.config.databasePath, traces);
    console.log(
      `[forget-everything] race: queued after forget: ${JSON.stringify(queuedAfter)}; sent after: ${sentAfter.join(', ') || 'none'}; ` +
        `problems: ${titles.length}; cached: ${cached}; traces before checkpoint: ${before.join('; ') || 'none'}; after: ${after.join('; ') || 'none'}`,
    );
    // No acknowledgement to them, no alert quoting them to staff: nothing queued, nothing sent.
    expect(queuedAfter).toEqual([]);
    expect(sentAfter).toEqual([]);
    expect(h.sent(STAFF_CHAT)).toEqual([]);
    // Their reports still count, erased and unlabelled; no problem, no cached summary of their words.
    expect(reports).toEqual([
      { state: 'received', text: null, summary: null, problem_id: null },
      { state: 'received', text: null, summary: null, problem_id: null },
    ]);
    expect(titles).toEqual([]);
    expect(cached).toBe(0);
    expect(before).toEqual([]);
    expect(after).toEqual([]);
    // Out of the queue for good: the pipeline does not pick them up again.
    expect(app.reports.pendingCount()).toBe(0);
  }, 60_000);

  it('a report being re-classified when they forget: the late label writes no summary, title, cache or alert', async () => {
    const TEXT = '第一中学的老师打学生，孩子流鼻血了 QZX-RELABEL-6060';
    llm = createOpenAiStandin();
    await llm.start();
    let release!: () => void;
    // Shut until /forget has run (the outage's request below never reaches the responder).
    const gate = new Promise<void>((resolve) => (release = resolve));
    let asked = 0;
    llm.setResponder(async (request) => {
      if (request.schemaName === 'grouping_decision') return { same_as: null };
      asked++;
      await gate;
      return { category: 'teacher_conduct', kind: 'complaint', urgent: true, unit: null, summary: 'QZX-SUM-RELABEL 老师打学生', language: 'zh' };
    });
    // An outage when it arrives: labelled offline, offered to the LLM again by the pass below.
    llm.queueModes(['server_error']);
    h = await createHarness({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.baseURL, OPENAI_MODEL: 'test-model', OPENAI_MAX_RETRIES: '0', LLM_RECLASSIFY_SECONDS: '3600' } });
    const { app } = h;
    const db = app.db;
    await h.send(privateText(me, TEXT));
    expect((db.prepare('SELECT needs_reclassify AS n FROM reports').get() as { n: number }).n).toBe(1);

    const askedBefore = asked;
    const pass = app.pipeline.reclassifyPass();
    await until(() => asked > askedBefore, 'the re-classification with the model');
    await app.bot.handleUpdate(privateText(me, '/forget'));
    await app.bot.handleUpdate(callback(TELEGRAM_ID, me, 'forget:yes', 30_000));
    const outboxAtForget = (db.prepare('SELECT COALESCE(MAX(id), 0) AS n FROM outbox').get() as { n: number }).n;
    release();
    await pass;
    await app.runner.settle();

    const queuedAfter = db.prepare('SELECT kind, chat_id FROM outbox WHERE id > ?').all(outboxAtForget);
    const report = db.prepare('SELECT text, summary FROM reports').get();
    const titles = (db.prepare('SELECT title FROM problems').all() as Array<{ title: string }>).map((p) => p.title);
    const cached = (db.prepare('SELECT COUNT(*) AS n FROM classification_cache').get() as { n: number }).n;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const traces = tracesOnDisk(app.config.databasePath, ['QZX-RELABEL-6060', 'QZX-SUM-RELABEL']);
    console.log(`[forget-everything] re-classification race: queued after forget: ${JSON.stringify(queuedAfter)}; titles: ${JSON.stringify(titles)}; cached: ${cached}; traces: ${traces.join('; ') || 'none'}`);
    expect(queuedAfter).toEqual([]);
    expect(report).toEqual({ text: null, summary: null });
    expect(titles.some((t) => t.includes('QZX'))).toBe(false);
    expect(cached).toBe(0);
    expect(traces).toEqual([]);
  }, 60_000);
});
