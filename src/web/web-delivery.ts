import type { Db } from '../db/database.ts';
import type { OutgoingMessage } from '../outbox/outbox.ts';
import type { DeliveryOutcome, Transport } from '../outbox/sender.ts';
import type { ContactNotifier } from './contact.ts';
import { createWebStore } from './web-store.ts';

/**
 * The outbox's delivery for the web channel: what a Telegram resident would receive as a message becomes a notice
 * on the tracking page (plain text; the page escapes it). A resident who left a contact is also handed to the
 * ContactNotifier (ids only). Never touches Telegram.
 */
export function createWebDelivery(db: Db, notifier: ContactNotifier, now: () => number = Date.now): Transport {
  const web = createWebStore(db);

  return {
    async deliver(chatId: number, message: OutgoingMessage): Promise<DeliveryOutcome> {
      const report = web.reportAt(chatId);
      // Forgotten (its address erased) or never a web report: nothing to show it on.
      if (!report) return { ok: false, retry: false, error: 'no web report at this address', blocked: false };
      const kind = noticeKind(message);
      const text = plainText(message);
      // The survey's last paragraph tells a Telegram user to reply to the message; the page has its own form.
      const shown = kind === 'survey' && text.includes('\n\n') ? text.slice(0, text.lastIndexOf('\n\n')) : text;
      const noticeId = web.addNotice(report.reportId, kind, shown, now());
      if (report.hasContact) notifier.noticeQueued({ reportId: report.reportId, noticeId, kind });
      return { ok: true, messageId: noticeId };
    },
  };
}

function noticeKind(message: OutgoingMessage): string {
  if (message.type !== 'text') return 'notice';
  if (message.ack) return 'ack';
  if (message.buttons?.some((row) => row.some((b) => b.data.startsWith('sv:')))) return 'survey';
  return 'notice';
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&amp;': '&', '&#39;': "'" };

/** Telegram HTML built by us from escaped parts → the words it shows (tags dropped, entities decoded once). */
export function plainText(message: OutgoingMessage): string {
  const htmlText = message.type === 'text' ? message.html : message.type === 'telegram_file' || message.type === 'document' ? (message.captionHtml ?? '') : message.captionHtml;
  return htmlText.replace(/<[^>]*>/g, '').replace(/&(?:lt|gt|quot|amp|#39);/g, (entity) => ENTITIES[entity]!);
}
