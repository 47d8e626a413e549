import { readdirSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/database.ts';
import pino from 'pino';
import { createOfflineClassifier, loadExamples } from '../../src/classify/offline/offline-classifier.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { backfillKinds, KINDS_BACKFILL_KEY } from '../../src/pipeline/backfill-kinds.ts';
import { createFaultWorld } from '../faults/support/fault-world.ts';

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

/**
 * The same old database with chit-chat the old classifier labelled inquiry or complaint: "lol" (5) and "你好" (6)
 * alone on open problems, a real complaint alone (7), a greeting beside a real report (8), "test" on a resolved
 * problem (9), and "hi" on a problem already sent to a unit (10).
 */
function databaseWithOldChitchat(): Database.Database {
  const db = databaseBefore011();
  const problem = db.prepare(
    `INSERT INTO problems (id, title, category, unit_id, status, first_response_at, report_count, created_at, updated_at)
     VALUES (@id, @title, 'other', NULL, @status, @responded, @count, @at, @at)`,
  );
  problem.run({ id: 5, title: 'lol', status: 'new', responded: null, count: 1, at: T });
  problem.run({ id: 6, title: '你好', status: 'assigned', responded: T + 3_600_000, count: 1, at: T });
  problem.run({ id: 7, title: '食堂饭菜有头发', status: 'new', responded: null, count: 1, at: T });
  problem.run({ id: 8, title: '校门口拥堵', status: 'new', responded: null, count: 2, at: T });
  problem.run({ id: 9, title: 'test', status: 'resolved', responded: T, count: 1, at: T });
  problem.run({ id: 10, title: 'hi', status: 'new', responded: null, count: 1, at: T });
  const report = db.prepare(
    `INSERT INTO reports (id, chat_id, message_id, resident_id, text, reply_language, received_at, state, category, kind, urgent, summary, problem_id)
     VALUES (@id, 1001, @id, 1, @text, 'zh', @at, 'classified', 'other', @kind, 0, @text, @problem)`,
  );
  report.run({ id: 21, text: 'lol', kind: 'inquiry', problem: 5, at: T });
  report.run({ id: 22, text: '你好', kind: 'complaint', problem: 6, at: T });
  report.run({ id: 23, text: '一中食堂饭菜里有头发', kind: 'complaint', problem: 7, at: T });
  report.run({ id: 24, text: '一中校门口每天放学都堵车', kind: 'complaint', problem: 8, at: T });
  report.run({ id: 25, text: '你好', kind: 'inquiry', problem: 8, at: T + DAY });
  report.run({ id: 26, text: 'test', kind: 'inquiry', problem: 9, at: T });
  report.run({ id: 27, text: 'hi', kind: 'inquiry', problem: 10, at: T });
  db.prepare(`INSERT INTO problem_events (problem_id, at, actor, action, to_status) VALUES (5, ?, 'system', 'created', 'new'), (6, ?, 'staff:9', 'assigned', 'assigned')`).run(T, T);
  db.prepare(`INSERT INTO feedback (report_id, problem_id, unit_id, asked_at) VALUES (22, 6, NULL, ?)`).run(T);
  migrate(db);
  db.prepare(`INSERT INTO unit_dispatches (problem_id, unit_id, dispatched_at) VALUES (10, 'yz', ?)`).run(T);
  return db;
}

const offline = createOfflineClassifier({ catalogue: loadCatalogue(), examples: loadExamples() });

function backfill(db: Database.Database, lines: string[] = []) {
  const logger = pino({ base: null }, { write: (line: string) => void lines.push(line) });
  return backfillKinds({ db, offline: () => offline, logger, now: () => T + 10 * DAY });
}

describe('kinds backfill: chit-chat the old classifier put on the problem list leaves it, once', () => {
  it('moves greetings alone on open problems off the list and leaves real reports, shared and handled problems alone', () => {
    const db = databaseWithOldChitchat();
    const snapshot = (ids: number[]) => ({
      problems: db.prepare(`SELECT * FROM problems WHERE id IN (${ids.join(',')}) ORDER BY id`).all(),
      reports: db.prepare(`SELECT id, kind, problem_id FROM reports WHERE problem_id IN (${ids.join(',')}) ORDER BY id`).all(),
    });
    const untouched = snapshot([7, 8, 9, 10]);
    const lines: string[] = [];

    expect(backfill(db, lines)).toEqual({ ran: true, checked: 4, moved: 2 });

    expect(db.prepare(`SELECT id, kind, problem_id FROM reports WHERE id IN (21, 22) ORDER BY id`).all()).toEqual([
      { id: 21, kind: 'chitchat', problem_id: null },
      { id: 22, kind: 'chitchat', problem_id: null },
    ]);
    // Off the list as 011 removes praise-only problems: the problem, its history and its survey row go.
    expect(db.prepare('SELECT id FROM problems ORDER BY id').pluck().all()).toEqual([3, 4, 7, 8, 9, 10]);
    expect(db.prepare('SELECT COUNT(*) FROM problem_events WHERE problem_id IN (5, 6)').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM feedback WHERE problem_id = 6').pluck().get()).toBe(0);
    // What moved is on record, by id.
    expect(JSON.parse(db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(KINDS_BACKFILL_KEY) as string)).toEqual({
      at: T + 10 * DAY,
      checked: 4,
      moved: 2,
      reportIds: [21, 22],
    });
    expect(snapshot([7, 8, 9, 10])).toEqual(untouched);
    // The log line carries numbers, never the residents' words.
    const logged = lines.join('');
    expect(logged).toMatch(/2 chit-chat reports moved/);
    for (const text of ['lol', '你好', '头发']) expect(logged).not.toContain(text);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('runs once per database: a second start changes nothing, even with new candidates', () => {
    const db = databaseWithOldChitchat();
    backfill(db);
    const before = { problems: db.prepare('SELECT * FROM problems ORDER BY id').all(), reports: db.prepare('SELECT * FROM reports ORDER BY id').all() };
    db.prepare(`INSERT INTO problems (id, title, category, status, report_count, created_at, updated_at) VALUES (11, 'lol', 'other', 'new', 1, ?, ?)`).run(T, T);
    db.prepare(
      `INSERT INTO reports (id, chat_id, message_id, resident_id, text, reply_language, received_at, state, category, kind, urgent, summary, problem_id)
       VALUES (28, 1001, 28, 1, 'lol', 'zh', ?, 'classified', 'other', 'inquiry', 0, 'lol', 11)`,
    ).run(T);
    let built = false;
    const again = backfillKinds({ db, offline: () => ((built = true), offline), logger: pino({ enabled: false }) });
    expect(again).toEqual({ ran: false, checked: 0, moved: 0 });
    expect(built).toBe(false);
    expect(db.prepare('SELECT * FROM problems WHERE id <> 11 ORDER BY id').all()).toEqual(before.problems);
    expect(db.prepare('SELECT * FROM reports WHERE id <> 28 ORDER BY id').all()).toEqual(before.reports);
    expect(db.prepare('SELECT kind, problem_id FROM reports WHERE id = 28').get()).toEqual({ kind: 'inquiry', problem_id: 11 });
  });

  it('works in batches of 500 and records the run with the last one', () => {
    const db = databaseWithOldChitchat();
    const problem = db.prepare(`INSERT INTO problems (id, title, category, status, report_count, created_at, updated_at) VALUES (?, 'x', 'other', 'new', 1, ?, ?)`);
    const report = db.prepare(
      `INSERT INTO reports (id, chat_id, message_id, resident_id, text, reply_language, received_at, state, category, kind, urgent, summary, problem_id)
       VALUES (?, 1001, ?, 1, ?, 'zh', ?, 'classified', 'other', 'inquiry', 0, 'x', ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < 1_100; i++) {
        problem.run(100 + i, T, T);
        report.run(1000 + i, 1000 + i, i % 2 === 0 ? 'lol' : '一中食堂饭菜里有头发', T, 100 + i);
      }
    })();
    expect(backfill(db)).toEqual({ ran: true, checked: 1_104, moved: 552 });
    expect(db.prepare(`SELECT COUNT(*) FROM reports WHERE kind = 'chitchat' AND problem_id IS NULL`).pluck().get()).toBe(552);
    expect(db.prepare(`SELECT COUNT(*) FROM problems WHERE id >= 100`).pluck().get()).toBe(550);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});

describe('kinds backfill at start', () => {
  it('cleans an old database when the bot starts, before it serves anyone', async () => {
    const world = await createFaultWorld();
    try {
      databaseWithOldChitchat().exec(`VACUUM INTO '${world.dbPath.replaceAll("'", "''")}'`);
      const bot = await world.start({ llm: false });
      expect(world.query(`SELECT id, kind, problem_id FROM reports WHERE id IN (21, 22, 23) ORDER BY id`)).toEqual([
        { id: 21, kind: 'chitchat', problem_id: null },
        { id: 22, kind: 'chitchat', problem_id: null },
        { id: 23, kind: 'complaint', problem_id: 7 },
      ]);
      expect(world.count(`SELECT COUNT(*) FROM problems WHERE id IN (5, 6)`)).toBe(0);
      expect(world.count(`SELECT COUNT(*) FROM meta WHERE key = ?`, KINDS_BACKFILL_KEY)).toBe(1);
      const line = bot.output().split('\n').find((l) => l.includes('kinds backfill'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({ checked: 4, moved: 2 });
      await bot.stop();
    } finally {
      await world.close();
    }
  }, 60_000);
});
