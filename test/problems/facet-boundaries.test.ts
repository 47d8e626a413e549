import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { loadDeadlineRule } from '../../src/domain/deadlines.ts';
import { createIntake } from '../../src/intake/intake.ts';
import { createFacetVocabulary, loadFacets } from '../../src/problems/facets.ts';
import { createGrouping, similarityDecider, type ReportForGrouping } from '../../src/problems/grouping.ts';
import { createProblemStore } from '../../src/problems/problem-store.ts';
import { createUnitRegistry } from '../../src/units/unit-registry.ts';

/**
 * A facet word inside another word (issue 11, blind stream h): 头发 in 染黄头发的社会青年 is someone's hair, not the hair
 * found in a meal. A facet word of two or more characters counts only where the word segmenter starts a word; one
 * character (虫 in 虫子, 冷 in 冰冷) still counts anywhere. Real prompts/facets.json, real jieba, real SQLite.
 */

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T08:00:00+08:00');
const FOOD = ['food.hygiene_foreign'];
const facets = loadFacets();

describe('facet words and word boundaries', () => {
  it('do not count a word that sits inside a longer word starting before it', () => {
    expect([...facets.facetsOf('染黄头发的社会青年在门口晃', FOOD)]).toEqual([]);
    expect([...facets.facetsOf('一个黄头发的人', FOOD)]).toEqual([]);
  });

  it('count it where a word starts, alone or heading a longer word', () => {
    expect([...facets.facetsOf('米饭里有头发', FOOD)]).toEqual(['food.hygiene_foreign/foreign_object']);
    expect([...facets.facetsOf('汤里有一根头发丝', FOOD)]).toEqual(['food.hygiene_foreign/foreign_object']);
    expect([...facets.facetsOf('菜里吃出一根头发，又有黄头发的人', FOOD)]).toEqual(['food.hygiene_foreign/foreign_object']);
  });

  it('count one character anywhere: it heads compounds that keep its sense', () => {
    expect([...facets.facetsOf('青菜里有虫子', FOOD)]).toEqual(['food.hygiene_foreign/foreign_object']);
    const made = createFacetVocabulary({ 'food.quality_temperature': { cold: { zh: ['冷'], en: [] } } });
    expect([...made.facetsOf('饭菜冰冷', ['food.quality_temperature'])]).toEqual(['food.quality_temperature/cold']);
  });

  it('name the light of a toilet or a room by 照明 as well as by 灯', () => {
    const toilets = ['facilities.toilets'];
    expect([...facets.facetsOf('操场边的厕所没有照明', toilets)]).toEqual(['facilities.toilets/light']);
    expect([...facets.facetsOf('厕所的灯坏了一个月', toilets)]).toEqual(['facilities.toilets/light']);
    expect([...facets.facetsOf('教室照明不够', ['facilities.lighting_power'])]).toEqual(['facilities.lighting_power/light_broken']);
  });

  it('read long hostile input in bounded time', () => {
    for (const text of ['黄头发'.repeat(30_000), '头'.repeat(100_000), `${'头发'.repeat(50_000)}`]) {
      const started = performance.now();
      createFacetVocabulary({ 'food.hygiene_foreign': { hair: { zh: ['头发', '发丝'], en: [] } } }).facetsOf(text, FOOD);
      expect(performance.now() - started).toBeLessThan(3000);
    }
  });
});

describe('grouping at one unit: someone with dyed hair is not the hair in the food', () => {
  let db: { close(): void } | undefined;
  afterEach(() => db?.close());

  it('keeps 染黄头发的社会青年 apart from the canteen hair problem, and still joins hair with bugs', async () => {
    const handle = openDatabase(':memory:');
    db = handle;
    const units = createUnitRegistry(handle, () => T0);
    const grouping = createGrouping(
      createProblemStore(handle),
      loadDeadlineRule(loadCatalogue(), 'Asia/Shanghai'),
      { recurringWithinMs: 30 * DAY, widespreadMinResidents: 5, widespreadWithinMs: 7 * DAY },
      (unitId) => (unitId ? [units.get(unitId)!.name, ...units.get(unitId)!.aliases] : []),
      undefined,
      { writtenKey: (w) => units.writtenKey(w), facets },
    );
    const intake = createIntake(handle, { now: () => T0 });
    let n = 0;
    const report = async (text: string, at: number, category = 'food', subtopic = 'food.hygiene_foreign'): Promise<number> => {
      n++;
      const { reportId } = intake.receive({ chatId: 4000 + n, messageId: 1, userId: 4000 + n, language: 'zh', text });
      const r: ReportForGrouping = {
        id: reportId, text, residentId: null, urgent: false, unitId: 'yz', unitWritten: '一中', summary: text.slice(0, 30),
        category, subtopic,
      };
      const chosen = await similarityDecider.decide(r, grouping.shortlist(r, at));
      return handle.transaction(() => grouping.attach(r, chosen, at).problemId)();
    };
    // Blind stream h's h-008 and h-113 (development data now), with the subtopics the offline classifier gives them.
    const hair = await report('一中食堂今天中午的土豆丝里有根长头发 孩子回来说恶心死了 一口没吃', T0);
    const bug = await report('一中食堂卫生太差了吧 连着几天不是头发就是虫子 学生都不敢吃了', T0 + DAY);
    const youths = await report('一中晚自习放学后门口老有几个染黄头发的社会青年晃 昨天还拦住女生要微信 门卫也不管', T0 + 2 * DAY, 'campus_safety', 'campus_safety.intruders_security');
    expect(bug).toBe(hair);
    expect(youths).not.toBe(hair);
  });
});
