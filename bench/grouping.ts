import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOfflineClassifier, loadExamples } from '../src/classify/offline/offline-classifier.ts';
import { openDatabase } from '../src/db/database.ts';
import { loadCatalogue } from '../src/domain/categories.ts';
import { loadDeadlineRule } from '../src/domain/deadlines.ts';
import { loadSubtopics } from '../src/domain/subtopics.ts';
import { createIntake } from '../src/intake/intake.ts';
import { createReportStore } from '../src/intake/report-store.ts';
import { createGrouping, similarityDecider, type ReportForGrouping } from '../src/problems/grouping.ts';
import { createProblemStore } from '../src/problems/problem-store.ts';
import { createUnitRegistry } from '../src/units/unit-registry.ts';
import { seededRandom, summarize } from './lib/stats.ts';

/**
 * npx tsx bench/grouping.ts [--quick]
 * The pipeline's work per report without Telegram (issue 11: must not grow by more than 25%): store it (intake),
 * classify offline, retrieve candidates, score them, decide and attach, on a database that already holds a busy
 * district's open problems (example texts, most with a school's name, spread over 60 days). Prints medians and p95
 * in ms as JSON, for the grouping step alone (shortlist + decision + attach) and for the whole report: wall time, and
 * this process's CPU time, which other jobs on a shared machine disturb much less than the wall clock.
 */

const DAY = 86_400_000;
const START = Date.parse('2026-03-02T08:00:00+08:00');

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const dir = mkdtempSync(join(tmpdir(), 'minyi-bench-grouping-'));
  try {
    const db = openDatabase(join(dir, 'bench.sqlite'));
    const catalogue = loadCatalogue();
    const examples = loadExamples();
    // With the subtopics, as the bot runs: the subtopic widens retrieval (its problems at other units) and decides.
    const offline = createOfflineClassifier({ catalogue, examples, subtopics: loadSubtopics(catalogue) });
    let clock = START;
    const now = () => clock;
    const units = createUnitRegistry(db, now);
    const intake = createIntake(db, { now });
    const reports = createReportStore(db);
    const problems = createProblemStore(db);
    const deadlines = loadDeadlineRule(catalogue, 'Asia/Shanghai');
    const names = (unitId: string | null, written: string | null) => {
      const unit = unitId ? units.get(unitId) : undefined;
      return [...(unit ? [unit.name, ...unit.aliases] : []), ...(written ? [written] : [])];
    };
    const grouping = createGrouping(problems, deadlines, { recurringWithinMs: 30 * DAY, widespreadMinResidents: 5, widespreadWithinMs: 7 * DAY }, names);
    const random = seededRandom(11);
    const directory = units.all().filter((u) => u.type !== 'bureau_office');
    const warm = quick ? 1500 : 4000;
    const timed = quick ? 150 : 400;
    const texts = Array.from({ length: warm + timed }, () => {
      const text = examples[Math.floor(random() * examples.length)]!.text;
      // Most reports name a school or venue; the examples often do not.
      return random() < 0.6 ? `${directory[Math.floor(random() * directory.length)]!.name}${text}` : text;
    });
    const samples: number[] = [];
    const perReport: number[] = [];
    const cpuSamples: number[] = [];
    const cpuMs = (since: NodeJS.CpuUsage): number => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    for (const [i, text] of texts.entries()) {
      clock = START + Math.floor((i / texts.length) * 60 * DAY);
      const whole = performance.now();
      const received = intake.receive({ chatId: 500_000 + i, messageId: 1, userId: 500_000 + i, language: 'zh', text });
      const label = offline.classifySync(text);
      const unitId = label.unit ? units.match(label.unit) : null;
      const report: ReportForGrouping = {
        id: received.reportId,
        text,
        residentId: reports.get(received.reportId)!.residentId,
        category: label.category,
        urgent: label.urgent,
        unitId,
        unitWritten: label.unit,
        summary: label.summary,
        subtopic: label.subtopic ?? null,
      };
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      const chosen = await similarityDecider.decide(report, grouping.shortlist(report, now()));
      db.transaction(() => {
        reports.saveLabel(report.id, label, 'offline', unitId, false, now());
        grouping.attach(report, chosen, now());
      }).immediate();
      if (i >= warm) {
        cpuSamples.push(cpuMs(cpuStarted));
        samples.push(performance.now() - started);
        perReport.push(performance.now() - whole);
      }
    }
    const open = (db.prepare("SELECT COUNT(*) AS n FROM problems WHERE status = 'new'").get() as { n: number }).n;
    const step = summarize(samples);
    const whole = summarize(perReport);
    const cpu = summarize(cpuSamples);
    process.stdout.write(
      `${JSON.stringify({ reportsBefore: warm, openProblems: open, timed, groupingMedianMs: step.median, groupingP95Ms: step.p95, groupingCpuMedianMs: cpu.median, perReportMedianMs: whole.median, perReportP95Ms: whole.p95 })}\n`,
    );
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
