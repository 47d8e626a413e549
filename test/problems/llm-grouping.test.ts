import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { createOpenAiStandin, type OpenAiStandin } from '../support/openai-standin.ts';
import { privateText, resident } from '../support/updates.ts';

let llm: OpenAiStandin;
let h: Harness;
beforeEach(async () => {
  llm = createOpenAiStandin();
  await llm.start();
});
afterEach(async () => {
  await h?.close();
  await llm.stop();
});

const problemOf = (chat: number) => (h.app.db.prepare('SELECT problem_id AS p FROM reports WHERE chat_id = ?').get(chat) as { p: number }).p;

/** Classification answers: everything is a canteen complaint at 一中. */
const label = { category: 'food', kind: 'complaint', urgent: false, unit: '一中', summary: '一中食堂问题', language: 'zh' };

describe('grouping with an LLM configured', () => {
  it('asks the model about the similar candidates and follows its decision', async () => {
    let offered: number[] = [];
    llm.setResponder((request) => {
      if (request.schemaName !== 'grouping_decision') return label;
      const asked = JSON.parse(request.lastUserText) as { problems: Array<{ id: number }> };
      offered = asked.problems.map((p) => p.id);
      return { same_as: offered[0] ?? null };
    });
    h = await createHarness({ env: { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: llm.baseURL, OPENAI_MAX_RETRIES: '0' } });
    await h.send(privateText(resident(1), '一中食堂的饭菜里吃出了头发'));
    await h.send(privateText(resident(2), '一中食堂卫生太差了，饭里有异物'));
    expect(offered).toEqual([problemOf(1)]);
    expect(problemOf(2)).toBe(problemOf(1));
  });

  it('opens a new problem when the model says none matches', async () => {
    llm.setResponder((request) => (request.schemaName === 'grouping_decision' ? { same_as: null } : label));
    h = await createHarness({ env: { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: llm.baseURL, OPENAI_MAX_RETRIES: '0' } });
    await h.send(privateText(resident(1), '一中食堂的饭菜里吃出了头发'));
    await h.send(privateText(resident(2), '一中食堂的饭菜太贵了'));
    expect(problemOf(2)).not.toBe(problemOf(1));
  });

  it('an id the model invents is not trusted', async () => {
    llm.setResponder((request) => (request.schemaName === 'grouping_decision' ? { same_as: 99_999 } : label));
    h = await createHarness({ env: { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: llm.baseURL, OPENAI_MAX_RETRIES: '0' } });
    await h.send(privateText(resident(1), '一中食堂的饭菜里吃出了头发'));
    await h.send(privateText(resident(2), '一中食堂的饭菜太贵了'));
    expect(problemOf(2)).not.toBe(99_999);
    expect(h.app.problems.get(problemOf(2))).toBeDefined();
  });
});
