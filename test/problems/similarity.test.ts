import { describe, expect, it } from 'vitest';
import { findSimilar, SAME_PROBLEM_THRESHOLD, textSimilarity } from '../../src/problems/similarity.ts';
import { BLIND_PAIRS_PATH, chooseThreshold, loadPairs, qualityAt, scorePairs, unitNamesOf } from '../../src/problems/similarity-report.ts';
import { createUnitDirectory, loadUnitFile } from '../../src/units/unit-directory.ts';

const directory = createUnitDirectory(loadUnitFile().units);
const pairs = loadPairs();
const scored = scorePairs(pairs, directory);

describe('the labelled pairs', () => {
  it('are enough, realistic in mix, and name units the directory knows', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(200);
    const english = pairs.filter((p) => !/\p{Script=Han}/u.test(p.a + p.b)).length;
    expect(english / pairs.length).toBeGreaterThan(0.15);
    expect(pairs.filter((p) => p.same).length).toBeGreaterThan(pairs.length / 3);
    expect(pairs.filter((p) => !p.same).length).toBeGreaterThan(pairs.length / 3);
    for (const pair of pairs) expect(() => unitNamesOf(pair.unit, directory)).not.toThrow();
  });
});

describe('deciding "same problem" by text similarity', () => {
  it('is precise and catches most duplicates at SAME_PROBLEM_THRESHOLD', () => {
    const quality = qualityAt(scored, SAME_PROBLEM_THRESHOLD);
    expect(quality.precision).toBeGreaterThanOrEqual(0.85);
    expect(quality.recall).toBeGreaterThanOrEqual(0.7);
  });

  it('holds up on the blind batch, which was never used to change the features or the threshold', () => {
    // test/fixtures/grouping-pairs-blind.jsonl: 95 pairs written before the 2nd round of changes and measured once
    // before them. First look, with the old features at 0.35: precision 61.5%, recall 14.8%, F1 23.9%.
    // After the changes, at 0.34: precision 72.7%, recall 14.8%, F1 24.6%. The gate sits just under the latter;
    // recall this low is the known gap (docs/GROUPING.md), not a target.
    const blind = loadPairs(BLIND_PAIRS_PATH);
    for (const pair of blind) expect(() => unitNamesOf(pair.unit, directory)).not.toThrow();
    const quality = qualityAt(scorePairs(blind, directory), SAME_PROBLEM_THRESHOLD);
    expect(quality.precision).toBeGreaterThanOrEqual(0.7);
    expect(quality.recall).toBeGreaterThanOrEqual(0.14);
  });

  it('uses the threshold the calibration picks on the pairs', () => {
    // If this fails after the pairs or the features changed, rerun src/problems/similarity-report.ts.
    expect(chooseThreshold(scored)).toBe(SAME_PROBLEM_THRESHOLD);
  });

  it('groups the same matter told in different words', () => {
    const names = unitNamesOf('第一中学', directory);
    expect(textSimilarity('一中食堂饭菜有头发', '第一中学食堂吃出头发丝，太恶心', names)).toBeGreaterThanOrEqual(SAME_PROBLEM_THRESHOLD);
    expect(textSimilarity('二中好多学生吃了食堂的饭拉肚子', '第二中学很多住校生腹泻呕吐')).toBeGreaterThanOrEqual(SAME_PROBLEM_THRESHOLD);
    expect(textSimilarity("the gym's showers have no hot water", '体育馆淋浴没热水', unitNamesOf('区体育馆', directory))).toBeGreaterThanOrEqual(
      SAME_PROBLEM_THRESHOLD,
    );
  });

  it('keeps different matters of the same unit and category apart', () => {
    const names = unitNamesOf('第一中学', directory);
    expect(textSimilarity('一中食堂太贵', '一中食堂有虫子', names)).toBeLessThan(SAME_PROBLEM_THRESHOLD);
    expect(textSimilarity('实小作业太多', '实小周末补课', unitNamesOf('实验小学', directory))).toBeLessThan(SAME_PROBLEM_THRESHOLD);
  });

  it('scores identical texts 1, whatever they say', () => {
    expect(textSimilarity('一中食堂饭菜有头发', '一中食堂饭菜有头发')).toBe(1);
    expect(textSimilarity('请问', '请问')).toBe(1);
    expect(textSimilarity('No hot water', ' No hot water ')).toBe(1);
  });

  it('is symmetric and stays within [0, 1]', () => {
    for (const pair of pairs) {
      const names = unitNamesOf(pair.unit, directory);
      const forward = textSimilarity(pair.a, pair.b, names);
      expect(textSimilarity(pair.b, pair.a, names)).toBe(forward);
      expect(forward).toBeGreaterThanOrEqual(0);
      expect(forward).toBeLessThanOrEqual(1);
    }
  });

  it('scores unrelated reports low', () => {
    expect(textSimilarity('一中食堂饭菜有头发', '区游泳馆年卡不能退')).toBeLessThan(0.1);
    expect(textSimilarity('The school bus is overloaded', '实小作业太多')).toBe(0);
    expect(textSimilarity('', '实小作业太多')).toBe(0);
  });

  it('is deterministic and fast', () => {
    const started = performance.now();
    const again = scorePairs(pairs, directory);
    const perPair = (performance.now() - started) / pairs.length;
    expect(again).toEqual(scored);
    expect(perPair).toBeLessThan(1);
  });
});

describe('shortlisting similar problems', () => {
  const problems = [
    { id: 1, text: '一中食堂饭菜里有头发' },
    { id: 2, text: '一中食堂太贵了' },
    { id: 3, text: '一中食堂排队太久' },
    { id: 4, text: '第一中学食堂吃出头发丝' },
    { id: 5, text: '一中食堂价格涨了' },
  ];

  it('returns the k most similar, best first', () => {
    const shortlist = findSimilar('一中食堂的菜有头发，太恶心', problems, 2, unitNamesOf('第一中学', directory));
    expect(shortlist.map((s) => s.id)).toEqual([1, 4]);
    expect(shortlist[0]!.score).toBeGreaterThanOrEqual(shortlist[1]!.score);
  });

  it('scores like textSimilarity, and breaks ties by id', () => {
    const names = unitNamesOf('第一中学', directory);
    const all = findSimilar('一中食堂太贵', problems, 10, names);
    expect(all).toHaveLength(problems.length);
    for (const { id, score } of all) {
      expect(score).toBe(textSimilarity('一中食堂太贵', problems.find((p) => p.id === id)!.text, names));
    }
    const tied = findSimilar('完全无关的内容', problems, 5);
    expect(tied.map((s) => s.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('copes with no candidates and k = 0', () => {
    expect(findSimilar('一中食堂太贵', [], 3)).toEqual([]);
    expect(findSimilar('一中食堂太贵', problems, 0)).toEqual([]);
  });
});
