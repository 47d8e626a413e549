import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { createOpenAiStandin, type OpenAiStandin, type StandinRequest } from '../support/openai-standin.ts';
import { privateText, resident } from '../support/updates.ts';

/** Grouping by meaning over real HTTP (the stand-in's /embeddings), and every way it can fail. */

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

const env = (extra: Record<string, string> = {}) => ({
  OPENAI_API_KEY: 'sk-x',
  OPENAI_BASE_URL: llm.baseURL,
  OPENAI_MAX_RETRIES: '0',
  OPENAI_EMBEDDING_MODEL: 'standin-embed',
  ...extra,
});

type Label = { category: string; unit: string | null; subtopic: string | null };
const classification = (label: Label) => ({ kind: 'complaint', urgent: false, summary: '问题', title: null, language: 'zh', ...label });

const problemOf = (chat: number) => (h.app.db.prepare('SELECT problem_id AS p FROM reports WHERE chat_id = ?').get(chat) as { p: number | null }).p;
const vectors = () => (h.app.db.prepare('SELECT COUNT(*) AS n FROM report_vectors').get() as { n: number }).n;
const embeddingCalls = () => llm.requests.filter((r) => r.path === '/v1/embeddings').length;

describe('grouping with embeddings configured', () => {
  it('finds a problem by meaning that words and structure do not reach, and the model joins it', async () => {
    let offered: number[] = [];
    let askedSubtopic: unknown;
    llm.setResponder((request: StandinRequest) => {
      if (request.schemaName === 'grouping_decision') {
        const asked = JSON.parse(request.lastUserText) as { subtopic: unknown; problems: Array<{ id: number }> };
        offered = asked.problems.map((p) => p.id);
        askedSubtopic = asked.subtopic;
        return { same_as: offered[0] ?? null };
      }
      // The first names the pool; the second names no place and the classifier files it elsewhere.
      return request.lastUserText.includes('区游泳馆')
        ? classification({ category: 'sports', unit: '区游泳馆', subtopic: 'sports.venue_maintenance' })
        : classification({ category: 'facilities', unit: null, subtopic: 'facilities.drinking_water' });
    });
    h = await createHarness({ env: env() });
    await h.send(privateText(resident(1), '区游泳馆池水很浑浊，游完眼睛红，消毒水味太重'));
    await h.send(privateText(resident(2), '池水很浑浊，游完眼睛红，消毒水味太重了'));
    expect(embeddingCalls()).toBe(2);
    expect(vectors()).toBe(2);
    expect(offered).toEqual([problemOf(1)]);
    expect(askedSubtopic).toBe('facilities.drinking_water');
    expect(problemOf(2)).toBe(problemOf(1));
    const problemVector = h.app.db.prepare('SELECT length(vector) AS bytes, model FROM problem_vectors WHERE problem_id = ?').get(problemOf(1)) as { bytes: number; model: string };
    expect(problemVector).toEqual({ bytes: 256 * 4, model: 'standin-embed' });
    expect(h.sent(1)).toHaveLength(1);
    expect(h.sent(2)).toHaveLength(1);
  });

  it('sends the embedding model redacted text only', async () => {
    llm.setResponder(() => classification({ category: 'facilities', unit: null, subtopic: null }));
    h = await createHarness({ env: env() });
    await h.send(privateText(resident(1), '我的电话13812345678，学校厕所坏了'));
    const sent = llm.requests.find((r) => r.path === '/v1/embeddings')!.body as { input: string };
    expect(sent.input).not.toContain('13812345678');
  });

  it('every embedding failure leaves the decision offline and each resident one reply', async () => {
    llm.setResponder(() => classification({ category: 'facilities', unit: '二中', subtopic: 'facilities.toilets' }));
    h = await createHarness({ env: env({ OPENAI_TIMEOUT_MS: '400' }) });
    // A vector of another length than the model's first: garbage from a proxy or a misconfiguration.
    await h.send(privateText(resident(1), '二中厕所堵了，满地污水'));
    llm.setEmbedder(() => Array.from({ length: 16 }, (_, i) => i + 1));
    await h.send(privateText(resident(2), '二中厕所还是堵的，臭气熏天'));
    llm.setEmbedder((text) => Array.from({ length: 256 }, (_, i) => (i === text.length % 256 ? 1 : 0)));
    const failures: Array<Parameters<OpenAiStandin['queueModes']>[0][number]> = ['server_error', 'timeout', 'garbage_http'];
    let next = 3;
    for (const failure of failures) {
      // The classification is answered; the embedding request after it fails.
      llm.queueModes(['ok', failure]);
      await h.send(privateText(resident(next), `二中厕所第${next}次反映：厕所堵塞，污水漫到走廊`));
      next++;
    }
    // Three failures in a row open the embedder's own breaker: no request is made, the chat model still answers.
    const before = embeddingCalls();
    await h.send(privateText(resident(next), '二中厕所冲不下去，请督办'));
    expect(embeddingCalls()).toBe(before);
    for (let id = 1; id <= next; id++) {
      expect(h.sent(id)).toHaveLength(1);
      expect(problemOf(id)).not.toBeNull();
    }
    // Only the first report has a vector; all of them are one matter at one unit, decided offline.
    expect(vectors()).toBe(1);
    expect(new Set(Array.from({ length: next }, (_, i) => problemOf(i + 1))).size).toBe(1);
  });

  it('without OPENAI_EMBEDDING_MODEL nothing is embedded', async () => {
    llm.setResponder(() => classification({ category: 'facilities', unit: '二中', subtopic: 'facilities.toilets' }));
    h = await createHarness({ env: { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: llm.baseURL, OPENAI_MAX_RETRIES: '0' } });
    await h.send(privateText(resident(1), '二中厕所堵了'));
    expect(embeddingCalls()).toBe(0);
    expect(vectors()).toBe(0);
  });
});
