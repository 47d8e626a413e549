import { GrammyError, HttpError, InputFile, type Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { splitHtml } from '../digest/split-html.ts';
import { fitMessage, htmlToPlain, TELEGRAM_CAPTION_LIMIT } from '../outbox/fit-message.ts';
import type { Button, OutgoingMessage } from '../outbox/outbox.ts';
import type { DeliveryOutcome, Transport } from '../outbox/sender.ts';
import type { MediaKind } from '../media/media.ts';

export const keyboard = (rows: Button[][]): InlineKeyboardMarkup => ({
  inline_keyboard: rows.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data }))),
});

/** Plain text in pieces of at most `limit` UTF-16 code units, never splitting a character. */
function plainPieces(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const char of text) {
    if (piece.length + char.length > limit) {
      pieces.push(piece);
      piece = '';
    }
    piece += char;
  }
  if (piece.trim() !== '') pieces.push(piece);
  return pieces;
}

const isRefusal = (error: unknown, pattern: RegExp): error is GrammyError =>
  error instanceof GrammyError && error.error_code === 400 && pattern.test(error.description);
const TOO_LONG = /too long/i;
const BAD_MARKUP = /can't parse entities/i;

/** The outbox's messenger: Telegram through grammY, errors sorted into retry, give up, or blocked. */
export function createTelegramTransport(api: Api): Transport {
  /** A file Telegram already holds, by its file id, with the method for its kind. */
  function sendByFileId(chatId: number, media: MediaKind, fileId: string, other: { caption?: string; parse_mode?: 'HTML' }) {
    switch (media) {
      case 'voice':
        return api.sendVoice(chatId, fileId, other);
      case 'audio':
        return api.sendAudio(chatId, fileId, other);
      case 'video_note':
        return api.sendVideoNote(chatId, fileId);
      case 'photo':
        return api.sendPhoto(chatId, fileId, other);
      case 'video':
        return api.sendVideo(chatId, fileId, other);
      case 'animation':
        return api.sendAnimation(chatId, fileId, other);
      case 'document':
        return api.sendDocument(chatId, fileId, other);
    }
  }

  async function send(chatId: number, message: OutgoingMessage, plain = false): Promise<number> {
    const parse_mode = plain ? undefined : ('HTML' as const);
    switch (message.type) {
      case 'text': {
        const sent = await api.sendMessage(chatId, plain ? htmlToPlain(message.html) : message.html, {
          parse_mode,
          link_preview_options: { is_disabled: true },
          ...(message.buttons && { reply_markup: keyboard(message.buttons) }),
          ...(message.replyTo !== undefined && { reply_parameters: { message_id: message.replyTo, allow_sending_without_reply: true } }),
        });
        return sent.message_id;
      }
      case 'photo': {
        const sent = await api.sendPhoto(chatId, new InputFile(Buffer.from(message.pngBase64, 'base64'), 'chart.png'), {
          caption: plain ? htmlToPlain(message.captionHtml) : message.captionHtml,
          parse_mode,
        });
        return sent.message_id;
      }
      case 'document': {
        const sent = await api.sendDocument(chatId, new InputFile(Buffer.from(message.contentBase64, 'base64'), message.filename), {
          ...(message.captionHtml && { caption: plain ? htmlToPlain(message.captionHtml) : message.captionHtml, parse_mode }),
        });
        return sent.message_id;
      }
      case 'telegram_file': {
        const other = { ...(message.captionHtml && { caption: plain ? htmlToPlain(message.captionHtml) : message.captionHtml, parse_mode }) };
        const sent = await sendByFileId(chatId, message.media, message.fileId, other);
        return sent.message_id;
      }
    }
  }

  /**
   * One message that should fit. If Telegram still refuses it as too long (it measured differently) or its
   * markup, it goes out anyway: in smaller pieces, the file without its caption, or as plain text.
   */
  async function sendOne(chatId: number, message: OutgoingMessage): Promise<number> {
    try {
      return await send(chatId, message);
    } catch (error) {
      if (isRefusal(error, BAD_MARKUP)) return sendPlain(chatId, message);
      if (!isRefusal(error, TOO_LONG)) throw error;
      if (message.type === 'text') {
        const halves = splitHtml(message.html, Math.floor(message.html.length / 2) + 1);
        if (halves.length < 2) return sendPlain(chatId, message);
        let last = 0;
        for (const [i, html] of halves.entries()) {
          last = await sendOne(chatId, { type: 'text', html, ...(i === halves.length - 1 && message.buttons && { buttons: message.buttons }) });
        }
        return last;
      }
      const { captionHtml, ...file } = message;
      const fileId = await send(chatId, file.type === 'photo' ? { ...file, captionHtml: '' } : file);
      return captionHtml ? sendOne(chatId, { type: 'text', html: captionHtml }) : fileId;
    }
  }

  /** The words without markup, in pieces Telegram accepts; the buttons on the last. */
  async function sendPlain(chatId: number, message: OutgoingMessage): Promise<number> {
    if (message.type !== 'text') {
      const caption = htmlToPlain(message.captionHtml ?? '');
      if (caption.length <= TELEGRAM_CAPTION_LIMIT) return send(chatId, message, true);
      const fileId = await send(chatId, message.type === 'photo' ? { ...message, captionHtml: '' } : { ...message, captionHtml: undefined } as OutgoingMessage, true);
      return caption.trim() ? sendPlain(chatId, { type: 'text', html: message.captionHtml ?? '' }) : fileId;
    }
    const pieces = plainPieces(htmlToPlain(message.html), 4096);
    let last = 0;
    for (const [i, piece] of pieces.entries()) {
      const sent = await api.sendMessage(chatId, piece, {
        link_preview_options: { is_disabled: true },
        ...(i === pieces.length - 1 && message.buttons && { reply_markup: keyboard(message.buttons) }),
      });
      last = sent.message_id;
    }
    return last;
  }

  return {
    async deliver(chatId, message) {
      try {
        // The outbox queues messages that fit; messages it combines at sending time are measured here again.
        let messageId = 0;
        for (const piece of fitMessage(message)) messageId = await sendOne(chatId, piece);
        return { ok: true, messageId };
      } catch (error) {
        return classify(error);
      }
    },
  };
}

function classify(error: unknown): DeliveryOutcome {
  if (error instanceof GrammyError) {
    const description = `${error.error_code} ${error.description}`;
    if (error.error_code === 429) {
      const seconds = error.parameters.retry_after ?? 5;
      return { ok: false, retry: true, error: description, retryAfterMs: seconds * 1000 };
    }
    if (error.error_code >= 500) return { ok: false, retry: true, error: description };
    if (error.error_code === 403) return { ok: false, retry: false, error: description, blocked: true };
    // "group chat was upgraded to a supergroup chat": the message is fine, the chat has a new id.
    const migratedTo = error.parameters.migrate_to_chat_id;
    if (typeof migratedTo === 'number') return { ok: false, retry: false, error: description, blocked: false, migratedTo };
    // Deleted accounts, bad requests: retrying cannot help.
    return { ok: false, retry: false, error: description, blocked: false };
  }
  if (error instanceof HttpError) return { ok: false, retry: true, error: `network: ${error.message}` };
  return { ok: false, retry: true, error: error instanceof Error ? error.message : String(error) };
}
