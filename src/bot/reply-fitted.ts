import { InputFile } from 'grammy';
import type { InlineKeyboardMarkup, ReplyParameters } from 'grammy/types';
import { fitMessage } from '../outbox/fit-message.ts';
import type { BotContext } from './context.ts';

export interface FittedExtra {
  /** Quoted by the first part only. */
  reply_parameters?: ReplyParameters;
  /** Kept on the last part, under the end of the text. */
  reply_markup?: InlineKeyboardMarkup;
  link_preview_options?: { is_disabled?: boolean };
}

/** Echoed user text (an unknown unit, search words) in a reply is cut to this many characters. */
export const ECHO_LIMIT = 60;

/** User text to echo back in a reply: short, so an echo never makes a reply too long. Not escaped. */
export function echoOf(text: string, max = ECHO_LIMIT): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * A reply from a handler that Telegram accepts whatever its length: the HTML is cut by the outbox's fitting
 * (one splitter for everything the bot sends) and the parts are sent in order; a text too long for several
 * messages ends with the whole text as a file.
 */
export async function replyFitted(ctx: BotContext, html: string, extra: FittedExtra = {}): Promise<void> {
  const { reply_parameters, reply_markup, ...common } = extra;
  const parts = fitMessage({ type: 'text', html });
  for (const [i, part] of parts.entries()) {
    const first = i === 0;
    const last = i === parts.length - 1;
    const placed = { ...(first && reply_parameters && { reply_parameters }), ...(last && reply_markup && { reply_markup }) };
    if (part.type === 'text') await ctx.reply(part.html, { parse_mode: 'HTML', ...common, ...placed });
    else if (part.type === 'document') await ctx.replyWithDocument(new InputFile(Buffer.from(part.contentBase64, 'base64'), part.filename), placed);
  }
}
