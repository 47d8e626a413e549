import type { Catalogue } from '../domain/categories.ts';
import { becomesProblem, type Classification, type Language } from '../domain/classification.ts';
import type { DeadlineRule, DeadlineTerm } from '../domain/deadlines.ts';
import { html } from '../i18n/html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { AckPart, OutgoingMessage } from '../outbox/outbox.ts';

/** What the bot says to people, built from the locale files. Everything a person typed is escaped by the translator. */
export interface Replies {
  ack(part: AckPart): OutgoingMessage;
  combineAcks(parts: AckPart[]): string;
  /** The acknowledgement of a report set aside unclassified: received, and a person will read it. */
  setAside(language: Language, ticket: number): OutgoingMessage;
  alert(language: Language, report: { ticket: number; text: string; classification: Classification; unitName: string | null }): OutgoingMessage;
  handlingTime(language: Language, term: DeadlineTerm): string;
  /** A resident's thanks after a notice about their report, added to that report's history. */
  thanksNoted(language: Language, message: number, ticket: number): OutgoingMessage;
}

const ALERT_TEXT_MAX = 2500;

export function createReplies(tr: Translator, catalogue: Catalogue, deadlines: DeadlineRule): Replies {
  const handlingTime = (language: Language, term: DeadlineTerm) => {
    if ('workingDays' in term) return tr.t(language, 'time.working_days', { n: term.workingDays });
    const hours = term.hours;
    return hours < 72 || hours % 24 !== 0 ? tr.t(language, 'time.hours', { n: hours }) : tr.t(language, 'time.days', { n: hours / 24 });
  };

  const isChitchat = (part: AckPart) => part.kind === 'chitchat' && !part.urgent;
  const numbers = (chat: AckPart[]) => chat.map((p) => `#${p.ticket}`).join(', ');

  /** The promise made to the resident: the same rule that sets the problem's deadline. */
  function nextStep(part: AckPart): string {
    // Anything urgent is handled as a complaint, whatever else it says.
    const term = deadlines.term(part.urgent && !becomesProblem(part.kind) ? 'complaint' : part.kind, part.category, part.urgent);
    if (!term) return tr.t(part.language, `next.${part.kind}`);
    return tr.t(part.language, part.urgent ? 'next.urgent' : `next.${part.kind}`, { time: handlingTime(part.language, term) });
  }

  /** One message's answer: a ticket for a report, thanks for praise, a word on what the channel is for otherwise. */
  function single(part: AckPart, language: Language): string {
    if (isChitchat(part)) return tr.t(language, 'chitchat.reply', { tickets: numbers([part]) });
    if (part.kind === 'praise' && !part.urgent) return tr.t(language, 'praise.thanks', { ticket: part.ticket });
    const ack = tr.t(language, 'ack', { ticket: part.ticket, category: catalogue.name(part.category, language), next: html(nextStep({ ...part, language })) });
    // Joined a problem others reported: say so, counting residents, never naming them (issue 11).
    const others = part.others && part.others > 0 ? `\n${tr.t(language, part.others === 1 ? 'ack.others.one' : 'ack.others.many', { n: part.others })}` : '';
    // A voice note or photo alone: say it will be listened to or looked at (issue 16).
    return part.media ? `${ack}${others}\n${tr.t(language, `media.ack.${part.media}`)}` : `${ack}${others}`;
  }

  return {
    handlingTime,
    ack(part) {
      return { type: 'text', html: single(part, part.language), ack: part };
    },
    thanksNoted: (language, message, ticket) => ({ type: 'text', html: tr.t(language, 'thanks.noted', { message, ticket }) }),
    setAside: (language, ticket) => ({ type: 'text', html: tr.t(language, 'ack.set_aside', { ticket }) }),
    combineAcks(parts) {
      const language = parts[parts.length - 1]?.language ?? 'zh';
      const flooded = parts.some((p) => p.flooded);
      // Chit-chat gets no ticket line; however many arrive at once, the channel is explained once, naming each.
      const chat = parts.filter(isChitchat);
      const reports = parts.filter((p) => !isChitchat(p));
      const blocks: string[] = [];
      if (reports.length === 1) blocks.push(single(reports[0]!, language));
      if (reports.length > 1) {
        const lines = reports
          .map((p) => tr.t(language, 'ack.batch_line', { ticket: p.ticket, category: catalogue.name(p.category, language) }) + (p.others && p.others > 0 ? tr.t(language, 'ack.batch_others', { n: p.others }) : ''))
          .join('\n');
        blocks.push(tr.t(language, 'ack.batch', { n: reports.length, lines: html(lines) }));
        if (reports.some((p) => p.urgent)) blocks.push(tr.t(language, 'ack.batch_urgent'));
      }
      if (chat.length > 0) blocks.push(tr.t(language, reports.length > 0 ? 'chitchat.noted' : 'chitchat.reply', { tickets: numbers(chat) }));
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
