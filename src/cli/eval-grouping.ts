import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readJsonLines } from './cli-config.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { z } from 'zod';
import { createApp, type App } from '../app.ts';
import { ConfigError, parseConfig, type Config } from '../config.ts';
import { createOracleDecider, scoreGrouping, scoreSuggestions, type GroupingError, type SuggestionScore } from '../problems/grouping-metrics.ts';
import { installOfflineTelegram, privateTextUpdate, SAMPLE_BOT_INFO } from '../sample/offline-telegram.ts';
import { DAY, MINUTE } from '../domain/time.ts';
import { similarityDecider, type Candidate, type GroupingDecider } from '../problems/grouping.ts';

/**
 * npm run eval:grouping -- FILE.jsonl [--offline] [--oracle] [--json] [--worst N] [--explain] [--suggestions]
 * Feeds labelled reports, in order, through the real app (bot, intake, classifier as configured, grouping,
 * attach) on a scratch database, one resident each, the clock moved to each line's day; then scores the
 * problems they landed in against the `problem` labels. --oracle replaces the grouping decision with one that
 * knows the labels of the candidates it is offered: what is left is the ceiling set by candidate retrieval.
 *
 * The pipeline has no field for a unit picked on a form, so a line's `unit` is appended to its text as
 * "（unit）", where the classifier reads units from.
 *
 * --explain (offline decider only): one JSON line per report on stderr, with the line, its label, the problem it
 * landed in, the unit and subtopic it was given and, when it joined an existing problem, the evidence and score that
 * decided it (src/problems/same-matter.ts), and the candidates it was offered with theirs: what a tuning session
 * reads to see why two matters were merged or one was split.
 *
 * --suggestions: after the stream, what /problem offers staff as "may be the same matter" (grouping.possiblySame, up to
 * 3 per problem) for every problem: how many of the duplicates the grouping left are offered with a merge button, and
 * how many offers are two matters.
 */
const Line = z.object({
  text: z.string().min(1),
  problem: z.string().min(1),
  day: z.number().int().min(0),
  unit: z.string().min(1).optional(),
});
type Line = z.infer<typeof Line>;

/** Day 0 starts on a Monday morning in Beijing, so days fall as a resident would write them. */
const START = Date.parse('2026-03-02T08:00:00+08:00');
/** Lines of one day arrive this far apart (a day holds hundreds before spilling into the next). */
const GAP = 2 * MINUTE;
/** Residents are ids far from anything real; each line is its own resident. */
const FIRST_RESIDENT = 7_000_000_000;

const USAGE = 'usage: npm run eval:grouping -- FILE.jsonl [--offline] [--oracle] [--json] [--worst N] [--explain] [--suggestions]\n';

function fail(message: string): never {
  process.stderr.write(`eval:grouping: ${message}\n`);
  process.exit(2);
}

function readLines(file: string): Line[] {
  const lines: Line[] = [];
  let lastDay = 0;
  for (const { data, line } of readJsonLines('eval:grouping', file, Line)) {
    if (data.day < lastDay) fail(`${file}:${line}: day goes back (${data.day} after ${lastDay}); lines must be in arrival order`);
    lastDay = data.day;
    lines.push(data);
  }
  if (lines.length === 0) fail(`${file}: no lines`);
  return lines;
}

function configFor(dir: string, offline: boolean): Config {
  try {
    return parseConfig({
      ...process.env,
      // Never the operator's bot, database, chats or webhook: nothing leaves this process but LLM calls.
      BOT_TOKEN: '1:eval-grouping',
      DATABASE_PATH: join(dir, 'eval.sqlite'),
      STAFF_CHAT_IDS: '-1000000000001',
      WEBHOOK_URL: undefined,
      BACKUP_DIR: undefined,
      LOG_LEVEL: 'silent',
      ...(offline && { OPENAI_API_KEY: undefined }),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

interface Outcome {
  /** Problem id per line (`unstored:N` if the bot stored no report). */
  predicted: string[];
  by: { llm: number; offline: number };
  /** [problem, offered problem] pairs of "may be the same matter" (--suggestions). */
  offers: Array<[string, string]>;
}

/**
 * --explain: the candidates each report was offered, best first, and whether it joined the first; the offline decision
 * itself is the app's (similarityDecider), only watched.
 */
const decisions = new Map<number, { joined: boolean; offered: Array<{ problemId: number; score: number; evidence: Candidate['evidence'] }> }>();
const explainingDecider: GroupingDecider = {
  name: similarityDecider.name,
  decide: async (report, candidates) => {
    const chosen = await similarityDecider.decide(report, candidates);
    decisions.set(report.id, { joined: chosen !== null, offered: candidates.map((c) => ({ problemId: c.problem.id, score: c.score, evidence: c.evidence })) });
    return chosen;
  },
};

async function feed(lines: Line[], config: Config, oracle: boolean, explain = false, suggestions = false): Promise<Outcome> {
  let clock = START;
  const lineOfReport = new Map<number, number>();
  const matterOfReport = (reportId: number) => {
    const line = lineOfReport.get(reportId);
    return line === undefined ? undefined : lines[line]!.problem;
  };
  // The oracle reads the database through the app it is given to; the app exists by the time it is asked.
  const reportsOf = (problemId: number) =>
    (app.db.prepare('SELECT id FROM reports WHERE problem_id = ?').all(problemId) as Array<{ id: number }>).map((r) => r.id);

  const app: App = createApp({
    config,
    token: config.botToken!,
    logger: pino({ level: 'silent' }),
    now: () => clock,
    botInfo: SAMPLE_BOT_INFO,
    throttle: false,
    pollIntervalMs: 20,
    ...(oracle && { decider: createOracleDecider({ matterOfReport, reportsOfProblem: reportsOf }) }),
    ...(explain && !oracle && { decider: explainingDecider }),
  });
  installOfflineTelegram(app.bot);
  const findReport = app.db.prepare('SELECT id FROM reports WHERE chat_id = ? AND message_id = ?');
  const predicted: string[] = [];
  try {
    await app.bot.init();
    app.pipeline.start();
    app.sender.start();
    let day = -1;
    let withinDay = 0;
    for (const [i, line] of lines.entries()) {
      withinDay = line.day === day ? withinDay + 1 : 0;
      day = line.day;
      clock = START + line.day * DAY + withinDay * GAP;
      // As the app's runner does every minute: a question held with suggestions that nobody picked becomes a
      // ticket after KNOWLEDGE_SUGGEST_TIMEOUT (the eval's residents never press), and is grouped then.
      if (app.knowledgeFeedback.expireHeld().length > 0) await app.runner.settle();
      const userId = FIRST_RESIDENT + i;
      const text = line.unit ? `${line.text}（${line.unit}）` : line.text;
      const language = /[\u3400-\u9fff]/.test(text) ? 'zh' : 'en';
      await app.bot.handleUpdate(privateTextUpdate({ updateId: i + 1, messageId: 1, userId, firstName: 'Resident', languageCode: language, text, at: clock }));
      const stored = findReport.get(userId, 1) as { id: number } | undefined;
      if (stored) lineOfReport.set(stored.id, i);
      // One report at a time: the next one must see the problems this one opened.
      await app.runner.settle();
    }
    clock += DAY;
    if (app.knowledgeFeedback.expireHeld().length > 0) await app.runner.settle();
    const by = { llm: 0, offline: 0 };
    for (const [i] of lines.entries()) {
      const row = app.db.prepare('SELECT problem_id, classified_by FROM reports WHERE chat_id = ? AND message_id = 1').get(FIRST_RESIDENT + i) as
        | { problem_id: number | null; classified_by: 'llm' | 'offline' | null }
        | undefined;
      if (row?.classified_by) by[row.classified_by]++;
      const problemId = row?.problem_id == null ? undefined : app.problems.resolveId(row.problem_id);
      predicted.push(problemId === undefined ? `unstored:${i + 1}` : `#${problemId}`);
    }
    if (explain) {
      const given = app.db.prepare('SELECT subtopic, unit_id, unit_written, category FROM reports WHERE id = ?');
      for (const [reportId, line] of lineOfReport) {
        const decision = decisions.get(reportId);
        const joined = decision?.joined ? decision.offered[0]! : null;
        process.stderr.write(`${JSON.stringify({ line: line + 1, report: reportId, truth: lines[line]!.problem, predicted: predicted[line], ...(given.get(reportId) as object), joined, offered: decision?.offered ?? [] })}\n`);
      }
    }
    const offers: Array<[string, string]> = [];
    if (suggestions) {
      for (const id of new Set(predicted)) {
        const problem = id.startsWith('#') ? app.problems.get(Number(id.slice(1))) : undefined;
        if (problem) for (const { problem: other } of app.grouping.possiblySame(problem)) offers.push([id, `#${other.id}`]);
      }
    }
    return { predicted, by, offers };
  } finally {
    await app.runner.stop();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const clip = (text: string) => {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 70 ? `${flat.slice(0, 69)}…` : flat;
};

function describe(errors: GroupingError[], worst: number, lines: Line[], parts: string, other: (i: number) => string): string[] {
  return errors.slice(0, worst).flatMap((e) => [
    `  ${e.id}: ${e.members.length} reports, ${e.parts} ${parts}`,
    ...e.members.slice(0, 4).map((i) => `    line ${i + 1} ${other(i)}: ${clip(lines[i]!.text)}`),
    ...(e.members.length > 4 ? [`    … ${e.members.length - 4} more`] : []),
  ]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const oracle = args.includes('--oracle');
  const suggestions = args.includes('--suggestions');
  const worstAt = args.indexOf('--worst');
  const worst = worstAt >= 0 ? Number(args[worstAt + 1]) : 5;
  if (!Number.isInteger(worst) || worst < 0) fail('--worst: expected a whole number');
  const file = args.find((a, i) => !a.startsWith('--') && (worstAt < 0 || i !== worstAt + 1));
  if (!file) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const lines = readLines(file);
  if (existsSync('.env')) process.loadEnvFile('.env');
  const offline = args.includes('--offline') || !process.env.OPENAI_API_KEY;

  const dir = mkdtempSync(join(tmpdir(), 'minyi-eval-grouping-'));
  let outcome: Outcome;
  try {
    outcome = await feed(lines, configFor(dir, offline), oracle, offline && args.includes('--explain'), suggestions);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const grouped = lines.map((line, i) => ({ truth: line.problem, predicted: outcome.predicted[i]! }));
  const score = scoreGrouping(grouped);
  const offered: SuggestionScore | undefined = suggestions ? scoreSuggestions(grouped, outcome.offers) : undefined;
  const { splits, merges, ...figures } = score;
  const setting = { classifier: offline ? 'offline' : 'as configured', decider: oracle ? 'oracle' : offline ? 'similarity' : 'llm, else similarity', unit: 'appended to the text' };

  if (json) {
    const brief = (e: GroupingError) => ({ id: e.id, parts: e.parts, lines: e.members.map((i) => i + 1) });
    process.stdout.write(`${JSON.stringify({ ...figures, ...(offered && { suggestions: offered }), classified_by: outcome.by, setting, worst_splits: splits.slice(0, worst).map(brief), worst_merges: merges.slice(0, worst).map(brief) })}\n`);
    return;
  }
  const out = [
    `reports:             ${figures.n}   (classified by llm ${outcome.by.llm}, offline ${outcome.by.offline})`,
    `true problems:       ${figures.true_problems}`,
    `predicted problems:  ${figures.predicted_problems}`,
    `pairwise  precision ${pct(figures.pair_precision)}  recall ${pct(figures.pair_recall)}  F1 ${pct(figures.pair_f1)}`,
    `B-cubed   precision ${pct(figures.bcubed_precision)}  recall ${pct(figures.bcubed_recall)}  F1 ${pct(figures.bcubed_f1)}`,
    `decider: ${setting.decider}; a line's unit is ${setting.unit}`,
    ...(offered
      ? [
          `may be the same matter: ${offered.offered_duplicates} of ${offered.duplicate_pairs} duplicate pairs offered to staff (${pct(offered.duplicate_pairs === 0 ? 1 : offered.offered_duplicates / offered.duplicate_pairs)}); ${offered.wrong_offers} of ${offered.offered_pairs} offers are two matters`,
        ]
      : []),
    '',
    `worst splits (one matter, several problems): ${splits.length}`,
    ...describe(splits, worst, lines, 'problems', (i) => outcome.predicted[i]!),
    '',
    `worst merges (one problem, several matters): ${merges.length}`,
    ...describe(merges, worst, lines, 'matters', (i) => lines[i]!.problem),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
