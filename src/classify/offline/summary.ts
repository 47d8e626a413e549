import { clampSummary } from '../../domain/classification.ts';
import { stripInvisible } from './text-features.ts';

// Greetings and forms of address carry no content: "领导您好！", "Dear Sir,", "Hi,".
const ZH_GREETING =
  /^(?:(?:尊敬的)?[\p{Script=Han}]{0,8}?(?:你们好|您们好|你好|您好)|(?:各位)?(?:领导|老师|大家|早上|上午|下午|晚上|同志|工作人员)们?好)[，,。.！!～~\s]+/u;
const ZH_ADDRESS = /^(?:尊敬的)?(?:各位)?(?:领导|老师|工作人员|同志|教体局|区教体局)[们]?[，,：:！!\s]+/u;
const EN_GREETING = /^(?:hi|hello|hey|dear\s+[^,.!]{1,40}|good\s+(?:morning|afternoon|evening)|greetings)[,.!:\s]+/i;
// "No. 1 Middle School" and "Mr. Li" do not end a sentence.
const SENTENCE_END = /[。！？!?；;\n]|(?<!\b(?:No|no|Mr|Mrs|Ms|Dr|St|Rd|vs|approx|e\.g|i\.e))\.(?:\s|$)/u;

/** The first sentence of the report without a greeting, on one line, at most 80 characters. */
export function summarize(text: string): string {
  // Staff read summaries: no direction overrides or zero-width tricks survive into them.
  const original = stripInvisible(text).trim();
  let rest = original;
  for (let i = 0; i < 3; i++) {
    const next = rest.replace(ZH_GREETING, '').replace(ZH_ADDRESS, '').replace(EN_GREETING, '').trim();
    if (next === rest || next === '') break;
    rest = next;
  }
  const end = SENTENCE_END.exec(rest);
  let first = end ? rest.slice(0, end.index + (end[0].startsWith('.') ? 1 : end[0].trim().length)) : rest;
  // A first sentence of a few characters ("急！", "Help!") says little; take the next one with it.
  const more = rest.slice(first.length).trim();
  if (Array.from(first.replace(/\p{P}/gu, '')).length < 6 && /[\p{L}\p{N}]/u.test(more)) {
    const nextEnd = SENTENCE_END.exec(more);
    first = `${first} ${nextEnd ? more.slice(0, nextEnd.index + 1) : more}`;
  }
  // "Hi, the bus is late." loses its capital with the greeting; give it back.
  if (rest !== original) first = first.replace(/^[a-z]/, (letter) => letter.toUpperCase());
  // Keep the sentence's own full stop; a dangling clause separator only looks cut off.
  return clampSummary(first.replace(/[；;，,、]$/u, '') || original);
}
