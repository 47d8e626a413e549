import { statSync } from 'node:fs';
import { loadDeadlineRule } from '../../src/domain/deadlines.ts';
import pino from 'pino';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { createDigestService } from '../../src/desk/digest-service.ts';
import { lastFullPeriod } from '../../src/digest/periods.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { recentPeriod } from '../../src/domain/periods.ts';
import { buildLedger, type Ledger } from '../../src/export/ledger.ts';
import { createTranslator } from '../../src/i18n/i18n.ts';
import { createReportStore } from '../../src/intake/report-store.ts';
import { createOutbox } from '../../src/outbox/outbox.ts';
import { createGrouping } from '../../src/problems/grouping.ts';
import { createProblemQueries, type ProblemFilter } from '../../src/problems/problem-queries.ts';
import { createProblemStore } from '../../src/problems/problem-store.ts';
import { createStaffViews } from '../../src/replies/staff-views.ts';
import { createUnitRegistry } from '../../src/units/unit-registry.ts';
import type { ResultSet, Target } from '../lib/results.ts';
import { repeat } from '../lib/stats.ts';
import { END, FULL_SCALE, prepareStorage, QUICK_SCALE, TIMEZONE, type GeneratedStorage } from './generate.ts';
import { benchPipelineAtScale } from './pipeline-at-scale.ts';

/**
 * Storage at scale: every staff command's work (the query and the rendering of its reply, not the Telegram
 * call), the weekly digest, the quarter's ranking and one month's export, timed in-process on a database
 * the size of two years of a large district, by calling the same functions the bot calls.
 */

export interface StorageOptions {
  quick: boolean;
  log: (line: string) => void;
}

const STAFF_TARGET: Target = { op: '<=', value: 300, text: '< 300 ms' };
const DIGEST_TARGET: Target = { op: '<=', value: 1000, text: '< 1 s' };

export async function benchStorage(results: ResultSet, options: StorageOptions): Promise<void> {
  const { quick, log } = options;
  const scale = quick ? QUICK_SCALE : FULL_SCALE;
  const storage = await prepareStorage(scale, log);
  results.fact('storage', 'scale', storage.scale);
  results.fact('storage', 'rows', storage.counts);
  results.fact('storage', 'generatedSeconds', Math.round(storage.generatedSeconds * 10) / 10);
  results.fact('storage', 'reusedCachedDatabase', storage.reused);

  const db = openDatabase(storage.path);
  try {
    recordSize(results, db, storage);
    await timeQueries(results, db, storage, quick, log);
  } finally {
    db.close();
  }
  await benchPipelineAtScale(results, storage, { quick, log });
}

function recordSize(results: ResultSet, db: Db, storage: GeneratedStorage): void {
  const bytes = statSync(storage.path).size;
  results.fact('storage', 'databaseMiB', Math.round(bytes / 2 ** 20));
  results.fact('storage', 'bytesPerReport', Math.round(bytes / storage.scale.reports));
  // Space by table, indexes counted with their table.
  const objects = db.prepare(`SELECT name, tbl_name AS tableName FROM sqlite_schema WHERE type IN ('table', 'index')`).all() as Array<{ name: string; tableName: string }>;
  const owner = new Map(objects.map((o) => [o.name, o.tableName]));
  const byTable = new Map<string, { tableMiB: number; indexMiB: number }>();
  for (const row of db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all() as Array<{ name: string; bytes: number }>) {
    const table = owner.get(row.name) ?? row.name;
    const entry = byTable.get(table) ?? { tableMiB: 0, indexMiB: 0 };
    if (table === row.name) entry.tableMiB += row.bytes / 2 ** 20;
    else entry.indexMiB += row.bytes / 2 ** 20;
    byTable.set(table, entry);
  }
  const tables = [...byTable.entries()]
    .map(([table, e]) => ({ table, tableMiB: Math.round(e.tableMiB), indexMiB: Math.round(e.indexMiB) }))
    .sort((a, b) => b.tableMiB + b.indexMiB - (a.tableMiB + a.indexMiB));
  results.fact('storage', 'sizeByTable', tables);
}

async function timeQueries(results: ResultSet, db: Db, storage: GeneratedStorage, quick: boolean, log: (line: string) => void): Promise<void> {
  const now = END;
  const catalogue = loadCatalogue();
  const tr = createTranslator();
  const units = createUnitRegistry(db, () => now, storage.units);
  const queries = createProblemQueries(db);
  const problems = createProblemStore(db);
  const reports = createReportStore(db);
  const views = createStaffViews(tr, catalogue, units, TIMEZONE);
  // As in src/app.ts: /problem N also lists open problems that may be the same matter.
  const grouping = createGrouping(problems, loadDeadlineRule(catalogue, TIMEZONE), { recurringWithinMs: 30 * 86_400_000, widespreadMinResidents: 5, widespreadWithinMs: 7 * 86_400_000 }, (unitId, written) => {
    const unit = unitId ? units.get(unitId) : undefined;
    return [...(unit ? [unit.name, ...unit.aliases] : []), ...(written ? [written] : [])];
  });
  const digest = createDigestService({
    db,
    outbox: createOutbox(db, () => now),
    tr,
    catalogue,
    unitName: (id) => units.displayName(id),
    timezone: TIMEZONE,
    settings: { cron: '0 9 * * 1', responseWindowMs: 24 * 3_600_000, rankingMinProblems: 3, weights: { response: 0.3, resolution: 0.35, satisfaction: 0.35 } },
    staffChatIds: [-1001],
    staffLanguage: 'zh',
    logger: pino({ level: 'silent' }),
    onQueued: () => {},
    now: () => now,
  });
  const runs = 5;
  const { probes } = storage;
  const lang = 'zh' as const;

  const list = (filter: ProblemFilter, page = 1) => views.problemList(lang, filter, queries.list(filter, page, 10, now), now);
  const detail = (id: number) => {
    const resolved = problems.resolveId(id)!;
    const problem = problems.get(resolved)!;
    return views.problemDetail(lang, problem, queries.reportsOf(problem.id, 10), problems.history(problem.id), now, grouping.possiblySame(problem));
  };
  // An open problem whose category and unit have the most open problems: the most candidates for "possibly the same".
  const crowdedOpenId = db
    .prepare(
      `SELECT MAX(id) FROM problems WHERE merged_into IS NULL AND status NOT IN ('resolved', 'closed') AND (category, unit_id) = (
         SELECT category, unit_id FROM problems WHERE merged_into IS NULL AND status NOT IN ('resolved', 'closed') AND unit_id IS NOT NULL
         GROUP BY category, unit_id ORDER BY COUNT(*) DESC LIMIT 1)`,
    )
    .pluck()
    .get() as number;
  const heavyResident = db.prepare('SELECT resident_id FROM reports GROUP BY resident_id ORDER BY COUNT(*) DESC LIMIT 1').pluck().get() as number;
  const week = digest.defaultWeek();
  const quarter = lastFullPeriod('quarter', now, TIMEZONE);
  const month = lastFullPeriod('month', now, TIMEZONE);
  results.fact('storage', 'periods', { week: week.key, quarter: quarter.key, month: month.key, now: new Date(now).toISOString() });

  const staff: Array<{ id: string; name: string; work: () => unknown }> = [
    { id: 'summary-7d', name: '/summary (7 days)', work: () => views.summary(lang, queries.summary(recentPeriod('7d', now, TIMEZONE), now)) },
    { id: 'summary-30d', name: '/summary 30d', work: () => views.summary(lang, queries.summary(recentPeriod('30d', now, TIMEZONE), now)) },
    { id: 'summary-month', name: '/summary month', work: () => views.summary(lang, queries.summary(recentPeriod('month', now, TIMEZONE), now)) },
    { id: 'problems-open', name: '/problems (open, first page)', work: () => list({ type: 'open' }) },
    { id: 'problems-all', name: '/problems all (first page)', work: () => list({ type: 'all' }) },
    { id: 'problems-all-page-200', name: '/problems all, page 200 (button)', work: () => list({ type: 'all' }, 200) },
    { id: 'problems-category', name: '/problems 食堂餐饮 (category filter)', work: () => list({ type: 'category', category: 'food' }) },
    { id: 'problems-unit', name: '/problems <busiest unit> (unit filter)', work: () => list({ type: 'unit', unitId: probes.busyUnitId }) },
    { id: 'problems-unit-quiet', name: '/problems <median unit> (unit filter)', work: () => list({ type: 'unit', unitId: probes.quietUnitId }) },
    { id: 'problems-resolved', name: '/problems resolved (status filter)', work: () => list({ type: 'status', status: 'resolved' }) },
    { id: 'problems-overdue', name: '/problems overdue', work: () => list({ type: 'overdue' }) },
    { id: 'problems-widespread', name: '/problems widespread', work: () => list({ type: 'widespread' }) },
    { id: 'problems-recurring', name: '/problems recurring', work: () => list({ type: 'recurring' }) },
    { id: 'problems-urgent', name: '/problems urgent', work: () => list({ type: 'urgent' }) },
    { id: 'problem-big', name: `/problem N (largest, ${storage.probes.bigProblemId})`, work: () => detail(probes.bigProblemId) },
    { id: 'problem-typical', name: '/problem N (typical)', work: () => detail(probes.typicalProblemId) },
    { id: 'problem-open-crowded', name: `/problem N (open, among the most open problems of one category and unit: ${crowdedOpenId})`, work: () => detail(crowdedOpenId) },
    { id: 'overdue', name: '/overdue', work: () => views.overdue(lang, queries.overdue(now, 30), now) },
    { id: 'search-common', name: `/search ${probes.commonWord} (common word)`, work: () => views.search(lang, probes.commonWord, queries.search(probes.commonWord, 20), now) },
    { id: 'search-rare', name: `/search ${probes.rareWord} (rare word)`, work: () => views.search(lang, probes.rareWord, queries.search(probes.rareWord, 20), now) },
    { id: 'search-none', name: '/search 不存在的词 (no match)', work: () => views.search(lang, '不存在的词', queries.search('不存在的词', 20), now) },
    { id: 'units-unmatched', name: '/units unmatched', work: () => views.unmatched(lang, units.unmatched(30)) },
    { id: 'question-count', name: 'question tool: count reports (unit, category, 30 days)', work: () => queries.countReports({ period: recentPeriod('30d', now, TIMEZONE), unitId: probes.busyUnitId, category: 'food' }) },
    { id: 'question-overdue-by-unit', name: 'question tool: overdue by unit', work: () => queries.overdueByUnit(now) },
    { id: 'resident-my', name: '/my (most active resident)', work: () => reports.forResident(heavyResident, 10) },
  ];
  for (const query of staff) {
    const samples = await repeat(runs, 1, query.work);
    const metric = results.add({ id: `storage.${query.id}`, section: 'storage', name: query.name, unit: 'ms', samples, target: STAFF_TARGET, judgedOn: 'p95', baseline: 'sqlite' });
    log(`storage: ${query.name.padEnd(48)} median ${metric.median.toFixed(1)} ms, p95 ${metric.p95.toFixed(1)} ms`);
  }

  let ledger: Ledger | undefined;
  const heavy: Array<{ id: string; name: string; work: () => unknown; target?: Target; runs: number }> = [
    { id: 'digest-build', name: `weekly digest: figures (${week.key})`, work: () => digest.build(week), target: DIGEST_TARGET, runs },
    { id: 'digest-render', name: 'weekly digest: figures + HTML + chart', work: () => digest.render(week), target: DIGEST_TARGET, runs },
    { id: 'ranking-quarter', name: `ranking for a quarter (${quarter.key})`, work: () => digest.renderRanking(quarter), target: STAFF_TARGET, runs },
    {
      id: 'export-month',
      name: `export of one month (${month.key}, xlsx + csv)`,
      work: async () => {
        ledger = await buildLedger(db, { period: { start: month.start, end: month.end, name: month.key }, units, catalogue, timezone: TIMEZONE, now });
      },
      runs: 3,
    },
  ];
  for (const query of heavy) {
    const samples = await repeat(query.runs, 1, query.work);
    const metric = results.add({ id: `storage.${query.id}`, section: 'storage', name: query.name, unit: 'ms', samples, ...(query.target && { target: query.target, judgedOn: 'p95' as const }), baseline: 'sqlite' });
    log(`storage: ${query.name.padEnd(48)} median ${metric.median.toFixed(1)} ms, p95 ${metric.p95.toFixed(1)} ms`);
  }
  if (ledger) results.fact('storage', 'exportMonth', { problems: ledger.problems, reports: ledger.reports, xlsxKiB: Math.round(ledger.xlsx.length / 1024), csvKiB: Math.round(ledger.csv.length / 1024) });
  const built = digest.build(week);
  results.fact('storage', 'digestWeek', { reports: built.reports.current, problems: built.problems.current, urgent: built.urgent.total, overdue: built.overdue.total, rankedUnits: built.ranking.units.filter((u) => u.rank !== null).length });
}
