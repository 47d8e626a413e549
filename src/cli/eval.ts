import { existsSync } from 'node:fs';
import { readJsonLines } from './cli-config.ts';
import pino from 'pino';
import { z } from 'zod';
import { evaluate, formatReport, type EvaluationRow } from '../classify/metrics.ts';
import { crossValidateOffline } from '../classify/offline/cross-validation.ts';
import { loadExamples } from '../classify/offline/offline-classifier.ts';
import { KINDS } from '../domain/classification.ts';
import { loadCatalogue } from '../domain/categories.ts';
import { loadSubtopics } from '../domain/subtopics.ts';
import { classifierFromEnv } from './classifier-from-env.ts';

/**
 * npm run eval -- FILE.jsonl [--offline] [--json] [--mistakes]
 * Scores the configured classifier (LLM when configured, else offline) on an operator's labelled lines; lines that
 * carry a `subtopic` also score the subtopic.
 * --mistakes also lists every line whose category or urgency came out wrong, so a new batch can be read.
 *
 * npm run eval -- --cv [--folds 5] [--json]
 * Stratified k-fold cross-validation of the offline classifier on the examples (prompts/examples*.jsonl),
 * including the subtopic: top-1 end to end and within the true category.
 */
const Line = z.object({
  text: z.string().min(1),
  category: z.string().min(1),
  kind: z.enum(KINDS),
  urgent: z.boolean(),
  subtopic: z.string().min(1).optional(),
});

const USAGE = 'usage: npm run eval -- FILE.jsonl [--offline] [--json] [--mistakes]\n       npm run eval -- --cv [--folds 5] [--json]\n';

function crossValidation(folds: number, json: boolean): void {
  const catalogue = loadCatalogue();
  const subtopics = loadSubtopics(catalogue);
  const examples = loadExamples();
  const report = crossValidateOffline(examples, folds, catalogue, subtopics);
  if (json) process.stdout.write(`${JSON.stringify({ folds, examples: examples.length, ...report })}\n`);
  else process.stdout.write(`${folds}-fold cross-validation of the offline classifier on ${examples.length} examples\n${formatReport(report)}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const offlineOnly = args.includes('--offline');
  const mistakes = args.includes('--mistakes');
  if (args.includes('--cv')) {
    const at = args.indexOf('--folds');
    const folds = at >= 0 ? Number(args[at + 1]) : 5;
    if (!Number.isInteger(folds) || folds < 2) {
      process.stderr.write(`--folds must be an integer ≥ 2\n${USAGE}`);
      process.exit(2);
    }
    crossValidation(folds, json);
    return;
  }
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const read = readJsonLines('eval', file, Line);
  const items = read.map((r) => r.data);
  const lineNumbers = read.map((r) => r.line);
  if (existsSync('.env')) process.loadEnvFile('.env');
  const catalogue = loadCatalogue();
  const { classifier, close } = classifierFromEnv({ offlineOnly, logger: pino({ level: 'silent' }) });
  const rows: EvaluationRow[] = [];
  const wrong: string[] = [];
  const by = { llm: 0, offline: 0 };
  try {
    // Concurrency is bounded inside the classifier; all lines are submitted together.
    const outcomes = await Promise.all(items.map((item) => classifier.classify(item.text, { residentId: null })));
    for (const [i, outcome] of outcomes.entries()) {
      const item = items[i]!;
      by[outcome.by]++;
      rows.push({
        expected: { category: item.category, kind: item.kind, urgent: item.urgent, subtopic: item.subtopic ?? null },
        actual: {
          category: outcome.classification.category,
          kind: outcome.classification.kind,
          urgent: outcome.classification.urgent,
          subtopic: outcome.classification.subtopic ?? null,
        },
      });
      const got = outcome.classification;
      if (got.category !== item.category || got.urgent !== item.urgent) {
        const urgency = (urgent: boolean) => (urgent ? ' urgent' : '');
        wrong.push(
          `${file}:${lineNumbers[i]}: expected ${item.category}${urgency(item.urgent)}, got ${got.category}${urgency(got.urgent)}: ${item.text}`,
        );
      }
    }
  } finally {
    close();
  }
  const report = evaluate(rows, catalogue.ids);
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...report, classified_by: by, ...(mistakes ? { mistakes: wrong } : {}) })}\n`);
  } else {
    process.stdout.write(`${formatReport(report)}\nclassified by: llm ${by.llm}, offline ${by.offline}\n`);
    if (mistakes) process.stdout.write(wrong.length === 0 ? 'no mistakes\n' : `${wrong.join('\n')}\n`);
  }
}

await main();
