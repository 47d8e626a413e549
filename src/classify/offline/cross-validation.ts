import type { Catalogue } from '../../domain/categories.ts';
import type { SubtopicCatalogue } from '../../domain/subtopics.ts';
import { crossValidate, type EvaluationReport } from '../metrics.ts';
import { createOfflineClassifier, type LabelledExample } from './offline-classifier.ts';

/**
 * The offline classifier's k-fold cross-validation on its own examples: each fold trains a fresh model on the rest,
 * which predicts category, kind, urgency and the subtopic within the true category. One definition for
 * `npm run eval -- --cv` and the classifier report (`src/classify/offline/report-cli.ts`).
 */
export function crossValidateOffline(
  examples: readonly LabelledExample[],
  folds: number,
  catalogue: Catalogue,
  subtopics: SubtopicCatalogue,
): EvaluationReport {
  return crossValidate(
    examples,
    folds,
    (train) => {
      const model = createOfflineClassifier({ catalogue, subtopics, examples: train });
      return { classify: (text) => model.classifySync(text), subtopicWithin: (text, category) => model.bestSubtopic(text, category)?.subtopic ?? null };
    },
    catalogue.ids,
  );
}
