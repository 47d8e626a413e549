import type { Db } from './database.ts';
import { DAY } from '../domain/time.ts';

/** How long copies of what people said are kept beyond what the bureau's records need. */
export const RETENTION = {
  /** Raw updates, once handled (kept a while for diagnosis). */
  handledUpdatesMs: 7 * DAY,
  /** Texts of delivered messages; the rows stay, so nothing is ever sent twice. */
  sentMessagesMs: 30 * DAY,
  /** Surveys are answered by replying to them: their text is kept longer so a late reply still finds its report. */
  sentSurveysMs: 180 * DAY,
  /** LLM answers by text fingerprint. */
  classificationCacheMs: 90 * DAY,
  /** The per-resident LLM budget looks back one hour. */
  llmCallsMs: 2 * DAY,
};

/**
 * Removes copies that have served their purpose: handled raw updates, the text of long-delivered messages,
 * old LLM answers and budget records. Reports, problems and their history are the bureau's records and stay.
 */
export function createRetention(db: Db) {
  const updates = db.prepare('DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?');
  const messages = db.prepare(`UPDATE outbox SET payload = '{}' WHERE state <> 'pending' AND kind <> 'survey' AND created_at < ? AND payload <> '{}'`);
  const surveys = db.prepare(`UPDATE outbox SET payload = '{}' WHERE state <> 'pending' AND kind = 'survey' AND created_at < ? AND payload <> '{}'`);
  const cache = db.prepare('DELETE FROM classification_cache WHERE created_at < ?');
  const calls = db.prepare('DELETE FROM llm_calls WHERE at < ?');
  return {
    purge(now: number): Record<string, number> {
      return db.transaction(() => ({
        updates: updates.run(now - RETENTION.handledUpdatesMs).changes,
        messages: messages.run(now - RETENTION.sentMessagesMs).changes,
        surveys: surveys.run(now - RETENTION.sentSurveysMs).changes,
        cache: cache.run(now - RETENTION.classificationCacheMs).changes,
        llmCalls: calls.run(now - RETENTION.llmCallsMs).changes,
      }))();
    },
  };
}
