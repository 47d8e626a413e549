import { readFileSync } from 'node:fs';
import type OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import type { Language, Result } from '../domain/classification.ts';
import { failureName, isProviderDown, parseChat } from './openai-chat.ts';

/** Photo → words (issue 16): what is broken, wrong or dangerous, in the resident's language. */
export interface PhotoDescription {
  description: string;
  /** Someone, above all a child, is at immediate risk in what the photo shows. */
  urgent: boolean;
}

export interface Describer {
  describe(image: Uint8Array, mimeType: string, language: Language): Promise<Result<PhotoDescription> & { providerDown?: boolean }>;
}

const PhotoSchema = z.object({ description: z.string(), urgent: z.boolean() });
const DESCRIPTION_MAX = 400;
export const DEFAULT_DESCRIBE_PROMPT_PATH = new URL('../../prompts/describe-photo.md', import.meta.url);

export function createOpenAiDescriber(options: { client: OpenAI; model: string; timeoutMs: number; promptPath?: URL }): Describer {
  const prompt = readFileSync(options.promptPath ?? DEFAULT_DESCRIBE_PROMPT_PATH, 'utf8');
  const format = zodResponseFormat(PhotoSchema, 'photo_description');
  return {
    async describe(image, mimeType, language) {
      try {
        // The image and the language only: nothing that says who sent it.
        const message = await parseChat(options.client, {
          model: options.model,
          format,
          system: prompt,
          user: [
            { type: 'text', text: language === 'zh' ? '请用中文描述。' : 'Describe it in English.' },
            { type: 'image_url', image_url: { url: `data:${mimeType};base64,${Buffer.from(image).toString('base64')}` } },
          ],
          timeoutMs: options.timeoutMs,
        });
        const parsed = message?.parsed;
        if (!parsed) return { success: false, message: 'no description' };
        const description = Array.from(parsed.description.replace(/\s+/g, ' ').trim()).slice(0, DESCRIPTION_MAX).join('');
        return description ? { success: true, data: { description, urgent: parsed.urgent } } : { success: false, message: 'empty description' };
      } catch (error) {
        return { success: false, message: failureName(error), providerDown: isProviderDown(error) };
      }
    },
  };
}
