import type { Chat, Update, User } from 'grammy/types';

/**
 * Builders for the updates Telegram sends, so tests read like what a person does. One message builder
 * underneath: a private or group message, a command (with its entity), a reply, a service message.
 */

let nextUpdateId = 1_000;
let nextMessageId = 1;

export interface Person {
  id: number;
  first_name?: string;
  language_code?: string;
}

export const resident = (id: number, language_code = 'zh-hans'): Person => ({ id, first_name: `Resident ${id}`, language_code });

/** The message being replied to (a survey, a prompt with force_reply). */
export interface ReplyTarget {
  message_id: number;
  from?: { id: number; is_bot: boolean; first_name: string };
  text?: string;
}

export interface MessageExtra {
  messageId?: number;
  updateId?: number;
  replyTo?: ReplyTarget;
}

/** A group chat: by id (a supergroup), or spelled out (a basic group before its upgrade). */
export type GroupChat = number | { id: number; type: 'group' | 'supergroup'; title?: string };

function commandEntities(text: string) {
  const match = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  return match ? [{ type: 'bot_command' as const, offset: 0, length: match[0].length }] : undefined;
}

const userOf = (from: Person, fallbackName: string): User => ({
  id: from.id,
  is_bot: false,
  first_name: from.first_name ?? fallbackName,
  ...(from.language_code && { language_code: from.language_code }),
});

const textFields = (text: string): Record<string, unknown> => {
  const entities = commandEntities(text);
  return { text, ...(entities && { entities }) };
};

/** The one message builder the others are made of. */
function messageUpdate(chat: Chat, from: User, fields: Record<string, unknown>, extra: MessageExtra, replyChat: Chat): Update {
  return {
    update_id: extra.updateId ?? nextUpdateId++,
    message: {
      message_id: extra.messageId ?? nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat,
      from,
      ...fields,
      ...(extra.replyTo && { reply_to_message: { ...extra.replyTo, date: 0, chat: replyChat } }),
    },
  } as Update;
}

const privateChat = (from: Person): Chat => ({ id: from.id, type: 'private', first_name: from.first_name ?? 'R' });

export function privateMessage(from: Person, fields: Record<string, unknown>, extra: MessageExtra = {}): Update {
  return messageUpdate(privateChat(from), userOf(from, 'R'), fields, extra, privateChat(from));
}

export function privateText(from: Person, text: string, extra: MessageExtra = {}): Update {
  return privateMessage(from, textFields(text), extra);
}

/** A message in a group: text, or service fields such as `migrate_to_chat_id`. */
export function groupMessage(chat: GroupChat, from: Person, fields: Record<string, unknown>, extra: MessageExtra = {}): Update {
  const spelled = typeof chat === 'number' ? { id: chat, type: 'supergroup' as const } : chat;
  const title = spelled.title ?? `Group ${spelled.id}`;
  return messageUpdate({ id: spelled.id, type: spelled.type, title }, userOf(from, 'Staff'), fields, extra, { id: spelled.id, type: spelled.type, title: 'g' });
}

export function groupText(chat: GroupChat, from: Person, text: string, extra: MessageExtra = {}): Update {
  return groupMessage(chat, from, textFields(text), extra);
}

/** A press of an inline button under the bot's message `messageId` (any data: tests forge it too). */
export function callback(
  chatId: number,
  from: Person,
  data: string,
  messageId = 1,
  chatType: 'private' | 'supergroup' = chatId > 0 ? 'private' : 'supergroup',
  messageText = 'earlier message',
): Update {
  return {
    update_id: nextUpdateId++,
    callback_query: {
      id: String(nextUpdateId),
      from: userOf(from, 'P'),
      chat_instance: 'ci',
      data,
      message: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: chatType === 'private' ? { id: chatId, type: 'private', first_name: 'R' } : { id: chatId, type: 'supergroup', title: 'g' },
        from: { id: 42, is_bot: true, first_name: 'Minyi' },
        text: messageText,
      },
    },
  } as Update;
}
