import type { Logger } from 'pino';
import { buildClassifier } from '../classify/build-classifier.ts';
import type { ReportClassifier } from '../classify/report-classifier.ts';
import { ConfigError, parseConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { loadCatalogue } from '../domain/categories.ts';

/** The classifier the bot would use, for command-line tools: LLM when configured (unless offline-only), else offline. */
export function classifierFromEnv(options: { offlineOnly: boolean; logger: Logger }): { classifier: ReportClassifier; close: () => void } {
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
  const { classifier } = buildClassifier({
    db,
    catalogue,
    llm: options.offlineOnly ? undefined : config.llm,
    logger: options.logger,
    // Evaluation sends many texts on behalf of nobody: no per-resident budget applies.
    budgetPerResidentHour: Number.MAX_SAFE_INTEGER,
  });
  return { classifier, close: () => db.close() };
}
