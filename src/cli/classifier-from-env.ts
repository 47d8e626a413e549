import type OpenAI from 'openai';
import type { Logger } from 'pino';
import { buildClassifier } from '../classify/build-classifier.ts';
import type { ReportClassifier } from '../classify/report-classifier.ts';
import { ConfigError, parseConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { loadCatalogue } from '../domain/categories.ts';
import { maskSecrets } from '../logger.ts';

/** The classifier the bot would use, for command-line tools: LLM when configured (unless offline-only), else offline. */
export function classifierFromEnv(options: { offlineOnly: boolean; logger: Logger }): {
  classifier: ReportClassifier;
  /** The SDK client and model when an LLM is used (other LLM tasks of a tool share them). */
  openai: OpenAI | undefined;
  model: string;
  close: () => void;
} {
  let config;
  try {
    config = parseConfig({ ...process.env, BOT_TOKEN: undefined });
  } catch (error) {
    if (error instanceof ConfigError) {
      // BOT_TOKEN is left out of the parse above, so its raw value is masked here (see parseConfig).
      process.stderr.write(`Configuration error: ${maskSecrets(error.message, process.env.BOT_TOKEN?.trim() ? [process.env.BOT_TOKEN.trim()] : [])}\n`);
      process.exit(1);
    }
    throw error;
  }
  const catalogue = loadCatalogue();
  // A private in-memory cache: tools must not touch the bot's database.
  const db = openDatabase(':memory:');
  const { classifier, openai } = buildClassifier({
    db,
    catalogue,
    llm: options.offlineOnly ? undefined : config.llm,
    logger: options.logger,
    // Evaluation sends many texts on behalf of nobody: no per-resident budget applies.
    budgetPerResidentHour: Number.MAX_SAFE_INTEGER,
  });
  return { classifier, openai, model: config.llm?.model ?? '', close: () => db.close() };
}
