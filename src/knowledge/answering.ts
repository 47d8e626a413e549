import { detectLanguage, type Kind } from '../domain/classification.ts';
import type { KnowledgeEntry } from './knowledge-base.ts';
import type { KnowledgeFolder } from './knowledge-folder.ts';
import { mayAnswerFromKnowledge } from './question.ts';
import { suggest, type Decision, type Scored } from './retrieval.ts';
import { fuseRankings, type SemanticRanker } from './semantic.ts';

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
  | {
      answered: false;
      reason: 'not_a_question' | 'no_match';
      /**
       * Offline, when no entry is confident: up to three entries above the suggestion floor, for the resident to
       * choose from (never for a report the question gate keeps out, nor when a model said "not answerable").
       */
      suggestions: KnowledgeEntry[];
    };

/** The LLM step: given the top entries, an answer citing some of them, or "not answerable" (null). */
export interface AnswerComposer {
  compose(question: string, offered: readonly KnowledgeEntry[]): Promise<{ answerable: true; text: string; cited: string[] } | { answerable: false } | { failed: string }>;
}

export interface KnowledgeAnswerer {
  /** `mayAskLlm`: whether this report may spend an LLM call (the resident's budget, a flood); default yes. */
  answer(text: string, kind: Kind, mayAskLlm?: () => boolean): Promise<KnowledgeOutcome>;
}

/** How many of the best-ranked entries the model is shown. */
export const OFFERED = 4;
/** How many of the ranking by meaning take part in the fusion (the lexical ranking gives its top five). */
const BY_MEANING = 10;

export function createKnowledgeAnswerer(deps: {
  folder: KnowledgeFolder;
  composer?: AnswerComposer;
  /** Entries by meaning (OPENAI_EMBEDDING_MODEL), fused with the lexical ranking for the composer; absent: lexical alone. */
  semantic?: SemanticRanker;
  onComposeFailure?: (reason: string) => void;
}): KnowledgeAnswerer {
  const { folder, composer, semantic } = deps;

  /**
   * What the model is shown: the lexical top four, or, with embeddings, the reciprocal rank fusion of the lexical
   * ranking and the ranking by meaning over the entries in the question's language (and Chinese ones for an English
   * question, as the lexical fallback does). An embedding failure leaves the lexical ranking alone.
   */
  async function offer(text: string, lexical: readonly Scored[]): Promise<KnowledgeEntry[]> {
    const words = lexical.map((s) => s.entry);
    if (!semantic) return words.slice(0, OFFERED);
    const language = detectLanguage(text);
    const candidates = folder.snapshot().usable.filter((e) => e.language === language || (language === 'en' && e.language === 'zh'));
    const meaning = await semantic.rank(text, candidates).catch(() => null);
    return meaning ? fuseRankings([words, meaning.slice(0, BY_MEANING)], OFFERED) : words.slice(0, OFFERED);
  }
  /** The offline decision: the confident entry, or none with the entries worth suggesting. */
  const offline = (decision: Decision, kind: Kind): KnowledgeOutcome =>
    decision.confident
      ? { answered: true, entry: decision.best.entry, cited: [decision.best.entry], composed: null, by: 'offline' }
      : { answered: false, reason: 'no_match', suggestions: suggest(decision, kind === 'complaint') };

  return {
    async answer(text, kind, mayAskLlm = () => true) {
      if (!mayAnswerFromKnowledge(kind, text)) return { answered: false, reason: 'not_a_question', suggestions: [] };
      const decision = folder.match(text);
      if (!composer || (decision.ranked.length === 0 && !semantic) || !mayAskLlm()) return offline(decision, kind);
      const offered = await offer(text, decision.ranked);
      if (offered.length === 0) return offline(decision, kind);
      const composed = await composer.compose(text, offered).catch((error: unknown) => ({ failed: error instanceof Error ? error.name : 'error' }));
      if ('failed' in composed) {
        deps.onComposeFailure?.(composed.failed);
        return offline(decision, kind);
      }
      // The model saw the entries and said they do not answer: trust that over a lexical match, and suggest nothing.
      if (!composed.answerable) return { answered: false, reason: 'no_match', suggestions: [] };
      const cited = composed.cited.map((id) => offered.find((e) => e.id === id)).filter((e): e is KnowledgeEntry => e !== undefined);
      return { answered: true, entry: cited[0]!, cited, composed: composed.text, by: 'llm' };
    },
  };
}
