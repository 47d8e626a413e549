import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { Language, Result } from '../domain/classification.ts';
import { zonedParts } from '../domain/periods.ts';
import { redactPersonalData } from '../domain/redact.ts';
import { formatDateTime } from '../domain/time.ts';
import { createQuestionTools, type QuestionTools, type QuestionToolsDeps, type UnitScope } from './question-tools.ts';

export const DEFAULT_QUESTIONS_PROMPT_PATH = new URL('../../prompts/staff-questions.md', import.meta.url);

/** Telegram allows 4096 characters; the answer stays well below, with room for escaping. */
export const MAX_ANSWER_LENGTH = 3500;
/** Rounds in which the model may call tools; then it must answer. */
export const MAX_TOOL_ROUNDS = 4;
/** Tool calls carried out per round; more are answered with an error. */
const MAX_CALLS_PER_ROUND = 8;
const MAX_QUESTION_LENGTH = 1000;

/** The query tools' dependencies (data, time zone, clock), plus the model. */
export interface StaffQuestionsOptions extends QuestionToolsDeps {
  /** Undefined when no LLM is configured: every answer is then a failure and the bot shows the commands. */
  client: OpenAI | undefined;
  model: string;
  /** Per model call. */
  timeoutMs: number;
  /** For the whole answer, all rounds together (default twice timeoutMs, at most 45 s). */
  deadlineMs?: number;
  maxRetries?: number;
  systemPrompt?: string;
}

export interface StaffAnswer {
  /** Plain text from the model (not HTML: escape it), at most MAX_ANSWER_LENGTH characters. */
  text: string;
  /** The tools called, in order, for the log. */
  tools: Array<{ name: string; ok: boolean }>;
}

export interface StaffQuestions {
  readonly available: boolean;
  /** `scope`: asked in a unit's own chat; every tool then reads only those units' problems. */
  answer(question: string, language: Language, scope?: UnitScope): Promise<Result<StaffAnswer>>;
}

export function loadQuestionsPrompt(path: string | URL = DEFAULT_QUESTIONS_PROMPT_PATH): string {
  return readFileSync(path, 'utf8').trim();
}

/**
 * Natural questions from staff, answered by the model from a fixed set of query functions (tool calling):
 * ask, run the tools it asks for, feed their results back, at most MAX_TOOL_ROUNDS times, then the answer.
 */
export function createStaffQuestions(options: StaffQuestionsOptions): StaffQuestions {
  const { client, model, timezone } = options;
  const tools: QuestionTools = createQuestionTools(options);
  const systemPrompt = options.systemPrompt ?? loadQuestionsPrompt();
  const deadlineMs = options.deadlineMs ?? Math.min(2 * options.timeoutMs, 45_000);

  function opening(question: string, language: Language, scoped: boolean): ChatCompletionMessageParam[] {
    const now = options.now();
    const weekday = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'][zonedParts(now, timezone).weekday - 1];
    // The question travels as a JSON string: whatever it says stays data. Staff may paste a resident's words, so it is masked too.
    const asked = redactPersonalData(question.slice(0, MAX_QUESTION_LENGTH));
    return [
      { role: 'system', content: systemPrompt },
      {
        role: 'user',
        content: JSON.stringify({
          question: asked,
          now: formatDateTime(now, timezone),
          weekday,
          timezone,
          answer_language: language,
          // Only so the answer can say why other units' problems are not found: the tools enforce the scope.
          ...(scoped && { asked_in: "a school's own chat: the tools see only that unit's problems" }),
        }),
      },
    ];
  }

  return {
    available: client !== undefined,
    async answer(question, language, scope) {
      if (!client) return { success: false, message: 'no LLM configured' };
      const messages = opening(question, language, scope !== undefined);
      const used: StaffAnswer['tools'] = [];
      const signal = AbortSignal.timeout(deadlineMs);
      try {
        for (let round = 0; round <= MAX_TOOL_ROUNDS; round++) {
          const last = round === MAX_TOOL_ROUNDS;
          const completion = await client.chat.completions.create(
            { model, temperature: 0, messages, tools: tools.definitions, tool_choice: last ? 'none' : 'auto' },
            { timeout: options.timeoutMs, maxRetries: options.maxRetries ?? 1, signal },
          );
          const message = completion.choices[0]?.message;
          if (!message) return { success: false, message: 'LLM returned no choices' };
          const calls = message.tool_calls ?? [];
          if (calls.length > 0 && !last) {
            messages.push({ role: 'assistant', content: message.content ?? null, tool_calls: calls });
            calls.forEach((call, i) => {
              const outcome =
                call.type !== 'function'
                  ? { ok: false, result: { error: 'unknown_tool' } }
                  : i >= MAX_CALLS_PER_ROUND
                    ? { ok: false, result: { error: 'too_many_calls: ask again with fewer calls' } }
                    : tools.run(call.function.name, call.function.arguments, language, scope);
              used.push({ name: call.type === 'function' ? call.function.name : call.type, ok: outcome.ok });
              messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(outcome.result) });
            });
            continue;
          }
          if (message.refusal) return { success: false, message: `LLM refused: ${message.refusal.slice(0, 200)}` };
          const text = message.content?.trim();
          if (!text) return { success: false, message: 'LLM gave no answer' };
          return { success: true, data: { text: clampAnswer(text), tools: used } };
        }
        return { success: false, message: 'LLM gave no answer' };
      } catch (error) {
        return { success: false, message: describeFailure(error) };
      }
    },
  };
}

/** At most MAX_ANSWER_LENGTH characters (code points), cut with an ellipsis. */
export function clampAnswer(text: string): string {
  const chars = Array.from(text);
  return chars.length <= MAX_ANSWER_LENGTH ? text : `${chars.slice(0, MAX_ANSWER_LENGTH - 1).join('')}…`;
}

function describeFailure(error: unknown): string {
  if (error instanceof OpenAI.APIUserAbortError) return 'LLM took longer than the deadline for an answer';
  if (error instanceof OpenAI.APIError) return `LLM HTTP ${error.status ?? 'network'}: ${error.message.slice(0, 200)}`;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `LLM call failed: ${message.slice(0, 300)}`;
}
