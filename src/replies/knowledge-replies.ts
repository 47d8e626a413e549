import type { Language } from '../domain/classification.ts';
import { escapeHtml, html } from '../i18n/html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { KnowledgeOutcome } from '../knowledge/answering.ts';
import type { KnowledgeEntry } from '../knowledge/knowledge-base.ts';
import type { QuestionGap } from '../knowledge/knowledge-store.ts';
import type { Button, OutgoingMessage } from '../outbox/outbox.ts';
import { clipLine } from '../domain/text.ts';

/** Callback data of "did this answer your question?": kb:y:<report> and kb:n:<report>. */
export const KNOWLEDGE_PATTERN = /^kb:(y|n):(\d{1,12})$/;

/**
 * Callback data of the suggestions ("您是想问…?"): kbs:<report>:<index of the suggestion> and kbs:<report>:x for
 * "none of these". Built from the report id and the index only (at most 21 bytes, within Telegram's 64), never
 * from a heading.
 */
export const SUGGESTION_PATTERN = /^kbs:(\d{1,12}):(\d{1,2}|x)$/;
export const NONE_OF_THESE = 'x';
/** A suggestion button's text: the heading, clipped (Telegram shows long buttons cut anyway, and less legibly). */
const BUTTON_MAX_CHARS = 40;

/** Staff lists are cut to fit one Telegram message (4096) with room to spare. */
const LIST_MAX_CHARS = 3600;

export interface KnowledgeReplies {
  /** The entry quoted (or the composed answer with the entries it cites), with yes/no buttons. */
  answer(language: Language, reportId: number, outcome: Extract<KnowledgeOutcome, { answered: true }>): OutgoingMessage & { type: 'text' };
  /** One message: the suggested entries' headings, one button each, and "none of these — ask staff". */
  suggestions(language: Language, reportId: number, entries: readonly KnowledgeEntry[]): OutgoingMessage & { type: 'text' };
  entryList(language: Language, view: { usable: KnowledgeEntry[]; expired: KnowledgeEntry[]; problems: readonly string[] }): string;
  reloaded(language: Language, view: { usable: number; expired: number; problems: readonly string[] }): string;
  /** The weekly digest's line: answered automatically, unanswered, the topics most often unanswered. */
  digestLine(language: Language, counts: { answered: number; unanswered: number }, gaps: QuestionGap[], categoryName: (id: string) => string): string;
  gaps(language: Language, period: string, counts: { answered: number; unanswered: number }, gaps: QuestionGap[], categoryName: (id: string) => string): string;
}

export function createKnowledgeReplies(tr: Translator): KnowledgeReplies {
  const quote = (text: string) => `<blockquote>${escapeHtml(text)}</blockquote>`;
  const sourceLine = (language: Language, entry: KnowledgeEntry) => (entry.source ? tr.t(language, 'kb.source', { source: entry.source }) : '');

  /** Lines until the budget is spent, then "…and N more". */
  function fit(language: Language, lines: string[], budget: number): string[] {
    const kept: string[] = [];
    let used = 0;
    for (const line of lines) {
      if (used + line.length + 1 > budget) {
        kept.push(tr.t(language, 'kb.more', { n: lines.length - kept.length }));
        break;
      }
      kept.push(line);
      used += line.length + 1;
    }
    return kept;
  }

  return {
    answer(language, reportId, outcome) {
      const blocks =
        outcome.composed === null
          ? [tr.t(language, 'kb.intro'), `<b>${escapeHtml(outcome.entry.title)}</b>`, quote(outcome.entry.body), sourceLine(language, outcome.entry)]
          : [
              tr.t(language, 'kb.intro'),
              quote(outcome.composed),
              [tr.t(language, 'kb.based_on'), ...outcome.cited.map((e) => `• ${escapeHtml(e.title)}${e.source ? ` — ${escapeHtml(e.source)}` : ''}`)].join('\n'),
            ];
      const buttons: Button[][] = [
        [
          { text: tr.t(language, 'kb.yes'), data: `kb:y:${reportId}` },
          { text: tr.t(language, 'kb.no'), data: `kb:n:${reportId}` },
        ],
      ];
      return { type: 'text', html: [...blocks.filter((b) => b !== ''), tr.t(language, 'kb.question')].join('\n\n'), buttons };
    },

    suggestions(language, reportId, entries) {
      const lines = entries.map((e, i) => `${i + 1}. ${escapeHtml(e.title)}`);
      // Button text is plain text to Telegram (never parsed as HTML): the heading as written, clipped.
      const buttons: Button[][] = [
        ...entries.map((e, i) => [{ text: clipLine(`${i + 1}. ${e.title}`, BUTTON_MAX_CHARS), data: `kbs:${reportId}:${i}` }]),
        [{ text: tr.t(language, 'kb.suggest_none'), data: `kbs:${reportId}:${NONE_OF_THESE}` }],
      ];
      return { type: 'text', html: [tr.t(language, 'kb.suggest_intro'), lines.join('\n')].join('\n\n'), buttons };
    },

    entryList(language, view) {
      const header = tr.t(language, 'kb.list_header', { n: view.usable.length, expired: view.expired.length });
      const expired = view.expired.map((e) => tr.t(language, 'kb.expired_line', { title: e.title, date: e.validUntil ?? '', file: `${e.file}:${e.line}` }));
      const problems = view.problems.map((p) => `• ${escapeHtml(p)}`);
      const usable = view.usable.map((e) => tr.t(language, 'kb.list_line', { title: e.title, file: e.file }));
      // Expired entries and broken files are what staff must act on: they come first and are never cut.
      const urgent = [
        ...(expired.length > 0 ? [tr.t(language, 'kb.expired_header'), ...fit(language, expired, 1200)] : []),
        ...(problems.length > 0 ? [tr.t(language, 'kb.problems_header'), ...fit(language, problems, 800)] : []),
      ];
      const used = urgent.join('\n').length + header.length;
      return [header, ...urgent, ...(usable.length > 0 ? [tr.t(language, 'kb.usable_header'), ...fit(language, usable, LIST_MAX_CHARS - used)] : [])].join('\n');
    },

    reloaded(language, view) {
      const lines = [tr.t(language, 'kb.reloaded', { n: view.usable, expired: view.expired, problems: view.problems.length })];
      return [...lines, ...fit(language, view.problems.map((p) => `• ${escapeHtml(p)}`), 3000)].join('\n');
    },

    digestLine(language, counts, gaps, categoryName) {
      const topics = gaps.slice(0, 3).map((g) => `${categoryName(g.category)} ${g.count}`).join(language === 'zh' ? '、' : ', ');
      return tr.t(language, 'digest.kb_line', { ...counts, top: html(topics ? tr.t(language, 'digest.kb_top', { topics }) : '') });
    },

    gaps(language, period, counts, gaps, categoryName) {
      const header = tr.t(language, 'kb.questions_header', { period, answered: counts.answered, unanswered: counts.unanswered });
      if (gaps.length === 0) return [header, tr.t(language, 'kb.questions_empty')].join('\n');
      const lines = gaps.map((g) =>
        tr.t(language, 'kb.questions_line', { category: categoryName(g.category), n: g.count, reports: html(g.reportIds.map((id) => `#${id}`).join(' ')) }),
      );
      return [header, ...fit(language, lines, LIST_MAX_CHARS), tr.t(language, 'kb.questions_hint')].join('\n');
    },
  };
}
