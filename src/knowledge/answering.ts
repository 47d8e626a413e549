import type { Kind } from '../domain/classification.ts';
import type { KnowledgeEntry } from './knowledge-base.ts';
import type { KnowledgeFolder } from './knowledge-folder.ts';
import { mayAnswerFromKnowledge } from './question.ts';
import type { Scored } from './retrieval.ts';

/**
 * Whether a report is answered from the knowledge base, and with what. Offline the answer is always one
 * entry's own text; with an LLM composer, a short answer written only from the offered entries (checked
 * by the composer; any failure falls back to the offline decision).
 */
export type KnowledgeOutcome =
  | {
      answered: true;
      entry: KnowledgeEntry;
      /** Entries cited by a composed answer (the first is `entry`); just `entry` offline. */
      cited: KnowledgeEntry[];
      /** A composed answer (LLM); null: the entry's text is quoted. */
      composed: string | null;
      by: 'offline' | 'llm';
    }
  | { answered: false; reason: 'not_a_question' | 'no_match' };

/** The LLM step: given the top entries, an answer citing some of them, or "not answerable" (null). */
export interface AnswerComposer {
  compose(question: string, offered: readonly KnowledgeEntry[]): Promise<{ answerable: true; text: string; cited: string[] } | { answerable: false } | { failed: string }>;
}

export interface KnowledgeAnswerer {
  /** `mayAskLlm`: whether this report may spend an LLM call (the resident's budget, a flood); default yes. */
  answer(text: string, kind: Kind, mayAskLlm?: () => boolean): Promise<KnowledgeOutcome>;
}

/** How many of the best-ranked entries the model is shown. */
const OFFERED = 4;

export function createKnowledgeAnswerer(deps: { folder: KnowledgeFolder; composer?: AnswerComposer; onComposeFailure?: (reason: string) => void }): KnowledgeAnswerer {
  const { folder, composer } = deps;
  const offline = (best: Scored | undefined): KnowledgeOutcome =>
    best ? { answered: true, entry: best.entry, cited: [best.entry], composed: null, by: 'offline' } : { answered: false, reason: 'no_match' };

  return {
    async answer(text, kind, mayAskLlm = () => true) {
      if (!mayAnswerFromKnowledge(kind, text)) return { answered: false, reason: 'not_a_question' };
      const decision = folder.match(text);
      const confident = decision.confident ? decision.best : undefined;
      if (!composer || decision.ranked.length === 0 || !mayAskLlm()) return offline(confident);
      const offered = decision.ranked.slice(0, OFFERED).map((s) => s.entry);
      const composed = await composer.compose(text, offered).catch((error: unknown) => ({ failed: error instanceof Error ? error.name : 'error' }));
      if ('failed' in composed) {
        deps.onComposeFailure?.(composed.failed);
        return offline(confident);
      }
      // The model saw the entries and said they do not answer: trust that over a lexical match.
      if (!composed.answerable) return { answered: false, reason: 'no_match' };
      const cited = composed.cited.map((id) => offered.find((e) => e.id === id)).filter((e): e is KnowledgeEntry => e !== undefined);
      return { answered: true, entry: cited[0]!, cited, composed: composed.text, by: 'llm' };
    },
  };
}
