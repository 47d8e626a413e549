/**
 * Personal data is masked before a text leaves the machine (for the LLM). The stored report keeps the
 * text exactly as sent; only staff, in their own chats, see it.
 */

interface Rule {
  label: string;
  pattern: RegExp;
}

// Digits must not run on into neighbours, or a longer number would be half-masked.
const RULES: Rule[] = [
  { label: 'EMAIL', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  // 18-digit resident ID (last char may be X), and the old 15-digit form.
  { label: 'ID', pattern: /(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])/g },
  // Bank cards: 16–19 digits, often written in groups of four.
  { label: 'CARD', pattern: /(?<!\d)(?:\d{4}[ -]?){3}\d{4}(?:[ -]?\d{1,3})?(?!\d)/g },
  { label: 'ID', pattern: /(?<!\d)\d{15}(?!\d)/g },
  // Mainland mobiles, optionally +86, with spaces or dashes: 138 1234 5678, +86-138-1234-5678.
  { label: 'PHONE', pattern: /(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)/g },
  // Landlines with area code: 010-12345678, (0371)1234567, 0371 1234567, and an optional extension.
  { label: 'PHONE', pattern: /(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{7,8}(?:[ -]?(?:转|ext\.?|x)\s?\d{1,5})?(?!\d)/gi },
  // Hotline-style local numbers written after a phone word: 电话 6123456.
  { label: 'PHONE', pattern: /(?<=(?:电话|手机|联系方式|tel|phone|call)[:：]?\s*)\d{7,8}(?!\d)/gi },
];

export function redactPersonalData(text: string): string {
  let result = text;
  for (const { label, pattern } of RULES) result = result.replace(pattern, `[${label}]`);
  return result;
}
