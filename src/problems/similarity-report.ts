/**
 * How well text similarity decides "same problem?" on the labelled pairs, and where the threshold should sit.
 *
 *   npx tsx src/problems/similarity-report.ts                      # the calibration pairs
 *   npx tsx src/problems/similarity-report.ts --file PATH          # any other labelled file, at the shipped threshold
 *   npx tsx src/problems/similarity-report.ts --rule [--file PATH] # the same-matter rule at one unit, with and without facets
 *
 * The headline figure is cross-validated: a threshold chosen on one half of the pairs is measured on the other
 * half (both ways, over many seeded splits), so it does not flatter the threshold that was tuned on all of them.
 */
import { seededRandom } from '../domain/random.ts';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { createUnitDirectory, loadUnitFile } from '../units/unit-directory.ts';
import type { UnitDirectory } from '../units/unit-directory.ts';
import { SAME_PROBLEM_THRESHOLD, textSimilarity } from './similarity.ts';
import { createOfflineClassifier, loadExamples } from '../classify/offline/offline-classifier.ts';
import { loadCatalogue } from '../domain/categories.ts';
import { loadSubtopics } from '../domain/subtopics.ts';
import { defaultFacets, facetRelation } from './facets.ts';
import { sameMatter } from './same-matter.ts';

const PairSchema = z.object({
  a: z.string().min(1),
  b: z.string().min(1),
  category: z.string().min(1),
  unit: z.string().min(1).nullable(),
  same: z.boolean(),
  /** Written after the similarity features were frozen, and never used to change them: the least-tuned check. */
  holdout: z.boolean().optional(),
});
export type LabelledPair = z.infer<typeof PairSchema>;

export const DEFAULT_PAIRS_PATH = new URL('../../test/fixtures/grouping-pairs.jsonl', import.meta.url);
/**
 * Written after the hold-out had been used as development data, and measured once before any change was made for
 * it (docs/GROUPING.md). Never used to choose features or the threshold.
 */
export const BLIND_PAIRS_PATH = new URL('../../test/fixtures/grouping-pairs-blind.jsonl', import.meta.url);

export function loadPairs(path: string | URL = DEFAULT_PAIRS_PATH): LabelledPair[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, number }) => {
      const parsed = PairSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`grouping pairs line ${number}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return parsed.data;
    });
}

/** The names that the grouping step would ignore for a pair: those of its (pre-filtered) unit. */
export function unitNamesOf(unit: string | null, directory: UnitDirectory): string[] {
  if (unit === null) return [];
  const match = directory.match(unit);
  if (!match) throw new Error(`grouping pairs: unit "${unit}" is not in the directory`);
  return [match.unit.name, ...match.unit.aliases];
}

export interface ScoredPair {
  score: number;
  same: boolean;
}

export function scorePairs(pairs: readonly LabelledPair[], directory: UnitDirectory): ScoredPair[] {
  return pairs.map((pair) => ({ score: textSimilarity(pair.a, pair.b, unitNamesOf(pair.unit, directory)), same: pair.same }));
}

export interface Quality {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

export function qualityAt(scored: readonly ScoredPair[], threshold: number): Quality {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (const { score, same } of scored) {
    const predicted = score >= threshold;
    if (predicted && same) truePositives++;
    else if (predicted) falsePositives++;
    else if (same) falseNegatives++;
  }
  // No prediction at all is vacuously precise; it is the recall that shows the failure.
  const precision = truePositives + falsePositives === 0 ? 1 : truePositives / (truePositives + falsePositives);
  const recall = truePositives + falseNegatives === 0 ? 1 : truePositives / (truePositives + falseNegatives);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold, precision, recall, f1, truePositives, falsePositives, falseNegatives };
}

/**
 * The threshold with the best F-beta, beta = 0.5: precision counts twice as much as recall, because a wrong merge
 * hides a resident's report inside someone else's problem while a missed merge only costs staff a duplicate to
 * merge by hand. Ties go to the higher threshold.
 */
export function chooseThreshold(scored: readonly ScoredPair[]): number {
  let best: { threshold: number; score: number } | undefined;
  for (let i = 0; i <= 90; i++) {
    const threshold = Math.round((0.05 + i * 0.01) * 100) / 100;
    const { precision, recall } = qualityAt(scored, threshold);
    const score = precision + recall === 0 ? 0 : (1.25 * precision * recall) / (0.25 * precision + recall);
    if (!best || score >= best.score) best = { threshold, score };
  }
  return best!.threshold;
}


export interface CrossValidation {
  rounds: number;
  precision: { mean: number; min: number; max: number };
  recall: { mean: number; min: number; max: number };
  f1: { mean: number; min: number; max: number };
  thresholds: { min: number; max: number };
}

/** Repeated two-fold cross-validation, stratified by label: choose on one half, measure on the other, both ways. */
export function crossValidate(scored: readonly ScoredPair[], repeats = 50, seed = 20240601): CrossValidation {
  const random = seededRandom(seed);
  const outcomes: Quality[] = [];
  for (let r = 0; r < repeats; r++) {
    const halves: [ScoredPair[], ScoredPair[]] = [[], []];
    for (const label of [true, false]) {
      const group = scored.filter((s) => s.same === label);
      for (let i = group.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [group[i], group[j]] = [group[j]!, group[i]!];
      }
      group.forEach((s, i) => halves[i % 2]!.push(s));
    }
    for (const [calibrate, measure] of [halves, [halves[1], halves[0]]] as const) {
      outcomes.push(qualityAt(measure, chooseThreshold(calibrate)));
    }
  }
  const summary = (values: number[]) => ({
    mean: values.reduce((sum, v) => sum + v, 0) / values.length,
    min: Math.min(...values),
    max: Math.max(...values),
  });
  const thresholds = outcomes.map((o) => o.threshold);
  return {
    rounds: outcomes.length,
    precision: summary(outcomes.map((o) => o.precision)),
    recall: summary(outcomes.map((o) => o.recall)),
    f1: summary(outcomes.map((o) => o.f1)),
    thresholds: { min: Math.min(...thresholds), max: Math.max(...thresholds) },
  };
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function qualityLine(q: Quality): string {
  return (
    `  precision ${percent(q.precision)}  recall ${percent(q.recall)}  F1 ${percent(q.f1)}` +
    `  (TP ${q.truePositives}, FP ${q.falsePositives}, FN ${q.falseNegatives})`
  );
}

function printMistakes(pairs: readonly LabelledPair[], scored: readonly ScoredPair[]): void {
  console.log('\nMistakes at SAME_PROBLEM_THRESHOLD:');
  pairs.forEach((pair, i) => {
    const { score } = scored[i]!;
    if (score >= SAME_PROBLEM_THRESHOLD !== pair.same) {
      console.log(`  ${pair.same ? 'missed' : 'merged'} ${score.toFixed(2)}  ${pair.a}  |  ${pair.b}`);
    }
  });
}

/** A file that is not the calibration set: measured at the shipped threshold only, never calibrated on. */
function reportFile(path: string, directory: UnitDirectory): void {
  const pairs = loadPairs(path);
  const scored = scorePairs(pairs, directory);
  const positives = pairs.filter((p) => p.same).length;
  console.log(`${path}: ${pairs.length} labelled pairs (${positives} same problem, ${pairs.length - positives} different)\n`);
  const q = qualityAt(scored, SAME_PROBLEM_THRESHOLD);
  console.log(`At SAME_PROBLEM_THRESHOLD = ${SAME_PROBLEM_THRESHOLD}:`);
  console.log(qualityLine(q));
  const english = (p: LabelledPair) => !/\p{Script=Han}/u.test(p.a + p.b);
  const chinese = (p: LabelledPair) => /\p{Script=Han}/u.test(p.a) && /\p{Script=Han}/u.test(p.b);
  for (const [label, keep] of [['English', english], ['Chinese', chinese]] as const) {
    const subset = scored.filter((_, i) => keep(pairs[i]!));
    const s = qualityAt(subset, SAME_PROBLEM_THRESHOLD);
    console.log(`    ${subset.length} ${label} pairs: precision ${percent(s.precision)}  recall ${percent(s.recall)}  F1 ${percent(s.f1)}`);
  }
  if (process.argv.includes('--errors')) printMistakes(pairs, scored);
}

/**
 * The pairs through the same-matter rule (src/problems/same-matter.ts) as grouping applies it to a report and a problem
 * of one unit and category reported yesterday, each text's subtopic from the offline classifier: with its facets
 * (prompts/facets.json) and without.
 */
function reportRule(path: string | URL, directory: UnitDirectory): void {
  const pairs = loadPairs(path);
  const catalogue = loadCatalogue();
  const classifier = createOfflineClassifier({ catalogue, examples: loadExamples(), subtopics: loadSubtopics(catalogue) });
  const facets = defaultFacets();
  const counts = { with: { tp: 0, fp: 0, fn: 0 }, without: { tp: 0, fp: 0, fn: 0 } };
  for (const pair of pairs) {
    const [a, b] = [classifier.classifySync(pair.a).subtopic ?? null, classifier.classifySync(pair.b).subtopic ?? null];
    const scope = new Set([a, b].filter((s): s is string => s !== null));
    const evidence = {
      unit: pair.unit === null ? ('unknown' as const) : ('same' as const),
      subtopic: a === null || b === null ? ('unknown' as const) : a === b ? ('same' as const) : ('different' as const),
      sameCategory: true,
      ageDays: 1,
      text: textSimilarity(pair.a, pair.b, unitNamesOf(pair.unit, directory)),
    };
    const facetsRelation = facetRelation(facets.facetsOf(pair.a, scope), facets.facetsOf(pair.b, scope));
    for (const [key, joins] of [['with', sameMatter({ ...evidence, facets: facetsRelation }).joins], ['without', sameMatter(evidence).joins]] as const) {
      if (joins && pair.same) counts[key].tp++;
      else if (joins) counts[key].fp++;
      else if (pair.same) counts[key].fn++;
    }
  }
  console.log(`${typeof path === 'string' ? path : path.pathname.split('/').pop()}: ${pairs.length} pairs through the same-matter rule (subtopics from the offline classifier)`);
  for (const key of ['without', 'with'] as const) {
    const { tp, fp, fn } = counts[key];
    const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    console.log(`  ${key.padEnd(7)} facets: precision ${percent(precision)}  recall ${percent(recall)}  F1 ${percent(f1)}  (TP ${tp}, FP ${fp}, FN ${fn})`);
  }
}

function main(): void {
  const directory = createUnitDirectory(loadUnitFile().units);
  if (process.argv.includes('--rule')) {
    const at = process.argv.indexOf('--file');
    reportRule(at === -1 ? DEFAULT_PAIRS_PATH : process.argv[at + 1]!, directory);
    return;
  }
  const fileFlag = process.argv.indexOf('--file');
  if (fileFlag !== -1) {
    const path = process.argv[fileFlag + 1];
    if (!path) throw new Error('--file needs a path');
    reportFile(path, directory);
    return;
  }
  const pairs = loadPairs();
  scorePairs(pairs, directory); // warm-up, so the timing below is the steady state
  const started = performance.now();
  const scored = scorePairs(pairs, directory);
  const perPair = (performance.now() - started) / pairs.length;

  const positives = pairs.filter((p) => p.same).length;
  console.log(`${pairs.length} labelled pairs (${positives} same problem, ${pairs.length - positives} different); ${perPair.toFixed(3)} ms per pair\n`);

  const chosen = qualityAt(scored, SAME_PROBLEM_THRESHOLD);
  console.log(`At SAME_PROBLEM_THRESHOLD = ${SAME_PROBLEM_THRESHOLD} (all pairs, the threshold's own calibration set):`);
  console.log(qualityLine(chosen));
  const subsets = [
    ['written alongside the features', scored.filter((_, i) => pairs[i]!.holdout !== true)],
    ['hold-out, written after they were frozen', scored.filter((_, i) => pairs[i]!.holdout === true)],
  ] as const;
  for (const [label, subset] of subsets) {
    if (subset.length === 0) continue;
    const q = qualityAt(subset, SAME_PROBLEM_THRESHOLD);
    console.log(`    ${subset.length} pairs ${label}: precision ${percent(q.precision)}  recall ${percent(q.recall)}  F1 ${percent(q.f1)}`);
  }
  const recommended = chooseThreshold(scored);
  if (recommended !== SAME_PROBLEM_THRESHOLD) {
    console.log(`  note: calibration on all pairs now picks ${recommended}; update SAME_PROBLEM_THRESHOLD if the pairs changed`);
  }

  const cv = crossValidate(scored);
  console.log(`\nCross-validated (threshold chosen on one half, measured on the other; ${cv.rounds} rounds):`);
  for (const [name, figure] of [['precision', cv.precision], ['recall', cv.recall], ['F1', cv.f1]] as const) {
    console.log(`  ${name.padEnd(9)} mean ${percent(figure.mean)}  (min ${percent(figure.min)}, max ${percent(figure.max)})`);
  }
  console.log(`  thresholds chosen: ${cv.thresholds.min} … ${cv.thresholds.max}`);

  console.log('\nThreshold sweep (all pairs):');
  console.log('  threshold  precision  recall  F1');
  for (let t = 0.1; t <= 0.61; t += 0.05) {
    const q = qualityAt(scored, Math.round(t * 100) / 100);
    console.log(`  ${q.threshold.toFixed(2).padStart(9)}  ${percent(q.precision).padStart(9)}  ${percent(q.recall).padStart(6)}  ${percent(q.f1)}`);
  }

  if (process.argv.includes('--errors')) printMistakes(pairs, scored);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
