import { createHash } from 'node:crypto';
import { dot, type Embedder } from '../problems/vector-store.ts';
import type { EntryVectorStore } from './entry-vector-store.ts';
import type { KnowledgeEntry } from './knowledge-base.ts';

/**
 * Ranking knowledge-base entries by meaning (issue 15: "retrieve the top entries, embeddings when available"), for
 * the LLM composer only: offline answers stay lexical. Each entry is embedded once per text (heading, other
 * phrasings, the start of the answer) and kept in SQLite by the text's hash; the question is embedded on each use.
 * Any failure gives null and the caller offers the lexical ranking alone: no reply waits on an embedding.
 */
export interface SemanticRanker {
  /** `candidates` best first by cosine with the question; null when the question could not be embedded. */
  rank(question: string, candidates: readonly KnowledgeEntry[]): Promise<KnowledgeEntry[] | null>;
}

/** What is embedded of an answer: its first lines carry the matter; the rest costs tokens. */
const ANSWER_START_CHARS = 300;

/** The text that stands for an entry: what it is asked as, and how its answer begins. */
export function entryEmbeddingText(entry: KnowledgeEntry): string {
  return [entry.title, entry.aliases.join('；'), Array.from(entry.body).slice(0, ANSWER_START_CHARS).join('')].filter((p) => p !== '').join('\n');
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function createSemanticRanker(deps: {
  embedder: Embedder;
  store: EntryVectorStore;
  now?: () => number;
  /** Told why an embedding failed (the embedder's message: a status, never the text) and of which entry, if any. */
  onFailure?: (reason: string, entryId?: string) => void;
}): SemanticRanker {
  const now = deps.now ?? Date.now;
  // The process's copy of the table: the same hash is read from SQLite once.
  const cache = new Map<string, Float32Array>();

  async function entryVector(entry: KnowledgeEntry): Promise<Float32Array | undefined> {
    const hash = contentHash(entryEmbeddingText(entry));
    const cached = cache.get(hash) ?? deps.store.get(deps.embedder.model, hash);
    if (cached) {
      cache.set(hash, cached);
      return cached;
    }
    const made = await deps.embedder.embed(entryEmbeddingText(entry));
    if (!made.success) {
      deps.onFailure?.(made.message, entry.id);
      return undefined;
    }
    deps.store.save(deps.embedder.model, hash, made.vector, made.tokens, now());
    cache.set(hash, made.vector);
    return made.vector;
  }

  return {
    async rank(question, candidates) {
      const asked = await deps.embedder.embed(question);
      if (!asked.success) {
        deps.onFailure?.(asked.message);
        return null;
      }
      const vectors = await Promise.all(candidates.map(entryVector));
      // An entry that could not be embedded is left out of this ranking (it may still come from the lexical one).
      return candidates
        .map((entry, i) => ({ entry, cosine: vectors[i] ? dot(asked.vector, vectors[i]) : undefined }))
        .filter((s): s is { entry: KnowledgeEntry; cosine: number } => s.cosine !== undefined)
        .sort((a, b) => b.cosine - a.cosine || a.entry.id.localeCompare(b.entry.id))
        .map((s) => s.entry);
    },
  };
}

/** Reciprocal rank fusion's constant (Cormack et al. 2009): the rank where a list's voice halves. */
const RRF_K = 60;

/**
 * Reciprocal rank fusion of rankings (best first): an entry's score is the sum of 1 / (RRF_K + rank) over the
 * lists that hold it. Ranks, not scores, are fused, so BM25 points and cosines need no common scale. Ties keep the
 * first list's order.
 */
export function fuseRankings(rankings: ReadonlyArray<readonly KnowledgeEntry[]>, k: number): KnowledgeEntry[] {
  const scores = new Map<string, { entry: KnowledgeEntry; score: number; first: number }>();
  rankings.forEach((ranking, list) => {
    ranking.forEach((entry, rank) => {
      const seen = scores.get(entry.id) ?? { entry, score: 0, first: list * 10_000 + rank };
      seen.score += 1 / (RRF_K + rank + 1);
      scores.set(entry.id, seen);
    });
  });
  return [...scores.values()].sort((a, b) => b.score - a.score || a.first - b.first).slice(0, k).map((s) => s.entry);
}
