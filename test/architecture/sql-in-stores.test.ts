import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * SQL lives in stores (docs/ARCHITECTURE.md): a statement is prepared in a `*-store.ts`, a `*-queries.ts`, or a file
 * whose job is the table it owns; use cases and edge features call typed methods. The database's own upkeep, a
 * sandbox probe, a simulator and an evaluation are named exceptions. A new file preparing SQL fails this test: move
 * the statement into a store, or (for upkeep) add the file below with the reason.
 */

const SRC = resolve(import.meta.dirname, '../../src');

const STORE_FILE = /-(?:store|queries)\.ts$/;

/** Domain files whose job is the table they own. */
const TABLE_OWNERS = [
  'intake/intake.ts', 'intake/inbox.ts', 'intake/forget.ts', 'intake/staff-chats.ts', 'outbox/outbox.ts',
  'units/unit-registry.ts', 'units/unit-chats.ts', 'units/access-audit.ts', 'digest/digest-data.ts', 'digest/rates.ts',
];

/** Not stores, on purpose (the reason beside each). */
const UPKEEP = new Map<string, string>([
  ['db/', 'migrations, backups, retention, the instance lock: the database keeping itself'],
  ['cli/restore.ts', 'checks a backup file before it becomes the database'],
  ['sandbox/sandbox.ts', 'one schema probe of a file that may not be ours'],
  ['sample/sample-activity.ts', 'a simulator reading the outcome it drives'],
  ['cli/eval-grouping.ts', 'an evaluation reading the outcome it measures'],
  ['pipeline/backfill-kinds.ts', 'a one-time backfill over old rows, migration-like'],
]);

/** A statement handed to SQLite: `x.prepare('…')`, `x.prepare<…>(`…`)`, or anything prepared or executed on `db`. */
const PREPARES_SQL = /\.prepare(?:<[^>\n]*>)?\(\s*[`'"]|\b(?:db|handle|database)\.(?:prepare|exec)\(/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const allowed = (path: string) =>
  STORE_FILE.test(path) || TABLE_OWNERS.includes(path) || [...UPKEEP.keys()].some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p));

function filesPreparingSql(): string[] {
  return sourceFiles(SRC)
    .filter((file) => PREPARES_SQL.test(readFileSync(file, 'utf8')))
    .map((file) => relative(SRC, file))
    .sort();
}

describe('SQL lives in stores', () => {
  it('no use case, feature or adapter prepares SQL', () => {
    expect(filesPreparingSql().filter((path) => !allowed(path)), 'move the statement into a *-store.ts or *-queries.ts').toEqual([]);
  });

  it('sees the statements it is meant to see', () => {
    // Guards the detector: known stores are found (a regex that matched nothing would pass the test above).
    const found = filesPreparingSql();
    for (const store of ['problems/problem-store.ts', 'intake/report-store.ts', 'outbox/outbox.ts']) expect(found).toContain(store);
    expect(PREPARES_SQL.test("const x = db.prepare('SELECT 1')")).toBe(true);
    expect(PREPARES_SQL.test('const x = handle.prepare<[number]>(`SELECT ?`)')).toBe(true);
    expect(PREPARES_SQL.test('const report = features.prepare(text);')).toBe(false);
  });
});
