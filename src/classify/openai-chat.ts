import OpenAI from 'openai';
import type { AutoParseableResponseFormat } from 'openai/lib/parser';
import type { ChatCompletionContentPart } from 'openai/resources/chat/completions';

/**
 * One structured-output call as the adapters here make it: a system prompt and one user message, temperature 0,
 * no retries inside the SDK (the caller decides whether to try again) and the timeout enforced by an abort signal
 * as well. The answer's message, or undefined when the provider returned no choice.
 */
export async function parseChat<T>(
  client: OpenAI,
  call: { model: string; format: AutoParseableResponseFormat<T>; system: string; user: string | ChatCompletionContentPart[]; timeoutMs: number },
) {
  const completion = await client.chat.completions.parse(
    {
      model: call.model,
      temperature: 0,
      response_format: call.format,
      messages: [
        { role: 'system', content: call.system },
        { role: 'user', content: call.user },
      ],
    },
    { timeout: call.timeoutMs, maxRetries: 0, signal: AbortSignal.timeout(call.timeoutMs) },
  );
  return completion.choices[0]?.message;
}

/** The provider failed (no connection, rate limited, a server error), not the request: worth trying again later. */
export function isProviderDown(error: unknown): boolean {
  return (
    error instanceof OpenAI.APIConnectionError ||
    (error instanceof OpenAI.APIError && (error.status === undefined || error.status === 429 || error.status >= 500))
  );
}

/** What a failed call leaves in a result (and so in the log): the error's class, never its text. */
export const failureName = (error: unknown): string => (error instanceof Error ? error.constructor.name : 'error');
