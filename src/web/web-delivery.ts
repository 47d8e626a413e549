import type { Db } from '../db/database.ts';
import type { OutgoingMessage } from '../outbox/outbox.ts';
import type { DeliveryOutcome, Transport } from '../outbox/sender.ts';
import type { ContactNotifier } from './contact.ts';

/**
 * The outbox's delivery for the web channel: what a Telegram resident would receive as a message becomes a notice
 * on the tracking page (plain text; the page escapes it). A resident who left a contact is also handed to the
 * ContactNotifier (ids only). Never touches Telegram.
 */
export function createWebDelivery(db: Db, notifier: ContactNotifier, now: () => number = Date.now): Transport {
  const reportOf = db.prepare(
    `SELECT r.id, w.contact_sealed IS NOT NULL AS has_contact FROM reports r JOIN web_reports w ON w.report_id = r.id
     WHERE r.chat_id = ? ORDER BY r.id LIMIT 1`,
  );
  const insert = db.prepare('INSERT INTO web_notices (report_id, kind, text, at) VALUES (?, ?, ?, ?)');

  return {
    async deliver(chatId: number, message: OutgoingMessage): Promise<DeliveryOutcome> {
      const report = reportOf.get(chatId) as { id: number; has_contact: number } | undefined;
      // Forgotten (its address erased) or never a web report: nothing to show it on.
      if (!report) return { ok: false, retry: false, error: 'no web report at this address', blocked: false };
      const kind = noticeKind(message);
      const text = plainText(message);
      // The survey's last paragraph tells a Telegram user to reply to the message; the page has its own form.
      const shown = kind === 'survey' && text.includes('\n\n') ? text.slice(0, text.lastIndexOf('\n\n')) : text;
      const noticeId = Number(insert.run(report.id, kind, shown, now()).lastInsertRowid);
      if (report.has_contact === 1) notifier.noticeQueued({ reportId: report.id, noticeId, kind });
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
