import { describe, expect, it } from 'vitest';
import type { Classification, Kind } from '../../src/domain/classification.ts';
import { crossValidate, evaluate, formatReport } from '../../src/classify/metrics.ts';
import type { EvaluationRow, LabelledText } from '../../src/classify/metrics.ts';

const row = (
  expected: [string, boolean, Kind?],
  actual: [string, boolean, Kind?],
): EvaluationRow => ({
  expected: { category: expected[0], urgent: expected[1], kind: expected[2] ?? 'complaint' },
  actual: { category: actual[0], urgent: actual[1], kind: actual[2] ?? 'complaint' },
});

// Five reports over three categories, worked out by hand:
//   a: TP 1, predicted 2 (a→a, c→a), support 2 → P 0.5, R 0.5, F1 0.5
//   b: TP 1, predicted 2 (a→b, b→b), support 1 → P 0.5, R 1.0, F1 2/3
//   c: TP 1, predicted 1,             support 2 → P 1.0, R 0.5, F1 2/3
//   urgent: expected rows 1 and 3, predicted rows 1 and 2 → precision 1/2, recall 1/2
const rows: EvaluationRow[] = [
  row(['a', true], ['a', true]),
  row(['a', false, 'inquiry'], ['b', true, 'inquiry']),
  row(['b', true], ['b', false, 'praise']),
  row(['c', false], ['c', false]),
  row(['c', false, 'suggestion'], ['a', false, 'complaint']),
];

describe('evaluate', () => {
  const report = evaluate(rows, ['a', 'b', 'c', 'unused']);

  it('counts accuracy, kind accuracy and urgent precision/recall', () => {
    expect(report.n).toBe(5);
    expect(report.accuracy).toBeCloseTo(3 / 5);
    expect(report.kind_accuracy).toBeCloseTo(3 / 5);
    expect(report.urgent_precision).toBeCloseTo(1 / 2);
    expect(report.urgent_recall).toBeCloseTo(1 / 2);
    expect(report.urgent_support).toBe(2);
  });

  it('scores each category and averages F1 over categories that occur', () => {
    expect(report.per_category.a).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(report.per_category.b!.precision).toBeCloseTo(0.5);
    expect(report.per_category.b!.recall).toBeCloseTo(1);
    expect(report.per_category.b!.f1).toBeCloseTo(2 / 3);
    expect(report.per_category.c!.f1).toBeCloseTo(2 / 3);
    // "unused" was neither expected nor predicted, so it does not drag the macro average to zero.
    expect(report.per_category.unused).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(report.macro_f1).toBeCloseTo((0.5 + 2 / 3 + 2 / 3) / 3);
  });

  it('builds the confusion matrix as expected × predicted in catalogue order', () => {
    expect(report.labels).toEqual(['a', 'b', 'c', 'unused']);
    expect(report.confusion).toEqual([
      [1, 1, 0, 0],
      [0, 1, 0, 0],
      [1, 0, 1, 0],
      [0, 0, 0, 0],
    ]);
  });

  it('gives a label outside the catalogue its own row instead of dropping it', () => {
    const stray = evaluate([row(['a', false], ['zzz', false])], ['a']);
    expect(stray.labels).toEqual(['a', 'zzz']);
    expect(stray.confusion).toEqual([
      [0, 1],
      [0, 0],
    ]);
    expect(stray.macro_f1).toBe(0);
  });

  it('treats "no urgent reports at all" as nothing missed and no false alarm', () => {
    const calm = evaluate([row(['a', false], ['a', false])], ['a']);
    expect(calm.urgent_recall).toBe(1);
    expect(calm.urgent_precision).toBe(1);
    expect(calm.accuracy).toBe(1);
    expect(calm.macro_f1).toBe(1);
  });

  it('reports an empty evaluation as zeros rather than NaN', () => {
    const empty = evaluate([], ['a']);
    expect(empty.n).toBe(0);
    expect(empty.accuracy).toBe(0);
    expect(empty.macro_f1).toBe(0);
  });
});

describe('formatReport', () => {
  it('prints the headline numbers, a per-category table and the confusion matrix', () => {
    const text = formatReport(evaluate(rows, ['a', 'b', 'c']));
    expect(text).toContain('n=5');
    expect(text).toContain('accuracy=60.0%');
    expect(text).toContain(`macro-F1=${((0.5 + 2 / 3 + 2 / 3) / 3).toFixed(3)}`);
    expect(text).toContain('urgent: recall=50.0%  precision=50.0%');
    expect(text).toMatch(/^a\s+0\.500\s+0\.500\s+0\.500\s+2$/m);
    expect(text).toContain('confusion (rows: expected, columns: predicted)');
    expect(text).toMatch(/^3 c\s+1\s+\.\s+1$/m);
  });
});

describe('crossValidate', () => {
  // The category is written into the text ("b-7"), so a perfect classifier exists without seeing the test fold.
  const examples: LabelledText[] = ['a', 'b', 'c'].flatMap((category) =>
    Array.from({ length: 7 }, (_, i) => ({ text: `${category}-${i}`, category, kind: 'complaint' as Kind, urgent: i === 0 })),
  );
  const readLabel = (text: string): Classification => ({
    category: text.split('-')[0]!,
    kind: 'complaint',
    urgent: text.endsWith('-0'),
    unit: null,
    summary: text,
    language: 'en',
  });

  it('tests every example exactly once, never on a fold it trained on, with every category in every fold', () => {
    const trainingSets: string[][] = [];
    const report = crossValidate(
      examples,
      3,
      (train) => {
        trainingSets.push(train.map((e) => e.text));
        for (const category of ['a', 'b', 'c']) expect(train.some((e) => e.category === category)).toBe(true);
        return (text) => {
          expect(train.map((e) => e.text)).not.toContain(text);
          return readLabel(text);
        };
      },
      ['a', 'b', 'c'],
    );
    expect(report.n).toBe(examples.length);
    expect(report.accuracy).toBe(1);
    expect(report.urgent_recall).toBe(1);
    expect(trainingSets).toHaveLength(3);
    // Stratified: 7 examples per category over 3 folds leaves 4 or 5 of each category for training.
    for (const set of trainingSets) expect(set.length).toBeGreaterThanOrEqual(12);
  });

  it('deals the same folds on every run', () => {
    const folds = (): string[][] => {
      const seen: string[][] = [];
      const build = (train: LabelledText[]): ((text: string) => Classification) => {
        seen.push(train.map((e) => e.text));
        return readLabel;
      };
      crossValidate(examples, 4, build, ['a', 'b', 'c']);
      return seen;
    };
    expect(folds()).toEqual(folds());
  });

  it('refuses fewer than two folds', () => {
    expect(() => crossValidate(examples, 1, () => readLabel, ['a'])).toThrow(/k must be an integer/);
  });
});

describe('subtopic scoring', () => {
  const withSubtopic = (expected: string | undefined, actual: string | null): EvaluationRow => ({
    expected: { category: 'a', urgent: false, kind: 'complaint', ...(expected !== undefined && { subtopic: expected }) },
    actual: { category: 'a', urgent: false, kind: 'complaint', subtopic: actual },
  });

  it('scores only rows that expect a subtopic: an unanswered one is wrong for accuracy, not for precision', () => {
    // Four rows expect one: right, wrong, unanswered, right → accuracy 2/4, answered 3/4, precision 2/3.
    const report = evaluate(
      [withSubtopic('a.x', 'a.x'), withSubtopic('a.x', 'a.y'), withSubtopic('a.y', null), withSubtopic('a.y', 'a.y'), withSubtopic(undefined, 'a.z')],
      ['a'],
    );
    expect(report.subtopic).toEqual({ support: 4, accuracy: 0.5, answered: 0.75, precision: 2 / 3 });
    expect(formatReport(report)).toContain('subtopic: accuracy=50.0%  answered=75.0%  precision when answered=66.7%  (support 4)');
  });

  it('leaves the subtopic out of a report whose lines carry none', () => {
    expect(evaluate(rows, ['a', 'b', 'c']).subtopic).toBeUndefined();
    expect(formatReport(evaluate(rows, ['a', 'b', 'c']))).not.toContain('subtopic:');
  });
});
