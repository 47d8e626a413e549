import type { Db } from '../db/database.ts';
import { fromBlob, toBlob } from '../problems/vector-store.ts';

/**
 * The knowledge_vectors table (migration 020): one embedding per model and entry text, keyed by the text's hash,
 * so an entry is embedded again only when what is embedded of it changes. Only the bureau's own text is embedded.
 */
export interface EntryVectorStore {
  get(model: string, contentHash: string): Float32Array | undefined;
  save(model: string, contentHash: string, vector: Float32Array, tokens: number, at: number): void;
}

export function createEntryVectorStore(db: Db): EntryVectorStore {
  const select = db.prepare('SELECT vector FROM knowledge_vectors WHERE model = ? AND content_hash = ?').pluck();
  const insert = db.prepare(
    `INSERT INTO knowledge_vectors (model, content_hash, vector, tokens, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (model, content_hash) DO NOTHING`,
  );
  return {
    get(model, contentHash) {
      const blob = select.get(model, contentHash) as Buffer | undefined;
      return blob ? fromBlob(blob) : undefined;
    },
    save(model, contentHash, vector, tokens, at) {
      insert.run(model, contentHash, toBlob(vector), tokens, at);
    },
  };
}
