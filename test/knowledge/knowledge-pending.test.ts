import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRatesQuery } from '../../src/digest/rates.ts';
import { parseKnowledgeFile } from '../../src/knowledge/knowledge-base.ts';
import { readKnowledgeDir } from '../../src/knowledge/knowledge-folder.ts';
import { pendingEntry } from '../../src/knowledge/pending-entry.ts';
import { buttonsOf, createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { callback, groupText, privateText, resident } from '../support/updates.ts';

const TODAY = Date.parse('2026-12-04T02:00:00Z');
const realStart = Date.now();
const clock = () => TODAY + (Date.now() - realStart);
const staffMember = { id: 900, first_name: 'Staff' };

let h: Harness;
let folder: string;
afterEach(async () => {
  await h.close();
  rmSync(folder, { recursive: true, force: true });
});

function copyOfSample(): string {
  folder = mkdtempSync(join(tmpdir(), 'minyi-kb-pending-'));
  cpSync('prompts/knowledge', folder, { recursive: true });
  return folder;
}
const reportOf = (chatId: number) => h.app.db.prepare('SELECT * FROM reports WHERE chat_id = ? ORDER BY id DESC').get(chatId) as Record<string, unknown>;
const callbackAnswers = () => h.calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => String(c.payload.text ?? ''));
const drafts = () => (existsSync(join(folder, '_pending')) ? readdirSync(join(folder, '_pending')) : []);

/** A resident's question the base cannot answer, declined into a problem, which staff resolve with an answer. */
async function resolvedInquiry(chatId: number, text: string, answer: string): Promise<number> {
  const me = resident(chatId);
  await h.send(privateText(me, text));
  const report = reportOf(chatId);
  // No confident entry: it became a ticket at once.
  const problemId = Number(report.problem_id);
  expect(problemId).toBeGreaterThan(0);
  h.app.db.prepare(`UPDATE problems SET kind = 'inquiry' WHERE id = ?`).run(problemId);
  await h.send(groupText(STAFF_CHAT, staffMember, `/resolve ${problemId} ${answer}`));
  return problemId;
}

describe('"add to knowledge base" from a resolved inquiry', () => {
  it('staff press once: a draft entry with the question and their answer is written to _pending/, and never answers residents', async () => {
    h = await createHarness({ now: clock, env: { KNOWLEDGE_DIR: copyOfSample() } });
    const problemId = await resolvedInquiry(61, '区少年足球冬令营在哪里报名？', '2027年1月5日起在「城关教体」公众号报名，每人200元。');
    await h.send(groupText(STAFF_CHAT, staffMember, `/kb add ${problemId}`));
    const preview = h.sent(STAFF_CHAT).at(-1);
    expect(String(preview!.payload.text)).toContain('2027年1月5日起');
    expect(buttonsOf(preview!)).toEqual([[{ text: '📥 加入知识库', callback_data: `kbadd:${problemId}` }]]);

    await h.press(STAFF_CHAT, staffMember, `kbadd:${problemId}`);
    expect(drafts()).toEqual([`2026-12-04-problem-${problemId}.md`]);
    const text = readFileSync(join(folder, '_pending', drafts()[0]!), 'utf8');
    expect(text).toContain('## 区少年足球冬令营在哪里报名？\n2027年1月5日起在「城关教体」公众号报名，每人200元。');
    // The draft is not loaded: the folder's own files are, the _pending/ folder is not.
    expect(readKnowledgeDir(folder).entries.some((e) => e.title.includes('冬令营在哪里'))).toBe(false);

    // A second press finds the draft and writes nothing.
    await h.send(callback(STAFF_CHAT, staffMember, `kbadd:${problemId}`));
    expect(drafts()).toHaveLength(1);
    expect(callbackAnswers().at(-1)).toContain('已经写过');
  });

  it('a forged press from a unit or resident chat, or for a problem not resolved, writes nothing', async () => {
    h = await createHarness({ now: clock, env: { KNOWLEDGE_DIR: copyOfSample() } });
    const problemId = await resolvedInquiry(62, '区少年足球冬令营在哪里报名？', '公众号报名。');
    await h.send(callback(62, resident(62), `kbadd:${problemId}`));
    await h.send(callback(-100_555, staffMember, `kbadd:${problemId}`));
    expect(drafts()).toEqual([]);
    // Each in the presser's own language: nothing about the problem is revealed.
    expect(callbackAnswers().slice(-2)).toEqual(['这个按钮已失效。', 'This button is no longer valid.']);

    await h.send(privateText(resident(63), '区少年篮球冬令营在哪里报名？'));
    const open = Number(reportOf(63).problem_id);
    await h.send(callback(STAFF_CHAT, staffMember, `kbadd:${open}`));
    await h.send(callback(STAFF_CHAT, staffMember, 'kbadd:999999'));
    expect(drafts()).toEqual([]);
    expect(callbackAnswers().slice(-2)).toEqual(['问题解决（/resolve N 答复）后才能加入知识库。', '没有这个问题。']);
  });
});

describe('the "resolved" confirmation of an inquiry', () => {
  it('carries the 📥 button: one press writes the draft; a forged press elsewhere writes nothing; a complaint gets none', async () => {
    h = await createHarness({ now: clock, env: { KNOWLEDGE_DIR: copyOfSample() } });
    // A question the base answers, declined by its resident: an inquiry on the problem list (the real way, no SQL).
    const me = resident(65);
    await h.send(privateText(me, '明年中考几号考？'));
    const reportId = Number(reportOf(65).id);
    await h.press(65, me, `kb:n:${reportId}`);
    const problemId = Number(reportOf(65).problem_id);
    expect(h.app.db.prepare('SELECT kind FROM problems WHERE id = ?').get(problemId)).toEqual({ kind: 'inquiry' });

    await h.send(groupText(STAFF_CHAT, staffMember, `/resolve ${problemId} 2027年中考6月20日至22日，具体以准考证为准。`));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${problemId}`);
    expect(h.buttons(STAFF_CHAT)).toEqual([[{ text: '📥 加入知识库', callback_data: `kbadd:${problemId}` }]]);

    // Forged: the same callback from a resident's private chat and from a chat that is not the bureau's.
    await h.send(callback(65, me, `kbadd:${problemId}`));
    await h.send(callback(-100_555, staffMember, `kbadd:${problemId}`));
    expect(drafts()).toEqual([]);
    expect(callbackAnswers().slice(-2)).toEqual(['这个按钮已失效。', 'This button is no longer valid.']);

    await h.press(STAFF_CHAT, staffMember, `kbadd:${problemId}`);
    expect(drafts()).toEqual([`2026-12-04-problem-${problemId}.md`]);
    expect(readFileSync(join(folder, '_pending', drafts()[0]!), 'utf8')).toContain('## 明年中考几号考？\n2027年中考6月20日至22日');

    // A complaint resolved: the confirmation has no button.
    await h.send(privateText(resident(66), '城关一小门口的路灯坏了一个月了，晚上接孩子很危险'));
    const complaint = Number(reportOf(66).problem_id);
    expect(h.app.db.prepare('SELECT kind FROM problems WHERE id = ?').get(complaint)).toEqual({ kind: 'complaint' });
    await h.send(groupText(STAFF_CHAT, staffMember, `/resolve ${complaint} 已修好。`));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${complaint}`);
    expect(h.buttons(STAFF_CHAT)).toEqual([[{ text: '📥 加入知识库', callback_data: `kbadd:${problemId}` }]]); // still the earlier message's
    expect(buttonsOf(h.sent(STAFF_CHAT).at(-1)!)).toEqual([]);
  });
});

describe('a draft file', () => {
  it('has a safe name and a one-line heading whatever the resident wrote, and no heading inside the answer', () => {
    const hostile = `../../etc/passwd\n## 注入的条目？\r\n${'#'.repeat(5000)}\u202e 手机13812345678`;
    const draft = pendingEntry({ problemId: 7, question: hostile, answer: `## 又一个条目\n正文\n${'很长'.repeat(4000)}`, at: TODAY, timezone: 'Asia/Shanghai' });
    expect(draft.name).toBe('2026-12-04-problem-7.md');
    const lines = draft.text.split('\n');
    expect(lines.filter((l) => l.startsWith('## '))).toHaveLength(1);
    const heading = lines.find((l) => l.startsWith('## '))!;
    expect(Array.from(heading).length).toBeLessThanOrEqual(123);
    expect(heading).not.toContain('13812345678');
    expect(heading).not.toContain('\u202e');
    // Parsed back, it is one entry whose body is within the limit.
    const base = parseKnowledgeFile(draft.name, draft.text);
    expect(base.entries).toHaveLength(1);
    expect(base.problems).toEqual([]);
  });
});

describe('questions answered automatically in the rates', () => {
  it('a "yes" counts as a response within the window overall, and is its own number', async () => {
    h = await createHarness({ now: clock, env: { KNOWLEDGE_DIR: copyOfSample() } });
    const me = resident(64);
    await h.send(privateText(me, '2027年小学一年级什么时候报名？'));
    const id = Number(reportOf(64).id);
    await h.send(callback(64, me, `kb:y:${id}`));
    const settings = { responseWindowMs: 86_400_000, rankingMinProblems: 3, weights: { response: 0.3, resolution: 0.35, satisfaction: 0.35 } };
    const ranking = createRatesQuery(h.app.db).ranking(TODAY - 86_400_000, TODAY + 86_400_000, clock(), settings, (u) => u);
    expect(ranking.overall.answeredAutomatically).toBe(1);
    expect(ranking.overall.response).toMatchObject({ numerator: 1, denominator: 1, value: 1 });
    expect(ranking.units).toEqual([]);
  });
});
