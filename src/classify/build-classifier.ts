import OpenAI from 'openai';
import type { Logger } from 'pino';
import type { LlmConfig } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Catalogue } from '../domain/categories.ts';
import { loadSubtopics, type SubtopicCatalogue } from '../domain/subtopics.ts';
import { createLlmClassifier } from './llm-classifier.ts';
import { createOfflineClassifier, loadExamples, type OfflineClassifier } from './offline/offline-classifier.ts';
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
  /** prompts/subtopics.json as loaded at start-up; read from the default file when not given. */
  subtopics?: SubtopicCatalogue;
  llm: LlmConfig | undefined;
  logger: Logger;
  now?: () => number;
  /** Per-resident LLM calls per hour; tools that classify on nobody's behalf lift it. */
  budgetPerResidentHour?: number;
  /** One already trained on the same catalogue and examples (training takes most of start-up; tests share one). */
  offline?: OfflineClassifier;
}): BuiltClassifier {
  const { llm: config, catalogue } = options;
  const openai = config ? new OpenAI({ apiKey: config.apiKey, baseURL: config.baseURL, maxRetries: config.maxRetries, timeout: config.timeoutMs }) : undefined;
  const subtopics = options.subtopics ?? loadSubtopics(catalogue);
  const llm =
    config && openai
      ? createLlmClassifier({ client: openai, model: config.model, catalogue, subtopics, timeoutMs: config.timeoutMs, maxRetries: config.maxRetries })
      : undefined;
  const offline = options.offline ?? createOfflineClassifier({ catalogue, subtopics, examples: loadExamples() });
  // Once, at start-up: e.g. a subtopic an operator added without examples is never predicted until some are written.
  for (const warning of offline.warnings) options.logger.warn(warning);
  const classifier = createReportClassifier({
    db: options.db,
    offline,
    ...(llm && { llm }),
    logger: options.logger,
    concurrency: config?.concurrency ?? 16,
    budgetPerResidentHour: options.budgetPerResidentHour ?? config?.budgetPerResidentHour ?? 20,
    ...(options.now && { now: options.now }),
  });
  return { classifier, openai };
}
