import { readdirSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/database.ts';

const MIGRATIONS = new URL('../../src/db/migrations/', import.meta.url);
const DAY = 86_400_000;
const T = Date.UTC(2026, 10, 2);

/** A database as version 10 left it (the real migration files up to 010), with praise on the problem list. */
function databaseBefore011(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  for (const file of readdirSync(MIGRATIONS).filter((f) => /^\d+_.+\.sql$/.test(f)).sort()) {
    const version = Number.parseInt(file, 10);
    if (version > 10) continue;
    db.exec(readFileSync(new URL(file, MIGRATIONS), 'utf8'));
    db.pragma(`user_version = ${version}`);
  }
  db.prepare(`INSERT INTO units (id, name, type) VALUES ('yz', '第一中学', 'middle_school'), ('sx', '实验小学', 'primary_school')`).run();
  for (const id of [1, 2, 3, 4]) db.prepare(`INSERT INTO residents (id, telegram_user_id, chat_id, language, created_at) VALUES (?, ?, ?, 'zh', ?)`).run(id, 1000 + id, 1000 + id, T);
  const problem = db.prepare(
    `INSERT INTO problems (id, title, category, unit_id, status, close_reason, merged_into, first_response_at, created_at, updated_at)
     VALUES (@id, @title, @category, @unit, @status, @reason, @merged, @responded, @at, @at)`,
  );
  // 1: only praise, overdue and unanswered (lowering 第一中学's response rate); 2 was merged into it.
  problem.run({ id: 1, title: '护眼灯很好', category: 'facilities', unit: 'yz', status: 'new', reason: null, merged: null, responded: null, at: T });
  problem.run({ id: 2, title: '护眼灯', category: 'facilities', unit: 'yz', status: 'closed', reason: 'duplicate', merged: 1, responded: null, at: T });
  // 3: a real complaint with one praise report beside it; 4: a suggestion.
  problem.run({ id: 3, title: '食堂有头发', category: 'food', unit: 'yz', status: 'assigned', reason: null, merged: null, responded: T + 3_600_000, at: T });
  problem.run({ id: 4, title: '建议加装红绿灯', category: 'transport', unit: 'sx', status: 'new', reason: null, merged: null, responded: null, at: T });
  const report = db.prepare(
    `INSERT INTO reports (id, chat_id, message_id, resident_id, text, reply_language, received_at, state, category, kind, urgent, unit_id, summary, problem_id)
     VALUES (@id, @chat, @id, @resident, @text, 'zh', @at, 'classified', @category, @kind, 0, 'yz', @text, @problem)`,
  );
  report.run({ id: 11, chat: 1001, resident: 1, text: '学校新换的护眼灯和课桌椅都很好', category: 'facilities', kind: 'praise', problem: 1, at: T });
  report.run({ id: 12, chat: 1002, resident: 2, text: '一中的灯换得好', category: 'facilities', kind: 'praise', problem: 1, at: T + DAY });
  report.run({ id: 13, chat: 1003, resident: 3, text: '一中食堂饭菜有头发', category: 'food', kind: 'complaint', problem: 3, at: T });
  report.run({ id: 14, chat: 1004, resident: 4, text: '一中食堂越来越好了，谢谢', category: 'food', kind: 'praise', problem: 3, at: T + DAY });
  report.run({ id: 15, chat: 1004, resident: 4, text: '建议实小门口加装红绿灯', category: 'transport', kind: 'suggestion', problem: 4, at: T });
  db.prepare(`UPDATE problems SET report_count = (SELECT COUNT(*) FROM reports WHERE problem_id = problems.id)`).run();
  db.prepare(`INSERT INTO problem_events (problem_id, at, actor, action, to_status) VALUES (1, ?, 'system', 'created', 'new'), (3, ?, 'system', 'created', 'new')`).run(T, T);
  db.prepare(`INSERT INTO feedback (report_id, problem_id, unit_id, asked_at, fixed, fixed_at) VALUES (11, 1, 'yz', ?, 'fixed', ?)`).run(T, T);
  return db;
}

describe('migration 011: praise leaves the problem list', () => {
  it('removes problems that held only praise, detaches praise from the others with a history event, and keeps the data valid', () => {
    const db = databaseBefore011();
    migrate(db);

    expect(db.prepare('SELECT id FROM problems ORDER BY id').pluck().all()).toEqual([3, 4]);
    expect(db.prepare(`SELECT id FROM reports WHERE kind = 'praise' AND problem_id IS NULL ORDER BY id`).pluck().all()).toEqual([11, 12, 14]);
    expect(db.prepare('SELECT report_count, resident_count, last_report_at FROM problems WHERE id = 3').get()).toEqual({ report_count: 1, resident_count: 1, last_report_at: T });
    expect(db.prepare(`SELECT note FROM problem_events WHERE problem_id = 3 AND action = 'moved_out'`).pluck().all()).toEqual(['#14']);
    expect(db.prepare('SELECT COUNT(*) FROM feedback').pluck().get()).toBe(0);
    expect(JSON.parse(db.prepare(`SELECT value FROM meta WHERE key = 'migration_011'`).pluck().get() as string)).toMatchObject({ problems_removed: 2, reports_moved: 3 });
    expect(db.prepare('SELECT id, kind FROM problems ORDER BY id').all()).toEqual([{ id: 3, kind: 'complaint' }, { id: 4, kind: 'suggestion' }]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('lets reports be chit-chat and suggestions close as adopted or noted, and still refuses anything else', () => {
    const db = databaseBefore011();
    migrate(db);
    db.prepare(`UPDATE reports SET kind = 'chitchat' WHERE id = 11`).run();
    db.prepare(`UPDATE problems SET status = 'closed', close_reason = 'adopted' WHERE id = 4`).run();
    db.prepare(`UPDATE problems SET close_reason = 'noted' WHERE id = 4`).run();
    expect(() => db.prepare(`UPDATE reports SET kind = 'gossip' WHERE id = 11`).run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare(`UPDATE problems SET close_reason = 'ignored' WHERE id = 4`).run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare(`UPDATE problems SET kind = 'praise' WHERE id = 4`).run()).toThrow(/CHECK constraint failed/);
    // The schema edit was for the migration only: the connection is back in defensive mode.
    expect(() => db.exec(`PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = sql WHERE name = 'reports'`)).toThrow();
  });
});
