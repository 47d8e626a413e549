import { createHash } from 'node:crypto';
import { loadDeadlineRule } from '../../src/domain/deadlines.ts';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { migrate, type Db } from '../../src/db/database.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { clampSummary, type Kind, type Language } from '../../src/domain/classification.ts';
import { createTranslator } from '../../src/i18n/i18n.ts';
import { loadExamples } from '../../src/classify/offline/examples.ts';
import { createReplies } from '../../src/replies/replies.ts';
import { createResidentNotices } from '../../src/replies/resident-notices.ts';
import { loadUnitFile, type Unit, type UnitFile } from '../../src/units/unit-directory.ts';
import { seededRandom } from '../lib/stats.ts';

/**
 * A database like two years of a large district, written with direct SQL in big transactions: it measures
 * queries, not intake. Everything the bot keeps is there in realistic proportions — residents, problems,
 * reports, their history, survey answers, the inbox and outbox rows, the LLM cache and call log — with the
 * skew a real district has: a few units and categories get most reports, problem sizes follow a Zipf law
 * from 1 to 50 reports, old problems are mostly resolved, volume follows the school year.
 *
 * The file is cached under bench/out/ and reused while the generator, the tables and the scale are unchanged;
 * index changes are applied to the cached file (see cacheKey).
 */

export interface StorageScale {
  reports: number;
  problems: number;
  units: number;
  residents: number;
  days: number;
}

export const FULL_SCALE: StorageScale = { reports: 1_000_000, problems: 200_000, units: 300, residents: 300_000, days: 730 };
export const QUICK_SCALE: StorageScale = { reports: 50_000, problems: 10_000, units: 300, residents: 15_000, days: 730 };

/** Monday 2026-11-23 09:00 in Asia/Shanghai: when the weekly digest of week 47 goes out. The data ends here. */
export const END = Date.UTC(2026, 10, 23, 1, 0);
export const TIMEZONE = 'Asia/Shanghai';
const SEED = 20261123;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const OUT_DIR = new URL('../out/', import.meta.url);

export interface GeneratedStorage {
  path: string;
  scale: StorageScale;
  end: number;
  units: UnitFile;
  counts: Record<string, number>;
  /** Seconds spent generating; 0 when the cached file was reused. */
  generatedSeconds: number;
  reused: boolean;
  /** Facts the query benchmark uses: the biggest problem, a typical one, the busiest unit, search words. */
  probes: { bigProblemId: number; typicalProblemId: number; busyUnitId: string; quietUnitId: string; commonWord: string; rareWord: string };
}

/** The category mix of a district's complaints: canteens, fees and buildings first, sports and admin last. */
const CATEGORY_WEIGHTS: Record<string, number> = {
  food: 14,
  fees: 12,
  facilities: 12,
  transport: 10,
  teacher_conduct: 9,
  study_burden: 9,
  enrollment: 8,
  campus_safety: 7,
  off_campus_training: 6,
  sports: 5,
  admin_service: 5,
  other: 3,
};

/** Volume by month of the school year: September and March peak, the summer and winter holidays are quiet. */
const MONTH_WEIGHTS = [0.8, 0.5, 1.1, 1.0, 1.0, 0.9, 0.45, 0.5, 1.5, 1.2, 1.1, 1.0];
const HOUR_WEIGHTS = [0.1, 0.05, 0.03, 0.03, 0.05, 0.2, 0.6, 1.2, 1.6, 1.5, 1.4, 1.2, 1.1, 1.2, 1.3, 1.3, 1.4, 1.6, 1.5, 1.4, 1.6, 1.4, 0.9, 0.4];

const FILLERS = ['', '', '', '请尽快处理。', '希望有关部门重视。', '已经不是第一次了。', '谢谢！', '麻烦核实一下。', '家长们都很着急。', '盼回复。'];

const PLACEHOLDER_TICKET = 987654321;
const PLACEHOLDER_UNIT = 'UNIT-NAME-PLACEHOLDER';

/** The schema the migrations build, from an empty in-memory database: tables (data shape) and indexes apart. */
function currentSchema(): { tables: string; indexes: Array<{ name: string; sql: string }>; version: number } {
  const db = new Database(':memory:');
  migrate(db);
  const rows = db.prepare(`SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY type, name`).all() as Array<{ type: string; name: string; sql: string }>;
  const version = db.pragma('user_version', { simple: true }) as number;
  db.close();
  return {
    tables: rows.filter((r) => r.type !== 'index').map((r) => r.sql).join(';\n'),
    indexes: rows.filter((r) => r.type === 'index').map(({ name, sql }) => ({ name, sql })),
    version,
  };
}

/**
 * The cached file is reused while the generator, the scale and the tables are the same. Indexes are not
 * part of the key: a change to them (a new migration, an edited one) is applied to the cached file by
 * syncIndexes, which takes a minute instead of the several a new file takes.
 */
function cacheKey(scale: StorageScale, tables: string): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(new URL(import.meta.url)));
  hash.update(tables);
  hash.update(JSON.stringify({ scale, seed: SEED, end: END }));
  return hash.digest('hex').slice(0, 16);
}

/** Make the cached file's indexes exactly those of the current migrations; returns what changed. */
function syncIndexes(path: string, schema: ReturnType<typeof currentSchema>, log: (line: string) => void): string[] {
  const db = new Database(path);
  const changed: string[] = [];
  try {
    const existing = new Map((db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL`).all() as Array<{ name: string; sql: string }>).map((r) => [r.name, r.sql]));
    const wanted = new Map(schema.indexes.map((i) => [i.name, i.sql]));
    for (const [name, sql] of existing) {
      if (wanted.get(name) === sql) continue;
      db.exec(`DROP INDEX ${name}`);
      changed.push(`-${name}`);
    }
    for (const [name, sql] of wanted) {
      if (existing.get(name) === sql) continue;
      log(`storage: building index ${name} on the cached database`);
      db.exec(sql);
      changed.push(`+${name}`);
    }
    db.pragma(`user_version = ${schema.version}`);
  } finally {
    db.close();
  }
  return changed;
}

/** Words of school names the real directory does not use, so that no made-up unit reads like a real one. */
const NAME_WORDS = [...'育才启明阳光博雅明德新华朝阳春晖树人育英文昌光明和平胜利红星东风前进建设团结友谊幸福希望振兴兴华崇文尚德致远弘毅笃行知行求真向阳晨光星光彩虹蓝天绿洲金桥银杏翠湖青松白云长江黄河泰山华山紫荆丁香海棠玉兰梧桐枫林桃李'.matchAll(/../gu)].map((m) => m[0]);

/** 300 units: the real directory first, then schools, kindergartens and venues in the same towns. */
export function districtUnits(count: number): UnitFile {
  const file = loadUnitFile();
  const towns = [...new Set(file.units.map((u) => u.town))];
  const units: Unit[] = [...file.units];
  const kinds: Array<{ type: Unit['type']; suffix: string; slug: string }> = [
    { type: 'primary_school', suffix: '小学', slug: 'xx' },
    { type: 'kindergarten', suffix: '幼儿园', slug: 'yey' },
    { type: 'middle_school', suffix: '中学', slug: 'zx' },
    { type: 'town_school', suffix: '九年一贯制学校', slug: 'jn' },
    { type: 'venue', suffix: '体育馆', slug: 'tyg' },
  ];
  for (let i = 0; units.length < count; i++) {
    const kind = kinds[i % kinds.length]!;
    const town = towns[i % towns.length]!;
    const word = NAME_WORDS[Math.floor(i / kinds.length) % NAME_WORDS.length]!;
    units.push({ id: `bench_${kind.slug}_${i + 1}`, name: `${town.replace(/(镇|街道|乡)$/, '')}${word}${kind.suffix}`, aliases: [], type: kind.type, town });
  }
  return { district: file.district, units: units.slice(0, count) };
}

/** Sampling from a weighted list in O(log n). */
function weightedSampler<T>(items: readonly T[], weights: readonly number[], random: () => number): () => T {
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((w, i) => (cumulative[i] = total += w));
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return items[lo]!;
  };
}

export async function prepareStorage(scale: StorageScale, log: (line: string) => void): Promise<GeneratedStorage> {
  mkdirSync(OUT_DIR, { recursive: true });
  const schema = currentSchema();
  const key = cacheKey(scale, schema.tables);
  const path = new URL(`storage-${scale.reports}.sqlite`, OUT_DIR).pathname;
  const metaPath = `${path}.json`;
  if (existsSync(path) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as GeneratedStorage & { key: string };
    if (meta.key === key) {
      const changed = syncIndexes(path, schema, log);
      log(`storage: reusing ${path}${changed.length ? ` (indexes changed: ${changed.join(' ')})` : ''}`);
      return { ...meta, path, reused: true, generatedSeconds: 0, units: districtUnits(scale.units) };
    }
    log(`storage: the cached database is stale (generator, tables or scale changed); regenerating`);
  }
  const started = performance.now();
  const tmp = `${path}.tmp`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${tmp}${suffix}`, { force: true });
  const db = new Database(tmp);
  // A bulk load: no journal, no fsync. The bot's own settings (WAL) are restored at the end.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1000000');
  migrate(db);
  // Indexes and triggers are dropped for the load and made again from the migrations' own definitions:
  // building an index over sorted data is several times faster than growing it row by row, and a full-text
  // index is rebuilt in one pass instead of by a trigger per row.
  const indexes = db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL`).all() as Array<{ name: string; sql: string }>;
  const triggers = db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'`).all() as Array<{ name: string; sql: string }>;
  const fullText = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE % USING fts5%'`).pluck().all() as string[];
  for (const index of indexes) db.exec(`DROP INDEX ${index.name}`);
  for (const trigger of triggers) db.exec(`DROP TRIGGER ${trigger.name}`);
  const { counts, probes } = generate(db, scale, log);
  log(`storage: building ${indexes.length} indexes`);
  for (const index of indexes) db.exec(index.sql);
  for (const table of fullText) {
    log(`storage: building the full-text index ${table}`);
    db.exec(`INSERT INTO ${table} (${table}) VALUES ('rebuild')`);
  }
  for (const trigger of triggers) db.exec(trigger.sql);
  log('storage: checkpointing');
  db.pragma('journal_mode = WAL');
  db.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  renameSync(tmp, path);
  const generatedSeconds = (performance.now() - started) / 1000;
  const units = districtUnits(scale.units);
  const result: GeneratedStorage = { path, scale, end: END, units, counts, generatedSeconds, reused: false, probes };
  writeFileSync(metaPath, JSON.stringify({ ...result, units: undefined, key }, null, 2));
  log(`storage: generated ${scale.reports.toLocaleString('en')} reports in ${generatedSeconds.toFixed(1)} s`);
  return result;
}

interface ProblemData {
  created: Float64Array;
  category: Uint8Array;
  unit: Int32Array; // index into units, -1 none, -2 written but unmatched
  urgent: Uint8Array;
  count: Int32Array;
  mergedInto: Int32Array; // 0 = not merged (problem ids are 1-based)
}

function generate(db: Db, scale: StorageScale, log: (line: string) => void): { counts: Record<string, number>; probes: GeneratedStorage['probes'] } {
  const random = seededRandom(SEED);
  const catalogue = loadCatalogue();
  const tr = createTranslator();
  const replies = createReplies(tr, catalogue, loadDeadlineRule(catalogue, TIMEZONE));
  const notices = createResidentNotices(tr, TIMEZONE);
  const units = districtUnits(scale.units);
  const start = END - scale.days * DAY;

  // Texts residents wrote, by category, from the labelled examples.
  const textsByCategory = new Map<string, Array<{ text: string; kind: Kind }>>();
  for (const e of loadExamples()) {
    const list = textsByCategory.get(e.category) ?? [];
    list.push({ text: e.text, kind: e.kind });
    textsByCategory.set(e.category, list);
  }
  const categories = catalogue.ids.filter((id) => textsByCategory.has(id));
  const pickCategory = weightedSampler(
    categories.map((_, i) => i),
    categories.map((id) => CATEGORY_WEIGHTS[id] ?? 3),
    random,
  );

  // A few units get most reports (Zipf, s = 1.05, over a shuffled directory).
  const unitOrder = units.units.map((_, i) => i);
  for (let i = unitOrder.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [unitOrder[i], unitOrder[j]] = [unitOrder[j]!, unitOrder[i]!];
  }
  const pickUnit = weightedSampler(unitOrder, unitOrder.map((_, rank) => 1 / Math.pow(rank + 1, 1.05)), random);
  const unmatchedNames = Array.from({ length: 400 }, (_, i) => `城关${['东', '西', '南', '北', '新'][i % 5]}${i + 1}号培训班`);

  // Report volume by hour over the whole span: school year, weekdays, time of day, and 30 % growth.
  const hours = scale.days * 24;
  const hourWeights = new Float64Array(hours);
  for (let h = 0; h < hours; h++) {
    const at = new Date(start + h * HOUR + 8 * HOUR); // Shanghai wall clock
    const weekday = at.getUTCDay();
    hourWeights[h] = MONTH_WEIGHTS[at.getUTCMonth()]! * (weekday === 0 || weekday === 6 ? 0.6 : 1) * HOUR_WEIGHTS[at.getUTCHours()]! * (1 + (0.3 * h) / hours);
  }
  const pickHour = weightedSampler(
    Array.from({ length: hours }, (_, h) => h),
    [...hourWeights],
    random,
  );
  const sampleTime = () => start + pickHour() * HOUR + Math.floor(random() * HOUR);

  // Problems, in creation order (ids follow time, as in the bot).
  log('storage: problems');
  const P = scale.problems;
  const createdTimes = Float64Array.from({ length: P }, sampleTime).sort();
  const problems: ProblemData = {
    created: createdTimes,
    category: new Uint8Array(P),
    unit: new Int32Array(P),
    urgent: new Uint8Array(P),
    count: new Int32Array(P),
    mergedInto: new Int32Array(P),
  };
  // Problem sizes: truncated Zipf on 1..50, then nudged so that they add up to exactly `reports`.
  const sizes = Array.from({ length: 50 }, (_, i) => i + 1);
  const pickSize = weightedSampler(sizes, sizes.map((k) => 1 / Math.pow(k, 1.55)), random);
  let total = 0;
  for (let p = 0; p < P; p++) {
    const category = pickCategory();
    problems.category[p] = category;
    const u = random();
    problems.unit[p] = u < 0.85 ? pickUnit() : u < 0.95 ? -1 : -2;
    problems.urgent[p] = random() < (categories[category] === 'campus_safety' ? 0.12 : 0.02) ? 1 : 0;
    problems.count[p] = pickSize();
    total += problems.count[p]!;
  }
  while (total !== scale.reports) {
    const p = Math.floor(random() * P);
    if (total < scale.reports && problems.count[p]! < 50) {
      problems.count[p]!++;
      total++;
    } else if (total > scale.reports && problems.count[p]! > 1) {
      problems.count[p]!--;
      total--;
    }
  }
  // Duplicates staff merged: single-report problems folded into an earlier one of the same category.
  const lastOfCategory = new Int32Array(categories.length).fill(-1);
  for (let p = 0; p < P; p++) {
    const c = problems.category[p]!;
    const target = lastOfCategory[c]!;
    if (target >= 0 && problems.count[p] === 1 && random() < 0.06 && problems.created[p]! - problems.created[target]! < 30 * DAY) {
      problems.mergedInto[p] = target + 1;
    } else {
      lastOfCategory[c] = p;
    }
  }

  // Reports: the first opens its problem, the rest follow within days (a long tail for recurring matters).
  log('storage: reports');
  const R = scale.reports;
  const reportTime = new Float64Array(R);
  const reportProblem = new Int32Array(R);
  const reportResident = new Int32Array(R);
  const reportText = new Int32Array(R); // index into the category's text list, plus a filler index
  const reportFiller = new Uint8Array(R);
  let r = 0;
  const residentSkew = () => Math.floor(scale.residents * Math.pow(random(), 1.8));
  for (let p = 0; p < P; p++) {
    const created = problems.created[p]!;
    const owner = problems.mergedInto[p] ? problems.mergedInto[p]! - 1 : p;
    const texts = textsByCategory.get(categories[problems.category[p]!]!)!;
    const text = Math.floor(random() * texts.length);
    for (let k = 0; k < problems.count[p]!; k++) {
      let at = created;
      if (k > 0) {
        const mean = random() < 0.1 ? 20 * DAY : 2 * DAY;
        at = created + Math.floor(-Math.log(1 - random()) * mean);
        if (at >= END) at = created + Math.floor(random() * (END - created));
      }
      reportTime[r] = at;
      reportProblem[r] = owner;
      reportResident[r] = residentSkew();
      // Reports about one problem tell the same story in different words: one text in three is another example.
      reportText[r] = random() < 0.66 ? text : Math.floor(random() * texts.length);
      reportFiller[r] = Math.floor(random() * FILLERS.length);
      r++;
    }
  }
  // Ids follow arrival time.
  const order = Uint32Array.from({ length: R }, (_, i) => i).sort((a, b) => reportTime[a]! - reportTime[b]! || a - b);

  // Per-problem facts from its reports.
  const firstReport = new Float64Array(P).fill(Infinity);
  const lastReport = new Float64Array(P);
  const reportCount = new Int32Array(P);
  const residentsOf: Array<Set<number> | undefined> = new Array(P);
  const widespreadAt = new Float64Array(P);
  const recent: Array<Array<{ at: number; resident: number }> | undefined> = new Array(P);
  const firstReportIdOf = new Int32Array(P);
  for (let i = 0; i < R; i++) {
    const x = order[i]!;
    const p = reportProblem[x]!;
    const at = reportTime[x]!;
    if (at < firstReport[p]!) {
      firstReport[p] = at;
      firstReportIdOf[p] = i + 1;
    }
    lastReport[p] = Math.max(lastReport[p]!, at);
    reportCount[p]!++;
    (residentsOf[p] ??= new Set()).add(reportResident[x]!);
    if (!widespreadAt[p]) {
      const window = (recent[p] ??= []);
      window.push({ at, resident: reportResident[x]! });
      const distinct = new Set(window.filter((e) => e.at >= at - 7 * DAY).map((e) => e.resident));
      if (distinct.size >= 5) widespreadAt[p] = at;
    }
  }
  recent.length = 0;

  // Status as of END: old problems are mostly resolved, recent ones mostly open.
  type Status = 'new' | 'assigned' | 'in_progress' | 'resolved' | 'closed';
  const status: Status[] = new Array(P);
  const closeReason: Array<string | null> = new Array(P).fill(null);
  const firstResponse = new Float64Array(P);
  const resolvedAt = new Float64Array(P);
  const closedAt = new Float64Array(P);
  const inProgressAt = new Float64Array(P);
  const recurringAt = new Float64Array(P);
  const deadline = new Float64Array(P);
  const lognormal = (medianMs: number, sigma: number) => medianMs * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
  for (let p = 0; p < P; p++) {
    const created = problems.created[p]!;
    const category = catalogue.get(categories[problems.category[p]!]!);
    deadline[p] = created + (problems.urgent[p] ? catalogue.urgentDeadlineHours : category.deadline_hours) * HOUR;
    if (problems.mergedInto[p]) {
      status[p] = 'closed';
      closeReason[p] = 'duplicate';
      firstResponse[p] = closedAt[p] = Math.min(END - 1, created + lognormal(20 * HOUR, 0.8));
      continue;
    }
    const age = END - created;
    const u = random();
    const [pNew, pAssigned, pProgress, pClosed] = age > 30 * DAY ? [0.005, 0.015, 0.02, 0.08] : age > 7 * DAY ? [0.08, 0.12, 0.15, 0.06] : [0.3, 0.26, 0.2, 0.04];
    let s: Status = u < pNew ? 'new' : u < pNew + pAssigned ? 'assigned' : u < pNew + pAssigned + pProgress ? 'in_progress' : u < pNew + pAssigned + pProgress + pClosed ? 'closed' : 'resolved';
    if (s !== 'new') {
      // The first staff action: within a day for four problems in five.
      firstResponse[p] = created + lognormal((problems.urgent[p] ? 2 : 9) * HOUR, 1.1);
      if (firstResponse[p]! >= END) {
        s = 'new';
        firstResponse[p] = 0;
      }
    }
    if (s === 'in_progress' || s === 'resolved') inProgressAt[p] = Math.min(END - 1, firstResponse[p]! + lognormal(20 * HOUR, 1));
    if (s === 'resolved') {
      resolvedAt[p] = Math.max(lastReport[p]!, inProgressAt[p]!) + lognormal(2 * DAY, 0.9);
      if (resolvedAt[p]! >= END) {
        s = 'in_progress';
        resolvedAt[p] = 0;
      } else if (random() < 0.02) {
        // Reopened once by a new report and resolved again.
        recurringAt[p] = Math.min(resolvedAt[p]! - HOUR, lastReport[p]!);
      }
    }
    if (s === 'closed') {
      closeReason[p] = random() < 0.5 ? 'not_our_responsibility' : 'no_action_possible';
      closedAt[p] = Math.min(END - 1, firstResponse[p]! + lognormal(DAY, 1));
    }
    status[p] = s;
  }

  const unitId = (p: number) => (problems.unit[p]! >= 0 ? units.units[problems.unit[p]!]!.id : null);
  const unitWritten = (p: number) => (problems.unit[p] === -2 ? unmatchedNames[p % unmatchedNames.length]! : null);
  const officeId = units.units.find((u) => u.type === 'bureau_office')?.id ?? units.units[0]!.id;
  const unitNames = new Map(units.units.map((u) => [u.id, u.name]));
  const responsible = (p: number) => (status[p] === 'new' || closeReason[p] === 'duplicate' ? null : (unitId(p) ?? officeId));
  const textOf = (x: number, p: number) => {
    const texts = textsByCategory.get(categories[problems.category[p]!]!)!;
    return texts[reportText[x]!]!.text + FILLERS[reportFiller[x]!]!;
  };
  const kindOf = (x: number, p: number) => textsByCategory.get(categories[problems.category[p]!]!)![reportText[x]!]!.kind;
  const residentLanguage = (resident: number): Language => (resident % 10 === 7 ? 'en' : 'zh');
  const ms = (x: number) => Math.floor(x);

  const counts: Record<string, number> = {};
  const chunked = <T>(label: string, total: number, body: (i: number) => T) => {
    const step = 50_000;
    for (let from = 0; from < total; from += step) {
      db.transaction(() => {
        for (let i = from; i < Math.min(total, from + step); i++) body(i);
      })();
    }
    counts[label] = (counts[label] ?? 0) + total;
  };

  log('storage: writing units and residents');
  const upsertUnit = db.prepare('INSERT INTO units (id, name, type, town) VALUES (?, ?, ?, ?)');
  db.transaction(() => units.units.forEach((u) => upsertUnit.run(u.id, u.name, u.type, u.town)))();
  counts.units = units.units.length;
  const firstSeen = new Float64Array(scale.residents).fill(Infinity);
  for (let i = 0; i < R; i++) {
    const x = order[i]!;
    const resident = reportResident[x]!;
    if (reportTime[x]! < firstSeen[resident]!) firstSeen[resident] = reportTime[x]!;
  }
  const insertResident = db.prepare('INSERT INTO residents (id, telegram_user_id, chat_id, language, created_at, forgotten_at) VALUES (?, ?, ?, ?, ?, ?)');
  chunked('residents', scale.residents, (i) => {
    const seen = Number.isFinite(firstSeen[i]!) ? firstSeen[i]! : start + (i % scale.days) * DAY;
    insertResident.run(i + 1, 500_000_000 + i, 500_000_000 + i, residentLanguage(i), ms(seen), i % 997 === 0 ? ms(seen + 30 * DAY) : null);
  });

  log('storage: writing problems');
  const insertProblem = db.prepare(
    `INSERT INTO problems (id, title, category, unit_id, unit_written, urgent, status, close_reason, responsible_unit_id, deadline_at,
       report_count, resident_count, first_report_at, last_report_at, recurring, recurring_at, widespread, widespread_at,
       first_response_at, resolved_at, closed_at, merged_into, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const titleOf = new Array<string>(P);
  for (let i = 0; i < R; i++) {
    const x = order[i]!;
    const p = reportProblem[x]!;
    if (titleOf[p] === undefined) titleOf[p] = clampSummary(textOf(x, p)).slice(0, 40);
  }
  chunked('problems', P, (p) => {
    const merged = problems.mergedInto[p]! > 0;
    const title = titleOf[p] ?? clampSummary(textsByCategory.get(categories[problems.category[p]!]!)![0]!.text).slice(0, 40);
    const updated = Math.max(problems.created[p]!, lastReport[p]!, firstResponse[p]!, resolvedAt[p]!, closedAt[p]!, inProgressAt[p]!);
    insertProblem.run(
      p + 1,
      title,
      categories[problems.category[p]!]!,
      unitId(p),
      unitWritten(p),
      problems.urgent[p],
      status[p],
      closeReason[p],
      responsible(p),
      ms(deadline[p]!),
      merged ? 0 : reportCount[p],
      merged ? 0 : (residentsOf[p]?.size ?? 0),
      merged ? null : ms(firstReport[p]!),
      merged ? null : ms(lastReport[p]!),
      recurringAt[p] ? 1 : 0,
      recurringAt[p] ? ms(recurringAt[p]!) : null,
      widespreadAt[p] ? 1 : 0,
      widespreadAt[p] ? ms(widespreadAt[p]!) : null,
      firstResponse[p] ? ms(firstResponse[p]!) : null,
      resolvedAt[p] ? ms(resolvedAt[p]!) : null,
      closedAt[p] ? ms(closedAt[p]!) : null,
      merged ? problems.mergedInto[p] : null,
      ms(problems.created[p]!),
      ms(updated),
    );
  });

  log('storage: writing reports, inbox, outbox acknowledgements, LLM cache and call log');
  const insertReport = db.prepare(
    `INSERT INTO reports (id, chat_id, message_id, resident_id, text, reply_language, received_at, state, category, kind, urgent,
       unit_written, unit_id, summary, language, classified_by, classified_at, problem_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'classified', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertInbox = db.prepare('INSERT INTO inbox (update_id, chat_id, payload, received_at, handled_at) VALUES (?, ?, ?, ?, ?)');
  const insertOutbox = db.prepare(
    `INSERT INTO outbox (dedupe_key, chat_id, kind, payload, state, attempts, next_attempt_at, sent_at, telegram_message_id, created_at)
     VALUES (?, ?, ?, ?, 'sent', 1, ?, ?, ?, ?)`,
  );
  const insertCache = db.prepare('INSERT OR IGNORE INTO classification_cache (text_hash, result, created_at) VALUES (?, ?, ?)');
  const insertCall = db.prepare('INSERT INTO llm_calls (resident_id, at) VALUES (?, ?)');
  const ackTemplates = new Map<string, string>();
  const ackPayload = (language: Language, category: string, kind: Kind, urgent: boolean, ticket: number) => {
    const key = `${language}:${category}:${kind}:${urgent}`;
    let template = ackTemplates.get(key);
    if (!template) {
      template = JSON.stringify(replies.ack({ language, ticket: PLACEHOLDER_TICKET, category, kind, urgent, flooded: false }));
      ackTemplates.set(key, template);
    }
    return template.replaceAll(String(PLACEHOLDER_TICKET), String(ticket));
  };
  const messageIds = new Int32Array(scale.residents);
  const firstReportOfResidentInProblem = new Map<number, number>(); // key p * residents + resident → report id
  chunked('reports', R, (i) => {
    const x = order[i]!;
    const id = i + 1;
    const p = reportProblem[x]!;
    const resident = reportResident[x]!;
    const chat = 500_000_000 + resident;
    const messageId = ++messageIds[resident]!;
    const at = ms(reportTime[x]!);
    const text = textOf(x, p);
    const category = categories[problems.category[p]!]!;
    const kind = kindOf(x, p);
    const urgent = problems.urgent[p] === 1 && (id === firstReportIdOf[p] || random() < 0.5);
    const language = residentLanguage(resident);
    const byLlm = random() < 0.9;
    const summary = clampSummary(text).slice(0, 40);
    insertReport.run(id, chat, messageId, resident + 1, text, language, at, category, kind, urgent ? 1 : 0, unitWritten(p) ?? (unitId(p) ? units.units[problems.unit[p]!]!.name : null), unitId(p), summary, 'zh', byLlm ? 'llm' : 'offline', at + 900, p + 1);
    const update = {
      update_id: id,
      message: { message_id: messageId, from: { id: chat, is_bot: false, first_name: '居民', language_code: language === 'zh' ? 'zh-hans' : 'en' }, chat: { id: chat, first_name: '居民', type: 'private' }, date: Math.floor(at / 1000), text },
    };
    insertInbox.run(id, chat, JSON.stringify(update), at, at + 3);
    insertOutbox.run(`ack:${id}`, chat, 'ack', ackPayload(language, category, kind, urgent, id), at, at + 1500, messageId + 1, at + 950);
    if (byLlm) {
      const hash = createHash('sha256').update(text + id).digest('hex');
      insertCache.run(hash, JSON.stringify({ category, kind, urgent, unit: unitWritten(p), summary, language: 'zh' }), at + 900);
      insertCall.run(resident + 1, at + 10);
    }
    const key = p * scale.residents + resident;
    if (!firstReportOfResidentInProblem.has(key)) firstReportOfResidentInProblem.set(key, id);
  });
  counts.inbox = counts.outbox = R;
  counts.classification_cache = counts.llm_calls = (db.prepare('SELECT COUNT(*) FROM llm_calls').pluck().get() as number);

  log('storage: writing history, survey answers and status notices');
  const insertEvent = db.prepare(
    'INSERT INTO problem_events (problem_id, at, actor, action, from_status, to_status, note, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertFeedback = db.prepare(
    'INSERT INTO feedback (report_id, problem_id, unit_id, asked_at, fixed, fixed_at, rating, rated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const recipientsOf = new Map<number, Array<{ reportId: number; resident: number }>>();
  for (const [key, reportId] of firstReportOfResidentInProblem) {
    const p = Math.floor(key / scale.residents);
    const list = recipientsOf.get(p) ?? [];
    list.push({ reportId, resident: key % scale.residents });
    recipientsOf.set(p, list);
  }
  firstReportOfResidentInProblem.clear();
  const noticeTemplates = new Map<string, string>();
  const notice = (language: Language, what: 'assigned' | 'in_progress' | 'survey', ticket: number, unit: string) => {
    const key = `${language}:${what}`;
    let template = noticeTemplates.get(key);
    if (!template) {
      const message =
        what === 'survey'
          ? notices.survey(language, { ticket: PLACEHOLDER_TICKET, unit: PLACEHOLDER_UNIT, note: '已责成学校整改，并完成复查。' })
          : notices.statusUpdate(language, { ticket: PLACEHOLDER_TICKET, status: what, unit: PLACEHOLDER_UNIT, deadlineAt: END, note: null });
      template = JSON.stringify(message);
      noticeTemplates.set(key, template);
    }
    return template.replaceAll(String(PLACEHOLDER_TICKET), String(ticket)).replaceAll(PLACEHOLDER_UNIT, unit);
  };
  const fixedAnswers = weightedSampler(['fixed', 'partly', 'not_fixed'] as const, [60, 25, 15], random);
  const ratings = weightedSampler([5, 4, 3, 2, 1], [35, 30, 15, 10, 10], random);
  let events = 0;
  let feedback = 0;
  let statusNotices = 0;
  const staff = (p: number) => `staff:${700_000 + (p % 40)}`;
  for (let from = 0; from < P; from += 20_000) {
    db.transaction(() => {
      for (let p = from; p < Math.min(P, from + 20_000); p++) {
        const id = p + 1;
        const created = ms(problems.created[p]!);
        insertEvent.run(id, created, 'system', 'created', null, 'new', `#${firstReportIdOf[p] || ''}`, null);
        events++;
        const responsibleUnit = responsible(p);
        const unitName = responsibleUnit ? (unitNames.get(responsibleUnit) ?? responsibleUnit) : '';
        const recipients = recipientsOf.get(p) ?? [];
        const tell = (what: 'assigned' | 'in_progress' | 'survey', at: number) => {
          for (const r of recipients) {
            const chat = 500_000_000 + r.resident;
            insertOutbox.run(`${what}:${id}:${at}:${r.resident + 1}`, chat, what === 'survey' ? 'survey' : 'status', notice(residentLanguage(r.resident), what, r.reportId, unitName), at, at + 1200, 0, at);
            statusNotices++;
          }
        };
        if (problems.mergedInto[p]) {
          insertEvent.run(id, ms(closedAt[p]!), staff(p), 'merged', 'new', 'closed', `→ #${problems.mergedInto[p]}`, null);
          events++;
          continue;
        }
        if (widespreadAt[p]) {
          insertEvent.run(id, ms(widespreadAt[p]!), 'system', 'widespread', null, null, String(residentsOf[p]?.size ?? 0), null);
          events++;
        }
        if (firstResponse[p]) {
          const at = ms(firstResponse[p]!);
          if (status[p] === 'closed') {
            insertEvent.run(id, ms(closedAt[p]!), staff(p), 'closed', 'new', 'closed', null, null);
            events++;
            continue;
          }
          insertEvent.run(id, at, staff(p), 'assigned', 'new', 'assigned', null, JSON.stringify({ unitId: responsibleUnit, deadlineAt: ms(deadline[p]!) }));
          events++;
          tell('assigned', at);
        }
        if (inProgressAt[p]) {
          const at = ms(inProgressAt[p]!);
          insertEvent.run(id, at, staff(p), 'status', 'assigned', 'in_progress', null, null);
          events++;
          tell('in_progress', at);
        }
        if (recurringAt[p]) {
          insertEvent.run(id, ms(recurringAt[p]!), 'system', 'reopened', 'resolved', 'assigned', null, null);
          events++;
        }
        if (resolvedAt[p]) {
          const at = ms(resolvedAt[p]!);
          insertEvent.run(id, at, staff(p), 'status', 'in_progress', 'resolved', '已责成学校整改，并完成复查。', null);
          events++;
          tell('survey', at);
          for (const r of recipients) {
            const answered = random() < 0.45;
            const rated = answered ? random() < 0.85 : random() < 0.05;
            const fixedAt = answered ? Math.min(END - 1, at + lognormal(5 * HOUR, 1.2)) : null;
            const ratedAt = rated ? Math.min(END - 1, (fixedAt ?? at) + lognormal(60_000, 1)) : null;
            insertFeedback.run(r.reportId, id, responsibleUnit, at, answered ? fixedAnswers() : null, fixedAt === null ? null : ms(fixedAt), rated ? ratings() : null, ratedAt === null ? null : ms(ratedAt));
            feedback++;
          }
        }
      }
    })();
  }
  counts.problem_events = events;
  counts.feedback = feedback;
  counts.outbox = (counts.outbox ?? 0) + statusNotices;

  // Probes for the query benchmark.
  let big = 0;
  for (let p = 0; p < P; p++) if (reportCount[p]! > reportCount[big]!) big = p;
  const unitReports = new Map<string, number>();
  for (let p = 0; p < P; p++) {
    const u = unitId(p);
    if (u) unitReports.set(u, (unitReports.get(u) ?? 0) + reportCount[p]!);
  }
  const byVolume = [...unitReports.entries()].sort((a, b) => b[1] - a[1]);
  const typical = P - 1 - Math.floor(P / 3);
  return {
    counts,
    probes: {
      bigProblemId: big + 1,
      typicalProblemId: typical + 1,
      busyUnitId: byVolume[0]![0],
      quietUnitId: byVolume[Math.floor(byVolume.length / 2)]![0],
      commonWord: '食堂',
      rareWord: '羽毛球馆',
    },
  };
}
