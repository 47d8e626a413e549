import OpenAI, { toFile } from 'openai';
import type { Result } from '../domain/classification.ts';
import { failureName, isProviderDown } from './openai-chat.ts';

/** Voice → text (issue 16): one implementation over any OpenAI-compatible /audio/transcriptions endpoint. */
export interface Transcriber {
  /** `providerDown`: the service did not answer (network, 5xx, 429, timeout) — try again later. */
  transcribe(audio: Uint8Array, file: { name: string; mimeType: string }): Promise<Result<string> & { providerDown?: boolean }>;
}

export interface TranscriberOptions {
  apiKey: string;
  baseURL: string | undefined;
  model: string;
  timeoutMs: number;
  maxRetries: number;
}

export function createOpenAiTranscriber(options: TranscriberOptions): Transcriber {
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, timeout: options.timeoutMs, maxRetries: options.maxRetries });
  return {
    async transcribe(audio, file) {
      try {
        // Only the sound and a neutral file name: nothing that says who spoke (no user id, chat id or name).
        const upload = await toFile(audio, file.name, { type: file.mimeType });
        const result = await client.audio.transcriptions.create({ file: upload, model: options.model, response_format: 'json' });
        const text = result.text.trim();
        return text ? { success: true, data: text } : { success: false, message: 'empty transcript' };
      } catch (error) {
        return { success: false, message: failureName(error), providerDown: isProviderDown(error) };
      }
    },
  };
}
