import type { Bot, Context } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';

/**
 * Stand-ins for Telegram when the real app runs offline (the sample simulation, `npm run digest -- --sample`):
 * the updates a resident's message arrives as, and an API that answers every call the way Telegram would.
 */

export const SAMPLE_BOT_INFO: UserFromGetMe = {
  id: 7_000_000_001,
  is_bot: true,
  first_name: 'Minyi',
  username: 'minyi_sample_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

export interface RecordedCall {
  method: string;
  payload: Record<string, unknown>;
}

/**
 * Answer every Bot API call locally, like Telegram would, and count what was sent. Install before
 * anything is sent; `keep` records the calls themselves (off by default: a simulation sends thousands).
 */
export function installOfflineTelegram<C extends Context>(bot: Bot<C>, options: { keep?: boolean } = {}): { calls: RecordedCall[]; count: () => number } {
  const calls: RecordedCall[] = [];
  let count = 0;
  let messageId = 1;
  bot.api.config.use(async (_prev, method, payload) => {
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
