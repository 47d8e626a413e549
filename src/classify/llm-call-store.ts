import type { Db } from '../db/database.ts';
import type { Classification } from '../domain/classification.ts';

/** What the classifier keeps about its LLM calls: answers by text hash (the cache), and calls per resident (the budget). */
export interface LlmCallStore {
  cached(textHash: string): Classification | undefined;
  cache(textHash: string, label: Classification, at: number): void;
  /** Calls counted against a resident since `since`. */
  callsSince(residentId: number, since: number): number;
  /** One call, counted against a resident (null: nobody's budget, still counted). */
  recordCall(residentId: number | null, at: number): void;
}

export function createLlmCallStore(db: Db): LlmCallStore {
  const cacheGet = db.prepare('SELECT result FROM classification_cache WHERE text_hash = ?').pluck();
  const cachePut = db.prepare('INSERT OR REPLACE INTO classification_cache (text_hash, result, created_at) VALUES (?, ?, ?)');
  const callsInWindow = db.prepare('SELECT COUNT(*) AS n FROM llm_calls WHERE resident_id = ? AND at > ?').pluck();
  const recordCall = db.prepare('INSERT INTO llm_calls (resident_id, at) VALUES (?, ?)');
  return {
    cached(textHash) {
      const result = cacheGet.get(textHash) as string | undefined;
      return result === undefined ? undefined : (JSON.parse(result) as Classification);
    },
    cache: (textHash, label, at) => void cachePut.run(textHash, JSON.stringify(label), at),
    callsSince: (residentId, since) => callsInWindow.get(residentId, since) as number,
    recordCall: (residentId, at) => void recordCall.run(residentId, at),
  };
}
