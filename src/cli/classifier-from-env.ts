import OpenAI from 'openai';
import type { Logger } from 'pino';
import { createLlmClassifier } from '../classify/llm-classifier.ts';
import { loadExamples } from '../classify/offline/examples.ts';
import { createOfflineClassifier } from '../classify/offline/offline-classifier.ts';
import { createReportClassifier, type ReportClassifier } from '../classify/report-classifier.ts';
import { ConfigError, parseConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { loadCatalogue } from '../domain/categories.ts';

/** The classifier the bot would use, for command-line tools: LLM when configured (unless offline-only), else offline. */
export function buildClassifier(options: { offlineOnly: boolean; logger: Logger }): { classifier: ReportClassifier; close: () => void } {
  let config;
  try {
    config = parseConfig({ ...process.env, BOT_TOKEN: undefined });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const catalogue = loadCatalogue();
  // A private in-memory cache: tools must not touch the bot's database.
  const db = openDatabase(':memory:');
  const offline = createOfflineClassifier({ catalogue, examples: loadExamples() });
  const llm =
    config.llm && !options.offlineOnly
      ? createLlmClassifier({
          client: new OpenAI({ apiKey: config.llm.apiKey, baseURL: config.llm.baseURL, maxRetries: config.llm.maxRetries }),
          model: config.llm.model,
          catalogue,
          timeoutMs: config.llm.timeoutMs,
          maxRetries: config.llm.maxRetries,
        })
      : undefined;
  const classifier = createReportClassifier({
    db,
    offline,
    ...(llm && { llm }),
    logger: options.logger,
    concurrency: config.llm?.concurrency ?? 8,
    // Evaluation sends many texts on behalf of nobody: no per-resident budget applies.
    budgetPerResidentHour: Number.MAX_SAFE_INTEGER,
  });
  return { classifier, close: () => db.close() };
}
