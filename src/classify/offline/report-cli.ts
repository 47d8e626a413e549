/**
 * Measures the offline classifier: 5-fold cross-validation on prompts/examples.jsonl, the held-out set in
 * test/fixtures/holdout.jsonl, training time and classify throughput. The numbers in docs/CLASSIFIER.md come
 * from here.
 *
 *   npx tsx src/classify/offline/report-cli.ts [--folds 5] [--examples path] [--holdout path]
 */
import { parseArgs } from 'node:util';
import { loadCatalogue } from '../../domain/categories.ts';
import { loadSubtopics } from '../../domain/subtopics.ts';
import { evaluate, formatReport } from '../metrics.ts';
import { crossValidateOffline } from './cross-validation.ts';
import { createOfflineClassifier, loadExamples } from './offline-classifier.ts';
import type { LabelledExample, OfflineClassifier } from './offline-classifier.ts';

const DEFAULT_HOLDOUT = new URL('../../../test/fixtures/holdout.jsonl', import.meta.url);

const { values } = parseArgs({
  options: {
    folds: { type: 'string', default: '5' },
    examples: { type: 'string' },
    holdout: { type: 'string' },
  },
});
const folds = Number(values.folds);
if (!Number.isInteger(folds) || folds < 2) {
  console.error(`--folds must be an integer ≥ 2, got ${values.folds}`);
  process.exit(2);
}

const catalogue = loadCatalogue();
const subtopics = loadSubtopics(catalogue);
const examples = loadExamples(values.examples);
const holdout = loadExamples(values.holdout ?? DEFAULT_HOLDOUT);

const median = (samples: number[]): number => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;

function timeTraining(): { coldMs: number; coldCpuMs: number; warmMs: number; classifier: OfflineClassifier } {
  const cpuBefore = process.cpuUsage();
  let started = performance.now();
  const classifier = createOfflineClassifier({ catalogue, subtopics, examples });
  const coldMs = performance.now() - started;
  const coldCpuMs = process.cpuUsage(cpuBefore).user / 1000;
  const warm: number[] = [];
  for (let run = 0; run < 5; run++) {
    started = performance.now();
    createOfflineClassifier({ catalogue, subtopics, examples });
    warm.push(performance.now() - started);
  }
  return { coldMs, coldCpuMs, warmMs: median(warm), classifier };
}

/** Median wall and CPU milliseconds per report over five rounds: on a busy machine the CPU figure is the fair one. */
function timeClassify(classifier: OfflineClassifier, texts: readonly string[]): { wallMs: number; cpuMs: number } {
  for (const text of texts) classifier.classifySync(text);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < 5; round++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (const text of texts) classifier.classifySync(text);
    wall.push((performance.now() - started) / texts.length);
    cpu.push(process.cpuUsage(cpuBefore).user / 1000 / texts.length);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

function unitAccuracy(classifier: OfflineClassifier, rows: readonly LabelledExample[]): number {
  const hits = rows.filter((row) => classifier.classifySync(row.text).unit === (row.unit ?? null)).length;
  return hits / rows.length;
}

const training = timeTraining();
const { classifier } = training;
const allTexts = [...examples, ...holdout].map((row) => row.text);
const perReport = timeClassify(classifier, allTexts);

const crossValidation = crossValidateOffline(examples, folds, catalogue, subtopics);
const holdoutReport = evaluate(
  holdout.map((expected) => ({ expected, actual: classifier.classifySync(expected.text) })),
  catalogue.ids,
);

const urgentCount = examples.filter((e) => e.urgent).length;
console.log(`examples: ${examples.length} (${urgentCount} urgent), holdout: ${holdout.length}, categories: ${catalogue.ids.length}`);
console.log(
  `training: cold ${training.coldMs.toFixed(0)} ms (cpu ${training.coldCpuMs.toFixed(0)} ms), warm median ${training.warmMs.toFixed(0)} ms`,
);
console.log(
  `classify: ${perReport.wallMs.toFixed(3)} ms per report (cpu ${perReport.cpuMs.toFixed(3)} ms; ${Math.round(1000 / perReport.wallMs)} reports/s)`,
);
console.log(`unit exact match: examples ${(unitAccuracy(classifier, examples) * 100).toFixed(1)}%, holdout ${(unitAccuracy(classifier, holdout) * 100).toFixed(1)}%`);
console.log(`\n== ${folds}-fold cross-validation on the examples ==\n${formatReport(crossValidation)}`);
console.log(`\n== held-out set (trained on all examples) ==\n${formatReport(holdoutReport)}`);
