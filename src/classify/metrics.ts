/**
 * Pure evaluation of any classifier's labels against expected ones: per-category precision/recall/F1, macro-F1,
 * kind accuracy, urgent precision/recall and a confusion matrix, plus stratified k-fold cross-validation.
 */
import type { Classification, Kind } from '../domain/classification.ts';

export interface LabelTriple {
  category: string;
  kind: Kind;
  urgent: boolean;
  /** Scored only on rows whose expected label has one; null/absent in `actual` means the classifier did not say. */
  subtopic?: string | null;
}

export interface EvaluationRow {
  expected: LabelTriple;
  actual: LabelTriple;
}

export interface CategoryScore {
  precision: number;
  recall: number;
  f1: number;
  /** How many rows expected this category. */
  support: number;
}

export interface SubtopicScore {
  /** Rows whose expected label carries a subtopic. */
  support: number;
  /** Top-1 over those rows, the classifier's own category decided first: an unanswered (null) subtopic counts as wrong. */
  accuracy: number;
  /** Share of those rows given any subtopic. */
  answered: number;
  /** Right among the answered. */
  precision: number;
  /** Cross-validation only: top-1 when the true category is given (the subtopic head alone, no threshold). */
  within_category_accuracy?: number;
}

export interface EvaluationReport {
  n: number;
  /** Category accuracy. */
  accuracy: number;
  /** Mean F1 over categories that were expected or predicted at least once (as scikit-learn does). */
  macro_f1: number;
  per_category: Record<string, CategoryScore>;
  kind_accuracy: number;
  urgent_precision: number;
  urgent_recall: number;
  urgent_support: number;
  /** Row order and column order are `labels`: confusion[i][j] counts expected labels[i] predicted as labels[j]. */
  labels: string[];
  confusion: number[][];
  /** Present when some expected labels carry a subtopic. */
  subtopic?: SubtopicScore;
}

const ratio = (numerator: number, denominator: number, empty: number): number =>
  denominator === 0 ? empty : numerator / denominator;

export function evaluate(rows: readonly EvaluationRow[], categoryIds: readonly string[]): EvaluationReport {
  // Labels outside the catalogue still get a row and column, so a stray label is visible rather than dropped.
  const labels = [...categoryIds];
  for (const row of rows) {
    for (const id of [row.expected.category, row.actual.category]) if (!labels.includes(id)) labels.push(id);
  }
  const index = new Map(labels.map((id, i) => [id, i]));
  const confusion = labels.map(() => labels.map(() => 0));
  let correct = 0;
  let kindCorrect = 0;
  let urgentTruePositive = 0;
  let urgentPredicted = 0;
  let urgentExpected = 0;
  for (const { expected, actual } of rows) {
    confusion[index.get(expected.category)!]![index.get(actual.category)!]! += 1;
    if (expected.category === actual.category) correct++;
    if (expected.kind === actual.kind) kindCorrect++;
    if (actual.urgent) urgentPredicted++;
    if (expected.urgent) urgentExpected++;
    if (expected.urgent && actual.urgent) urgentTruePositive++;
  }

  const perCategory: Record<string, CategoryScore> = {};
  const f1s: number[] = [];
  labels.forEach((id, i) => {
    const truePositive = confusion[i]![i]!;
    const support = confusion[i]!.reduce((sum, count) => sum + count, 0);
    const predicted = confusion.reduce((sum, row) => sum + row[i]!, 0);
    const precision = ratio(truePositive, predicted, 0);
    const recall = ratio(truePositive, support, 0);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perCategory[id] = { precision, recall, f1, support };
    if (support > 0 || predicted > 0) f1s.push(f1);
  });

  const withSubtopic = rows.filter((row) => row.expected.subtopic);
  const answered = withSubtopic.filter((row) => row.actual.subtopic);
  const subtopicHits = answered.filter((row) => row.actual.subtopic === row.expected.subtopic).length;
  const subtopic: SubtopicScore | undefined =
    withSubtopic.length === 0
      ? undefined
      : {
          support: withSubtopic.length,
          accuracy: subtopicHits / withSubtopic.length,
          answered: answered.length / withSubtopic.length,
          precision: ratio(subtopicHits, answered.length, 1),
        };

  return {
    ...(subtopic && { subtopic }),
    n: rows.length,
    accuracy: ratio(correct, rows.length, 0),
    macro_f1: ratio(f1s.reduce((sum, f1) => sum + f1, 0), f1s.length, 0),
    per_category: perCategory,
    kind_accuracy: ratio(kindCorrect, rows.length, 0),
    // No urgent predictions means no false alarms; no urgent rows means nothing was missed.
    urgent_precision: ratio(urgentTruePositive, urgentPredicted, 1),
    urgent_recall: ratio(urgentTruePositive, urgentExpected, 1),
    urgent_support: urgentExpected,
    labels,
    confusion,
  };
}

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

/** A plain-text report: headline numbers, a per-category table and the confusion matrix. */
export function formatReport(report: EvaluationReport): string {
  const lines: string[] = [];
  lines.push(
    `n=${report.n}  accuracy=${percent(report.accuracy)}  macro-F1=${report.macro_f1.toFixed(3)}  kind accuracy=${percent(report.kind_accuracy)}`,
    `urgent: recall=${percent(report.urgent_recall)}  precision=${percent(report.urgent_precision)}  (support ${report.urgent_support})`,
  );
  const subtopic = report.subtopic;
  if (subtopic) {
    lines.push(
      `subtopic: accuracy=${percent(subtopic.accuracy)}  answered=${percent(subtopic.answered)}  precision when answered=${percent(subtopic.precision)}` +
        `${subtopic.within_category_accuracy === undefined ? '' : `  within the true category=${percent(subtopic.within_category_accuracy)}`}  (support ${subtopic.support})`,
    );
  }
  lines.push('');
  const width = Math.max(8, ...report.labels.map((id) => id.length));
  lines.push(`${'category'.padEnd(width)}  precision  recall     f1  support`);
  for (const id of report.labels) {
    const score = report.per_category[id]!;
    lines.push(
      `${id.padEnd(width)}  ${score.precision.toFixed(3).padStart(9)}  ${score.recall.toFixed(3).padStart(6)}  ${score.f1
        .toFixed(3)
        .padStart(5)}  ${String(score.support).padStart(7)}`,
    );
  }
  lines.push('', 'confusion (rows: expected, columns: predicted)');
  // Columns are numbered to keep the matrix narrow; the row labels map numbers to ids.
  const rowLabels = report.labels.map((id, i) => `${i + 1} ${id}`);
  const labelWidth = Math.max(...rowLabels.map((label) => label.length));
  const cell = Math.max(3, ...report.confusion.flat().map((count) => String(count).length + 1));
  lines.push(`${''.padEnd(labelWidth)}${report.labels.map((_, j) => String(j + 1).padStart(cell)).join('')}`);
  rowLabels.forEach((label, i) => {
    const row = report.confusion[i]!.map((count, j) => (count === 0 && i !== j ? '.' : String(count)).padStart(cell));
    lines.push(`${label.padEnd(labelWidth)}${row.join('')}`);
  });
  return lines.join('\n');
}

export type TextClassifier = (text: string) => Classification;

export interface LabelledText extends LabelTriple {
  text: string;
}

/** A model built for one fold; `subtopicWithin` (the subtopic given the true category) adds the within-category figure. */
export interface FoldModel {
  classify: TextClassifier;
  subtopicWithin?: (text: string, category: string) => string | null;
}

/**
 * Stratified k-fold cross-validation with deterministic folds: within each category, examples are dealt to folds
 * in file order (round robin), so every fold sees every category and reruns give the same numbers.
 */
export function crossValidate<T extends LabelledText>(
  examples: readonly T[],
  k: number,
  build: (train: T[]) => TextClassifier | FoldModel,
  categoryIds: readonly string[],
): EvaluationReport {
  if (!Number.isInteger(k) || k < 2) throw new Error(`crossValidate: k must be an integer ≥ 2, got ${k}`);
  const fold = new Array<number>(examples.length);
  const dealt = new Map<string, number>();
  examples.forEach((example, i) => {
    const seen = dealt.get(example.category) ?? 0;
    fold[i] = seen % k;
    dealt.set(example.category, seen + 1);
  });
  const rows: EvaluationRow[] = [];
  let within = 0;
  let withinHits = 0;
  let scoresWithin = false;
  for (let f = 0; f < k; f++) {
    const train = examples.filter((_, i) => fold[i] !== f);
    const test = examples.filter((_, i) => fold[i] === f);
    if (test.length === 0) continue;
    const built = build(train);
    const model: FoldModel = typeof built === 'function' ? { classify: built } : built;
    for (const example of test) {
      const actual = model.classify(example.text);
      rows.push({
        expected: { category: example.category, kind: example.kind, urgent: example.urgent, subtopic: example.subtopic ?? null },
        actual: { category: actual.category, kind: actual.kind, urgent: actual.urgent, subtopic: actual.subtopic ?? null },
      });
      if (model.subtopicWithin && example.subtopic) {
        scoresWithin = true;
        within++;
        if (model.subtopicWithin(example.text, example.category) === example.subtopic) withinHits++;
      }
    }
  }
  const report = evaluate(rows, categoryIds);
  if (report.subtopic && scoresWithin) report.subtopic.within_category_accuracy = withinHits / within;
  return report;
}
