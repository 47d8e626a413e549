/**
 * The offline classifier: no network, deterministic, trained at start-up in well under a second. Three linear
 * heads (category, kind, urgent) over TF-IDF character n-grams plus lexicon features; the urgent flag is raised
 * by a strong risk cue or by the learned model; the bureau's category rules override the model when they fire.
 */
import { KINDS, clampSummary, detectLanguage } from '../../domain/classification.ts';
import type { Classification, Kind, Result } from '../../domain/classification.ts';
import type { Classifier } from '../../domain/classification.ts';
import type { Catalogue } from '../../domain/categories.ts';
import { assertExamplesMatchCatalogue } from './examples.ts';
import type { LabelledExample } from './examples.ts';
import { createFeatureExtractor } from './feature-extractor.ts';
import type { PreparedReport } from './feature-extractor.ts';
import { concatFeatures, fitTfidf, trainSoftmax } from './linear-model.ts';
import type { SoftmaxModel, SparseVector } from './linear-model.ts';
import { summarize } from './summary.ts';
import { extractUnit } from './unit-extractor.ts';

export type { LabelledExample } from './examples.ts';
export { loadExamples } from './examples.ts';

export interface OfflineClassifier extends Classifier {
  readonly name: 'offline';
  /** The same answer as `classify`, without the Promise: for batch evaluation and the LLM's fallback path. */
  classifySync(text: string): Classification;
}

/** Knobs for experiments; the defaults are what the measured numbers in docs/CLASSIFIER.md use. */
export interface OfflineTuning {
  /** Passes over the examples for the category model; kind and urgent take three quarters of that. */
  readonly epochs: number;
  readonly learningRate: number;
  /** L2 penalty; keeps weights spread over many n-grams instead of memorising one. */
  readonly l2: number;
  /** Weight of a cue-lexicon hit relative to a TF-IDF feature (which is at most 1). */
  readonly cueWeight: number;
  /** A learned urgent probability at or above this marks a report urgent even without a strong risk cue. */
  readonly urgentThreshold: number;
  /** How much more an urgent training example counts: missing an urgent report costs more than a false alarm. */
  readonly urgentClassWeight: number;
  readonly seed: number;
  /** N-grams seen in fewer training examples than this are dropped: they only memorise single examples. */
  readonly minDocumentFrequency: number;
}

export const DEFAULT_TUNING: OfflineTuning = {
  epochs: 12,
  learningRate: 1,
  l2: 1e-4,
  cueWeight: 0.35,
  urgentThreshold: 0.4,
  urgentClassWeight: 2,
  seed: 20240601,
  minDocumentFrequency: 2,
};

export interface OfflineClassifierOptions {
  catalogue: Catalogue;
  examples: readonly LabelledExample[];
  tuning?: Partial<OfflineTuning>;
}

const argmax = (values: Float64Array): number => {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
};

export function createOfflineClassifier(options: OfflineClassifierOptions): OfflineClassifier {
  const { catalogue, examples } = options;
  const tuning: OfflineTuning = { ...DEFAULT_TUNING, ...options.tuning };
  if (examples.length === 0) throw new Error('examples: no examples to train on');
  assertExamplesMatchCatalogue(examples, catalogue);

  const categoryIds = catalogue.ids;
  const features = createFeatureExtractor({ categoryIds, cueWeight: tuning.cueWeight });
  const prepared = examples.map((example) => features.prepare(example.text));
  const vectorizer = fitTfidf(
    prepared.map((report) => report.tokens),
    tuning.minDocumentFrequency,
  );
  const dimension = vectorizer.dimension + features.dimension;
  const toVectors = (report: PreparedReport): { full: SparseVector; urgent: SparseVector } => {
    const tfidf = vectorizer.vectorize(report.tokens);
    return {
      full: concatFeatures(tfidf, vectorizer.dimension, report.extras),
      urgent: concatFeatures(tfidf, vectorizer.dimension, report.urgentExtras),
    };
  };
  const vectors = prepared.map(toVectors);

  const train = (samples: SparseVector[], labels: number[], classes: number, classWeights?: number[]): SoftmaxModel =>
    trainSoftmax(samples, labels, {
      classes,
      dimension,
      // Kind and urgent have few classes and strong cue features; they converge in fewer passes.
      epochs: classes > KINDS.length ? tuning.epochs : Math.ceil(tuning.epochs * 0.75),
      learningRate: tuning.learningRate,
      l2: tuning.l2,
      seed: tuning.seed,
      ...(classWeights ? { classWeights } : {}),
    });
  const fullVectors = vectors.map((v) => v.full);
  const categoryModel = train(fullVectors, examples.map((e) => categoryIds.indexOf(e.category)), categoryIds.length);
  const kindModel = train(fullVectors, examples.map((e) => KINDS.indexOf(e.kind)), KINDS.length);
  const urgentModel = train(
    vectors.map((v) => v.urgent),
    examples.map((e) => (e.urgent ? 1 : 0)),
    2,
    [1, tuning.urgentClassWeight],
  );
  // The bureau's category rules (category-rules.ts) need their target id to exist in the catalogue.
  const teacherConductId = catalogue.has('teacher_conduct') ? 'teacher_conduct' : null;

  const classifySync = (text: string): Classification => {
    const language = detectLanguage(text);
    const summary = summarize(text) || clampSummary(text);
    const report = features.prepare(text);
    if (!report.content) {
      // Nothing but greetings, punctuation or orders to the classifier: not feedback, never urgent.
      return { category: catalogue.fallbackId, kind: 'inquiry', urgent: false, unit: null, summary, language };
    }
    const { full, urgent: urgentVector } = toVectors(report);
    const predicted = categoryIds[argmax(categoryModel.scores(full))]!;
    const category = report.teacherMisconduct && teacherConductId ? teacherConductId : predicted;
    const kind: Kind = KINDS[argmax(kindModel.scores(full))]!;
    // Thanks for a teacher who rushed a sick child to hospital mention risk words but report no risk now.
    const cueSaysUrgent = report.strongRisk && kind !== 'praise';
    const urgent = cueSaysUrgent || urgentModel.probabilities(urgentVector)[1]! >= tuning.urgentThreshold;
    return { category, kind, urgent, unit: extractUnit(text), summary, language };
  };

  return {
    name: 'offline',
    classifySync,
    async classify(text: string): Promise<Result<Classification>> {
      try {
        return { success: true, data: classifySync(text) };
      } catch (error) {
        return { success: false, message: `offline classifier: ${(error as Error).message}` };
      }
    },
  };
}
