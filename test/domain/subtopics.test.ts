import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXAMPLES_PATH, loadExamples } from '../../src/classify/offline/examples.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { createSubtopics, loadSubtopics, SubtopicsError } from '../../src/domain/subtopics.ts';
import { tempDir } from '../support/harness.ts';

const catalogue = loadCatalogue();

/** A valid file for every category, two subtopics each, to break one thing at a time. */
function minimal(): { subtopics: Record<string, Array<{ id: string; name: { zh: string; en: string }; covers: string }>> } {
  return {
    subtopics: Object.fromEntries(
      catalogue.ids.map((c) => [c, ['a', 'b'].map((n) => ({ id: `${c}.${n}`, name: { zh: `议题${n}`, en: `Topic ${n}` }, covers: '说明; description' }))]),
    ),
  };
}

const failure = (raw: unknown) => {
  try {
    createSubtopics(raw, catalogue);
  } catch (error) {
    expect(error).toBeInstanceOf(SubtopicsError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n'); // one line for the operator
    return message;
  }
  throw new Error('expected the subtopics to be refused');
};

describe('the subtopic taxonomy (prompts/subtopics.json)', () => {
  it('gives every category 4–8 subtopics, 50–80 in all, each named in Chinese and English', () => {
    const subtopics = loadSubtopics(catalogue);
    expect(subtopics.ids.length).toBeGreaterThanOrEqual(50);
    expect(subtopics.ids.length).toBeLessThanOrEqual(80);
    for (const category of catalogue.ids) {
      const mine = subtopics.of(category);
      expect(mine.length, category).toBeGreaterThanOrEqual(4);
      expect(mine.length, category).toBeLessThanOrEqual(8);
      for (const s of mine) {
        expect(s.id.startsWith(`${category}.`)).toBe(true);
        expect(s.name.zh).toMatch(/[\u4e00-\u9fff]/);
        expect(s.name.en).toMatch(/[A-Za-z]/);
        // "covers" gives typical words in both languages, for the classifiers and for staff.
        expect(s.covers).toMatch(/[\u4e00-\u9fff]/);
        expect(s.covers).toMatch(/[A-Za-z]{3}/);
      }
    }
    expect(new Set(subtopics.subtopics.map((s) => s.name.zh)).size).toBe(subtopics.ids.length);
    expect(subtopics.get('food.price')).toMatchObject({ category: 'food', name: { zh: '价格', en: 'Prices' } });
    expect(subtopics.name('food.hygiene_foreign', 'zh')).toBe('卫生与异物');
    expect(subtopics.has('food.nope')).toBe(false);
  });

  it('labels every offline example with a subtopic of its own category, and every subtopic has examples', () => {
    const subtopics = loadSubtopics(catalogue);
    // The labels live in examples.jsonl itself (other example files may relabel a text without them).
    const examples = loadExamples(DEFAULT_EXAMPLES_PATH);
    const count = new Map<string, number>();
    for (const [i, example] of examples.entries()) {
      const subtopic = example.subtopic === undefined ? undefined : subtopics.get(example.subtopic);
      expect(subtopic?.category, `examples.jsonl:${i + 1} ${example.subtopic}`).toBe(example.category);
      count.set(example.subtopic!, (count.get(example.subtopic!) ?? 0) + 1);
    }
    // 3 today; 8 once prompts/subtopic-examples.pending.jsonl joins the examples (it moves the similarity's calibration).
    expect(subtopics.ids.filter((id) => (count.get(id) ?? 0) < 3)).toEqual([]);
  });

  it('accepts a small valid file', () => {
    expect(createSubtopics(minimal(), catalogue).ids).toHaveLength(catalogue.ids.length * 2);
  });

  it('refuses a category with fewer than two subtopics, or none', () => {
    const one = minimal();
    one.subtopics.food = one.subtopics.food!.slice(0, 1);
    expect(failure(one)).toBe('subtopics: category "food" needs at least 2 subtopics (has 1)');
    const none = minimal();
    delete none.subtopics.sports;
    expect(failure(none)).toBe('subtopics: category "sports" needs at least 2 subtopics (has 0)');
  });

  it('refuses duplicate ids, ids not prefixed by their category, and unknown categories', () => {
    const twice = minimal();
    twice.subtopics.food!.push({ ...twice.subtopics.food![0]! });
    expect(failure(twice)).toBe('subtopics: duplicate id "food.a"');

    const misplaced = minimal();
    misplaced.subtopics.food![0]!.id = 'fees.c';
    expect(failure(misplaced)).toBe('subtopics: "fees.c" is listed under food; its id must start with "food."');

    const unknown = minimal();
    unknown.subtopics.weather = unknown.subtopics.food!.map((s) => ({ ...s, id: s.id.replace('food', 'weather') }));
    expect(failure(unknown)).toBe('subtopics: "weather" is not a category in categories.json');
  });

  it('refuses a missing name, a bad id and unknown fields, naming where', () => {
    const noEnglish = minimal() as { subtopics: Record<string, Array<Record<string, unknown>>> };
    noEnglish.subtopics.food![1]!.name = { zh: '份量' };
    expect(failure(noEnglish)).toMatch(/^subtopics: subtopics\.food\.1\.name\.en: /);

    const badId = minimal();
    badId.subtopics.food![0]!.id = 'Food Price';
    expect(failure(badId)).toMatch(/^subtopics: subtopics\.food\.0\.id: expected "<category>\.<name>"/);

    const extra = minimal() as { subtopics: Record<string, Array<Record<string, unknown>>> };
    extra.subtopics.food![0]!.deadline_hours = 3;
    expect(failure(extra)).toMatch(/^subtopics: subtopics\.food\.0/);

    expect(failure([])).toMatch(/^subtopics: /);
  });

  it('fails with one line naming the file when it is not JSON', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'subtopics.json');
      writeFileSync(path, '{ "subtopics": ');
      expect(() => loadSubtopics(catalogue, path)).toThrow(`subtopics: ${path}: not valid JSON`);
      expect(() => loadSubtopics(catalogue, join(dir, 'missing.json'))).toThrow(/^subtopics: .*missing\.json: ENOENT$/);
    } finally {
      cleanup();
    }
  });
});
