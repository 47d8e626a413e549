import type { Update } from 'grammy/types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOT_INFO, createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { createOpenAiStandin, exampleFor, toolCalls, type OpenAiStandin, type StandinRequest } from '../support/openai-standin.ts';
import { groupText, privateText } from '../support/updates.ts';
import { bindUnit, principalA, principalB, report, staffMember, UNIT_A_CHAT, UNIT_B_CHAT } from './kit.ts';

let standin: OpenAiStandin;
let h: Harness;
beforeAll(async () => {
  standin = createOpenAiStandin();
  await standin.start();
});
afterAll(async () => {
  await standin.stop();
});
afterEach(async () => {
  await h?.close();
});

// Words only unit B's problem holds (its title and summary): no tool may hand them to a question asked in unit A's chat.
const SECRET_B = ['虫子', '饭菜'];
const BOT = `@${BOT_INFO.username}`;

/** The stand-in model: classifies residents' reports by the unit they name, and answers questions with `questions`. */
function model(questions: (request: StandinRequest) => object | string) {
  return (request: StandinRequest): object | string => {
    if (request.schemaName === 'report_classification') {
      const text = JSON.parse(request.lastUserText).report as string;
      const b = text.includes('第一中学');
      return { category: b ? 'food' : 'transport', kind: 'complaint', urgent: false, unit: b ? '第一中学' : '实验小学', summary: text.split('，')[0]!, language: 'zh' };
    }
    if (request.schema) return exampleFor(request.schema) as object;
    return questions(request);
  };
}

const toolResults = (request: { messages: Array<{ role: string; content?: unknown }> }) =>
  request.messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(String(m.content)) as Record<string, any>);

function withMentions(update: Update): Update {
  const message = update.message!;
  const text = message.text ?? '';
  const entities = [...(message.entities ?? [])];
  for (const match of text.matchAll(/@[A-Za-z0-9_]{5,32}/g)) entities.push({ type: 'mention', offset: match.index, length: match[0].length });
  return { ...update, message: { ...message, entities } } as Update;
}

async function twoUnits(): Promise<{ a: number; b: number }> {
  standin.reset();
  standin.setResponder(model(() => 'not asked'));
  h = await createHarness({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: standin.baseURL, OPENAI_MAX_RETRIES: '0', OPENAI_TIMEOUT_MS: '5000' } });
  await bindUnit(h, '实验小学', UNIT_A_CHAT, principalA);
  await bindUnit(h, '第一中学', UNIT_B_CHAT, principalB);
  const a = await report(h, 301, '实验小学门口放学时太堵了，希望安排交警');
  const b = await report(h, 302, '第一中学食堂饭菜里有虫子，小卖部还卖过期零食');
  expect(a).not.toBe(b);
  await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${a} 实验小学 2030-01-31`));
  await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${b} 第一中学 2030-01-31`));
  // B's problem overdue too, so the overdue tools have something of B's to leak.
  h.app.db.prepare('UPDATE problems SET deadline_at = ? WHERE id = ?').run(Date.now() - 86_400_000, b);
  standin.reset();
  return { a, b };
}

/** Every tool, aimed at unit B's problem and at everything, in one round; then an answer that repeats every result. */
function greedyModel(b: number) {
  const calls = [
    { name: 'problem_details', arguments: { id: b } },
    { name: 'problem_details', arguments: { id: 99_999 } },
    { name: 'list_problems', arguments: { filter: 'all', unit: null, category: null, limit: 10 } },
    { name: 'list_problems', arguments: { filter: 'open', unit: '第一中学', category: null, limit: 10 } },
    { name: 'search_problems', arguments: { words: '食堂', limit: 10 } },
    { name: 'count_reports', arguments: { period: '30d', unit: null, category: null } },
    { name: 'summary', arguments: { period: '30d' } },
    { name: 'overdue_by_unit', arguments: {} },
  ];
  return model((request) => {
    const results = toolResults(request);
    if (results.length === 0) return toolCalls(...calls);
    return JSON.stringify(results);
  });
}

describe('questions in plain words from a unit chat', () => {
  it('every query tool, asked from unit A for unit B\'s problem or for everything, answers only about unit A', async () => {
    const { a, b } = await twoUnits();
    standin.setResponder(greedyModel(b));
    await h.send(withMentions(groupText(UNIT_A_CHAT, principalA, `${BOT} 第一中学食堂那件事（#${b}）怎么样了？全区还有哪些问题？`)));

    const asked = standin.requests.map((r) => r.body as { tools?: unknown; messages: Array<{ role: string; content?: unknown }> }).filter((body) => body.tools);
    expect(asked).toHaveLength(2);
    const [details, missing, all, ofB, search, count, summary, overdue] = toolResults(asked[1]!);
    // What the tools gave the model: nothing of B's, and B's problem exactly like one that does not exist.
    const given = JSON.stringify(toolResults(asked[1]!));
    for (const secret of SECRET_B) expect(given).not.toContain(secret);
    expect(JSON.stringify(details).replace(String(b), 'N')).toBe(JSON.stringify(missing).replace('99999', 'N'));
    expect(all!.problems.map((p: { id: number }) => p.id)).toEqual([a]);
    expect(ofB!.error).toMatch(/^out_of_scope/);
    expect(search!.found).toBe(0);
    expect(count!.reports).toBe(1);
    expect(summary).toMatchObject({ new_reports: 1, new_problems: 1, overdue_total: 0 });
    expect(overdue).toMatchObject({ units: 0, problems: 0 });
    // And what the chat was told.
    const answer = h.texts(UNIT_A_CHAT).at(-1)!;
    for (const secret of SECRET_B) expect(answer).not.toContain(secret);
    expect(answer).toContain('not_found');
  });

  it('the same questions from the bureau\'s chat see both units (the scope, not the data, keeps A from B)', async () => {
    const { b } = await twoUnits();
    standin.setResponder(greedyModel(b));
    await h.send(withMentions(groupText(STAFF_CHAT, staffMember, `${BOT} 第一中学食堂那件事怎么样了？`)));
    const asked = standin.requests.map((r) => r.body as { tools?: unknown; messages: Array<{ role: string; content?: unknown }> }).filter((body) => body.tools);
    const given = JSON.stringify(toolResults(asked[1]!));
    for (const secret of SECRET_B) expect(given).toContain(secret);
    expect(toolResults(asked[1]!)[5]!.reports).toBe(2);
  });

  it('in a unit\'s private chat, plain words stay a report: no question is sent to the model', async () => {
    await twoUnits();
    await h.send(groupText(STAFF_CHAT, staffMember, '/bind 实验小学'));
    const code = /\/bind ([0-9a-f]{20})/.exec(h.texts(STAFF_CHAT).at(-1)!)![1]!;
    await h.send(privateText({ id: principalA.id, first_name: 'A' }, `/bind ${code}`));
    standin.setResponder(greedyModel(1));
    await h.send(withMentions(privateText({ id: principalA.id, first_name: 'A' }, `${BOT} 全区还有哪些问题？`)));
    expect(standin.requests.filter((r) => (r.body as { tools?: unknown }).tools)).toHaveLength(0);
  });
});
