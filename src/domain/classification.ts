/** What every report is labelled with, whichever classifier produced it. */

/** `chitchat`: not feedback at all (greetings, "test", thanks for a reply, spam, "what is this bot?"). */
export const KINDS = ['complaint', 'suggestion', 'inquiry', 'praise', 'chitchat'] as const;
export type Kind = (typeof KINDS)[number];

/** The kinds that go on the problem list; praise is a commendation and chit-chat gets a helpful answer. */
export const PROBLEM_KINDS = ['complaint', 'suggestion', 'inquiry'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];
export const becomesProblem = (kind: Kind): kind is ProblemKind => (PROBLEM_KINDS as readonly Kind[]).includes(kind);

export const LANGUAGES = ['zh', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export const SUMMARY_MAX_LENGTH = 80;

export interface Classification {
  /** One of the category ids in prompts/categories.json. */
  category: string;
  kind: Kind;
  /** A person, above all a child, is at immediate risk. */
  urgent: boolean;
  /** The school, kindergarten, venue or office named in the text, as written. */
  unit: string | null;
  /** One line, at most SUMMARY_MAX_LENGTH characters, in the report's language. */
  summary: string;
  language: Language;
  /**
   * One of the subtopic ids in prompts/subtopics.json (议题, "<category>.<name>"), of this label's category; null or
   * absent when the classifier could not tell.
   */
  subtopic?: string | null;
  /** A ledger-line title naming unit + matter (≤ TITLE_MAX_LENGTH), when a model wrote one; absent offline. */
  title?: string | null;
}

/** A problem's title reads like a line of the ledger: ≤ 30 Chinese characters, about 60 Latin ones. */
export const TITLE_MAX_LENGTH = 60;

/** Which classifier produced a label. */
export type ClassifierName = 'llm' | 'offline';

/** A typed result instead of exceptions at the classifier boundary (TypeChat's habit). */
export type Result<T> = { success: true; data: T } | { success: false; message: string };

export interface Classifier {
  readonly name: ClassifierName;
  classify(text: string): Promise<Result<Classification>>;
}

/** Telegram-independent language pick: Chinese for zh*, English for everything else. */
export function languageFromCode(code: string | null | undefined): Language {
  return code?.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** The language a text is written in: Chinese when it has any run of Han characters worth counting. */
export function detectLanguage(text: string): Language {
  const han = text.match(/\p{Script=Han}/gu)?.length ?? 0;
  const latin = text.match(/[A-Za-z]/g)?.length ?? 0;
  if (han === 0) return 'en';
  // A Chinese message with a few English words is still Chinese; a long English text quoting one name is English.
  return han * 3 >= latin ? 'zh' : 'en';
}

/** Cut a summary to one line of at most SUMMARY_MAX_LENGTH characters (code points, not UTF-16 units). */
export function clampSummary(summary: string): string {
  const oneLine = summary.replace(/\s+/g, ' ').trim();
  const chars = Array.from(oneLine);
  if (chars.length <= SUMMARY_MAX_LENGTH) return oneLine;
  return chars.slice(0, SUMMARY_MAX_LENGTH - 1).join('') + '…';
}
