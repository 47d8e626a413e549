import { splitHtml, TELEGRAM_TEXT_LIMIT } from '../digest/split-html.ts';
import { visibleLength } from '../i18n/html.ts';
import type { Button, OutgoingMessage } from './outbox.ts';

/** Telegram's limits: a caption's length after HTML parsing (UTF-16 code units), a button's callback data in bytes. */
export const TELEGRAM_CAPTION_LIMIT = 1024;
export const CALLBACK_DATA_LIMIT = 64;
/** A message longer than this many parts goes out as its first part plus the whole text as a file. */
export const MAX_PARTS = 8;

/** Our HTML minus the tags, entities decoded: what a person reads. */
export const htmlToPlain = (html: string): string =>
  html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

const blank = (html: string) => htmlToPlain(html).trim() === '';

/** Buttons Telegram would refuse (callback data over 64 bytes) cannot work; the message goes without them. */
function fitButtons(rows: Button[][] | undefined): Button[][] | undefined {
  if (!rows) return undefined;
  const kept = rows.map((row) => row.filter((b) => Buffer.byteLength(b.data, 'utf8') <= CALLBACK_DATA_LIMIT && b.data !== '')).filter((row) => row.length > 0);
  return kept.length > 0 ? kept : undefined;
}

/** Raw HTML up to about `max` characters, cut at a line end, else outside any tag or entity. */
function headOf(html: string, max: number): string {
  if (html.length <= max) return html;
  let cut = html.lastIndexOf('\n', max);
  if (cut <= 0) {
    cut = max;
    const tag = html.lastIndexOf('<', cut - 1);
    if (tag > html.lastIndexOf('>', cut - 1)) cut = tag;
    const entity = html.lastIndexOf('&', cut - 1);
    if (entity > html.lastIndexOf(';', cut - 1)) cut = entity;
  }
  return html.slice(0, cut);
}

/** Text parts, each within Telegram's limit; a text too long for MAX_PARTS messages is its first part plus a file. */
function textParts(html: string, limit: number): { parts: string[]; rest?: string } {
  // Measured before splitting so that a megabyte of text costs one pass, not a split into hundreds of parts.
  if (visibleLength(html) <= limit * MAX_PARTS) {
    const parts = splitHtml(html, limit).filter((part) => !blank(part));
    if (parts.length <= MAX_PARTS) return { parts };
  }
  const first = splitHtml(headOf(html, limit * 2), limit - 1)[0] ?? '';
  return { parts: [`${first}…`], rest: htmlToPlain(html) };
}

/**
 * The messages, in order, that say what `message` says and that Telegram accepts: text over 4,096 characters
 * is split (buttons stay on the last part), a caption over 1,024 is cut into the caption and text after the
 * file, and text too long for several messages is sent in full as a file. Always at least one message.
 */
export function fitMessage(message: OutgoingMessage): OutgoingMessage[] {
  switch (message.type) {
    case 'text': {
      const buttons = fitButtons(message.buttons);
      const fits = visibleLength(message.html) <= TELEGRAM_TEXT_LIMIT;
      if (fits && buttons === message.buttons) return [message];
      if (fits || blank(message.html)) {
        const { buttons: _dropped, ...rest } = message;
        return [{ ...rest, ...(buttons && { buttons }) }];
      }
      const { parts, rest } = textParts(message.html, TELEGRAM_TEXT_LIMIT);
      const texts: OutgoingMessage[] = parts.map((html, i) => ({
        type: 'text',
        html,
        ...(i === 0 && message.replyTo !== undefined && { replyTo: message.replyTo }),
        ...(i === parts.length - 1 && buttons && { buttons }),
      }));
      return rest === undefined ? texts : [...texts, { type: 'document', filename: 'message.txt', contentBase64: Buffer.from(rest, 'utf8').toString('base64') }];
    }
    case 'photo':
    case 'document':
    case 'telegram_file': {
      const caption = message.captionHtml;
      if (caption === undefined || visibleLength(caption) <= TELEGRAM_CAPTION_LIMIT) return [message];
      const [head = '', ...tail] = splitHtml(caption, TELEGRAM_CAPTION_LIMIT);
      const file: OutgoingMessage = { ...message, captionHtml: head };
      return tail.length === 0 ? [file] : [file, ...fitMessage({ type: 'text', html: tail.join('\n') })];
    }
  }
}
