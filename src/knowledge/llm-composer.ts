import { readFileSync } from 'node:fs';
import type OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { redactPersonalData } from '../domain/redact.ts';
import type { AnswerComposer } from './answering.ts';
import type { KnowledgeEntry } from './knowledge-base.ts';

export const KNOWLEDGE_PROMPT_PATH = new URL('../../prompts/knowledge-answer-system.md', import.meta.url);

/** Strict mode wants every field present: "not answerable" is { answerable: false, answer: null, cited_entry_ids: [] }. */
export const KnowledgeAnswerSchema = z.object({
  answerable: z.boolean(),
  answer: z.string().nullable(),
  cited_entry_ids: z.array(z.string()),
});
export type KnowledgeAnswer = z.infer<typeof KnowledgeAnswerSchema>;

const ANSWER_MAX_CHARS = 1500;

// Digit runs (dates, times, prices, phone numbers) and Chinese numerals before a unit (五月, 三百元, 六岁).
const DIGITS = /\d+/g;
const CHINESE_NUMERALS = /[零〇一二三四五六七八九十百千万两]+/gu;
const CHINESE_UNIT = /^[年月日号点时分秒岁元块角天周个次届所班]?$/u;

/** Runs of Chinese numerals followed by a unit or the end; the unit is checked apart so the scan stays linear. */
function chineseNumbers(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(CHINESE_NUMERALS)) {
    const next = text.charAt(match.index + match[0].length);
    if (CHINESE_UNIT.test(next)) found.push(match[0]);
  }
  return found;
}

/** Every number in `answer` must be written in the cited entries: a model may not add, compute or guess one. */
export function unsupportedNumbers(answer: string, cited: readonly KnowledgeEntry[]): string[] {
  const source = cited.map((e) => `${e.title}\n${e.body}\n${e.source ?? ''}`).join('\n').normalize('NFKC');
  const digitRuns = new Set(source.match(DIGITS) ?? []);
  const text = answer.normalize('NFKC');
  const missing = [
    ...(text.match(DIGITS) ?? []).filter((n) => !digitRuns.has(n)),
    ...chineseNumbers(text).filter((n) => !source.includes(n)),
  ];
  return [...new Set(missing)];
}

/**
 * The business check after the schema check: cites only offered entries, at least one when it answers, a
 * sensible length, and no number the cited entries do not contain. Refused answers fall back offline.
 */
export function checkKnowledgeAnswer(
  parsed: KnowledgeAnswer,
  offered: readonly KnowledgeEntry[],
): { answerable: true; text: string; cited: string[] } | { answerable: false } | { failed: string } {
  if (!parsed.answerable) return { answerable: false };
  const text = parsed.answer?.trim() ?? '';
  if (text === '') return { failed: 'empty_answer' };
  if (Array.from(text).length > ANSWER_MAX_CHARS) return { failed: 'answer_too_long' };
  const cited = [...new Set(parsed.cited_entry_ids)];
  if (cited.length === 0) return { failed: 'no_citation' };
  const entries = cited.map((id) => offered.find((e) => e.id === id));
  if (entries.some((e) => e === undefined)) return { failed: 'cited_entry_not_offered' };
  if (unsupportedNumbers(text, entries as KnowledgeEntry[]).length > 0) return { failed: 'number_not_in_entries' };
  return { answerable: true, text, cited };
}

export function createLlmComposer(options: { client: OpenAI; model: string; timeoutMs: number; prompt?: string }): AnswerComposer {
  const system = (options.prompt ?? readFileSync(KNOWLEDGE_PROMPT_PATH, 'utf8')).trim();
  const format = zodResponseFormat(KnowledgeAnswerSchema, 'knowledge_answer');
  return {
    async compose(question, offered) {
      const completion = await options.client.chat.completions.parse(
        {
          model: options.model,
          temperature: 0,
          response_format: format,
          messages: [
            { role: 'system', content: system },
            {
              role: 'user',
              // The question travels as a JSON string: it is data, whatever it says.
              content: JSON.stringify({
                question: redactPersonalData(question).slice(0, 1000),
                entries: offered.map((e) => ({ id: e.id, title: e.title, text: e.body, source: e.source })),
              }),
            },
          ],
        },
        { timeout: options.timeoutMs, maxRetries: 0, signal: AbortSignal.timeout(options.timeoutMs) },
      );
      const message = completion.choices[0]?.message;
      // A model that refuses to answer has declined: the resident gets a person (the ticket), not a quote.
      if (message?.refusal) return { answerable: false };
      if (!message?.parsed) return { failed: 'no_parsed_answer' };
      return checkKnowledgeAnswer(message.parsed, offered);
    },
  };
}
