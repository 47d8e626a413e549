import type { GroupingDecider } from './grouping.ts';

/**
 * How well reports were grouped into problems, against a hand-made truth: which reports are the same matter.
 * Pure: the evaluation tool (src/cli/eval-grouping.ts) runs the pipeline and hands the outcome here.
 */

/** One report: the matter it truly is about, and the problem the pipeline put it in. */
export interface GroupedReport {
  truth: string;
  predicted: string;
}

/** A true matter spread over several problems, or a problem mixing several matters; `members` are report indexes. */
export interface GroupingError {
  id: string;
  /** Problems the matter was split into (a split), or matters the problem mixes (a merge). */
  parts: number;
  members: number[];
}

export interface GroupingScore {
  n: number;
  true_problems: number;
  predicted_problems: number;
  /** Of the pairs put in one problem, the share that truly are one matter (1 when no pair was put together). */
  pair_precision: number;
  /** Of the pairs that truly are one matter, the share put in one problem (1 when there is no such pair). */
  pair_recall: number;
  pair_f1: number;
  bcubed_precision: number;
  bcubed_recall: number;
  bcubed_f1: number;
  /** True matters spread over the most problems first (only those spread over 2 or more). */
  splits: GroupingError[];
  /** Problems mixing the most matters first (only those mixing 2 or more). */
  merges: GroupingError[];
}

const pairs = (n: number) => (n * (n - 1)) / 2;
const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

function groupIndexes(keys: readonly string[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const members = groups.get(key);
    if (members) members.push(i);
    else groups.set(key, [i]);
  });
  return groups;
}

/** Errors of one clustering seen from the other: each group of `outer` with how many groups of `inner` it touches. */
function spread(outer: Map<string, number[]>, inner: readonly string[]): GroupingError[] {
  return [...outer]
    .map(([id, members]) => ({ id, parts: new Set(members.map((i) => inner[i])).size, members }))
    .filter((e) => e.parts > 1)
    .sort((a, b) => b.parts - a.parts || b.members.length - a.members.length || (a.id < b.id ? -1 : 1));
}

/**
 * Pairwise and B-cubed scores (Bagga & Baldwin; F is the harmonic mean of the averaged precision and recall),
 * in time linear in the number of reports: both count through the table of (truth, predicted) cell sizes.
 */
export function scoreGrouping(reports: readonly GroupedReport[]): GroupingScore {
  const truths = reports.map((r) => r.truth);
  const predicted = reports.map((r) => r.predicted);
  const byTruth = groupIndexes(truths);
  const byPredicted = groupIndexes(predicted);
  const cells = groupIndexes(reports.map((r) => JSON.stringify([r.truth, r.predicted])));

  let together = 0;
  let same = 0;
  let both = 0;
  for (const members of byPredicted.values()) together += pairs(members.length);
  for (const members of byTruth.values()) same += pairs(members.length);
  for (const members of cells.values()) both += pairs(members.length);

  let precisionSum = 0;
  let recallSum = 0;
  for (const members of cells.values()) {
    const first = members[0]!;
    const cell = members.length;
    // Every member of a cell has the same cell, truth group and predicted group.
    precisionSum += (cell * cell) / byPredicted.get(predicted[first]!)!.length;
    recallSum += (cell * cell) / byTruth.get(truths[first]!)!.length;
  }
  const n = reports.length;
  const pairPrecision = together === 0 ? 1 : both / together;
  const pairRecall = same === 0 ? 1 : both / same;
  const bcubedPrecision = n === 0 ? 1 : precisionSum / n;
  const bcubedRecall = n === 0 ? 1 : recallSum / n;
  return {
    n,
    true_problems: byTruth.size,
    predicted_problems: byPredicted.size,
    pair_precision: pairPrecision,
    pair_recall: pairRecall,
    pair_f1: f1(pairPrecision, pairRecall),
    bcubed_precision: bcubedPrecision,
    bcubed_recall: bcubedRecall,
    bcubed_f1: f1(bcubedPrecision, bcubedRecall),
    splits: spread(byTruth, predicted),
    merges: spread(byPredicted, truths),
  };
}

/** How well "may be the same matter" (/problem's merge buttons) offers staff the duplicates the grouping left. */
export interface SuggestionScore {
  /** Pairs of problems whose reports are mostly one matter: what staff would merge. */
  duplicate_pairs: number;
  /** Of those, the pairs offered from either side. */
  offered_duplicates: number;
  /** Every pair offered, and those whose problems are mostly two matters (noise staff must read past). */
  offered_pairs: number;
  wrong_offers: number;
}

/**
 * `offers`: [problem, offered problem] as /problem lists them. A problem's matter is the one most of its reports are
 * about (the first such, on a tie); two problems of one matter are a duplicate pair.
 */
export function scoreSuggestions(reports: readonly GroupedReport[], offers: ReadonlyArray<readonly [string, string]>): SuggestionScore {
  const counts = new Map<string, Map<string, number>>();
  for (const { truth, predicted } of reports) {
    const byTruth = counts.get(predicted) ?? new Map<string, number>();
    byTruth.set(truth, (byTruth.get(truth) ?? 0) + 1);
    counts.set(predicted, byTruth);
  }
  const matterOf = new Map<string, string>();
  for (const [problem, byTruth] of counts) {
    let best: [string, number] | null = null;
    for (const entry of byTruth) if (best === null || entry[1] > best[1]) best = entry;
    matterOf.set(problem, best![0]);
  }
  const problemsOfMatter = groupIndexes([...matterOf.values()]);
  const duplicates = [...problemsOfMatter.values()].reduce((sum, members) => sum + pairs(members.length), 0);
  // Each pair once, whichever side offered it: is it one matter?
  const offered = new Map<string, boolean>();
  for (const [a, b] of offers) {
    if (a !== b && matterOf.has(a) && matterOf.has(b)) offered.set(a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`, matterOf.get(a) === matterOf.get(b));
  }
  const right = [...offered.values()].filter(Boolean).length;
  return { duplicate_pairs: duplicates, offered_duplicates: right, offered_pairs: offered.size, wrong_offers: offered.size - right };
}

/** What the oracle may know: the true matter of a report, and the reports a problem holds now. */
export interface GroundTruth {
  matterOfReport(reportId: number): string | undefined;
  reportsOfProblem(problemId: number): readonly number[];
}

/**
 * "A model that always answers the grouping question correctly": among the candidates it is OFFERED, it picks
 * the one holding most reports of this report's true matter, else a new problem. What it cannot reach is the
 * ceiling set by candidate retrieval, not by the decision.
 */
export function createOracleDecider(truth: GroundTruth): GroupingDecider {
  return {
    name: 'oracle',
    decide: async (report, candidates) => {
      const matter = truth.matterOfReport(report.id);
      if (matter === undefined) return null;
      let best: { id: number; count: number } | null = null;
      for (const candidate of candidates) {
        const count = truth.reportsOfProblem(candidate.problem.id).filter((id) => truth.matterOfReport(id) === matter).length;
        if (count > 0 && (best === null || count > best.count)) best = { id: candidate.problem.id, count };
      }
      return best?.id ?? null;
    },
  };
}
