import OpenAI from 'openai';
import { ContentFilterFinishReasonError } from 'openai/core/error';

/**
 * "This text is refused" is not "the provider is down". A content filter's 400 (DashScope
 * `data_inspection_failed` / "inappropriate content", Azure `content_filter`), a completion cut by the content
 * filter, or the model's own refusal is an answer about one text: the provider is up, and the text will be
 * refused again. Counted as provider failures, three such texts opened the circuit breaker for everyone.
 */
const FILTER_CODES: ReadonlySet<string> = new Set(['data_inspection_failed', 'content_filter', 'content_policy_violation']);
const FILTER_WORDS = /data_inspection_failed|inappropriate content|content_filter|content management policy|content filter/i;

/** Whether an error thrown by the OpenAI SDK means the provider refused this text. */
export function isTextRefusal(error: unknown): boolean {
  if (error instanceof ContentFilterFinishReasonError) return true;
  if (!(error instanceof OpenAI.APIError) || error.status !== 400) return false;
  if ((error.code && FILTER_CODES.has(error.code)) || (error.type && FILTER_CODES.has(error.type))) return true;
  // Some compatible endpoints put the reason only in the message; it is short and comes from the provider.
  return FILTER_WORDS.test(error.message.slice(0, 500));
}
