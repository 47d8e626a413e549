import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { TITLE_MAX_LENGTH } from '../../src/domain/classification.ts';
import { loadSubtopics } from '../../src/domain/subtopics.ts';
import { clampTitle, createLedgerTitles, ledgerTitle, titleWidth, type TitleSource } from '../../src/problems/ledger-title.ts';
import type { Problem } from '../../src/problems/problem.ts';

const catalogue = loadCatalogue();
const subtopics = loadSubtopics(catalogue);
const UNITS: Record<string, { name: string; aliases: string[] }> = {
  sx: { name: '实验小学', aliases: ['实小', 'Experimental Primary School'] },
  yz: { name: '第一中学', aliases: ['一中'] },
};
const titles = (language: 'zh' | 'en') =>
  createLedgerTitles({
    catalogue,
    subtopics,
    unitName: (id, written) => (id ? UNITS[id]?.name ?? null : null) ?? written,
    unitNames: (id, written) => [...(id ? [UNITS[id]!.name, ...UNITS[id]!.aliases] : []), ...(written ? [written] : [])],
    language,
  });

const report = (fields: Partial<TitleSource>): TitleSource => ({
  text: '',
  summary: '',
  category: 'food',
  subtopic: null,
  title: null,
  unitId: null,
  unitWritten: null,
  ...fields,
});

const problem = (fields: Partial<Problem>): Problem =>
  ({ id: 1, title: 'old', category: 'food', subtopic: null, unitId: null, unitWritten: null, ...fields }) as Problem;

const fits = (title: string) => {
  expect(titleWidth(title)).toBeLessThanOrEqual(TITLE_MAX_LENGTH);
  expect(title).not.toMatch(/[\n\r\u202e\u200b]/);
};

describe('a ledger title (台账标题)', () => {
  it('is measured in columns of code points: 30 Chinese characters or 60 Latin fill it', () => {
    expect(titleWidth('实'.repeat(30))).toBe(TITLE_MAX_LENGTH);
    expect(titleWidth('a'.repeat(60))).toBe(TITLE_MAX_LENGTH);
    expect(clampTitle('实'.repeat(30))).toBe('实'.repeat(30));
    const cut = clampTitle('实'.repeat(31));
    expect(cut.endsWith('…')).toBe(true);
    fits(cut);
    // Astral characters (emoji, rare Han) are never split into half surrogates.
    const astral = clampTitle('𠀀'.repeat(40));
    expect(Array.from(astral.slice(0, -1)).every((c) => c === '𠀀')).toBe(true);
    fits(astral);
  });

  it('offline names the unit and the matter: a clause of the report in the subtopic’s own words', () => {
    const title = titles('zh').forReport(report({ text: '实验小学食堂的饭菜太难吃了，孩子都不想吃', unitId: 'sx', subtopic: 'food.quality_temperature' }));
    expect(title).toBe('实验小学食堂的饭菜太难吃了');
    fits(title);
  });

  it('takes the unit’s name off the clause’s start only, never out of its middle', () => {
    const title = titles('zh').forReport(report({ category: 'enrollment', text: '实验小学划片到底是实验小学还是和平路小学？', unitId: 'sx', subtopic: 'enrollment.catchment' }));
    expect(title).toBe('实验小学划片到底是实验小学还是和平路小学');
  });

  it('offline without such a clause: unit, category and subtopic, in the staff language', () => {
    const source = report({ text: '孩子说每天中午吃不下', unitId: 'sx', subtopic: 'food.quality_temperature' });
    expect(titles('zh').forReport(source)).toBe('实验小学 食堂餐饮·饭菜质量与温度');
    expect(titles('en').forReport(source)).toBe('实验小学: Canteen & meals · Quality and temperature');
  });

  it('without a unit or a subtopic says what is known; a subtopic of another category is not shown', () => {
    expect(titles('zh').forReport(report({ text: '饭菜有点少', subtopic: 'food.portion' }))).toBe('食堂餐饮·份量');
    expect(titles('zh').forReport(report({ text: '有问题', unitWritten: '某某小学' }))).toBe('某某小学 食堂餐饮');
    expect(titles('zh').forReport(report({ text: '有问题', unitId: 'yz', subtopic: 'transport.parking' }))).toBe('第一中学 食堂餐饮');
  });

  it('an English clause goes into an English title only, with the unit’s names taken out', () => {
    const source = report({ text: 'Experimental Primary School: the food is tasteless and cold every day. Please help', unitId: 'sx', subtopic: 'food.quality_temperature' });
    expect(titles('en').forReport(source)).toBe('实验小学: the food is tasteless and cold every day');
    expect(titles('zh').forReport(source)).toBe('实验小学 食堂餐饮·饭菜质量与温度');
  });

  it('never carries a phone number, an id or invisible tricks, however hostile the text', () => {
    const phone = titles('zh').forReport(report({ text: '实验小学饭菜难吃 电话13812345678', unitId: 'sx', subtopic: 'food.quality_temperature' }));
    expect(phone).not.toMatch(/\d{6}/);
    expect(phone).toBe('实验小学 食堂餐饮·饭菜质量与温度');
    const hostile = [
      '难吃'.repeat(5000),
      `${'a'.repeat(5000)}!`,
      `实验小学\u202e饭菜难吃\u200b，${'，'.repeat(4000)}`,
      `${'(('.repeat(3000)}难吃${'.*'.repeat(3000)}`,
    ];
    for (const text of hostile) {
      const started = performance.now();
      const title = titles('zh').forReport(report({ text, unitId: 'sx', subtopic: 'food.quality_temperature' }));
      expect(performance.now() - started).toBeLessThan(200);
      fits(title);
      expect(title.startsWith('实验小学')).toBe(true);
    }
    // A unit name as written can be a paragraph: it takes at most half the title.
    const long = titles('zh').forReport(report({ text: '饭菜难吃', unitWritten: '某'.repeat(4000), subtopic: 'food.quality_temperature' }));
    fits(long);
    expect(long).toContain('饭菜');
  });

  it('with a model: the model’s title, one line and clamped', () => {
    const title = titles('zh').forReport(report({ title: `实验小学食堂饭菜偏凉、有异物\n${'再'.repeat(100)}\u202e`, unitId: 'sx' }));
    expect(title.startsWith('实验小学食堂饭菜偏凉、有异物')).toBe(true);
    fits(title);
    expect(titles('zh').forReport(report({ title: '  \u200b ', text: '饭菜有点少', subtopic: 'food.portion' }))).toBe('食堂餐饮·份量');
  });

  it('follows the latest model title as reports join; offline it changes only when subtopic or unit did', () => {
    const t = titles('zh');
    // A title of its own (an older one, or a model's): kept while nothing it is made of changed.
    const before = problem({ title: '实验小学饭菜总是凉的', unitId: 'sx' });
    expect(t.afterJoin(before, before, report({ title: '实验小学饭菜偏凉', unitId: 'sx' }))).toBe('实验小学饭菜偏凉');
    expect(t.afterJoin(before, { ...before, title: '实验小学饭菜偏凉' }, report({ title: '实验小学饭菜偏凉' }))).toBeNull();
    expect(t.afterJoin(before, before, report({ text: '饭菜难吃', unitId: 'sx', subtopic: 'food.quality_temperature' }))).toBeNull();
    const filled = { ...before, subtopic: 'food.quality_temperature' };
    expect(t.afterJoin(before, filled, report({ text: '孩子说中午吃不下', unitId: 'sx' }))).toBe('实验小学 食堂餐饮·饭菜质量与温度');
  });

  it('is built from parts the same way for both languages', () => {
    expect(ledgerTitle({ language: 'zh', unit: '实验小学', category: '食堂餐饮', subtopic: '价格', phrase: '饭菜涨价到十二元' })).toBe('实验小学饭菜涨价到十二元');
    expect(ledgerTitle({ language: 'en', unit: null, category: 'Canteen & meals', subtopic: 'Prices', phrase: 'meals went up to 12 yuan' })).toBe('Meals went up to 12 yuan');
  });
});
