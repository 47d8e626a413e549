import { describe, expect, it } from 'vitest';
import { createOracleDecider, scoreGrouping, scoreSuggestions } from '../../src/problems/grouping-metrics.ts';
import type { Candidate, ReportForGrouping } from '../../src/problems/grouping.ts';
import type { Problem } from '../../src/problems/problem.ts';

const grouped = (truth: string, predicted: string) =>
  truth.split('').map((t, i) => ({ truth: t, predicted: predicted[i]! }));

describe('scoring the "may be the same matter" suggestions', () => {
  it('counts duplicate pairs by each problem\'s main matter, and offers from either side once', () => {
    // Matter a split over problems 1 and 2, b over 3 and 4 (3 mostly b), c alone in 5.
    const reports = grouped('aaabbbc', '1123345');
    const offers = [
      ['1', '2'],
      ['2', '1'], // the same pair from the other side
      ['4', '3'],
      ['3', '5'], // two matters
      ['5', '5'], // itself: ignored
      ['5', '9'], // a problem the stream never reached: ignored
    ] as const;
    expect(scoreSuggestions(reports, offers)).toEqual({ duplicate_pairs: 2, offered_duplicates: 2, offered_pairs: 3, wrong_offers: 1 });
    expect(scoreSuggestions(reports, [])).toEqual({ duplicate_pairs: 2, offered_duplicates: 0, offered_pairs: 0, wrong_offers: 0 });
  });
});

describe('scoring a grouping against the true matters', () => {
  it('counts pairs and B-cubed as worked out by hand', () => {
    // Matter a is split over problems 1 and 2; problem 2 mixes a and b; c is alone and right.
    const score = scoreGrouping(grouped('aaabbc', '112223'));
    expect(score).toMatchObject({ n: 6, true_problems: 3, predicted_problems: 3 });
    // Pairs put together: 1 (in 1) + 3 (in 2) = 4; pairs truly together: 3 (a) + 1 (b) = 4; both: a0–a1 and b3–b4.
    expect(score.pair_precision).toBeCloseTo(2 / 4);
    expect(score.pair_recall).toBeCloseTo(2 / 4);
    expect(score.pair_f1).toBeCloseTo(0.5);
    // Per report precision: 1, 1, 1/3, 2/3, 2/3, 1 → 14/3 over 6; recall: 2/3, 2/3, 1/3, 1, 1, 1 → 14/3 over 6.
    expect(score.bcubed_precision).toBeCloseTo(7 / 9);
    expect(score.bcubed_recall).toBeCloseTo(7 / 9);
    expect(score.bcubed_f1).toBeCloseTo(7 / 9);
    expect(score.splits).toEqual([{ id: 'a', parts: 2, members: [0, 1, 2] }]);
    expect(score.merges).toEqual([{ id: '2', parts: 2, members: [2, 3, 4] }]);
  });

  it('gives a list of single reports full precision and no pair recall', () => {
    const score = scoreGrouping(grouped('aab', '123'));
    expect(score.predicted_problems).toBe(3);
    expect(score.pair_precision).toBe(1); // nothing was put together, so nothing wrongly
    expect(score.pair_recall).toBe(0);
    expect(score.pair_f1).toBe(0);
    expect(score.bcubed_precision).toBe(1);
    expect(score.bcubed_recall).toBeCloseTo((1 / 2 + 1 / 2 + 1) / 3);
    expect(score.splits).toEqual([{ id: 'a', parts: 2, members: [0, 1] }]);
    expect(score.merges).toEqual([]);
  });

  it('gives one problem for everything full recall and low precision', () => {
    const score = scoreGrouping(grouped('aab', 'xxx'));
    expect(score.pair_precision).toBeCloseTo(1 / 3);
    expect(score.pair_recall).toBe(1);
    expect(score.bcubed_precision).toBeCloseTo((2 / 3 + 2 / 3 + 1 / 3) / 3);
    expect(score.bcubed_recall).toBe(1);
    expect(score.merges).toEqual([{ id: 'x', parts: 2, members: [0, 1, 2] }]);
  });

  it('scores a perfect grouping 1 everywhere, whatever the problem ids are called', () => {
    const score = scoreGrouping(grouped('aabbbc', 'zzyyyq'));
    for (const key of ['pair_precision', 'pair_recall', 'bcubed_precision', 'bcubed_recall', 'bcubed_f1'] as const) expect(score[key]).toBe(1);
    expect(score.splits).toEqual([]);
    expect(score.merges).toEqual([]);
  });

  it('lists the worst split first: the matter spread over most problems', () => {
    const score = scoreGrouping(grouped('aabbbb', '121234'));
    expect(score.splits.map((s) => [s.id, s.parts])).toEqual([
      ['b', 4],
      ['a', 2],
    ]);
  });

  it('keeps apart ids that would collide if joined naively', () => {
    // ("a|", "b") and ("a", "|b") must be different cells.
    const score = scoreGrouping([
      { truth: 'a|', predicted: 'b' },
      { truth: 'a', predicted: '|b' },
    ]);
    expect(score.pair_precision).toBe(1);
    expect(score.bcubed_precision).toBe(1);
  });
});

describe('the oracle grouping decider', () => {
  const matters = new Map<number, string>([
    [1, 'm2'],
    [2, 'm1'],
    [3, 'm1'],
    [4, 'm1'],
    [10, 'm1'],
  ]);
  const holds = new Map<number, number[]>([
    [101, [1]],
    [102, [4]],
    [103, [2, 3]],
  ]);
  const oracle = createOracleDecider({ matterOfReport: (id) => matters.get(id), reportsOfProblem: (id) => holds.get(id) ?? [] });
  const report = (id: number) => ({ id }) as ReportForGrouping;
  const offered = (...ids: number[]): Candidate[] => ids.map((id) => ({ problem: { id } as Problem, score: 0.5, joins: false, evidence: { unit: 'same' as const, subtopic: 'unknown' as const, sameCategory: true, ageDays: 0, text: 0.1 }, texts: [] }));

  it('picks the offered problem holding most reports of the same matter', async () => {
    expect(await oracle.decide(report(10), offered(101, 102, 103))).toBe(103);
  });

  it('opens a new problem when no offered problem is the same matter, even if one exists elsewhere', async () => {
    expect(await oracle.decide(report(10), offered(101))).toBeNull();
    expect(await oracle.decide(report(10), [])).toBeNull();
  });

  it('knows nothing of a report it has no label for', async () => {
    expect(await oracle.decide(report(99), offered(101, 102, 103))).toBeNull();
  });
});
