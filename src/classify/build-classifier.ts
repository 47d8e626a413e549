import OpenAI from 'openai';
import type { Logger } from 'pino';
import type { LlmConfig } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Catalogue } from '../domain/categories.ts';
import { createLlmClassifier } from './llm-classifier.ts';
import { createOfflineClassifier, loadExamples } from './offline/offline-classifier.ts';
import { createReportClassifier, type ReportClassifier } from './report-classifier.ts';

export interface BuiltClassifier {
  classifier: ReportClassifier;
  /** The SDK client, when an LLM is configured (grouping and staff questions use it too). */
  openai: OpenAI | undefined;
}

/** The classify step as configured: the LLM in front when there is a key, the offline classifier always behind it. */
export function buildClassifier(options: {
  db: Db;
  catalogue: Catalogue;
  llm: LlmConfig | undefined;
  logger: Logger;
  now?: () => number;
  /** Per-resident LLM calls per hour; tools that classify on nobody's behalf lift it. */
  budgetPerResidentHour?: number;
}): BuiltClassifier {
  const { llm: config, catalogue } = options;
  const openai = config ? new OpenAI({ apiKey: config.apiKey, baseURL: config.baseURL, maxRetries: config.maxRetries, timeout: config.timeoutMs }) : undefined;
  const llm =
    config && openai
      ? createLlmClassifier({ client: openai, model: config.model, catalogue, timeoutMs: config.timeoutMs, maxRetries: config.maxRetries })
      : undefined;
  const classifier = createReportClassifier({
    db: options.db,
    offline: createOfflineClassifier({ catalogue, examples: loadExamples() }),
    ...(llm && { llm }),
    logger: options.logger,
    concurrency: config?.concurrency ?? 16,
    budgetPerResidentHour: options.budgetPerResidentHour ?? config?.budgetPerResidentHour ?? 20,
    ...(options.now && { now: options.now }),
  });
  return { classifier, openai };
}
