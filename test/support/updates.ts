import type { Update } from 'grammy/types';

/** Builders for the updates Telegram sends, so tests read like what a person does. */

let nextUpdateId = 1_000;
let nextMessageId = 1;

export interface Person {
  id: number;
  first_name?: string;
  language_code?: string;
}

export const resident = (id: number, language_code = 'zh-hans'): Person => ({ id, first_name: `Resident ${id}`, language_code });

function commandEntities(text: string) {
  const match = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  return match ? [{ type: 'bot_command' as const, offset: 0, length: match[0].length }] : undefined;
}

export function privateText(from: Person, text: string, extra: { messageId?: number; updateId?: number } = {}): Update {
  const entities = commandEntities(text);
  return {
    update_id: extra.updateId ?? nextUpdateId++,
    message: {
      message_id: extra.messageId ?? nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: from.id, type: 'private', first_name: from.first_name ?? 'R' },
      from: { id: from.id, is_bot: false, first_name: from.first_name ?? 'R', ...(from.language_code && { language_code: from.language_code }) },
      text,
      ...(entities && { entities }),
    },
  } as Update;
}

export function privateMessage(from: Person, fields: Record<string, unknown>, extra: { messageId?: number; updateId?: number } = {}): Update {
  return {
    update_id: extra.updateId ?? nextUpdateId++,
    message: {
      message_id: extra.messageId ?? nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: from.id, type: 'private', first_name: from.first_name ?? 'R' },
      from: { id: from.id, is_bot: false, first_name: from.first_name ?? 'R', ...(from.language_code && { language_code: from.language_code }) },
      ...fields,
    },
  } as Update;
}

export function groupText(chatId: number, from: Person, text: string, extra: { replyTo?: { message_id: number; from?: { id: number; is_bot: boolean; first_name: string } } } = {}): Update {
  const entities = commandEntities(text);
  return {
    update_id: nextUpdateId++,
    message: {
      message_id: nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: 'supergroup', title: `Group ${chatId}` },
      from: { id: from.id, is_bot: false, first_name: from.first_name ?? 'Staff', ...(from.language_code && { language_code: from.language_code }) },
      text,
      ...(entities && { entities }),
      ...(extra.replyTo && { reply_to_message: { ...extra.replyTo, date: 0, chat: { id: chatId, type: 'supergroup', title: 'g' } } }),
    },
  } as Update;
}

export function callback(chatId: number, from: Person, data: string, messageId = 1, chatType: 'private' | 'supergroup' = chatId > 0 ? 'private' : 'supergroup'): Update {
  return {
    update_id: nextUpdateId++,
    callback_query: {
      id: String(nextUpdateId),
      from: { id: from.id, is_bot: false, first_name: from.first_name ?? 'P', ...(from.language_code && { language_code: from.language_code }) },
      chat_instance: 'ci',
      data,
      message: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: chatType === 'private' ? { id: chatId, type: 'private', first_name: 'R' } : { id: chatId, type: 'supergroup', title: 'g' },
        from: { id: 42, is_bot: true, first_name: 'Minyi' },
        text: 'earlier message',
      },
    },
  } as Update;
}
