/**
 * Personal data is masked before a text leaves the machine (for the LLM). The stored report keeps the
 * text exactly as sent; only staff, in their own chats, see it.
 *
 * Masking errs on the side of masking: a long number that is not personal data costs the classifier
 * nothing, a phone number that slips through cannot be taken back.
 */

interface Rule {
  label: string;
  pattern: RegExp;
}

// Between digit groups people write a space, a hyphen or a dot: 138 1234 5678, 138-1234-5678, 138.1234.5678.
const SEP = '[ .-]?';

// Digits must not run on into neighbours, or a longer number would be half-masked.
const RULES: Rule[] = [
  // Local part as RFC 5322 allows it (zhang.san+school, o'neil, a/b), then a dotted domain. It starts where a run of
  // local-part characters starts: tried inside the run as well, 10,000 digits without an @ took quadratic time.
  {
    label: 'EMAIL',
    pattern: /(?<![A-Za-z0-9!#$%&'*+/=?^_`{|}~.-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]+/g,
  },
  // 18-digit resident ID (last char may be X), also written in groups (110105 19491231 002X).
  {
    label: 'ID',
    pattern: new RegExp(
      `(?<!\\d)\\d{6}${SEP}(?:19|20)\\d{2}${SEP}(?:0[1-9]|1[0-2])${SEP}(?:0[1-9]|[12]\\d|3[01])${SEP}\\d{3}[\\dXx](?!\\d)`,
      'g',
    ),
  },
  // Bank cards: 16–19 digits, often written in groups of four.
  { label: 'CARD', pattern: new RegExp(`(?<!\\d)(?:\\d{4}${SEP}){3}\\d{4}(?:${SEP}\\d{1,3})?(?!\\d)`, 'g') },
  // The old 15-digit ID.
  { label: 'ID', pattern: /(?<!\d)\d{15}(?!\d)/g },
  // Mainland mobiles, optionally +86 / 0086: 138 1234 5678, +86-138-1234-5678, 0086 13812345678.
  { label: 'PHONE', pattern: new RegExp(`(?<!\\d)(?:(?:\\+|00)?86${SEP})?1[3-9]\\d${SEP}\\d{4}${SEP}\\d{4}(?!\\d)`, 'g') },
  // Landlines in international form, where the area code loses its 0: +86 10 8765 4321, +86-371-6123456.
  { label: 'PHONE', pattern: new RegExp(`(?:\\+|(?<!\\d)00)86${SEP}\\(?[1-9]\\d{1,2}\\)?${SEP}\\d{3,4}${SEP}\\d{4}(?!\\d)`, 'g') },
  // Landlines with area code: 010-12345678, (0371)1234567, 021 6432 1234, 0755-8888-6666, and an extension.
  {
    label: 'PHONE',
    pattern: new RegExp(`(?<!\\d)(?:\\(0\\d{2,3}\\)|0\\d{2,3})${SEP}\\d{3,4}${SEP}\\d{4}(?:${SEP}(?:转|ext\\.?|x)\\s?\\d{1,5})?(?!\\d)`, 'gi'),
  },
  // Local numbers written after a phone word: 电话 6123456, 座机：8765-4321. The cheap digit checks come first: the
  // look-behind's `\\s*` alone, tried at every position of a long run of spaces, rescanned the run each time.
  {
    label: 'PHONE',
    pattern: new RegExp(`(?<!\\d)(?=\\d{3})(?<=(?:电话|手机|座机|固话|热线|号码|联系方式|tel|phone|call)[:：]?\\s*)\\d{3,4}${SEP}\\d{4}(?!\\d)`, 'gi'),
  },
  // Whatever long digit run is left (11 or more digits) is someone's number of some kind.
  { label: 'NUMBER', pattern: /(?<!\d)\d{11,}(?!\d)/g },
];

// Full-width digits and signs (an IME's ０１３８), and invisible characters that split a number to sneak it past the rules.
const FULL_WIDTH = /[\uff10-\uff19\uff0b\uff0d\uff0e\uff08\uff09\u3000]/g;
const DASHES = /[\u2010-\u2015\u2212\ufe58\ufe63]/g;
const INVISIBLE = /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** Only the characters that can hide a number change; everything else reaches the classifier as written. */
function normalise(text: string): string {
  return text
    .replace(INVISIBLE, '')
    .replace(FULL_WIDTH, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)))
    .replace(DASHES, '-');
}

export function redactPersonalData(text: string): string {
  let result = normalise(text);
  for (const { label, pattern } of RULES) result = result.replace(pattern, `[${label}]`);
  return result;
}
