import type {
  ForceReply,
  InlineKeyboardMarkup,
  ReplyKeyboardMarkup,
  ReplyKeyboardRemove,
} from 'grammy/types';
import { utf8ByteLength } from './text-entities.ts';

export type ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply;

export type MarkupCheck = { ok: true; markup: ReplyMarkup } | { ok: false; description: string };

const INLINE_ACTIONS = [
  'callback_data',
  'url',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'callback_game',
  'pay',
  'web_app',
  'copy_text',
] as const;

const CANT_PARSE = "Bad Request: can't parse reply keyboard markup JSON object";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isArrayOfArrays = (value: unknown): value is unknown[][] =>
  Array.isArray(value) && value.every((row) => Array.isArray(row));

/** Validates `reply_markup` as Telegram does; a form-encoded request carries it as a JSON string. */
export function checkReplyMarkup(raw: unknown): MarkupCheck {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, description: CANT_PARSE };
    }
  }
  if (!isObject(value)) return { ok: false, description: CANT_PARSE };

  if ('inline_keyboard' in value) {
    if (!isArrayOfArrays(value.inline_keyboard)) {
      return {
        ok: false,
        description: 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
      };
    }
    for (const row of value.inline_keyboard) {
      for (const button of row) {
        const problem = checkInlineButton(button);
        if (problem) return { ok: false, description: problem };
      }
    }
    return { ok: true, markup: value as unknown as InlineKeyboardMarkup };
  }
  if ('keyboard' in value) {
    if (!isArrayOfArrays(value.keyboard)) {
      return { ok: false, description: 'Bad Request: field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays' };
    }
    for (const row of value.keyboard) {
      for (const button of row) {
        const text = typeof button === 'string' ? button : isObject(button) ? button.text : undefined;
        if (typeof text !== 'string') {
          return { ok: false, description: 'Bad Request: can\'t parse keyboard button: Field "text" must be of type String' };
        }
        if (text.length === 0) return { ok: false, description: 'Bad Request: keyboard button text is empty' };
      }
    }
    return { ok: true, markup: value as unknown as ReplyKeyboardMarkup };
  }
  if ('remove_keyboard' in value) {
    if (value.remove_keyboard !== true) return { ok: false, description: 'Bad Request: field "remove_keyboard" must be true' };
    return { ok: true, markup: value as unknown as ReplyKeyboardRemove };
  }
  if ('force_reply' in value) {
    if (value.force_reply !== true) return { ok: false, description: 'Bad Request: field "force_reply" must be true' };
    return { ok: true, markup: value as unknown as ForceReply };
  }
  return { ok: false, description: CANT_PARSE };
}

function checkInlineButton(button: unknown): string | undefined {
  if (!isObject(button)) return "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object";
  if (typeof button.text !== 'string') {
    return 'Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String';
  }
  if (button.text.trim().length === 0) return 'Bad Request: BUTTON_TEXT_INVALID';
  const actions = INLINE_ACTIONS.filter((key) => button[key] !== undefined);
  if (actions.length === 0) {
    return "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard";
  }
  if (actions.length > 1) {
    return `Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used, got ${actions.join(', ')}`;
  }
  if (button.callback_data !== undefined) {
    const data = button.callback_data;
    if (typeof data !== 'string') {
      return 'Bad Request: can\'t parse inline keyboard button: Field "callback_data" must be of type String';
    }
    const bytes = utf8ByteLength(data);
    if (bytes < 1 || bytes > 64) return 'Bad Request: BUTTON_DATA_INVALID';
  }
  if (button.url !== undefined) {
    if (typeof button.url !== 'string' || !/^(https?|tg):\/\/[^\s]+$/i.test(button.url)) {
      return 'Bad Request: BUTTON_URL_INVALID';
    }
  }
  return undefined;
}

export function isInlineKeyboard(markup: ReplyMarkup | undefined): markup is InlineKeyboardMarkup {
  return markup !== undefined && 'inline_keyboard' in markup;
}

/** Every callback_data on a message's inline keyboard. */
export function callbackDataOf(markup: InlineKeyboardMarkup | undefined): string[] {
  if (!markup) return [];
  return markup.inline_keyboard.flat().flatMap((b) => ('callback_data' in b && b.callback_data ? [b.callback_data] : []));
}
