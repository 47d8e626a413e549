import { existsSync } from 'node:fs';
import { readJsonLines } from './cli-config.ts';
import pino from 'pino';
import { z } from 'zod';
import { evaluate, formatReport, type EvaluationRow } from '../classify/metrics.ts';
import { KINDS } from '../domain/classification.ts';
import { loadCatalogue } from '../domain/categories.ts';
import { classifierFromEnv } from './classifier-from-env.ts';

/**
 * npm run eval -- FILE.jsonl [--offline] [--json] [--mistakes]
 * Scores the configured classifier (LLM when configured, else offline) on an operator's labelled lines.
 * --mistakes also lists every line whose category or urgency came out wrong, so a new batch can be read.
 */
const Line = z.object({
  text: z.string().min(1),
  category: z.string().min(1),
  kind: z.enum(KINDS),
  urgent: z.boolean(),
});

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const offlineOnly = args.includes('--offline');
  const mistakes = args.includes('--mistakes');
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) {
    process.stderr.write('usage: npm run eval -- FILE.jsonl [--offline] [--json] [--mistakes]\n');
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
        expected: { category: item.category, kind: item.kind, urgent: item.urgent },
        actual: { category: outcome.classification.category, kind: outcome.classification.kind, urgent: outcome.classification.urgent },
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
