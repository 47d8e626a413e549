import type { Catalogue } from '../domain/categories.ts';
import type { Classification, Language } from '../domain/classification.ts';
import { html } from '../i18n/html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { AckPart, OutgoingMessage } from '../outbox/outbox.ts';

/** What the bot says to people, built from the locale files. Everything a person typed is escaped by the translator. */
export interface Replies {
  ack(part: AckPart): OutgoingMessage;
  combineAcks(parts: AckPart[]): string;
  alert(language: Language, report: { ticket: number; text: string; classification: Classification; unitName: string | null }): OutgoingMessage;
  handlingTime(language: Language, hours: number): string;
}

const ALERT_TEXT_MAX = 2500;

export function createReplies(tr: Translator, catalogue: Catalogue): Replies {
  const handlingTime = (language: Language, hours: number) =>
    hours < 72 || hours % 24 !== 0 ? tr.t(language, 'time.hours', { n: hours }) : tr.t(language, 'time.days', { n: hours / 24 });

  function nextStep(part: AckPart): string {
    if (part.urgent) return tr.t(part.language, 'next.urgent', { time: handlingTime(part.language, catalogue.urgentDeadlineHours) });
    const hours = catalogue.get(part.category).deadline_hours;
    return tr.t(part.language, `next.${part.kind}`, { time: handlingTime(part.language, hours) });
  }

  return {
    handlingTime,
    ack(part) {
      const text = tr.t(part.language, 'ack', {
        ticket: part.ticket,
        category: catalogue.name(part.category, part.language),
        next: html(nextStep(part)),
      });
      return { type: 'text', html: text, ack: part };
    },
    combineAcks(parts) {
      const language = parts[parts.length - 1]?.language ?? 'zh';
      const flooded = parts.some((p) => p.flooded);
      if (parts.length === 1 && parts[0]) {
        const only = parts[0];
        const single = tr.t(language, 'ack', {
          ticket: only.ticket,
          category: catalogue.name(only.category, language),
          next: html(nextStep(only)),
        });
        return flooded ? `${single}\n\n${tr.t(language, 'flood')}` : single;
      }
      const lines = parts
        .map((p) => tr.t(language, 'ack.batch_line', { ticket: p.ticket, category: catalogue.name(p.category, language) }))
        .join('\n');
      const blocks = [tr.t(language, 'ack.batch', { n: parts.length, lines: html(lines) })];
      if (parts.some((p) => p.urgent)) blocks.push(tr.t(language, 'ack.batch_urgent'));
      if (flooded) blocks.push(tr.t(language, 'flood'));
      return blocks.join('\n\n');
    },
    alert(language, report) {
      const c = report.classification;
      return {
        type: 'text',
        html: tr.t(language, 'alert', {
          ticket: report.ticket,
          category: catalogue.name(c.category, language),
          unit: report.unitName ?? c.unit ?? tr.t(language, 'unit.unknown'),
          summary: c.summary,
          // The alert must fit Telegram's 4096 characters whatever the resident sent; /problem shows the rest.
          text: Array.from(report.text).length > ALERT_TEXT_MAX ? `${Array.from(report.text).slice(0, ALERT_TEXT_MAX).join('')}…` : report.text,
        }),
      };
    },
  };
}
