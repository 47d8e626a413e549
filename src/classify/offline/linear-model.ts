/**
 * The learning part of the offline classifier: TF-IDF vectors and a multinomial logistic regression trained by
 * SGD. Small, dependency-free and deterministic (a seeded shuffle), so start-up training is reproducible.
 */

export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

export interface TfidfVectorizer {
  readonly dimension: number;
  /** L2-normalized, sublinear-tf TF-IDF over the training vocabulary; unseen tokens are dropped. */
  vectorize(tokens: readonly string[]): SparseVector;
}

export function fitTfidf(documents: readonly (readonly string[])[], minDocumentFrequency = 1): TfidfVectorizer {
  const documentFrequency = new Map<string, number>();
  for (const tokens of documents) {
    for (const token of new Set(tokens)) documentFrequency.set(token, (documentFrequency.get(token) ?? 0) + 1);
  }
  const vocabulary = new Map<string, number>();
  const idf: number[] = [];
  // Map iteration follows first appearance, and the examples come in file order: the layout is reproducible.
  for (const [token, df] of documentFrequency) {
    if (df < minDocumentFrequency) continue;
    vocabulary.set(token, idf.length);
    idf.push(Math.log((1 + documents.length) / (1 + df)) + 1);
  }
  return {
    dimension: idf.length,
    vectorize(tokens) {
      const counts = new Map<number, number>();
      for (const token of tokens) {
        const index = vocabulary.get(token);
        if (index !== undefined) counts.set(index, (counts.get(index) ?? 0) + 1);
      }
      const indices = Int32Array.from(counts.keys()).sort();
      const values = new Float64Array(indices.length);
      let norm = 0;
      indices.forEach((index, i) => {
        const value = (1 + Math.log(counts.get(index)!)) * idf[index]!;
        values[i] = value;
        norm += value * value;
      });
      norm = Math.sqrt(norm);
      if (norm > 0) for (let i = 0; i < values.length; i++) values[i]! /= norm;
      return { indices, values };
    },
  };
}

/** Append extra named features after the TF-IDF block: `offset` is the TF-IDF dimension. */
export function concatFeatures(base: SparseVector, offset: number, extra: ReadonlyMap<number, number>): SparseVector {
  if (extra.size === 0) return base;
  const extraIndices = [...extra.keys()].sort((a, b) => a - b);
  const indices = new Int32Array(base.indices.length + extraIndices.length);
  const values = new Float64Array(indices.length);
  indices.set(base.indices);
  values.set(base.values);
  extraIndices.forEach((index, i) => {
    indices[base.indices.length + i] = offset + index;
    values[base.values.length + i] = extra.get(index)!;
  });
  return { indices, values };
}

/** The same seeded generator everywhere (re-exported: the models and their tests use it from here). */
import { seededRandom } from '../../domain/random.ts';
export { seededRandom };

export interface SoftmaxOptions {
  readonly classes: number;
  readonly dimension: number;
  readonly epochs?: number;
  readonly learningRate?: number;
  /** L2 penalty; keeps weights spread over many n-grams instead of memorising one. */
  readonly l2?: number;
  /** Per-class sample weight, e.g. to favour recall of a rare class. */
  readonly classWeights?: readonly number[];
  readonly seed?: number;
  /** Skip a class's update when its gradient is this small: most of the work late in training, for no gain. */
  readonly minGradient?: number;
}

export interface SoftmaxModel {
  readonly classes: number;
  /** Raw linear scores (logits), one per class. */
  scores(vector: SparseVector): Float64Array;
  probabilities(vector: SparseVector): Float64Array;
}

export function softmax(scores: Float64Array, out = new Float64Array(scores.length)): Float64Array {
  let max = -Infinity;
  for (const score of scores) if (score > max) max = score;
  let sum = 0;
  for (let c = 0; c < scores.length; c++) {
    out[c] = Math.exp(scores[c]! - max);
    sum += out[c]!;
  }
  for (let c = 0; c < out.length; c++) out[c]! /= sum;
  return out;
}

export function trainSoftmax(
  samples: readonly SparseVector[],
  labels: readonly number[],
  options: SoftmaxOptions,
): SoftmaxModel {
  const { classes, dimension } = options;
  const epochs = options.epochs ?? 25;
  const eta0 = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 1e-4;
  const minGradient = options.minGradient ?? 1e-3;
  const random = seededRandom(options.seed ?? 1);
  // Feature-major layout: one feature's weights for all classes sit together, as the inner loops read them.
  const weights = new Float64Array(dimension * classes);
  const bias = new Float64Array(classes);
  // Bottou's trick: the true weights are scale * weights, so L2 decay costs O(1) per step instead of O(dimension).
  let scale = 1;
  const order = samples.map((_, i) => i);
  const logits = new Float64Array(classes);
  const probabilities = new Float64Array(classes);
  const stepByClass = new Float64Array(classes);
  let step = 0;

  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    for (const index of order) {
      const { indices, values } = samples[index]!;
      const label = labels[index]!;
      const sampleWeight = options.classWeights?.[label] ?? 1;
      const eta = eta0 / (1 + eta0 * l2 * step++);
      logits.set(bias);
      for (let k = 0; k < indices.length; k++) {
        const base = indices[k]! * classes;
        const value = values[k]! * scale;
        for (let c = 0; c < classes; c++) logits[c]! += weights[base + c]! * value;
      }
      softmax(logits, probabilities);
      scale *= 1 - eta * l2;
      if (scale < 1e-9) {
        for (let w = 0; w < weights.length; w++) weights[w]! *= scale;
        scale = 1;
      }
      let anyUpdate = false;
      for (let c = 0; c < classes; c++) {
        const gradient = (probabilities[c]! - (c === label ? 1 : 0)) * sampleWeight;
        if (Math.abs(gradient) < minGradient) {
          stepByClass[c] = 0;
          continue;
        }
        stepByClass[c] = (eta * gradient) / scale;
        bias[c]! -= eta * gradient;
        anyUpdate = true;
      }
      if (!anyUpdate) continue;
      for (let k = 0; k < indices.length; k++) {
        const base = indices[k]! * classes;
        const value = values[k]!;
        for (let c = 0; c < classes; c++) weights[base + c]! -= stepByClass[c]! * value;
      }
    }
  }
  for (let w = 0; w < weights.length; w++) weights[w]! *= scale;

  const scores = (vector: SparseVector): Float64Array => {
    const out = new Float64Array(classes);
    out.set(bias);
    for (let k = 0; k < vector.indices.length; k++) {
      const feature = vector.indices[k]!;
      if (feature >= dimension) continue;
      const base = feature * classes;
      const value = vector.values[k]!;
      for (let c = 0; c < classes; c++) out[c]! += weights[base + c]! * value;
    }
    return out;
  };
  return { classes, scores, probabilities: (vector) => softmax(scores(vector)) };
}
