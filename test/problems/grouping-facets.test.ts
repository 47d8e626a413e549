import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { loadDeadlineRule } from '../../src/domain/deadlines.ts';
import { createIntake } from '../../src/intake/intake.ts';
import { createFacetVocabulary, facetRelation, loadFacets, type FacetVocabulary } from '../../src/problems/facets.ts';
import { createGrouping, similarityDecider, type ReportForGrouping } from '../../src/problems/grouping.ts';
import { createProblemStore } from '../../src/problems/problem-store.ts';
import { DISJOINT_FACETS_NEEDED, SAME_UNIT_DIFFERENT_SUBTOPIC, SAME_UNIT_OTHER_CATEGORY, SAME_UNIT_SAME_SUBTOPIC, SHARED_FACET_BONUS, SHARED_FACET_BONUS_SIBLINGS, sameMatter } from '../../src/problems/same-matter.ts';
import { createUnitRegistry } from '../../src/units/unit-registry.ts';

/**
 * Facets (方面): at one unit and one subtopic, the defect a report names tells two matters apart (厕所没纸 vs 门锁坏了)
 * and joins two wordings of one (饭里有头发 vs 菜里吃出虫子). Real SQLite, real migrations, the real intake, the real
 * prompts/facets.json.
 */

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T08:00:00+08:00');

function setUp(facets?: FacetVocabulary) {
  const db = openDatabase(':memory:');
  const units = createUnitRegistry(db, () => T0);
  const names = (unitId: string | null, written: string | null) => {
    const unit = unitId ? units.get(unitId) : undefined;
    return [...(unit ? [unit.name, ...unit.aliases] : []), ...(written ? [written] : [])];
  };
  const grouping = createGrouping(
    createProblemStore(db),
    loadDeadlineRule(loadCatalogue(), 'Asia/Shanghai'),
    { recurringWithinMs: 30 * DAY, widespreadMinResidents: 5, widespreadWithinMs: 7 * DAY },
    names,
    undefined,
    { writtenKey: (w) => units.writtenKey(w), ...(facets && { facets }) },
  );
  const intake = createIntake(db, { now: () => T0 });
  let n = 0;
  const report = async (text: string, category: string, subtopic: string, at: number): Promise<number> => {
    n++;
    const { reportId } = intake.receive({ chatId: 3000 + n, messageId: 1, userId: 3000 + n, language: 'zh', text });
    const r: ReportForGrouping = { id: reportId, text, residentId: null, urgent: false, unitId: 'yz', unitWritten: '一中', summary: text.slice(0, 30), category, subtopic };
    const chosen = await similarityDecider.decide(r, grouping.shortlist(r, at));
    return db.transaction(() => grouping.attach(r, chosen, at).problemId)();
  };
  return { db, report };
}

const none = createFacetVocabulary({});

describe('facet words', () => {
  const vocabulary = createFacetVocabulary({
    'facilities.dormitory': {
      heating: { zh: ['冷', '没暖气'], en: ['no heating'] },
      hot_water: { zh: ['冷水', '热水'], en: ['hot water', 'shower'] },
    },
    'facilities.toilets': { paper: { zh: ['纸'], en: ['toilet paper'] } },
  });
  const dorm = ['facilities.dormitory'];

  it('are matched longest first, each character once: 冷水 is the shower, not a cold room', () => {
    expect([...vocabulary.facetsOf('宿舍洗澡只能用冷水', dorm)]).toEqual(['facilities.dormitory/hot_water']);
    expect([...vocabulary.facetsOf('宿舍冷得睡不着', dorm)]).toEqual(['facilities.dormitory/heating']);
  });

  it('read English as whole words, plural or not, and traditional characters as simplified', () => {
    expect([...vocabulary.facetsOf('The dorm showers are broken', dorm)]).toEqual(['facilities.dormitory/hot_water']);
    expect(vocabulary.facetsOf('The dorm showerhead', dorm).size).toBe(0);
    expect([...vocabulary.facetsOf('宿舍熱水壞了', dorm)]).toEqual(['facilities.dormitory/hot_water']);
  });

  it('are read only within the subtopics in play', () => {
    expect(vocabulary.facetsOf('厕所没纸', dorm).size).toBe(0);
    expect([...vocabulary.facetsOf('厕所没纸', ['facilities.toilets'])]).toEqual(['facilities.toilets/paper']);
  });

  it('read long hostile input in one pass', () => {
    const real = loadFacets();
    const scope = ['facilities.dormitory', 'facilities.toilets', 'food.quality_temperature'];
    for (const text of ['冷'.repeat(100_000), 'hot '.repeat(50_000), `${'没暖'.repeat(50_000)}气`, 'toilet paper '.repeat(20_000)]) {
      const started = performance.now();
      real.facetsOf(text, scope);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it('relate as shared, disjoint or unknown', () => {
    expect(facetRelation(new Set(['a', 'b']), new Set(['b']))).toBe('shared');
    expect(facetRelation(new Set(['a']), new Set(['b']))).toBe('disjoint');
    expect(facetRelation(new Set(), new Set(['b']))).toBe('unknown');
  });

  it('in prompts/facets.json belong to subtopics that prompts/subtopics.json lists, each with words', () => {
    const subtopics = JSON.parse(readFileSync('prompts/subtopics.json', 'utf8')) as { subtopics: Record<string, Array<{ id: string }>> };
    const ids = new Set(Object.values(subtopics.subtopics).flatMap((list) => list.map((s) => s.id)));
    const file = JSON.parse(readFileSync('prompts/facets.json', 'utf8')) as { facets: Record<string, Record<string, { zh: string[]; en: string[] }>> };
    for (const [subtopic, facets] of Object.entries(file.facets)) {
      expect(ids.has(subtopic), subtopic).toBe(true);
      for (const [name, words] of Object.entries(facets)) expect(words.zh.length + words.en.length, `${subtopic}/${name}`).toBeGreaterThan(0);
    }
    expect(loadFacets().size('facilities.toilets')).toBeGreaterThanOrEqual(4);
  });
});

describe('the same-matter rule with facets', () => {
  const evidence = { unit: 'same', subtopic: 'same', sameCategory: true, ageDays: 1 } as const;

  it('asks disjoint facets for near-identical wording, and counts a shared one as similarity', () => {
    expect(sameMatter({ ...evidence, text: 0.4 }).joins).toBe(true);
    expect(sameMatter({ ...evidence, text: 0.4, facets: 'disjoint' }).joins).toBe(false);
    expect(sameMatter({ ...evidence, text: DISJOINT_FACETS_NEEDED, facets: 'disjoint' }).joins).toBe(true);
    expect(sameMatter({ ...evidence, text: 0, facets: 'shared' }).joins).toBe(SHARED_FACET_BONUS >= SAME_UNIT_SAME_SUBTOPIC);
    expect(sameMatter({ ...evidence, text: 0.05, facets: 'shared' }).joins).toBe(true);
  });

  it('gives half the bonus between sibling subtopics of one category, and none across categories (堵: a toilet, the gate)', () => {
    const siblings = { ...evidence, subtopic: 'different' } as const;
    const needed = SAME_UNIT_DIFFERENT_SUBTOPIC;
    expect(sameMatter({ ...siblings, text: needed - SHARED_FACET_BONUS_SIBLINGS }).joins).toBe(false);
    expect(sameMatter({ ...siblings, text: needed - SHARED_FACET_BONUS_SIBLINGS, facets: 'shared' }).joins).toBe(true);
    expect(sameMatter({ ...siblings, text: needed - SHARED_FACET_BONUS, facets: 'shared' }).joins).toBe(false);
    const across = { ...siblings, sameCategory: false } as const;
    expect(sameMatter({ ...across, text: SAME_UNIT_OTHER_CATEGORY - 0.01, facets: 'shared' }).joins).toBe(false);
  });
});

describe('grouping at one unit and one subtopic', () => {
  let db: { close(): void } | undefined;
  afterEach(() => db?.close());

  it('keeps 厕所没纸 and 门锁坏了 apart, which the words alone join', async () => {
    const scenario = async (facets?: FacetVocabulary) => {
      const t = setUp(facets);
      db = t.db;
      const paper = await t.report('一中厕所一直没有卫生纸，孩子要自己带', 'facilities', 'facilities.toilets', T0);
      const lock = await t.report('一中厕所一直关不上，隔间门锁坏了，孩子要自己想办法', 'facilities', 'facilities.toilets', T0 + DAY);
      const paperAgain = await t.report('一中厕所没有手纸，洗手液也没有', 'facilities', 'facilities.toilets', T0 + 2 * DAY);
      t.db.close();
      db = undefined;
      return { paper, lock, paperAgain };
    };
    const withoutFacets = await scenario(none);
    expect(withoutFacets.lock).toBe(withoutFacets.paper);
    const withFacets = await scenario();
    expect(withFacets.lock).not.toBe(withFacets.paper);
    expect(withFacets.paperAgain).toBe(withFacets.paper);
  });

  it('keeps apart the matters residents told apart on the spent streams n–p, by the words they used (柜子 / 水凉, 晒 / 护栏, 晚到 / 师傅开车猛)', async () => {
    // The facet words as they were before these were added (the spent streams' wrong joins), and as they are now.
    const file = JSON.parse(readFileSync(new URL('../../prompts/facets.json', import.meta.url), 'utf8')) as { facets: Record<string, Record<string, { zh: string[]; en: string[] }>> };
    const before = createFacetVocabulary({
      ...file.facets,
      'sports.venue_maintenance': { ...file.facets['sports.venue_maintenance'], water_temperature: { zh: ['水温', '水太凉', '水凉', '水冷', '加热'], en: ['water temperature'] }, lockers_changing: { zh: ['储物柜', '更衣室', '淋浴', '热水'], en: ['locker'] } },
      'facilities.dormitory': { ...file.facets['facilities.dormitory'], laundry: { zh: ['晾衣', '晾', '洗衣'], en: ['laundry'] } },
      'transport.bus_service': { ...file.facets['transport.bus_service'], timing: { zh: ['发车', '太早', '晚点', '迟到'], en: ['late'] }, driver: { zh: ['司机', '开得太快', '超速'], en: ['driver'] } },
    });
    const pairs: Array<[string, string, string, string]> = [
      ['sports', 'sports.venue_maintenance', '一中游泳馆的水今天特别凉，孩子下去不到十分钟嘴唇都紫了', '一中游泳馆的柜子一半锁不上，孩子手机被人拿走了'],
      ['facilities', 'facilities.dormitory', '一中宿舍阳台封死了 被子晒不了 孩子身上起了疹子', '一中宿舍上铺没有护栏 孩子半夜摔下来了'],
      ['transport', 'transport.bus_service', '一中校车这周天天晚到 孩子早读回回被记迟到', '一中校车那个师傅开车太猛了 过弯都不减速'],
    ];
    const scenario = async (facets: FacetVocabulary) => {
      const joined: boolean[] = [];
      for (const [category, subtopic, first, second] of pairs) {
        const t = setUp(facets);
        db = t.db;
        const a = await t.report(first, category, subtopic, T0);
        const b = await t.report(second, category, subtopic, T0 + DAY);
        joined.push(a === b);
        t.db.close();
        db = undefined;
      }
      return joined;
    };
    expect(await scenario(before)).toEqual([true, true, true]);
    expect(await scenario(loadFacets())).toEqual([false, false, false]);
  });

  it('joins 饭里有头发 and 菜里吃出虫子, one defect told in other words', async () => {
    const scenario = async (facets?: FacetVocabulary) => {
      const t = setUp(facets);
      db = t.db;
      const hair = await t.report('一中食堂米饭里有头发', 'food', 'food.hygiene_foreign', T0);
      const bug = await t.report('一中食堂青菜吃出虫子', 'food', 'food.hygiene_foreign', T0 + DAY);
      t.db.close();
      db = undefined;
      return { hair, bug };
    };
    const withoutFacets = await scenario(none);
    expect(withoutFacets.bug).not.toBe(withoutFacets.hair);
    const withFacets = await scenario();
    expect(withFacets.bug).toBe(withFacets.hair);
  });
});
