import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import type { Catalogue } from '../domain/categories.ts';
import { clampSummary, detectLanguage, KINDS, TITLE_MAX_LENGTH, type Classification, type Classifier, type Result } from '../domain/classification.ts';
import type { SubtopicCatalogue } from '../domain/subtopics.ts';
import { isTextRefusal } from './refusal.ts';

export const DEFAULT_PROMPT_PATH = new URL('../../prompts/classify-system.md', import.meta.url);

/**
 * A failed call, with what the provider told us about when to come back, and whether it refused the text itself
 * (content filter or the model's refusal): then the provider is up, and asking again would get the same answer.
 */
export type LlmResult = Result<Classification> & { retryAfterMs?: number; refused?: true };

export interface LlmClassifier extends Classifier {
  classify(text: string): Promise<LlmResult>;
  /** The static system prompt (sent first, identical on every call so providers can cache it). */
  readonly systemPrompt: string;
  buildMessages(text: string): Array<{ role: 'system' | 'user'; content: string }>;
}

export interface LlmClassifierOptions {
  client: OpenAI;
  model: string;
  catalogue: Catalogue;
  /** prompts/subtopics.json: listed in the prompt; without it the model is not asked and the subtopic is null. */
  subtopics?: SubtopicCatalogue;
  timeoutMs: number;
  maxRetries?: number;
  promptTemplate?: string;
}

export function loadPromptTemplate(path: string | URL = DEFAULT_PROMPT_PATH): string {
  return readFileSync(path, 'utf8');
}

/**
 * The structured answer we ask for; the category enum comes from the data file, so it follows category changes.
 * The subtopic is a plain string, not an enum of 78 ids: the prompt lists them, and the business check keeps only
 * one of the answered category's (an enum could not express that, and would cost tokens on every call).
 */
export function classificationSchema(catalogue: Catalogue) {
  return z.object({
    category: z.enum(catalogue.ids as [string, ...string[]]),
    // `.default(null)`: still required in the JSON schema sent, but an answer without it (an older stand-in, a lax
    // provider) keeps its category rather than failing over to the offline classifier.
    subtopic: z.string().nullable().default(null),
    kind: z.enum(KINDS),
    urgent: z.boolean(),
    unit: z.string().nullable(),
    summary: z.string(),
    title: z.string().nullable().default(null),
    language: z.enum(['zh', 'en']),
  });
}

/** Each category with its subtopics' short names (the id after the dot): compact, since the prompt is paid on every call. */
export function renderSystemPrompt(template: string, catalogue: Catalogue, subtopics?: SubtopicCatalogue): string {
  const lines = catalogue.categories
    .map((c) => {
      const names = subtopics?.of(c.id).map((s) => s.id.slice(c.id.length + 1)) ?? [];
      return `- ${c.id} (${c.name.zh}): ${c.covers}${names.length > 0 ? ` [${names.join(', ')}]` : ''}`;
    })
    .join('\n');
  return template.replace('{{categories}}', lines).trim();
}

/**
 * The model's subtopic, if it is one of its category's: "food.price" or the short "price". Anything else (another
 * category's, invented, empty) is null: an unknown subtopic is harmless, a wrong one would group unrelated reports.
 */
export function checkSubtopic(answer: string | null, category: string, subtopics: SubtopicCatalogue | undefined): string | null {
  const id = answer?.trim().toLowerCase();
  if (!id || !subtopics) return null;
  const full = id.includes('.') ? id : `${category}.${id}`;
  return subtopics.get(full)?.category === category ? full : null;
}

// Control and format characters (newlines, zero-width, direction overrides) have no place in a one-line title.
const NOT_IN_TITLE = /[\p{Cc}\p{Cf}\u2028\u2029]+/gu;

/**
 * The model's ledger title: one line of at most TITLE_MAX_LENGTH code points, or null. It is model-written text
 * derived from a resident's words, so it is only ever shown escaped (src/i18n/html.ts), like the summary.
 */
export function clampTitle(title: string | null): string | null {
  const oneLine = (title ?? '').replace(NOT_IN_TITLE, ' ').replace(/\s+/g, ' ').trim();
  if (!oneLine) return null;
  const chars = Array.from(oneLine);
  return chars.length <= TITLE_MAX_LENGTH ? oneLine : `${chars.slice(0, TITLE_MAX_LENGTH - 1).join('').trimEnd()}…`;
}

const squash = (s: string) => s.replace(/[\s\u200b-\u200f\u2060\ufeff]+/g, '').toLowerCase();

export function createLlmClassifier(options: LlmClassifierOptions): LlmClassifier {
  const { client, model, catalogue, timeoutMs } = options;
  const systemPrompt = renderSystemPrompt(options.promptTemplate ?? loadPromptTemplate(), catalogue, options.subtopics);
  const schema = classificationSchema(catalogue);
  const format = zodResponseFormat(schema, 'report_classification');

  // The report travels as a JSON string: quotes, fake "system:" lines and closing delimiters stay inert data.
  const buildMessages = (text: string) => [
    { role: 'system' as const, content: systemPrompt },
    { role: 'user' as const, content: JSON.stringify({ report: text }) },
  ];

  /** Business rules after the schema check: what the model says must be consistent with the text. */
  function check(parsed: z.infer<typeof schema>, text: string): Classification {
    const unit = parsed.unit?.trim() || null;
    return {
      category: parsed.category,
      kind: parsed.kind,
      urgent: parsed.urgent,
      // A unit the text does not mention is a guess, not a fact: drop it rather than mislead staff.
      unit: unit && squash(text).includes(squash(unit)) ? unit : null,
      summary: clampSummary(parsed.summary) || clampSummary(text),
      language: parsed.language === detectLanguage(text) ? parsed.language : detectLanguage(text),
      subtopic: checkSubtopic(parsed.subtopic, parsed.category, options.subtopics),
      title: clampTitle(parsed.title),
    };
  }

  return {
    name: 'llm',
    systemPrompt,
    buildMessages,
    async classify(text) {
      // Our own bounded retries inside one deadline: the SDK's would sleep through a 429's retry-after,
      // keeping a resident waiting; a rate limit is handed to the circuit breaker instead.
      const deadline = Date.now() + timeoutMs;
      const attempts = 1 + (options.maxRetries ?? 1);
      let last: LlmResult = { success: false, message: 'LLM not called' };
      for (let attempt = 0; attempt < attempts; attempt++) {
        const remaining = deadline - Date.now();
        if (remaining < 50) break;
        try {
          const completion = await client.chat.completions.parse(
            { model, temperature: 0, messages: buildMessages(text), response_format: format },
            { timeout: remaining, maxRetries: 0, signal: AbortSignal.timeout(remaining) },
          );
          const message = completion.choices[0]?.message;
          if (!message) return { success: false, message: 'LLM returned no choices' };
          // The refusal's wording may quote the report: it stays out of the result (which is logged).
          if (message.refusal) return { success: false, refused: true, message: 'LLM refused the text' };
          if (!message.parsed) return { success: false, message: 'LLM returned no parsed content' };
          return { success: true, data: check(message.parsed, text) };
        } catch (error) {
          if (isTextRefusal(error)) return { success: false, refused: true, message: 'LLM provider refused the text (content filter)' };
          last = describeFailure(error);
          if (!isTransient(error) || last.retryAfterMs !== undefined) return last;
          await sleep(Math.min(250 * 2 ** attempt, Math.max(0, deadline - Date.now() - 50)));
        }
      }
      return last;
    },
  };
}

/** Worth a second try within the deadline: a dropped connection or a server error, not a bad answer or a rate limit. */
function isTransient(error: unknown): boolean {
  if (error instanceof OpenAI.APIConnectionTimeoutError || error instanceof OpenAI.APIUserAbortError) return false;
  if (error instanceof OpenAI.APIConnectionError) return true;
  return error instanceof OpenAI.APIError && typeof error.status === 'number' && error.status >= 500;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function describeFailure(error: unknown): LlmResult {
  if (error instanceof OpenAI.APIError) {
    const header = error.headers?.get?.('retry-after');
    const seconds = header ? Number(header) : Number.NaN;
    const retryAfterMs = Number.isFinite(seconds) ? seconds * 1000 : undefined;
    const status = error.status ?? 'network';
    return { success: false, message: `LLM HTTP ${status}: ${error.message.slice(0, 200)}`, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  }
  // zod / JSON errors from an answer that does not fit the schema, and anything else unexpected.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { success: false, message: `LLM answer unusable: ${message.slice(0, 300)}` };
}
