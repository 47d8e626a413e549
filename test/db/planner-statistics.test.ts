import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';

/**
 * The planner's statistics are refreshed when the database opens (src/db/database.ts): without them, SQLite chose a
 * live-problems index over every problem for "/problems widespread" instead of the partial index made for it
 * (87 ms instead of 1 ms at two years, docs/BENCHMARKS.md).
 */
describe('planner statistics', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('a reopened database counts widespread and recurring problems through their own partial indexes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'minyi-planner-'));
    dirs.push(dir);
    const path = join(dir, 'minyi.sqlite');
    const first = openDatabase(path);
    const insert = first.prepare(
      `INSERT INTO problems (title, category, widespread, recurring, last_report_at, created_at, updated_at)
       VALUES ('t', 'canteen', ?, ?, ?, 0, 0)`,
    );
    first.transaction(() => {
      for (let i = 0; i < 3000; i++) insert.run(i % 300 === 0 ? 1 : 0, i % 1000 === 0 ? 1 : 0, i);
    })();
    first.close();

    const db = openDatabase(path);
    try {
      const plan = (filter: string) =>
        (db.prepare(`EXPLAIN QUERY PLAN SELECT COUNT(*) AS n FROM problems WHERE ${filter} = 1 AND merged_into IS NULL`).all() as Array<{ detail: string }>)
          .map((row) => row.detail)
          .join(' ');
      expect(plan('widespread')).toContain('problems_live_widespread');
      expect(plan('recurring')).toContain('problems_live_recurring');
    } finally {
      db.close();
    }
  });
});
