import { readFileSync } from 'node:fs';
import type OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { CircuitBreaker } from '../classify/circuit-breaker.ts';
import { isTextRefusal } from '../classify/refusal.ts';
import { redactPersonalData } from '../domain/redact.ts';
import { similarityDecider, type Candidate, type GroupingDecider } from './grouping.ts';

export const GROUPING_PROMPT_PATH = new URL('../../prompts/grouping-system.md', import.meta.url);

/** Below this, a candidate is not worth asking about; at or above `certain`, similarity alone decides. */
const FLOOR = 0.12;
const CERTAIN = 0.8;

const Decision = z.object({ same_as: z.number().int().nullable() });

/**
 * With an LLM configured, the grouping decision among the few most similar candidates is the model's;
 * it can see that 吃出头发 and 卫生太差 are one matter where word overlap cannot. Any failure falls back
 * to the similarity threshold, so grouping never blocks a reply.
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
    candidates.map((c) => ({ id: c.problem.id, title: redactPersonalData(c.problem.title), reports: c.texts.slice(1, 4).map((t) => redactPersonalData(t).slice(0, 300)) }));

  return {
    name: 'llm',
    get calls() {
      return calls;
    },
    async decide(report, candidates, mayAskLlm = () => true) {
      const worth = candidates.filter((c) => c.score >= FLOOR);
      if (worth.length === 0) return null;
      if (worth[0]!.score >= CERTAIN || options.breaker.state === 'open' || !mayAskLlm() || !options.breaker.tryAcquire()) {
        return similarityDecider.decide(report, candidates);
      }
      calls++;
      try {
        const completion = await options.client.chat.completions.parse(
          {
            model: options.model,
            temperature: 0,
            response_format: format,
            messages: [
              { role: 'system', content: system },
              { role: 'user', content: JSON.stringify({ report: redactPersonalData(report.text).slice(0, 1000), problems: describe(worth) }) },
            ],
          },
          { timeout: options.timeoutMs, maxRetries: 0, signal: AbortSignal.timeout(options.timeoutMs) },
        );
        const message = completion.choices[0]?.message;
        // A refusal is the model answering about these texts: the provider is up.
        if (message?.refusal) {
          options.breaker.success();
          return similarityDecider.decide(report, candidates);
        }
        const parsed = message?.parsed;
        if (!parsed) throw new Error('no parsed decision');
        options.breaker.success();
        // Only an id we offered counts; anything else is treated as "no match".
        return worth.some((c) => c.problem.id === parsed.same_as) ? parsed.same_as : null;
      } catch (error) {
        if (isTextRefusal(error)) {
          options.breaker.success();
          options.logger.info('the LLM refused a grouping question (content filter); using text similarity');
          return similarityDecider.decide(report, candidates);
        }
        options.breaker.failure();
        options.logger.warn({ err: error }, 'LLM grouping decision failed; using text similarity');
        return similarityDecider.decide(report, candidates);
      }
    },
  };
}
