import type { Bot, Context } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { DEFAULT_BOT_INFO } from '../emulator/bot-api-emulator.ts';

/**
 * Stand-ins for Telegram when the real app runs offline (the sample simulation, `npm run digest -- --sample`):
 * the updates a resident's message arrives as, and an API that answers every call the way Telegram would.
 */

export const SAMPLE_BOT_INFO: UserFromGetMe = { ...DEFAULT_BOT_INFO, username: 'minyi_sample_bot' };

export interface RecordedCall {
  method: string;
  payload: Record<string, unknown>;
}

/**
 * Answer every Bot API call locally, like Telegram would, and count what was sent. Install before
 * anything is sent; `keep` records the calls themselves (off by default: a simulation sends thousands).
 */
export function installOfflineTelegram<C extends Context>(
  bot: Bot<C>,
  options: {
    keep?: boolean;
    /** Answer this call with a Telegram error instead (tests of 403/429 handling). */
    fail?: (method: string) => { error_code: number; description: string; parameters?: Record<string, unknown> } | undefined;
    firstMessageId?: number;
  } = {},
): { calls: RecordedCall[]; count: () => number } {
  const calls: RecordedCall[] = [];
  let count = 0;
  let messageId = options.firstMessageId ?? 1;
  bot.api.config.use(async (_prev, method, payload) => {
    const failure = options.fail?.(method);
    if (failure) return { ok: false, ...failure } as never;
    count++;
    const p = (payload ?? {}) as Record<string, unknown>;
    if (options.keep) calls.push({ method, payload: p });
    const sends = method.startsWith('send') || method.startsWith('edit');
    const result = sends ? { message_id: messageId++, date: Math.floor(Date.now() / 1000), chat: { id: p.chat_id, type: 'private' }, text: p.text } : true;
    return { ok: true, result } as never;
  });
  return { calls, count: () => count };
}

/** A resident's private text message as Telegram delivers it. */
export function privateTextUpdate(options: {
  updateId: number;
  messageId: number;
  userId: number;
  firstName: string;
  languageCode: string;
  text: string;
  at: number;
}): Update {
  const from = { id: options.userId, is_bot: false, first_name: options.firstName, language_code: options.languageCode };
  return {
    update_id: options.updateId,
    message: {
      message_id: options.messageId,
      date: Math.floor(options.at / 1000),
      chat: { id: options.userId, type: 'private', first_name: options.firstName },
      from,
      text: options.text,
    },
  } as Update;
}
