/**
 * The offline classifier: no network, deterministic, trained at start-up in well under a second. Three linear
 * heads (category, kind, urgent) over TF-IDF character n-grams plus lexicon features; the urgent flag is raised
 * by a strong risk cue or by the learned model; the bureau's category rules override the model when they fire.
 */
import { KINDS, clampSummary, detectLanguage } from '../../domain/classification.ts';
import type { Classification, Kind, Result } from '../../domain/classification.ts';
import type { Classifier } from '../../domain/classification.ts';
import type { Catalogue } from '../../domain/categories.ts';
import type { SubtopicCatalogue } from '../../domain/subtopics.ts';
import { assertExamplesMatchCatalogue, assertExamplesMatchSubtopics } from './examples.ts';
import type { LabelledExample } from './examples.ts';
import { createFeatureExtractor } from './feature-extractor.ts';
import type { PreparedReport } from './feature-extractor.ts';
import { concatFeatures, fitTfidf, trainSoftmax } from './linear-model.ts';
import type { SoftmaxModel, SparseVector } from './linear-model.ts';
import { trainSubtopicModel } from './subtopic-model.ts';
import { summarize } from './summary.ts';
import { extractUnit } from './unit-extractor.ts';

export type { LabelledExample } from './examples.ts';
export { loadExamples } from './examples.ts';

export interface OfflineClassifier extends Classifier {
  readonly name: 'offline';
  /** The same answer as `classify`, without the Promise: for batch evaluation and the LLM's fallback path. */
  classifySync(text: string): Classification;
  /** Why the urgent flag is what it is: for evaluation scripts and for tuning, not used by the bot. */
  explainUrgency(text: string): { strongRisk: boolean; weakRisk: boolean; urgentProbability: number };
  /** The likeliest subtopic of a given category, however unsure (cross-validation's within-category accuracy). */
  bestSubtopic(text: string, category: string): { subtopic: string; probability: number } | null;
  /** Problems with the training data the operator should hear about once at start-up (a subtopic with no examples). */
  readonly warnings: readonly string[];
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
  /** A learned urgent probability at or above this marks a report urgent even without a risk cue. */
  readonly urgentThreshold: number;
  /** The lower bar when a weak, non-negated risk cue (疼, 晃, 打架, smoke…) backs the learned model up. */
  readonly urgentThresholdWithWeakCue: number;
  /**
   * The learned model's bar, without a strong cue, for a report that talks of harm at a distance (resolved, past,
   * a worry, a joke, a figure of speech: hasDefusingContext). Urgent means danger now (docs/CLASSIFIER.md).
   */
  readonly urgentThresholdAtDistance: number;
  /** How much more an urgent training example counts: missing an urgent report costs more than a false alarm. */
  readonly urgentClassWeight: number;
  readonly seed: number;
  /** N-grams seen in fewer training examples than this are dropped: they only memorise single examples. */
  readonly minDocumentFrequency: number;
  /** Below this probability within its category the subtopic is null (chosen by cross-validation, docs/CLASSIFIER.md). */
  readonly subtopicThreshold: number;
  /** Weight of a hit on a subtopic's own terms (name and `covers` in prompts/subtopics.json). */
  readonly subtopicTermWeight: number;
  /** Passes for the subtopic heads: each sees only its category's examples, and more passes only memorise them. */
  readonly subtopicEpochs: number;
}

export const DEFAULT_TUNING: OfflineTuning = {
  epochs: 12,
  learningRate: 1,
  l2: 1e-4,
  cueWeight: 0.25,
  urgentThreshold: 0.5,
  urgentThresholdWithWeakCue: 0.4,
  urgentThresholdAtDistance: 0.75,
  urgentClassWeight: 2,
  seed: 20240601,
  minDocumentFrequency: 2,
  subtopicThreshold: 0.4,
  subtopicTermWeight: 1,
  subtopicEpochs: 8,
};

export interface OfflineClassifierOptions {
  catalogue: Catalogue;
  examples: readonly LabelledExample[];
  /** prompts/subtopics.json; without it no subtopic is predicted (null). */
  subtopics?: SubtopicCatalogue;
  tuning?: Partial<OfflineTuning>;
}

// "想表扬一下…", "感谢王老师…", "Thank you to…": the report is written to thank someone.
const PRAISE_OPENING = /^(?:[^，,。！!？?]{0,6}?(?:想|要|特别|真心|非常)?(?:表扬|感谢|谢谢|点赞|致谢|赞扬|表揚|謝謝|感謝)|(?:i|we) (?:want|would like|wanted) to (?:thank|praise)|thank(?:s| you)|kudos|shout-?out to)/iu;

// Someone who could be at risk. (Not 我/你: "告诉我你的提示词" is about the bot.)
const PERSON =
  /孩|儿子|女儿|闺女|娃|学生|同学|小朋友|宝宝|幼儿|男生|女生|少年|婴|人|他|她|\b(?:child|children|kids?|sons?|daughters?|students?|pupils?|boys?|girls?|babies|baby|toddlers?|teens?|teenagers?|he|she|him|her|they|them|someone|somebody|people|person|man|woman|classmates?|friends?)\b/iu;

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
  if (options.subtopics) assertExamplesMatchSubtopics(examples, options.subtopics);

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
  const subtopicModel = options.subtopics
    ? trainSubtopicModel({
        subtopics: options.subtopics,
        categoryIds,
        examples,
        inputs: vectors.map((v, i) => ({ vector: v.full, text: prepared[i]!.text })),
        dimension,
        training: {
          epochs: tuning.subtopicEpochs,
          learningRate: tuning.learningRate,
          l2: tuning.l2,
          seed: tuning.seed,
          threshold: tuning.subtopicThreshold,
          termWeight: tuning.subtopicTermWeight,
        },
      })
    : undefined;
  // The bureau's category rules (category-rules.ts) need their target id to exist in the catalogue.
  const teacherConductId = catalogue.has('teacher_conduct') ? 'teacher_conduct' : null;
  const transportId = catalogue.has('transport') ? 'transport' : null;
  const offCampusId = catalogue.has('off_campus_training') ? 'off_campus_training' : null;

  const classifySync = (text: string): Classification => {
    const language = detectLanguage(text);
    const summary = summarize(text) || clampSummary(text);
    const report = features.prepare(text);
    if (!report.content) {
      // Nothing but greetings, punctuation or orders to the classifier: not feedback, never urgent.
      return { category: catalogue.fallbackId, kind: 'chitchat', urgent: false, unit: null, summary, language, subtopic: null };
    }
    const { full, urgent: urgentVector } = toVectors(report);
    const predicted = categoryIds[argmax(categoryModel.scores(full))]!;
    const category =
      report.teacherMisconduct && teacherConductId
        ? teacherConductId
        : report.gateJam && !report.strongRisk && transportId
          ? transportId
          : predicted === teacherConductId && report.offCampusStaff && offCampusId
            ? offCampusId
            : predicted;
    const kindScores = kindModel.scores(full);
    // Chit-chat says nothing about education: a message placed in a real category keeps its next likeliest kind,
    // so a complaint that merely sounds casual still becomes a ticket.
    if (category !== catalogue.fallbackId) kindScores[KINDS.indexOf('chitchat')] = Number.NEGATIVE_INFINITY;
    const kind: Kind = KINDS[argmax(kindScores)]!;
    const probability = urgentModel.probabilities(urgentVector)[1]!;
    // Thanks for a teacher who rushed a sick child to hospital mention risk words but report no risk now. A report
    // that opens with thanks counts as praise here unless the learned model also smells danger ("谢谢，孩子今天又被打了").
    const praise = kind === 'praise' || (PRAISE_OPENING.test(text.trim()) && probability < tuning.urgentThresholdWithWeakCue / 2);
    const cueSaysUrgent = report.strongRisk && !praise;
    const bar = report.defused
      ? tuning.urgentThresholdAtDistance
      : report.weakRisk
        ? tuning.urgentThresholdWithWeakCue
        : tuning.urgentThreshold;
    // Urgent means a person at risk: without a risk cue, the learned model alone may only raise reports that mention one.
    const urgent = cueSaysUrgent || (probability >= bar && PERSON.test(text));
    // After the category rules, so the subtopic always belongs to the category staff see.
    const subtopic = subtopicModel?.predict(category, { vector: full, text: report.text }) ?? null;
    return { category, kind, urgent, unit: extractUnit(text), summary, language, subtopic };
  };

  const explainUrgency = (text: string): { strongRisk: boolean; weakRisk: boolean; urgentProbability: number } => {
    const report = features.prepare(text);
    if (!report.content) return { strongRisk: false, weakRisk: false, urgentProbability: 0 };
    return {
      strongRisk: report.strongRisk,
      weakRisk: report.weakRisk,
      urgentProbability: urgentModel.probabilities(toVectors(report).urgent)[1]!,
    };
  };

  const prepareSubtopicInput = (text: string) => {
    const report = features.prepare(text);
    return { vector: toVectors(report).full, text: report.text };
  };
  const bestSubtopic = (text: string, category: string): { subtopic: string; probability: number } | null =>
    subtopicModel?.best(category, prepareSubtopicInput(text)) ?? null;

  return {
    name: 'offline',
    classifySync,
    explainUrgency,
    bestSubtopic,
    warnings: subtopicModel?.warnings ?? [],
    async classify(text: string): Promise<Result<Classification>> {
      try {
        return { success: true, data: classifySync(text) };
      } catch (error) {
        return { success: false, message: `offline classifier: ${(error as Error).message}` };
      }
    },
  };
}
