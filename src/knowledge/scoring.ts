import type { KnowledgeOutcome } from './answering.ts';

/**
 * The knowledge base's quality on labelled questions (npm run eval:kb). Correct means exactly the expected
 * heading; answering a question the base does not hold, or a complaint, counts as a wrong answer.
 */
export interface KbScore {
  n: number;
  answerable: number;
  out_of_base: number;
  correct_rate: number | null;
  wrong_rate: number | null;
  out_of_base_answered_rate: number | null;
  abstain_rate: number | null;
  complaints: number;
  complaints_answered: number;
  answered_by: { offline: number; llm: number };
  /** Of the answerable questions not answered at once, the share whose expected entry was among the suggestions. */
  suggested_correct: number | null;
  /** Answered correctly at once, or the expected entry suggested: over the answerable questions. */
  answered_or_picked: number | null;
  /** Share of the out-of-base questions (complaints included) that got suggestions. */
  out_of_base_suggested: number | null;
  /** Complaints that got suggestions (a count, like complaints_answered). */
  complaints_suggested: number;
}

const rate = (part: number, whole: number) => (whole === 0 ? null : part / whole);

export function scoreKb(items: Array<{ entry: string | null; kind?: string }>, outcomes: KnowledgeOutcome[]): { score: KbScore; mistakes: number[] } {
  let correct = 0;
  let wrong = 0;
  let outAnswered = 0;
  let complaintsAnswered = 0;
  let notAnswered = 0;
  let suggestedRight = 0;
  let outSuggested = 0;
  let complaintsSuggested = 0;
  const by = { offline: 0, llm: 0 };
  const mistakes: number[] = [];
  for (const [i, item] of items.entries()) {
    const outcome = outcomes[i]!;
    if (outcome.answered) by[outcome.by]++;
    const suggested = outcome.answered ? [] : outcome.suggestions;
    if (item.entry !== null && !outcome.answered) {
      notAnswered++;
      if (suggested.some((e) => e.title === item.entry)) suggestedRight++;
    }
    if (item.entry === null && suggested.length > 0) outSuggested++;
    if (item.kind === 'complaint' && suggested.length > 0) complaintsSuggested++;
    if (item.entry !== null) {
      if (outcome.answered && outcome.entry.title === item.entry) correct++;
      else {
        if (outcome.answered) wrong++;
        mistakes.push(i);
      }
    } else if (outcome.answered) {
      wrong++;
      outAnswered++;
      if (item.kind === 'complaint') complaintsAnswered++;
      mistakes.push(i);
    }
  }
  const answerable = items.filter((i) => i.entry !== null).length;
  const outOfBase = items.length - answerable;
  return {
    score: {
      n: items.length,
      answerable,
      out_of_base: outOfBase,
      correct_rate: rate(correct, answerable),
      wrong_rate: rate(wrong, items.length),
      out_of_base_answered_rate: rate(outAnswered, outOfBase),
      abstain_rate: rate(outOfBase - outAnswered, outOfBase),
      complaints: items.filter((i) => i.kind === 'complaint').length,
      complaints_answered: complaintsAnswered,
      answered_by: by,
      suggested_correct: rate(suggestedRight, notAnswered),
      answered_or_picked: rate(correct + suggestedRight, answerable),
      out_of_base_suggested: rate(outSuggested, outOfBase),
      complaints_suggested: complaintsSuggested,
    },
    mistakes,
  };
}

