import type { Catalogue } from '../domain/categories.ts';
import { clipLine } from '../domain/text.ts';
import type { Language } from '../domain/classification.ts';
import { formatDate, formatDateTime } from '../domain/time.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { AdoptedSuggestion, Commendation, OtherMessage } from '../intake/kind-queries.ts';
import type { Button, OutgoingMessage } from '../outbox/outbox.ts';

/** Callback data of the one-press promotion in /inbox other: ib:p:<report>. */
export const PROMOTE_PATTERN = /^ib:p:(\d{1,12})$/;

/** What staff are shown of praise, chit-chat and adopted suggestions. Everything residents wrote is escaped. */
export interface KindNotices {
  /** Posted to every staff chat when praise arrives: the unit named, the resident's words. */
  commendation(language: Language, praise: { ticket: number; text: string; category: string; unitName: string | null }): OutgoingMessage;
  praiseList(language: Language, period: string, unitName: string | null, result: { total: number; list: Commendation[] }): string;
  otherInbox(language: Language, result: { total: number; list: OtherMessage[] }): OutgoingMessage;
  adoptedLines(language: Language, result: { total: number; list: AdoptedSuggestion[] }): string | null;
}

const TEXT_MAX = 600;
const LINE_MAX = 80;

export function createKindNotices(tr: Translator, catalogue: Catalogue, unitName: (id: string) => string | undefined, timezone: string): KindNotices {
  const words = (language: Language, text: string | null, summary: string | null, max: number) =>
    text !== null ? clipLine(text, max) : summary !== null ? clipLine(summary, max) : tr.t(language, 'staff.detail.erased');

  return {
    commendation(language, praise) {
      return {
        type: 'text',
        html: tr.t(language, 'praise.staff', {
          ticket: praise.ticket,
          unit: praise.unitName ?? tr.t(language, 'unit.unknown'),
          category: catalogue.name(praise.category, language),
          text: clipLine(praise.text, TEXT_MAX),
        }),
      };
    },

    praiseList(language, period, unit, result) {
      const header = tr.t(language, 'praise.list.header', { period, unit: unit ?? tr.t(language, 'praise.list.all_units'), n: result.total });
      if (result.total === 0) return `${header}\n${tr.t(language, 'praise.list.empty')}`;
      const lines = result.list.map((c) =>
        tr.t(language, 'praise.list.line', {
          ticket: c.id,
          at: formatDate(c.receivedAt, timezone),
          unit: (c.unitId ? unitName(c.unitId) : undefined) ?? c.unitWritten ?? tr.t(language, 'unit.unknown'),
          text: words(language, c.text, c.summary, LINE_MAX),
        }),
      );
      const more = result.total > result.list.length ? [tr.t(language, 'praise.list.more', { n: result.total - result.list.length })] : [];
      return [header, ...lines, ...more].join('\n');
    },

    otherInbox(language, result) {
      if (result.total === 0) return { type: 'text', html: tr.t(language, 'inbox.other.empty') };
      const lines = result.list.map((m) =>
        tr.t(language, 'inbox.other.line', { ticket: m.id, at: formatDateTime(m.receivedAt, timezone), text: words(language, m.text, m.summary, LINE_MAX) }),
      );
      const buttons: Button[][] = result.list.map((m) => [{ text: tr.t(language, 'inbox.other.promote', { ticket: m.id }), data: `ib:p:${m.id}` }]);
      return { type: 'text', html: [tr.t(language, 'inbox.other.header', { n: result.total, shown: result.list.length }), ...lines].join('\n'), buttons };
    },

    adoptedLines(language, result) {
      if (result.total === 0) return null;
      const lines = result.list.map((s) =>
        tr.t(language, 'digest.adopted_line', { id: s.id, title: clipLine(s.title, LINE_MAX), unit: (s.unitId ? unitName(s.unitId) : undefined) ?? tr.t(language, 'unit.unknown') }),
      );
      return [tr.t(language, 'digest.adopted', { n: result.total }), ...lines].join('\n');
    },
  };
}
