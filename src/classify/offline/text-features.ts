/**
 * Turning a message into countable tokens: Chinese character 1–3-grams (no segmenter needed, robust to typos
 * and unknown names) and English word uni/bigrams with a crude stem, so "bullied" and "bullying" meet.
 */
import { toSimplified } from './traditional.ts';

/**
 * Full-width to half-width, lower case, one kind of whitespace, traditional characters to simplified: the same text
 * typed on any phone looks the same.
 */
export function normalizeText(text: string): string {
  return toSimplified(stripInvisible(text).normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim());
}

const INVISIBLE = /\p{Cf}|(?![\t\n\r])\p{Cc}/gu;
// A pictograph, optionally with a variation selector or a skin tone (Emoji_Modifier).
const EMOJI_BEFORE = /\p{Extended_Pictographic}(?:\u{fe0f}|\p{Emoji_Modifier})?$/u;

/**
 * Zero-width spaces, direction overrides and control characters: invisible, but they split "第一\u200b中学" and can
 * disguise a summary. The joiner inside an emoji sequence (👨‍👩‍👧) stays.
 */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, (char: string, offset: number) =>
    char === '\u200d' && EMOJI_BEFORE.test(text.slice(Math.max(0, offset - 4), offset)) ? char : '',
  );
}

const HAN_RUN = /[\p{Script=Han}]+/gu;
const ENGLISH_WORD = /[a-z][a-z']*/g;

// Function words that carry no topic; bigrams still keep them ("no one", "not hurt").
const ENGLISH_STOPWORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'of', 'to', 'in', 'on', 'at', 'for', 'is', 'are', 'was', 'were', 'be', 'been',
  'it', 'its', 'this', 'that', 'my', 'our', 'we', 'i', 'he', 'she', 'they', 'his', 'her', 'their', 'you', 'your',
  'with', 'as', 'by', 'from', 'has', 'have', 'had', 'do', 'does', 'did', 'so', 'there', 'me', 'us', 'them', 'him',
]);

/** A deliberately crude stemmer: good enough to merge inflections of the same word, never used for display. */
export function stemEnglish(word: string): string {
  let stem = word.replace(/'s$/, '').replace(/'/g, '');
  if (stem.length > 5) stem = stem.replace(/(ing|ed|es|ies|ly|ment|ness)$/, '');
  else if (stem.length > 3) stem = stem.replace(/s$/, '');
  return stem.length > 6 ? stem.slice(0, 6) : stem;
}

/** Tokens of one normalized text, with repeats (term frequency matters). */
export function tokenize(normalized: string): string[] {
  const tokens: string[] = [];
  for (const match of normalized.matchAll(HAN_RUN)) {
    const chars = Array.from(match[0]);
    for (let i = 0; i < chars.length; i++) {
      tokens.push(chars[i]!);
      if (i + 1 < chars.length) tokens.push(chars[i]! + chars[i + 1]!);
      if (i + 2 < chars.length) tokens.push(chars[i]! + chars[i + 1]! + chars[i + 2]!);
    }
  }
  const words = normalized.match(ENGLISH_WORD) ?? [];
  const stems = words.map(stemEnglish);
  for (let i = 0; i < stems.length; i++) {
    const stem = stems[i]!;
    if (!ENGLISH_STOPWORDS.has(words[i]!) && stem.length > 1) tokens.push(`w:${stem}`);
    if (i + 1 < stems.length) tokens.push(`w:${stem}_${stems[i + 1]!}`);
  }
  // Bare numbers rarely decide a category, but "120", "110" and amounts of money do hint.
  for (const number of normalized.match(/\d+/g) ?? []) tokens.push(number.length >= 3 ? 'num:long' : 'num:short');
  if (/[?？]/.test(normalized)) tokens.push('punct:question');
  if (/[!！]/.test(normalized)) tokens.push('punct:exclaim');
  return tokens;
}
