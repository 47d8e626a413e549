import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { createDigestService } from '../../src/desk/digest-service.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { createTranslator } from '../../src/i18n/i18n.ts';
import { createOutbox } from '../../src/outbox/outbox.ts';
import { tempDir } from '../support/harness.ts';
import { openFixtureDb, SETTINGS, TZ } from './fixture.ts';

let cleanup: () => void = () => {};
afterEach(() => cleanup());

/**
 * The digest must build in well under a second over a million reports, and /ranking in a fraction of
 * that: every query reads index ranges of its period. This asks SQLite how it will run each of them
 * (on an empty database, without statistics, as a fresh install would) and refuses full scans.
 */
it('reads the big tables only through index ranges', () => {
  const dir = tempDir();
  cleanup = dir.cleanup;
  const db = openFixtureDb(dir.dir);
  const statements: string[] = [];
  const prepare = db.prepare.bind(db);
  const recording = new Proxy(db, {
    get: (target, key) => (key === 'prepare' ? (sql: string) => (statements.push(sql), prepare(sql)) : Reflect.get(target, key, target)),
  }) as Db;
  createDigestService({
    db: recording,
    outbox: createOutbox(db),
    tr: createTranslator(),
    catalogue: loadCatalogue(),
    unitName: (id) => id,
    timezone: TZ,
    settings: SETTINGS,
    staffChatIds: [],
    staffLanguage: 'zh',
    logger: pino({ level: 'silent' }),
    onQueued: () => {},
  });
  const queries = statements.filter((sql) => /^\s*SELECT/i.test(sql));
  expect(queries.length).toBeGreaterThanOrEqual(14);
  for (const sql of queries) {
    const names = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!))];
    const args = names.length > 0 ? [Object.fromEntries(names.map((n) => [n, 0]))] : Array<number>((sql.match(/\?/g) ?? []).length).fill(0);
    const plan = (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((row) => row.detail);
    const fullScans = plan.filter((line) => /^SCAN (problems|reports|feedback|p|r|f)\b/.test(line) && !line.includes('problems_closed_unfixed'));
    expect({ sql: sql.replace(/\s+/g, ' ').slice(0, 80), fullScans }).toEqual({ sql: sql.replace(/\s+/g, ' ').slice(0, 80), fullScans: [] });
  }
  db.close();
});
