/**
 * The offline classifier's second level (议题): one small softmax head per category, over that category's subtopics,
 * trained on the examples that carry a `subtopic` label. It runs after the category is decided, so it only ever
 * answers a subtopic of the label's own category, and it answers null when unsure.
 */
import type { Subtopic, SubtopicCatalogue } from '../../domain/subtopics.ts';
import type { LabelledExample } from './examples.ts';
import { compileCues } from './lexicon.ts';
import type { CompiledCues } from './lexicon.ts';
import { trainSoftmax } from './linear-model.ts';
import type { SoftmaxModel, SparseVector } from './linear-model.ts';
import { normalizeText } from './text-features.ts';

/** What the heads read of a report: its feature vector and its normalised text (for the subtopics' own terms). */
export interface SubtopicInput {
  readonly vector: SparseVector;
  readonly text: string;
}

export interface SubtopicModel {
  /** The likeliest subtopic of `category` when its probability reaches the threshold, else null. */
  predict(category: string, input: SubtopicInput): string | null;
  /** The likeliest subtopic of `category`, however unsure, and its probability (evaluation only). */
  best(category: string, input: SubtopicInput): { subtopic: string; probability: number } | null;
  /** One line per problem the data has (a subtopic without examples…), for the operator at start-up. */
  readonly warnings: readonly string[];
}

export interface SubtopicTraining {
  readonly epochs: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly seed: number;
  /** Below this probability the answer is null: grouping treats null as "unknown", a wrong id as a different matter. */
  readonly threshold: number;
  /** Weight of a hit on a subtopic's own terms (its name and `covers`) relative to a TF-IDF feature. */
  readonly termWeight: number;
}

interface CategoryHead {
  readonly subtopics: readonly string[];
  readonly model: SoftmaxModel;
  /** Global feature index → this head's own index, -1 for features its examples never had (their weight is 0). */
  readonly local: Int32Array;
  /** The subtopics' terms; their hits are features after the remapped ones. */
  readonly terms: CompiledCues;
  readonly termOffset: number;
}

/**
 * A subtopic's own words, from prompts/subtopics.json: its Chinese name split at 与/和 and each item of `covers`
 * ("校服费、强制买校服…; uniform prices…"). They generalise where a dozen examples cannot, and they follow the file.
 */
export function subtopicTerms(subtopic: Subtopic): string[] {
  const items = [...subtopic.name.zh.split(/[与和、]/), ...subtopic.covers.split(/[、，,;；。]/)];
  const terms = items.map((item) => normalizeText(item)).filter((term) => Array.from(term).length >= 2);
  return [...new Set(terms)];
}

/** Keep only the features this head knows, renumbered (its weights then cover a few thousand features), then its term hits. */
function headVector(head: Omit<CategoryHead, 'model'>, input: SubtopicInput, termWeight: number): SparseVector {
  const { vector } = input;
  const hits = head.terms.count(input.text);
  let count = 0;
  for (const index of vector.indices) if ((head.local[index] ?? -1) >= 0) count++;
  for (const hit of hits) if (hit > 0) count++;
  const indices = new Int32Array(count);
  const values = new Float64Array(count);
  let k = 0;
  vector.indices.forEach((index, i) => {
    const mapped = head.local[index] ?? -1;
    if (mapped < 0) return;
    indices[k] = mapped;
    values[k++] = vector.values[i]!;
  });
  hits.forEach((hit, i) => {
    if (hit === 0) return;
    indices[k] = head.termOffset + i;
    values[k++] = termWeight * Math.log1p(hit);
  });
  return { indices, values };
}

/** Balanced: bullying has 50 examples and supervision 17; unweighted, the head would answer the big subtopic when unsure. */
function classWeights(counts: readonly number[]): number[] {
  const mean = counts.reduce((sum, n) => sum + n, 0) / counts.length;
  return counts.map((n) => mean / n);
}

export function trainSubtopicModel(options: {
  subtopics: SubtopicCatalogue;
  categoryIds: readonly string[];
  examples: readonly LabelledExample[];
  /** The examples as the heads read them, in the same order. */
  inputs: readonly SubtopicInput[];
  dimension: number;
  training: SubtopicTraining;
}): SubtopicModel {
  const { subtopics, examples, inputs, dimension, training } = options;
  const warnings: string[] = [];
  const heads = new Map<string, CategoryHead>();
  for (const category of options.categoryIds) {
    const members = examples.flatMap((example, i) =>
      example.category === category && example.subtopic !== undefined && subtopics.get(example.subtopic)?.category === category ? [i] : [],
    );
    const trained = subtopics.of(category).map((s) => s.id).filter((id) => members.some((i) => examples[i]!.subtopic === id));
    for (const subtopic of subtopics.of(category)) {
      if (!trained.includes(subtopic.id)) warnings.push(`subtopic ${subtopic.id} has no examples: it is never predicted until some are added`);
    }
    if (trained.length < 2) {
      if (subtopics.of(category).length > 0) warnings.push(`category ${category}: fewer than two of its subtopics have examples, so its reports get no subtopic`);
      continue;
    }
    const local = new Int32Array(dimension).fill(-1);
    let termOffset = 0;
    for (const i of members) for (const index of inputs[i]!.vector.indices) if (local[index] === -1) local[index] = termOffset++;
    const terms = compileCues(Object.fromEntries(trained.map((id) => [id, subtopicTerms(subtopics.get(id)!)])), trained);
    const layout = { subtopics: trained, local, terms, termOffset };
    const model = trainSoftmax(
      members.map((i) => headVector(layout, inputs[i]!, training.termWeight)),
      members.map((i) => trained.indexOf(examples[i]!.subtopic!)),
      {
        classes: trained.length,
        dimension: termOffset + trained.length,
        epochs: training.epochs,
        learningRate: training.learningRate,
        l2: training.l2,
        seed: training.seed,
        classWeights: classWeights(trained.map((id) => members.filter((i) => examples[i]!.subtopic === id).length)),
      },
    );
    heads.set(category, { ...layout, model });
  }

  const best = (category: string, input: SubtopicInput): { subtopic: string; probability: number } | null => {
    const head = heads.get(category);
    if (!head) return null;
    const probabilities = head.model.probabilities(headVector(head, input, training.termWeight));
    let top = 0;
    for (let c = 1; c < probabilities.length; c++) if (probabilities[c]! > probabilities[top]!) top = c;
    return { subtopic: head.subtopics[top]!, probability: probabilities[top]! };
  };
  return {
    warnings,
    best,
    predict(category, input) {
      const answer = best(category, input);
      return answer && answer.probability >= training.threshold ? answer.subtopic : null;
    },
  };
}
