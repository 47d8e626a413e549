import type { Catalogue } from '../domain/categories.ts';
import { detectLanguage, TITLE_MAX_LENGTH, type Language } from '../domain/classification.ts';
import { redactPersonalData } from '../domain/redact.ts';
import type { SubtopicCatalogue } from '../domain/subtopics.ts';
import type { Problem } from './problem.ts';

/**
 * A problem's title reads like a line of the ledger (台账): unit + matter, "实验小学食堂饭菜偏凉、有异物", not the first
 * sentence of the first report. With an LLM the model writes it (the classification call's `title`); offline it is
 * built from the unit's display name and the category › subtopic, or a short clause of the report that names the
 * matter in the subtopic's own words.
 */

/** What a title is made from: the report's label and words (a subset of ReportForGrouping). */
export interface TitleSource {
  text: string;
  summary: string;
  category: string;
  subtopic?: string | null;
  /** The model's ledger title, when an LLM labelled the report. */
  title?: string | null;
  unitId: string | null;
  unitWritten: string | null;
}

export interface TitleParts {
  language: Language;
  /** The unit's display name, null when the report named none. */
  unit: string | null;
  category: string;
  subtopic: string | null;
  /** A short clause of the report naming the matter; replaces category · subtopic when present. */
  phrase?: string | null;
}

// Han, kana, hangul and full-width forms take two columns: 30 Chinese characters or 60 Latin fill TITLE_MAX_LENGTH.
const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uff60\uffe0-\uffe6]/u;

/** A title's width: a wide (Chinese) character counts 2, anything else 1, in code points. */
export function titleWidth(text: string): number {
  let width = 0;
  for (const char of text) width += WIDE.test(char) ? 2 : 1;
  return width;
}

/** One line, no invisible or control characters (direction overrides, zero-width spaces, lone surrogates). */
function oneLine(text: string): string {
  return text.replace(/[\p{Cf}\p{Cs}]/gu, '').replace(/[\p{Cc}\s]+/gu, ' ').trim();
}

/** Cut to `max` width, with "…" when something was cut; '' for a text with nothing in it. */
export function clampTitle(text: string, max = TITLE_MAX_LENGTH): string {
  const line = oneLine(text);
  if (titleWidth(line) <= max) return line;
  let width = 0;
  let kept = '';
  for (const char of line) {
    const w = WIDE.test(char) ? 2 : 1;
    // Two columns are kept for the ellipsis, which some fonts draw wide.
    if (width + w > max - 2) break;
    width += w;
    kept += char;
  }
  return `${kept.trimEnd()}…`;
}

/** The title from its parts, clamped. */
export function ledgerTitle(parts: TitleParts): string {
  const unit = parts.unit ? clampTitle(parts.unit, UNIT_MAX) : '';
  const phrase = parts.phrase ? oneLine(parts.phrase) : '';
  if (parts.language === 'zh') {
    const matter = parts.subtopic ? `${parts.category}·${parts.subtopic}` : parts.category;
    if (phrase) return clampTitle(unit ? `${unit}${/^[\p{Script=Han}\p{P}]/u.test(phrase) ? '' : ' '}${phrase}` : phrase);
    return clampTitle(unit ? `${unit} ${matter}` : matter);
  }
  const matter = parts.subtopic ? `${parts.category} · ${parts.subtopic}` : parts.category;
  if (phrase) return clampTitle(unit ? `${unit}: ${phrase}` : phrase.replace(/^\p{Ll}/u, (c) => c.toUpperCase()));
  return clampTitle(unit ? `${unit}: ${matter}` : matter);
}

/** A unit name takes at most half the title; the rest is the matter. */
const UNIT_MAX = TITLE_MAX_LENGTH / 2;
/** Only the start of a report is read for a telling clause: a 4,096-character report costs what a short one does. */
const PHRASE_SCAN = 400;
/** A clause shorter than this says too little to stand for the matter. */
const PHRASE_MIN_WIDTH = 6;

/** The subtopic's own terms ("饭菜凉、难吃、夹生; cold, tasteless"), lower case, as listed in prompts/subtopics.json. */
export function coverTerms(covers: string): string[] {
  return covers
    .split(/[、,，;；/]/u)
    .map((term) => term.trim().toLowerCase())
    .filter((term) => Array.from(term).length >= 2);
}

/**
 * The first clause of the report's start that names the matter in the subtopic's own terms, without the unit's
 * name in front, when it fits `budget` whole (a clause cut in the middle misleads). Null when none does, when the clause
 * is in another language than the title, or when it holds anything personal (a phone number, an id): a title
 * travels further than the report (digests, alerts, exports).
 */
export function tellingClause(text: string, terms: readonly string[], unitNames: readonly string[], budget: number, language: Language): string | null {
  if (terms.length === 0) return null;
  const start = oneLine(Array.from(text).slice(0, PHRASE_SCAN).join(''));
  const names = [...new Set(unitNames.map((n) => n.trim()).filter((n) => n.length > 0))].sort((a, b) => b.length - a.length);
  for (const raw of start.split(/[，,。！？!?；;：:]+|\.(?:\s|$)/u)) {
    // The unit's name leads the title already: taken off the clause's start only (from its middle, "划片是实验小学还是
    // 和平路小学" would lose its sense).
    let clause = raw.trim();
    for (let again = true; again; ) {
      again = false;
      clause = clause.replace(/^[\s的在里这那]+/u, '');
      const name = names.find((n) => clause.startsWith(n));
      if (name) {
        clause = clause.slice(name.length);
        again = true;
      }
    }
    clause = clause.replace(/[\s啊呀吧呢]+$/u, '').trim();
    const width = titleWidth(clause);
    if (width < PHRASE_MIN_WIDTH || width > budget) continue;
    if (detectLanguage(clause) !== language) continue;
    const lower = clause.toLowerCase();
    const padded = ` ${lower.replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
    const namesMatter = terms.some((term) => (/\p{Script=Han}/u.test(term) ? lower.includes(term) : padded.includes(` ${term}`)));
    if (!namesMatter) continue;
    if (redactPersonalData(clause) !== clause) continue;
    return clause;
  }
  return null;
}

export interface LedgerTitles {
  /** The title a new problem gets from its first report: the model's, else built offline. */
  forReport(report: TitleSource): string;
  /**
   * After `report` joined a problem (`before` as it was, `after` as stored now): the title it should have, or null to
   * keep its own. A model title follows the latest report that has one; offline, the title is rebuilt only when the
   * problem's category, subtopic or unit changed.
   */
  afterJoin(before: Problem, after: Problem, report: TitleSource): string | null;
}

export interface LedgerTitleDeps {
  catalogue: Pick<Catalogue, 'name'>;
  subtopics: Pick<SubtopicCatalogue, 'get'>;
  /** The unit's display name (the directory's name, else the name as written), null when there is none. */
  unitName: (unitId: string | null, unitWritten: string | null) => string | null;
  /** Every name of the unit (name, aliases, as written): left out of a telling clause. */
  unitNames?: (unitId: string | null, unitWritten: string | null) => readonly string[];
  /** The ledger is the bureau's: titles are in the staff language. */
  language: Language;
}

export function createLedgerTitles(deps: LedgerTitleDeps): LedgerTitles {
  const { language } = deps;

  function offline(source: Pick<TitleSource, 'text' | 'summary' | 'category' | 'subtopic' | 'unitId' | 'unitWritten'>): string {
    // A subtopic of another category (a label that drifted) is not shown under this one.
    const subtopic = source.subtopic ? deps.subtopics.get(source.subtopic) : undefined;
    const own = subtopic && subtopic.category === source.category ? subtopic : undefined;
    const unit = deps.unitName(source.unitId, source.unitWritten);
    const unitPart = unit ? clampTitle(unit, UNIT_MAX) : '';
    const names = [...(deps.unitNames?.(source.unitId, source.unitWritten) ?? []), ...(unit ? [unit] : []), ...(source.unitWritten ? [source.unitWritten] : [])];
    const budget = TITLE_MAX_LENGTH - titleWidth(unitPart) - (language === 'en' && unitPart ? 2 : 0);
    const phrase = own ? tellingClause(source.text || source.summary, coverTerms(own.covers), names, budget, language) : null;
    return ledgerTitle({ language, unit, category: deps.catalogue.name(source.category, language), subtopic: own ? own.name[language] : null, phrase });
  }

  const modelTitle = (report: TitleSource) => (report.title ? clampTitle(report.title) : '');

  return {
    forReport: (report) => modelTitle(report) || offline(report),
    afterJoin(before, after, report) {
      const model = modelTitle(report);
      if (model) return model === after.title ? null : model;
      const changed = before.category !== after.category || before.subtopic !== after.subtopic || before.unitId !== after.unitId || before.unitWritten !== after.unitWritten;
      if (!changed) return null;
      const title = offline({ text: report.text, summary: report.summary, category: after.category, subtopic: after.subtopic, unitId: after.unitId, unitWritten: after.unitWritten });
      return title === after.title ? null : title;
    },
  };
}

/** Without catalogues (benches, tools): the model's title, else the report's summary, as before issue 11. */
export const summaryTitles: LedgerTitles = {
  forReport: (report) => (report.title ? clampTitle(report.title) : '') || report.summary,
  afterJoin: () => null,
};
