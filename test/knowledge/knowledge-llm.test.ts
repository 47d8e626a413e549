import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { createOpenAiStandin, knowledgeAnswerResponder, type OpenAiStandin } from '../support/openai-standin.ts';
import { privateText, resident } from '../support/updates.ts';

const TODAY = Date.parse('2026-12-04T02:00:00Z');
// A clock that runs, from 10:00 in Shanghai on that day (the pipeline's retries wait for time to pass).
const realStart = Date.now();
const clock = () => TODAY + (Date.now() - realStart);
const label = { category: 'enrollment', kind: 'inquiry', urgent: false, unit: null, summary: '咨询', language: 'zh' };

let llm: OpenAiStandin;
let h: Harness;
beforeAll(async () => {
  llm = createOpenAiStandin();
  await llm.start();
});
afterAll(async () => {
  await llm.stop();
});
afterEach(async () => {
  await h.close();
  llm.reset();
});

const start = () => createHarness({ now: clock, env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.baseURL, OPENAI_MAX_RETRIES: '0' } });
const questionRow = (chatId: number) =>
  h.app.db.prepare('SELECT q.* FROM knowledge_questions q JOIN reports r ON r.id = q.report_id WHERE r.chat_id = ?').get(chatId) as Record<string, unknown> | undefined;
const knowledgeRequests = () => llm.requests.filter((r) => (r.body as { response_format?: { json_schema?: { name?: string } } }).response_format?.json_schema?.name === 'knowledge_answer');

describe('with an LLM configured', () => {
  it('the model composes a short answer from the offered entries, and the resident sees which entries it is based on', async () => {
    llm.setResponder(knowledgeAnswerResponder(() => label));
    h = await start();
    await h.send(privateText(resident(51), '孩子今年上一年级，网上报名哪天开始？2027年小学一年级什么时候报名'));
    const [answer] = h.texts(51);
    expect(knowledgeRequests()).toHaveLength(1);
    expect(answer).toContain('以上答复依据：');
    expect(answer).toContain('• 2027年小学一年级什么时候报名？ — 《城关区2027年义务教育招生入学工作安排（预告）》');
    expect(answer).toContain('这解答了您的问题吗？');
    expect(questionRow(51)).toMatchObject({ status: 'offered', answered_by: 'llm' });
    // What the model was shown: the question as data, and entries with their ids.
    const sent = JSON.parse((knowledgeRequests()[0]!.body as { messages: Array<{ content: string }> }).messages[1]!.content) as { question: string; entries: Array<{ id: string }> };
    expect(sent.entries.length).toBeGreaterThan(0);
    expect(sent.entries.every((e) => /^[\w-]+:[0-9a-f]{8}$/.test(e.id))).toBe(true);
  });

  it('an answer with a date the entries do not hold is refused; the entry itself is quoted when the offline match is confident', async () => {
    llm.setResponder(knowledgeAnswerResponder(() => label, { invent: '2027年3月15日起可提前预约。' }));
    h = await start();
    await h.send(privateText(resident(52), '2027年小学一年级什么时候报名？'));
    const [answer] = h.texts(52);
    expect(knowledgeRequests()).toHaveLength(1);
    expect(answer).not.toContain('3月15日');
    expect(answer).toContain('<blockquote>');
    expect(questionRow(52)).toMatchObject({ status: 'offered', answered_by: 'offline' });
  });

  it('an invented answer to a question the offline match is not sure of is refused: the offline decision stands, with its suggestions', async () => {
    llm.setResponder(knowledgeAnswerResponder(() => label, { invent: '2027年5月1日起开放。' }));
    h = await start();
    await h.send(privateText(resident(53), '体育场早上几点可以进去跑步？'));
    const [answer] = h.texts(53);
    expect(answer).not.toContain('5月1日');
    expect(answer).toContain('您的问题可能已有解答，请选择：');
    expect(questionRow(53)).toMatchObject({ status: 'suggested' });
  });

  it('a citation of an entry it was not offered is refused: the offline decision stands, with its suggestions', async () => {
    llm.setResponder(knowledgeAnswerResponder(() => label, { cite: ['enrollment:00000000'] }));
    h = await start();
    await h.send(privateText(resident(54), '体育场早上几点可以进去跑步？'));
    expect(h.texts(54)[0]).toContain('您的问题可能已有解答，请选择：');
    expect(questionRow(54)).toMatchObject({ status: 'suggested' });
  });

  it('when the model says the entries do not answer a question the offline match is not sure of, no suggestions: a ticket', async () => {
    llm.setResponder(knowledgeAnswerResponder(() => label, { answerable: false }));
    h = await start();
    await h.send(privateText(resident(58), '体育场早上几点可以进去跑步？'));
    expect(knowledgeRequests()).toHaveLength(1);
    expect(h.texts(58)).toHaveLength(1);
    expect(h.texts(58)[0]).toMatch(/#\d+/);
    expect(h.texts(58)[0]).not.toContain('请选择');
    expect(h.buttons(58)).toEqual([]);
    expect(questionRow(58)).toMatchObject({ status: 'unmatched' });
  });

  it('when the model says the entries do not answer, the resident gets a ticket even if the words match', async () => {
    llm.setResponder(knowledgeAnswerResponder(() => label, { answerable: false }));
    h = await start();
    await h.send(privateText(resident(55), '2027年小学一年级什么时候报名？'));
    expect(h.texts(55)[0]).toMatch(/#\d+/);
    expect(questionRow(55)).toMatchObject({ status: 'unmatched' });
  });

  it('when the model refuses, the resident gets a ticket, even though the offline match is confident', async () => {
    llm.setResponder(knowledgeAnswerResponder(() => label));
    h = await start();
    llm.queueModes(['ok', 'refusal']);
    await h.send(privateText(resident(57), '2027年小学一年级什么时候报名？'));
    expect(knowledgeRequests()).toHaveLength(1);
    expect(h.texts(57)[0]).toMatch(/#\d+/);
    expect(h.texts(57)[0]).not.toContain('<blockquote>');
    expect(questionRow(57)).toMatchObject({ status: 'unmatched' });
  });

  it('when the model fails, the offline match answers', async () => {
    llm.setResponder(knowledgeAnswerResponder(() => label));
    h = await start();
    llm.queueModes(['ok', 'server_error']);
    await h.send(privateText(resident(56), '2027年小学一年级什么时候报名？'));
    expect(h.texts(56)[0]).toContain('<blockquote>');
    expect(questionRow(56)).toMatchObject({ status: 'offered', answered_by: 'offline' });
  });
});
