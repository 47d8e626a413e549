import { GrammyError, HttpError, InputFile, type Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Button, OutgoingMessage } from '../outbox/outbox.ts';
import type { DeliveryOutcome, Transport } from '../outbox/sender.ts';

export const keyboard = (rows: Button[][]): InlineKeyboardMarkup => ({
  inline_keyboard: rows.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data }))),
});

/** Our HTML minus the tags, entities decoded: what to send as plain text if Telegram ever rejects the markup. */
export const htmlToPlain = (html: string): string =>
  html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** The outbox's messenger: Telegram through grammY, errors sorted into retry, give up, or blocked. */
export function createTelegramTransport(api: Api): Transport {
  async function send(chatId: number, message: OutgoingMessage, plain = false): Promise<number> {
    const parse_mode = plain ? undefined : ('HTML' as const);
    switch (message.type) {
      case 'text': {
        const sent = await api.sendMessage(chatId, plain ? htmlToPlain(message.html) : message.html, {
          parse_mode,
          link_preview_options: { is_disabled: true },
          ...(message.buttons && { reply_markup: keyboard(message.buttons) }),
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
    }
  }

  return {
    async deliver(chatId, message) {
      try {
        return { ok: true, messageId: await send(chatId, message) };
      } catch (error) {
        const outcome = classify(error);
        // Our markup should always be valid; if Telegram disagrees, the person still gets the words.
        if (!outcome.ok && !outcome.retry && /can't parse entities/i.test(outcome.error)) {
          try {
            return { ok: true, messageId: await send(chatId, message, true) };
          } catch (second) {
            return classify(second);
          }
        }
        return outcome;
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
    // A chat that migrated to a supergroup, deleted accounts, bad requests: retrying cannot help.
    return { ok: false, retry: false, error: description, blocked: false };
  }
  if (error instanceof HttpError) return { ok: false, retry: true, error: `network: ${error.message}` };
  return { ok: false, retry: true, error: error instanceof Error ? error.message : String(error) };
}
