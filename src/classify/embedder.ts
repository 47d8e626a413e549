import OpenAI from 'openai';
import { redactPersonalData } from '../domain/redact.ts';
import type { Embedder } from '../problems/vector-store.ts';
import { normalised } from '../problems/vector-store.ts';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker.ts';
import { createLimiter } from './limiter.ts';

/** What is embedded of a report at most: its matter is in the first lines, and the price is per token. */
export const EMBED_MAX_CHARS = 1000;

export interface OpenAiEmbedderOptions {
  client: OpenAI;
  model: string;
  timeoutMs: number;
  /** Requests in flight at once (LLM_CONCURRENCY). */
  concurrency?: number;
  /** Its own breaker: an embedding model that is missing or failing must not stop classification. */
  breaker?: CircuitBreaker;
}

export interface OpenAiEmbedder extends Embedder {
  readonly breaker: CircuitBreaker;
  /** Input tokens the provider counted, over the embedder's life (the published budget counts them). */
  readonly tokens: number;
}

/**
 * Embeddings from the same OpenAI-compatible endpoint as the classifier (OpenAI, Qwen/DashScope, bge-m3 behind vLLM
 * or Ollama), through the official SDK. The text is redacted first, like everything sent to a model. Every failure
 * — timeout, HTTP error, refusal by a content filter, breaker open, a vector of the wrong length or not finite — is
 * a typed failure, never a throw: grouping then decides offline.
 */
export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): OpenAiEmbedder {
  const breaker = options.breaker ?? createCircuitBreaker();
  const limiter = createLimiter(options.concurrency ?? 16);
  let dimensions: number | undefined;
  let tokens = 0;
  return {
    model: options.model,
    breaker,
    get tokens() {
      return tokens;
    },
    async embed(text) {
      const input = Array.from(redactPersonalData(text).trim()).slice(0, EMBED_MAX_CHARS).join('');
      if (input === '') return { success: false, message: 'nothing to embed' };
      if (!breaker.tryAcquire()) return { success: false, message: 'embedding circuit open' };
      try {
        const response = await limiter.run(() =>
          options.client.embeddings.create(
            { model: options.model, input, encoding_format: 'float' },
            { timeout: options.timeoutMs, maxRetries: 0, signal: AbortSignal.timeout(options.timeoutMs) },
          ),
        );
        const raw = response.data?.[0]?.embedding;
        const vector = Array.isArray(raw) ? normalised(raw) : undefined;
        // One model gives one length: a different one is a proxy's or a misconfiguration's garbage.
        if (!vector || vector.length < 8 || (dimensions !== undefined && vector.length !== dimensions)) {
          breaker.failure();
          return { success: false, message: `unusable embedding (${Array.isArray(raw) ? raw.length : typeof raw})` };
        }
        dimensions ??= vector.length;
        breaker.success();
        const used = response.usage?.prompt_tokens ?? 0;
        tokens += used;
        return { success: true, vector, tokens: used };
      } catch (error) {
        // A content filter refusing the text says nothing about the provider's health.
        if (error instanceof OpenAI.APIError && error.status === 400) breaker.success();
        else breaker.failure();
        const status = error instanceof OpenAI.APIError ? `HTTP ${error.status ?? 'network'}` : error instanceof Error ? error.name : 'error';
        return { success: false, message: `embedding failed: ${status}` };
      }
    },
  };
}
