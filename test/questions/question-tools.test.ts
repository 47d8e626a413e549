import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQuestionTools, type QuestionTools } from '../../src/questions/question-tools.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { privateText, resident } from '../support/updates.ts';

let h: Harness;
let tools: QuestionTools;
const run = (name: string, args: unknown) => tools.run(name, JSON.stringify(args), 'zh');

beforeEach(async () => {
  h = await createHarness();
  const { app } = h;
  tools = createQuestionTools({ queries: app.queries, problems: app.problems, units: app.units, catalogue: app.catalogue, timezone: app.config.timezone, now: Date.now });
  await h.send(privateText(resident(1), '第一中学食堂的饭菜经常有头发，孩子都不敢吃了'));
  await h.send(privateText(resident(2), '第一中学门口放学时太堵了，希望安排交警疏导'));
  await h.send(privateText(resident(3), '实验小学食堂的菜太咸了'));
});
afterEach(async () => {
  await h.close();
});

describe('the query tools staff questions may use', () => {
  it('lists the problems of one unit narrowed by category and filter', async () => {
    const all = run('list_problems', { filter: 'open', unit: '一中', category: null, limit: 10 });
    expect(all.result).toMatchObject({ unit: '第一中学', total: 2 });
    const food = run('list_problems', { filter: 'open', unit: '一中', category: '食堂餐饮', limit: 10 });
    expect(food.result).toMatchObject({ total: 1, problems: [{ category: '食堂餐饮', unit: '第一中学', status: 'new' }] });
    expect(run('list_problems', { filter: 'resolved', unit: '一中', category: null, limit: 10 }).result).toMatchObject({ total: 0, problems: [] });
    expect(run('list_problems', { filter: 'open', unit: null, category: 'food', limit: 1 }).result).toMatchObject({ total: 2, problems: [{ category: '食堂餐饮' }] });
  });

  it('counts reports by period, and an earlier period holds none of today’s', () => {
    expect(run('count_reports', { period: 'today', unit: null, category: 'Canteen & meals' }).result).toMatchObject({ reports: 2, category: '食堂餐饮' });
    expect(run('count_reports', { period: 'yesterday', unit: null, category: null }).result).toMatchObject({ reports: 0 });
    expect(run('count_reports', { period: 'last_month', unit: null, category: null }).result).toMatchObject({ reports: 0 });
  });

  it('answers bad calls with an error the model can read, never an exception', () => {
    expect(run('count_reports', { period: 'forever', unit: null, category: null })).toMatchObject({ ok: false, result: { error: expect.stringMatching(/^invalid_arguments/) } });
    expect(run('list_problems', { filter: 'open', unit: null, category: null, limit: 500 }).ok).toBe(false);
    expect(run('count_reports', { period: '7d', unit: null, category: '天气' }).result).toMatchObject({ error: expect.stringContaining('food (食堂餐饮') });
    expect(run('problem_details', { id: 999_999 }).result).toMatchObject({ error: expect.stringMatching(/^not_found/) });
    expect(run('drop_table', {}).result).toMatchObject({ error: 'unknown_tool: drop_table' });
    expect(tools.run('summary', '{not json', 'zh').ok).toBe(false);
  });

  it('defines strict function tools', () => {
    expect(tools.definitions.map((d) => d.function.name)).toEqual(['count_reports', 'list_problems', 'problem_details', 'search_problems', 'overdue_by_unit', 'summary']);
    for (const d of tools.definitions) expect(d.function.strict).toBe(true);
  });
});
