import { mkdtempSync, rmSync } from 'node:fs';
import { loadDeadlineRule } from '../../src/domain/deadlines.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { loadExamples } from '../../src/classify/offline/examples.ts';
import { createOfflineClassifier } from '../../src/classify/offline/offline-classifier.ts';
import type { Classification } from '../../src/domain/classification.ts';
import { createTranslator } from '../../src/i18n/i18n.ts';
import { createInbox } from '../../src/intake/inbox.ts';
import { createIntake } from '../../src/intake/intake.ts';
import { createReportStore } from '../../src/intake/report-store.ts';
import { createOutbox } from '../../src/outbox/outbox.ts';
import { createGrouping, similarityDecider } from '../../src/problems/grouping.ts';
import { createProblemStore } from '../../src/problems/problem-store.ts';
import { createReplies } from '../../src/replies/replies.ts';
import { createUnitRegistry } from '../../src/units/unit-registry.ts';
import type { ResultSet } from '../lib/results.ts';
import { seededRandom } from '../lib/stats.ts';
import { END, type GeneratedStorage } from './generate.ts';

/**
 * How the pipeline's own work per report grows with the database: the synchronous steps of
 * src/pipeline/report-pipeline.ts (store the update, intake, shortlist candidate problems and score their
 * texts, attach, queue the acknowledgement, read the outbox) on an empty database and on the two-year one. On the big one it all
 * runs inside a transaction that is rolled back, so the cached file is left as it was.
 */

const DAY = 86_400_000;

export async function benchPipelineAtScale(results: ResultSet, storage: GeneratedStorage, options: { quick: boolean; log: (line: string) => void }): Promise<void> {
  const count = options.quick ? 100 : 400;
  const catalogue = loadCatalogue();
  const examples = loadExamples();
  const offline = createOfflineClassifier({ catalogue, examples });
  const random = seededRandom(7);
  const texts = Array.from({ length: count }, () => examples[Math.floor(random() * examples.length)]!.text);
  // Labels first: this measures the database, not the classifier (section "classifier" measures that).
  const labels = texts.map((t) => offline.classifySync(t));

  const empty = mkdtempSync(join(tmpdir(), 'minyi-bench-'));
  try {
    const fresh = openDatabase(join(empty, 'empty.sqlite'));
    const small = await run(fresh, storage, texts, labels);
    fresh.close();
    results.add({ id: 'storage.pipeline-empty', section: 'storage', name: 'pipeline work per report without the classifier, empty database', unit: 'ms', samples: small.total, baseline: 'sqlite' });
    results.add({ id: 'storage.pipeline-empty-shortlist', section: 'storage', name: '… of which grouping shortlist (candidates + similarity), empty database', unit: 'ms', samples: small.shortlist, baseline: 'cpu' });
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }

  const db = openDatabase(storage.path);
  try {
    db.exec('BEGIN');
    const big = await run(db, storage, texts, labels);
    db.exec('ROLLBACK');
    const size = storage.scale.reports.toLocaleString('en');
    const metric = results.add({ id: 'storage.pipeline-scale', section: 'storage', name: `pipeline work per report without the classifier, ${size}-report database`, unit: 'ms', samples: big.total, baseline: 'sqlite' });
    const shortlist = results.add({ id: 'storage.pipeline-scale-shortlist', section: 'storage', name: `… of which grouping shortlist (candidates + similarity), ${size}-report database`, unit: 'ms', samples: big.shortlist, baseline: 'cpu' });
    results.add({ id: 'storage.pipeline-scale-candidates', section: 'storage', name: `… of which the candidate problems' query alone, ${size}-report database`, unit: 'ms', samples: big.candidates, baseline: 'sqlite' });
    options.log(`storage: pipeline work per report at scale: median ${metric.median.toFixed(2)} ms (shortlist ${shortlist.median.toFixed(2)} ms), p95 ${metric.p95.toFixed(2)} ms`);
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}

async function run(db: Db, storage: GeneratedStorage, texts: string[], labels: Classification[]): Promise<{ total: number[]; shortlist: number[]; candidates: number[] }> {
  const catalogue = loadCatalogue();
  const tr = createTranslator();
  let clock = END + DAY;
  const now = () => clock;
  const units = createUnitRegistry(db, now, storage.units);
  const inbox = createInbox(db, now);
  const intake = createIntake(db, { now });
  const reports = createReportStore(db);
  const problems = createProblemStore(db);
  const outbox = createOutbox(db, now);
  const deadlines = loadDeadlineRule(catalogue, 'Asia/Shanghai');
  const replies = createReplies(tr, catalogue, deadlines);
  const grouping = createGrouping(problems, deadlines, { recurringWithinMs: 30 * DAY, widespreadMinResidents: 5, widespreadWithinMs: 7 * DAY }, (unitId, written) => {
    const unit = unitId ? units.get(unitId) : undefined;
    return [...(unit ? [unit.name, ...unit.aliases] : []), ...(written ? [written] : [])];
  });
  const samples = { total: [] as number[], shortlist: [] as number[], candidates: [] as number[] };
  for (let i = 0; i < texts.length; i++) {
    clock += 1000;
    const userId = 900_000_000 + (i % 97);
    const started = performance.now();
    const update = { update_id: 2_000_000_000 + i, message: { message_id: i + 1, from: { id: userId, is_bot: false, first_name: 'b' }, chat: { id: userId, type: 'private' }, date: Math.floor(clock / 1000), text: texts[i]! } };
    inbox.save([update as never]);
    const received = intake.receive({ chatId: userId, messageId: 1_000_000 + i, userId, language: 'zh', text: texts[i]! });
    inbox.markHandled(update.update_id);
    const report = reports.get(received.reportId)!;
    const label = labels[i]!;
    const unitId = label.unit ? units.match(label.unit) : null;
    const candidate = { id: report.id, text: report.text ?? '', residentId: report.residentId, category: label.category, urgent: label.urgent, unitId, unitWritten: label.unit, summary: label.summary };
    // The candidates' query alone (grouping.shortlist runs it again, then scores each candidate's texts).
    const queried = performance.now();
    problems.candidates({ category: candidate.category, unitId, unitWritten: unitId ? null : candidate.unitWritten, resolvedSince: now() - 30 * DAY, limit: 40 });
    samples.candidates.push(performance.now() - queried);
    const shortlisted = performance.now();
    const shortlist = grouping.shortlist(candidate, now());
    samples.shortlist.push(performance.now() - shortlisted);
    const chosen = await similarityDecider.decide(candidate, shortlist);
    db.transaction(() => {
      reports.saveLabel(report.id, label, 'offline', unitId, false, now());
      grouping.attach(candidate, chosen, now());
      outbox.enqueue({ dedupeKey: `ack:${report.id}`, chatId: userId, kind: 'ack', message: replies.ack({ language: 'zh', ticket: report.id, category: label.category, kind: label.kind, urgent: label.urgent, flooded: false }) });
    }).immediate();
    // What the sender reads on each wake-up.
    outbox.due(now(), 500);
    outbox.nextDueAt();
    // The candidates' query is counted once, as the pipeline runs it.
    samples.total.push(performance.now() - started - samples.candidates.at(-1)!);
  }
  return samples;
}
