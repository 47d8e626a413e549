import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { createLedgerQueries, type LedgerQueries } from '../../src/export/ledger-queries.ts';
import { createUnitRegistry } from '../../src/units/unit-registry.ts';

/** The ledger's reads on their own: what a unit's ledger may hold, and where a period's pages start. */

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 26, 4, 0);
const WEEK = { start: NOW - 7 * DAY, end: NOW, name: '7d' };

let db: Db;
let queries: LedgerQueries;
let r: Record<'old' | 'recent' | 'otherUnit' | 'merged' | 'chitchat' | 'stray', number>;

function problem(id: number, unitId: string | null, mergedInto: number | null = null): void {
  db.prepare(`INSERT INTO problems (id, title, category, status, responsible_unit_id, merged_into, created_at, updated_at) VALUES (?, 't', 'food', 'assigned', ?, ?, 0, 0)`).run(id, unitId, mergedInto);
}
let nextMessage = 1;
function report(problemId: number | null, receivedAt: number, kind: string | null = 'complaint'): number {
  return Number(
    db
      .prepare(`INSERT INTO reports (chat_id, message_id, resident_id, text, reply_language, received_at, state, kind, problem_id) VALUES (1, ?, 1, 'x', 'zh', ?, 'classified', ?, ?)`)
      .run(nextMessage++, receivedAt, kind, problemId).lastInsertRowid,
  );
}
const media = (reportId: number) => db.prepare(`INSERT INTO report_media (report_id, kind, file_id, job_state) VALUES (?, 'voice', 'F', 'done')`).run(reportId);
const ids = (rows: Array<{ id: number }>) => rows.map((row) => row.id);

beforeEach(() => {
  db = openDatabase(':memory:');
  createUnitRegistry(db, () => NOW); // the directory's units, which problems refer to
  db.prepare(`INSERT INTO residents (id, telegram_user_id, chat_id, language, created_at) VALUES (1, 1, 1, 'zh', 0)`).run();
  problem(1, 'yz');
  problem(2, 'ez');
  problem(3, 'yz', 1); // merged into 1: no longer the unit's own
  r = {
    old: report(1, NOW - 30 * DAY),
    recent: report(1, NOW - 3 * DAY),
    otherUnit: report(2, NOW - 2 * DAY),
    merged: report(3, NOW - 2 * DAY),
    chitchat: report(1, NOW - DAY, 'chitchat'),
    stray: report(null, NOW - DAY, null),
  };
  for (const id of [r.recent, r.otherUnit, r.merged, r.chitchat]) media(id);
  queries = createLedgerQueries(db);
});

afterEach(() => db.close());

describe('a unit\'s ledger', () => {
  it('holds only the live problems its units answer for, their reports and their media', () => {
    const pages = queries.pages({ unitIds: ['yz'] });
    expect(ids(pages.problems(0, 100))).toEqual([1]);
    expect(ids(pages.reports(0, 100))).toEqual([r.old, r.recent]);
    expect(ids(pages.media(0, 100))).toEqual([r.recent]);
  });

  it('within a period, holds the unit\'s reports of the period only', () => {
    const pages = queries.pages({ period: WEEK, unitIds: ['yz'] });
    expect(pages.problems(0, 100).map((p) => [p.id, p.in_period])).toEqual([[1, 2]]);
    expect(ids(pages.reports(pages.reportsStartAfter(), 100))).toEqual([r.recent]);
    expect(ids(pages.media(0, 100))).toEqual([r.recent]);
  });

  it('of units with none of the problems is empty', () => {
    const pages = queries.pages({ unitIds: [] });
    expect([pages.problems(0, 100), pages.reports(0, 100), pages.media(0, 100)]).toEqual([[], [], []]);
  });
});

describe('the bureau\'s ledger', () => {
  it('counts every report of the period, chit-chat and unclassified ones too, before any work', () => {
    expect(queries.reportCount(WEEK)).toBe(5);
    expect(queries.reportCount(undefined)).toBe(6);
  });

  it('pages a period from just below its first report, leaving chit-chat out', () => {
    const pages = queries.pages({ period: WEEK });
    expect(pages.reportsStartAfter()).toBe(r.recent - 1);
    expect(ids(pages.reports(pages.reportsStartAfter(), 100))).toEqual([r.recent, r.otherUnit, r.merged, r.stray]);
    expect(pages.problems(0, 100).map((p) => [p.id, p.in_period])).toEqual([[1, 2], [2, 1], [3, 1]]);
    expect(queries.pages({ period: { start: NOW, end: NOW + DAY, name: 'later' } }).reportsStartAfter()).toBe(0);
    expect(queries.pages({}).reportsStartAfter()).toBe(0);
  });

  it('reads pages after the given id, no longer than asked', () => {
    const pages = queries.pages({});
    expect(ids(pages.problems(0, 2))).toEqual([1, 2]);
    expect(ids(pages.problems(2, 2))).toEqual([3]);
    expect(ids(pages.reports(r.recent, 2))).toEqual([r.otherUnit, r.merged]);
    expect(ids(pages.media(r.otherUnit, 100))).toEqual([r.merged]);
  });
});
