import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createRetention } from '../../src/db/retention.ts';
import { tempDir } from '../support/harness.ts';

const DAY = 86_400_000;
const dir = tempDir();
afterEach(() => dir.cleanup());

describe('retention', () => {
  it('removes old copies of residents’ words but keeps records and recent data', () => {
    const db = openDatabase(join(dir.dir, 'r.sqlite'));
    const now = Date.UTC(2026, 10, 26);
    const insertUpdate = db.prepare('INSERT INTO inbox (update_id, chat_id, payload, received_at, handled_at) VALUES (?, 1, ?, ?, ?)');
    insertUpdate.run(1, '{"old":true}', now - 10 * DAY, now - 10 * DAY);
    insertUpdate.run(2, '{"recent":true}', now - DAY, now - DAY);
    insertUpdate.run(3, '{"unhandled":true}', now - 20 * DAY, null);
    const insertMessage = db.prepare(`INSERT INTO outbox (dedupe_key, chat_id, kind, payload, state, next_attempt_at, created_at) VALUES (?, 1, ?, '{"html":"text"}', ?, 0, ?)`);
    insertMessage.run('ack:1', 'ack', 'sent', now - 40 * DAY);
    insertMessage.run('survey:1', 'survey', 'sent', now - 40 * DAY);
    insertMessage.run('ack:2', 'ack', 'pending', now - 40 * DAY);
    db.prepare('INSERT INTO classification_cache (text_hash, result, created_at) VALUES (?, ?, ?)').run('h', '{}', now - 100 * DAY);
    db.prepare('INSERT INTO llm_calls (resident_id, at) VALUES (1, ?)').run(now - 3 * DAY);

    const removed = createRetention(db).purge(now);

    expect(removed).toEqual({ updates: 1, messages: 1, surveys: 0, cache: 1, llmCalls: 1 });
    expect((db.prepare('SELECT update_id FROM inbox ORDER BY update_id').all() as Array<{ update_id: number }>).map((r) => r.update_id)).toEqual([2, 3]);
    const payloads = Object.fromEntries((db.prepare('SELECT dedupe_key, payload FROM outbox').all() as Array<{ dedupe_key: string; payload: string }>).map((r) => [r.dedupe_key, r.payload]));
    expect(payloads).toEqual({ 'ack:1': '{}', 'survey:1': '{"html":"text"}', 'ack:2': '{"html":"text"}' });
    db.close();
  });
});
