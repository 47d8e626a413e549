import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkSubtopic, clampTitle, createLlmClassifier, type LlmClassifier } from '../../src/classify/llm-classifier.ts';
import { TITLE_MAX_LENGTH } from '../../src/domain/classification.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { loadSubtopics } from '../../src/domain/subtopics.ts';
import { createOpenAiStandin, type OpenAiStandin } from '../support/openai-standin.ts';

const catalogue = loadCatalogue();
const subtopics = loadSubtopics(catalogue);
const REPORT = '实验小学食堂饭菜每天都是凉的，还吃出过头发';
const answer = (overrides: Record<string, unknown>) => ({
  category: 'food',
  subtopic: 'food.hygiene_foreign',
  kind: 'complaint',
  urgent: false,
  unit: '实验小学',
  summary: '实验小学食堂饭菜凉、有头发',
  title: '实验小学食堂饭菜偏凉、有异物',
  language: 'zh',
  ...overrides,
});

let llm: OpenAiStandin;
let classifier: LlmClassifier;
beforeAll(async () => {
  llm = createOpenAiStandin();
  await llm.start();
  classifier = createLlmClassifier({
    client: new OpenAI({ apiKey: 'sk-test', baseURL: llm.baseURL, maxRetries: 0 }),
    model: 'gpt-4o-mini',
    catalogue,
    subtopics,
    timeoutMs: 5000,
    maxRetries: 0,
  });
});
afterAll(async () => llm.stop());
beforeEach(() => llm.reset());

const classify = async (overrides: Record<string, unknown>) => {
  llm.setResponder(() => answer(overrides));
  const result = await classifier.classify(REPORT);
  if (!result.success) throw new Error(result.message);
  return result.data;
};

describe('the LLM classifier’s subtopic and ledger title', () => {
  it('keeps a subtopic of the answered category and the model’s title', async () => {
    const label = await classify({});
    expect(label).toMatchObject({ category: 'food', subtopic: 'food.hygiene_foreign', title: '实验小学食堂饭菜偏凉、有异物' });
  });

  it('accepts the short name the prompt asks for and returns the full id', async () => {
    expect((await classify({ subtopic: 'price' })).subtopic).toBe('food.price');
  });

  it('drops a subtopic of another category, an invented one or an empty one, and keeps the rest of the label', async () => {
    for (const subtopic of ['facilities.toilets', 'toilets', 'food.nope', '', null, 'food.', '.price']) {
      const label = await classify({ subtopic });
      expect(label.subtopic, String(subtopic)).toBeNull();
      expect(label.category).toBe('food');
    }
  });

  it('clamps an overlong title to one line of TITLE_MAX_LENGTH code points', async () => {
    const label = await classify({ title: `实验小学\u202e食堂\u200b\n<b>第二行</b>${'饭菜偏凉'.repeat(30)}` });
    expect(label.title!.startsWith('实验小学 食堂 <b>第二行</b>')).toBe(true);
    expect(Array.from(label.title!)).toHaveLength(TITLE_MAX_LENGTH);
    expect(label.title!.endsWith('…')).toBe(true);
    expect(label.title).not.toMatch(/[\n\r\u202e]/);
  });

  it('treats a blank or missing title as none', async () => {
    expect((await classify({ title: ' \n\t ' })).title).toBeNull();
    // An older provider or stand-in that leaves the new fields out still labels the report.
    llm.setResponder(() => {
      const { subtopic: _s, title: _t, ...old } = answer({});
      return old;
    });
    const result = await classifier.classify(REPORT);
    expect(result).toMatchObject({ success: true, data: { category: 'food', subtopic: null, title: null } });
  });

  it('lists every category’s subtopics in the system prompt and asks for both fields in the schema', () => {
    for (const id of subtopics.ids) expect(classifier.systemPrompt).toContain(id.split('.')[1]!);
    expect(classifier.systemPrompt).toContain('- food (食堂餐饮)');
    expect(classifier.systemPrompt).toMatch(/\[price, hygiene_foreign, /);
  });

  it('still reports a refusal as a refusal, not as a label without a subtopic', async () => {
    llm.setMode('refusal');
    expect(await classifier.classify(REPORT)).toMatchObject({ success: false, refused: true });
  });
});

describe('checkSubtopic and clampTitle', () => {
  it('needs the catalogue: without subtopics every answer is null', () => {
    expect(checkSubtopic('food.price', 'food', undefined)).toBeNull();
    expect(checkSubtopic(' FOOD.PRICE ', 'food', subtopics)).toBe('food.price');
  });

  it('keeps a short title as it is and counts code points, not UTF-16 units', () => {
    expect(clampTitle('一中食堂涨价')).toBe('一中食堂涨价');
    const emoji = '😀'.repeat(TITLE_MAX_LENGTH);
    expect(clampTitle(emoji)).toBe(emoji);
    expect(Array.from(clampTitle(`${emoji}x`)!)).toHaveLength(TITLE_MAX_LENGTH);
  });
});
