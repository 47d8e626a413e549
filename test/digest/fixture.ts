import { join } from 'node:path';
import pino from 'pino';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { createDigestService, type DigestService } from '../../src/desk/digest-service.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { createTranslator } from '../../src/i18n/i18n.ts';
import { createOutbox } from '../../src/outbox/outbox.ts';
import { createUnitRegistry } from '../../src/units/unit-registry.ts';

/** Hand-built data for the digest: rows inserted with plain SQL into a database made by the real migrations. */

export const TZ = 'Asia/Shanghai';
const HOUR = 3_600_000;

/** '2026-11-16 10:00' in Shanghai as UTC ms. */
export const local = (text: string): number => Date.parse(`${text.replace(' ', 'T')}:00+08:00`);
export const hours = (n: number) => n * HOUR;

export function openFixtureDb(dir: string, name = 'digest.sqlite'): Db {
  const db = openDatabase(join(dir, name));
  createUnitRegistry(db); // the directory's units, so problems can refer to them
  return db;
}

export interface ProblemRow {
  id: number;
  title?: string;
  category?: string;
  unitId?: string | null;
  unitWritten?: string | null;
  responsibleUnitId?: string | null;
  status?: 'new' | 'assigned' | 'in_progress' | 'resolved' | 'closed';
  closeReason?: string | null;
  createdAt: number;
  firstResponseAt?: number | null;
  deadlineAt?: number | null;
  mergedInto?: number | null;
  urgent?: boolean;
  reportCount?: number;
  residentCount?: number;
  widespreadAt?: number | null;
  recurringAt?: number | null;
}

export function insertProblem(db: Db, p: ProblemRow): void {
  db.prepare(
    `INSERT INTO problems (id, title, category, unit_id, unit_written, responsible_unit_id, status, close_reason, created_at, updated_at,
       first_response_at, deadline_at, merged_into, urgent, report_count, resident_count, widespread, widespread_at, recurring, recurring_at)
     VALUES (@id, @title, @category, @unitId, @unitWritten, @responsibleUnitId, @status, @closeReason, @createdAt, @createdAt,
       @firstResponseAt, @deadlineAt, @mergedInto, @urgent, @reportCount, @residentCount, @widespread, @widespreadAt, @recurring, @recurringAt)`,
  ).run({
    title: `问题${p.id}`,
    category: 'other',
    unitId: null,
    unitWritten: null,
    responsibleUnitId: null,
    status: 'new',
    closeReason: null,
    firstResponseAt: null,
    deadlineAt: null,
    mergedInto: null,
    reportCount: 1,
    residentCount: 1,
    widespreadAt: null,
    recurringAt: null,
    ...p,
    urgent: p.urgent ? 1 : 0,
    widespread: p.widespreadAt ? 1 : 0,
    recurring: p.recurringAt ? 1 : 0,
  });
}

export interface ReportRow {
  id: number;
  receivedAt: number;
  category?: string | null;
  problemId?: number | null;
  urgent?: boolean | null;
  unitId?: string | null;
}

export function insertReport(db: Db, r: ReportRow): void {
  db.prepare(
    `INSERT INTO reports (id, chat_id, message_id, text, reply_language, received_at, state, category, urgent, unit_id, problem_id)
     VALUES (@id, @chatId, @id, @text, 'zh', @receivedAt, @state, @category, @urgent, @unitId, @problemId)`,
  ).run({
    chatId: 5000 + r.id,
    text: `反映${r.id}`,
    state: r.category === null ? 'received' : 'classified',
    unitId: null,
    problemId: null,
    ...r,
    category: r.category === undefined ? 'other' : r.category,
    urgent: r.urgent === null ? null : r.urgent ? 1 : 0,
  });
}

export interface FeedbackRow {
  reportId: number;
  problemId: number;
  unitId: string | null;
  /** Defaults to an hour before the first answer. */
  askedAt?: number;
  fixed?: 'fixed' | 'partly' | 'not_fixed' | null;
  fixedAt?: number | null;
  rating?: number | null;
  ratedAt?: number | null;
}

export function insertFeedback(db: Db, f: FeedbackRow): void {
  db.prepare(
    `INSERT INTO feedback (report_id, problem_id, unit_id, asked_at, fixed, fixed_at, rating, rated_at)
     VALUES (@reportId, @problemId, @unitId, @askedAt, @fixed, @fixedAt, @rating, @ratedAt)`,
  ).run({ fixed: null, fixedAt: null, rating: null, ratedAt: null, ...f, askedAt: f.askedAt ?? Math.min(f.fixedAt ?? Infinity, f.ratedAt ?? Infinity) - HOUR });
}

export const SETTINGS = {
  cron: '0 9 * * 1',
  responseWindowMs: 24 * HOUR,
  rankingMinProblems: 3,
  weights: { response: 0.3, resolution: 0.35, satisfaction: 0.35 },
};

export function digestService(db: Db, options: { now: () => number; staffChatIds?: number[]; language?: 'zh' | 'en'; chart?: boolean; onQueued?: () => void }): DigestService {
  const units = createUnitRegistry(db);
  return createDigestService({
    db,
    outbox: createOutbox(db, options.now),
    tr: createTranslator(),
    catalogue: loadCatalogue(),
    unitName: (id) => units.displayName(id),
    timezone: TZ,
    settings: SETTINGS,
    staffChatIds: options.staffChatIds ?? [-100_1, -100_2],
    staffLanguage: options.language ?? 'zh',
    logger: pino({ level: 'silent' }),
    onQueued: options.onQueued ?? (() => {}),
    now: options.now,
    ...(options.chart !== undefined && { chart: options.chart }),
  });
}
