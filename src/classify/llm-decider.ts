import { readFileSync } from 'node:fs';
import type OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { CircuitBreaker } from './circuit-breaker.ts';
import { parseChat } from './openai-chat.ts';
import { isTextRefusal } from './refusal.ts';
import { redactPersonalData } from '../domain/redact.ts';
import { similarityDecider, type Candidate, type GroupingDecider } from '../problems/grouping.ts';

export const GROUPING_PROMPT_PATH = new URL('../../prompts/grouping-system.md', import.meta.url);

/** A candidate is worth asking about at this share of what the offline rule needs to join (src/problems/same-matter.ts). */
const ASK_SHARE = 0.3;
/** At or above this text similarity the words are all but the same: the rule decides without a call. */
const CERTAIN_TEXT = 0.8;
/** Problems offered to the model at most: the rule's best, then the closest in meaning (the token budget). */
const OFFERED = 4;
const BY_RULE = 3;
/** Sample reports per problem, and characters per sample. */
const SAMPLES = 2;
const SAMPLE_CHARS = 200;

const Decision = z.object({ same_as: z.number().int().nullable() });

const clip = (text: string, chars: number) => Array.from(redactPersonalData(text)).slice(0, chars).join('');

/** Which candidates the model is asked about: never another unit's; the rule's best, then the closest in meaning. */
export function offeredToModel(candidates: readonly Candidate[]): Candidate[] {
  const possible = candidates.filter((c) => c.evidence.unit !== 'different');
  const byRule = possible.filter((c) => c.score >= ASK_SHARE).slice(0, BY_RULE);
  const byMeaning = possible
    .filter((c) => c.meaning !== undefined && !byRule.includes(c))
    .sort((a, b) => b.meaning! - a.meaning! || b.problem.id - a.problem.id);
  return [...byRule, ...byMeaning].slice(0, OFFERED);
}

/**
 * With an LLM configured, the grouping decision among the candidates is the model's, told the report's subtopic
 * and unit: it can see that 吃出头发 and 卫生太差 are one matter where word overlap cannot. Any failure (timeout,
 * refusal, breaker open, over the resident's budget, an id it was not offered) falls back to the offline rule,
 * so grouping never blocks a reply.
 */
export function createLlmDecider(options: {
  client: OpenAI;
  model: string;
  timeoutMs: number;
  breaker: CircuitBreaker;
  logger: Logger;
  prompt?: string;
}): GroupingDecider & { calls: number } {
  const system = (options.prompt ?? readFileSync(GROUPING_PROMPT_PATH, 'utf8')).trim();
  const format = zodResponseFormat(Decision, 'grouping_decision');
  let calls = 0;

  const describe = (candidates: Candidate[]) =>
    candidates.map((c) => ({
      id: c.problem.id,
      title: clip(c.problem.title, SAMPLE_CHARS),
      unit: c.problem.unitId ?? c.problem.unitWritten,
      subtopic: c.problem.subtopic,
      reports: c.texts.slice(1, 1 + SAMPLES).map((t) => clip(t, SAMPLE_CHARS)),
    }));

  return {
    name: 'llm',
    get calls() {
      return calls;
    },
    async decide(report, candidates, mayAskLlm = () => true) {
      const offered = offeredToModel(candidates);
      if (offered.length === 0) return null;
      const offline = () => similarityDecider.decide(report, candidates);
      if (candidates[0]!.joins && candidates[0]!.evidence.text >= CERTAIN_TEXT) return offline();
      if (options.breaker.state === 'open' || !mayAskLlm() || !options.breaker.tryAcquire()) return offline();
      calls++;
      try {
        const message = await parseChat(options.client, {
          model: options.model,
          format,
          system,
          user: JSON.stringify({
            report: clip(report.text, 1000),
            unit: report.unitId ?? report.unitWritten,
            subtopic: report.subtopic ?? null,
            problems: describe(offered),
          }),
          timeoutMs: options.timeoutMs,
        });
        // A refusal is the model answering about these texts: the provider is up.
        if (message?.refusal) {
          options.breaker.success();
          return offline();
        }
        const parsed = message?.parsed;
        if (!parsed) throw new Error('no parsed decision');
        options.breaker.success();
        // Only an id we offered counts; anything else is treated as "no match".
        return offered.some((c) => c.problem.id === parsed.same_as) ? parsed.same_as : null;
      } catch (error) {
        if (isTextRefusal(error)) {
          options.breaker.success();
          options.logger.info('the LLM refused a grouping question (content filter); using the offline rule');
          return offline();
        }
        options.breaker.failure();
        options.logger.warn({ err: error }, 'LLM grouping decision failed; using the offline rule');
        return offline();
      }
    },
  };
}
