import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createBotApiEmulator, type BotApiEmulator, type BotMessageRecord } from '../src/emulator/bot-api-emulator.ts';
import { createOpenAiStandin, type OpenAiStandin } from '../test/support/openai-standin.ts';
import { cpuMsOf, memoryOf, spawnGroup, stopGroup } from './lib/proc.ts';
import type { ResultSet } from './lib/results.ts';
import { intakeStream, labelResponder } from './lib/stream.ts';
import { sleep, summarize } from './lib/stats.ts';

/**
 * Intake, end to end: the bot as an operator runs it (its own process, `tsx src/main.ts`), long polling the
 * local Bot API emulator, classifying with an OpenAI-compatible stand-in that answers after a set latency.
 * A burst of reports from many residents is queued at once; the run ends when every report has been
 * acknowledged. Telegram's limits stay on (the bot's own throttler: 30 messages/s overall, 1/s per private
 * chat, 20/min per group), so acknowledgements that pile up for one chat go out as one message.
 */

export const STAFF_CHAT = -1001234567890;
const TOKEN = '123456:bench-token';
const ROOT = join(import.meta.dirname, '..');

export interface IntakeScenario {
  /** Short name used in metric ids: 'llm0', 'llm800'. */
  key: string;
  title: string;
  residents: number;
  perResident: number;
  latency: { meanMs: number; jitterMs: number };
  llmConcurrency: number;
  /** Give up after this long (the report then says what was missing). */
  timeoutMs: number;
  /** Write a CPU profile of the bot process to this folder. */
  profileDir?: string;
}

export interface IntakeRun {
  reports: number;
  acknowledged: number;
  lost: number;
  duplicated: number;
  /** From the first update queued to the last acknowledgement delivered. */
  wallSeconds: number;
  reportsAckedPerSecond: number;
  messagesPerSecond: number;
  residentMessages: number;
  pipelineReportsPerSecond: number;
  cpuMsPerReport: number;
  latencyMs: number[];
  pipelineLatencyMs: number[];
  idleRssMiB: number;
  afterRssMiB: number;
  peakRssMiB: number;
  llmRequests: { classification: number; grouping: number };
  staffAlerts: { queued: number; deliveredByEnd: number };
  /** violations: messages to one private chat less than 0.9 s apart, plus 1 if a group got more than 20 in a minute. */
  limits: { maxPerSecondOverall: number; minGapSamePrivateChatMs: number; maxPerMinuteStaffGroup: number; violations: number };
  /** Telegram calls the bot made that failed (429s, errors). */
  failedCalls: number;
}

export function startBot(env: Record<string, string>, profileDir?: string): { child: ChildProcess; output: () => string } {
  const args = [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '--import', 'tsx', join(ROOT, 'src', 'main.ts')];
  const child = spawnGroup(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    // Keep the tail only: a long run logs a lot.
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, output: () => output };
}

export async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await sleep(20);
  }
}

const TICKET = /#(\d+)/g;

export async function runIntake(scenario: IntakeScenario, log: (line: string) => void): Promise<IntakeRun> {
  const clock = () => performance.timeOrigin + performance.now();
  const telegram: BotApiEmulator = createBotApiEmulator({ now: clock, token: TOKEN });
  await telegram.start();
  telegram.registerChat({ id: STAFF_CHAT, type: 'supergroup', title: '教体局工作群' });
  const llm: OpenAiStandin = createOpenAiStandin({ seed: 42 });
  await llm.start();
  llm.setLatency(scenario.latency);
  const stream = intakeStream(scenario.residents, scenario.perResident);
  llm.setResponder(labelResponder(stream));
  const dir = mkdtempSync(join(tmpdir(), 'minyi-bench-intake-'));
  const dbPath = join(dir, 'minyi.sqlite');
  // An empty knowledge base: this bench counts tickets in the replies, and a question answered from the base gets
  // its one reply without a ticket (as in the fault tests' world).
  const knowledgeDir = join(dir, 'knowledge');
  mkdirSync(knowledgeDir);
  const bot = startBot(
    {
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      DATABASE_PATH: dbPath,
      KNOWLEDGE_DIR: knowledgeDir,
      STAFF_CHAT_IDS: String(STAFF_CHAT),
      OPENAI_API_KEY: 'sk-bench',
      OPENAI_BASE_URL: llm.baseURL,
      OPENAI_MODEL: 'gpt-4o-mini',
      LLM_CONCURRENCY: String(scenario.llmConcurrency),
      LOG_LEVEL: 'warn',
    },
    scenario.profileDir,
  );
  const pid = bot.child.pid!;
  try {
    await until(() => telegram.requestLog.some((r) => r.method === 'deleteWebhook'), 60_000, () => bot.output());
    // The poll is held open: give the runner a moment to be waiting on it, and the process to settle.
    await sleep(1500);
    const idle = memoryOf(pid)!;
    const cpuBefore = cpuMsOf(pid)!;

    // Every bot message to a resident, with the tickets it acknowledges.
    const tickets = new Map<number, Array<{ at: number; chat: number }>>();
    const residentMessages: BotMessageRecord[] = [];
    const staffMessages: BotMessageRecord[] = [];
    telegram.on('bot-message', (record) => {
      if (record.chat_id === STAFF_CHAT) {
        staffMessages.push(record);
        return;
      }
      residentMessages.push(record);
      for (const match of (record.text ?? '').matchAll(TICKET)) {
        const id = Number(match[1]);
        const list = tickets.get(id) ?? [];
        list.push({ at: record.at, chat: record.chat_id });
        tickets.set(id, list);
      }
    });

    const sent: Array<{ chat: number; messageId: number; at: number }> = [];
    const first = clock();
    for (const report of stream) {
      const userId = 10_000 + report.resident;
      const { message } = telegram.sendUserMessage({ from: { id: userId, first_name: `居民${report.resident}`, language_code: 'zh-hans' }, text: report.text });
      sent.push({ chat: userId, messageId: message.message_id, at: clock() });
    }
    log(`intake ${scenario.key}: ${stream.length} reports queued in ${(clock() - first).toFixed(0)} ms`);

    let lastLog = Date.now();
    let peak = idle.peakMiB;
    await until(
      () => {
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(`intake ${scenario.key}: ${tickets.size}/${stream.length} acknowledged, ${residentMessages.length} messages, ${llm.requests.length} LLM requests`);
        }
        peak = Math.max(peak, memoryOf(pid)?.rssMiB ?? 0);
        return tickets.size >= stream.length;
      },
      scenario.timeoutMs,
      () => `${tickets.size}/${stream.length} acknowledged\n${bot.output().slice(-3000)}`,
    );
    const last = Math.max(...[...tickets.values()].map((l) => l[0]!.at));
    const cpuAfter = cpuMsOf(pid)!;
    // Anything sent twice would arrive shortly after; give it the time a retry would take.
    await sleep(2000);
    const after = memoryOf(pid)!;

    // The database: report ids for each (chat, message), pipeline timestamps.
    const db = new Database(dbPath, { readonly: true });
    const rows = db.prepare(`SELECT r.id, r.chat_id AS chat, r.message_id AS messageId, r.received_at AS receivedAt, o.created_at AS queuedAt
      FROM reports r LEFT JOIN outbox o ON o.dedupe_key = 'ack:' || r.id`).all() as Array<{ id: number; chat: number; messageId: number; receivedAt: number; queuedAt: number | null }>;
    const alerts = db.prepare(`SELECT COUNT(*) AS queued, TOTAL(state = 'sent') AS sent FROM outbox WHERE kind = 'alert'`).get() as { queued: number; sent: number };
    db.close();

    const availableAt = new Map(sent.map((s) => [`${s.chat}:${s.messageId}`, s.at]));
    const latencyMs: number[] = [];
    const pipelineLatencyMs: number[] = [];
    let lost = 0;
    let duplicated = 0;
    for (const row of rows) {
      const acks = (tickets.get(row.id) ?? []).filter((a) => a.chat === row.chat);
      if (acks.length === 0) lost++;
      if (acks.length > 1) duplicated += acks.length - 1;
      const available = availableAt.get(`${row.chat}:${row.messageId}`);
      if (acks[0] && available !== undefined) latencyMs.push(acks[0].at - available);
      if (row.queuedAt !== null) pipelineLatencyMs.push(row.queuedAt - row.receivedAt);
    }
    lost += Math.max(0, stream.length - rows.length);
    const firstReceived = Math.min(...rows.map((r) => r.receivedAt));
    const lastQueued = Math.max(...rows.map((r) => r.queuedAt ?? 0));
    const wallSeconds = (last - first) / 1000;
    const windowMessages = [...residentMessages, ...staffMessages].filter((m) => m.at <= last).length;

    const run: IntakeRun = {
      reports: stream.length,
      acknowledged: rows.length - lost,
      lost,
      duplicated,
      wallSeconds,
      reportsAckedPerSecond: stream.length / wallSeconds,
      messagesPerSecond: windowMessages / wallSeconds,
      residentMessages: residentMessages.length,
      pipelineReportsPerSecond: rows.length / ((lastQueued - firstReceived) / 1000),
      cpuMsPerReport: (cpuAfter - cpuBefore) / stream.length,
      latencyMs,
      pipelineLatencyMs,
      idleRssMiB: idle.rssMiB,
      afterRssMiB: after.rssMiB,
      peakRssMiB: Math.max(peak, after.peakMiB),
      llmRequests: {
        classification: llm.requests.filter((r) => (r.body as { response_format?: { json_schema?: { name?: string } } })?.response_format?.json_schema?.name === 'report_classification').length,
        grouping: llm.requests.filter((r) => (r.body as { response_format?: { json_schema?: { name?: string } } })?.response_format?.json_schema?.name === 'grouping_decision').length,
      },
      staffAlerts: { queued: alerts.queued, deliveredByEnd: staffMessages.filter((m) => m.at <= last).length },
      limits: checkLimits(telegram, last),
      failedCalls: telegram.requestLog.filter((r) => !r.ok && r.method !== 'getUpdates').length,
    };
    return run;
  } finally {
    await stopGroup(bot.child);
    await telegram.stop();
    await llm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What Telegram would have seen, by the time each call reached the emulator (its log time less its duration):
 * the busiest 1-second window overall, the closest two messages to one private chat, the busiest minute in a group.
 */
function checkLimits(telegram: BotApiEmulator, until: number): IntakeRun['limits'] {
  const sends = telegram.requestLog
    .filter((r) => r.ok && /^send/i.test(r.method) && r.at <= until)
    .map((r) => ({ chat: Number(r.params.chat_id), arrived: r.at - r.duration_ms }));
  const times = sends.map((r) => r.arrived).sort((a, b) => a - b);
  let maxPerSecond = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    maxPerSecond = Math.max(maxPerSecond, i - j + 1);
  }
  const byChat = new Map<number, number[]>();
  for (const r of sends) {
    const list = byChat.get(r.chat) ?? [];
    list.push(r.arrived);
    byChat.set(r.chat, list);
  }
  let minGap = Infinity;
  let closeCalls = 0;
  let maxPerMinuteGroup = 0;
  for (const [chat, list] of byChat) {
    list.sort((a, b) => a - b);
    if (chat > 0) {
      for (let i = 1; i < list.length; i++) {
        const gap = list[i]! - list[i - 1]!;
        minGap = Math.min(minGap, gap);
        // The emulator's clock has a few ms of jitter under load; Telegram's own limit is "about one per second".
        if (gap < 900) closeCalls++;
      }
    } else {
      for (let i = 0, j = 0; i < list.length; i++) {
        while (list[i]! - list[j]! >= 60_000) j++;
        maxPerMinuteGroup = Math.max(maxPerMinuteGroup, i - j + 1);
      }
    }
  }
  return {
    maxPerSecondOverall: maxPerSecond,
    minGapSamePrivateChatMs: Number.isFinite(minGap) ? Math.round(minGap) : 0,
    maxPerMinuteStaffGroup: maxPerMinuteGroup,
    violations: closeCalls + (maxPerMinuteGroup > 20 ? 1 : 0),
  };
}

/** Runs a scenario `runs` times and records its figures. */
export async function benchIntake(results: ResultSet, scenario: IntakeScenario, runs: number, log: (line: string) => void): Promise<IntakeRun[]> {
  const all: IntakeRun[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await runIntake(scenario, log);
    all.push(run);
    const l = summarize(run.latencyMs);
    log(
      `intake ${scenario.key} run ${i + 1}/${runs}: ${run.reports} reports in ${run.wallSeconds.toFixed(1)} s — ${run.reportsAckedPerSecond.toFixed(1)} acked/s, ` +
        `${run.messagesPerSecond.toFixed(1)} msg/s, pipeline ${run.pipelineReportsPerSecond.toFixed(1)} reports/s, ${run.cpuMsPerReport.toFixed(2)} ms CPU/report, ` +
        `latency p50 ${(l.median / 1000).toFixed(1)} s p95 ${(l.p95 / 1000).toFixed(1)} s, lost ${run.lost}, duplicated ${run.duplicated}, ` +
        `LLM ${run.llmRequests.classification}+${run.llmRequests.grouping}, peak ${run.peakRssMiB.toFixed(0)} MiB`,
    );
  }
  const k = scenario.key;
  const section = 'intake';
  const per = (f: (r: IntakeRun) => number) => all.map(f);
  const latencies = all.flatMap((r) => r.latencyMs);
  results.add({ id: `intake.${k}.acked-per-second`, section, name: `${scenario.title}: reports acknowledged per second`, unit: 'reports/s', samples: per((r) => r.reportsAckedPerSecond) });
  results.add({
    id: `intake.${k}.messages-per-second`,
    section,
    name: `${scenario.title}: messages sent per second (Telegram ceiling 30)`,
    unit: 'msg/s',
    samples: per((r) => r.messagesPerSecond),
    // The scenario (1,000 residents) only: a small burst is over before the ceiling is reached.
    ...(scenario.latency.meanMs > 0 && scenario.residents >= 1000 && { target: { op: '>=' as const, value: 27, text: 'sustain ≈ 30/s (≥ 27)' } }),
  });
  results.add({
    id: `intake.${k}.max-per-second`,
    section,
    name: `${scenario.title}: most messages reaching Telegram in any 1-second window`,
    unit: 'msg',
    samples: per((r) => r.limits.maxPerSecondOverall),
    note: 'the throttler refills 30 calls at once every second, so two refills can fall into one sliding second',
  });
  results.add({ id: `intake.${k}.pipeline-per-second`, section, name: `${scenario.title}: pipeline rate (classified + queued, from DB timestamps)`, unit: 'reports/s', samples: per((r) => r.pipelineReportsPerSecond) });
  results.add({
    id: `intake.${k}.cpu-per-report`,
    section,
    name: `${scenario.title}: bot CPU time per report (user + system)`,
    unit: 'ms',
    samples: per((r) => r.cpuMsPerReport),
    baseline: 'cpu',
    ...(scenario.latency.meanMs === 0 && { target: { op: '<=' as const, value: 5, text: 'a few ms (≤ 5)' } }),
  });
  results.add({ id: `intake.${k}.latency`, section, name: `${scenario.title}: update available → acknowledgement sent (all reports of all runs)`, unit: 'ms', samples: latencies });
  results.add({ id: `intake.${k}.pipeline-latency`, section, name: `${scenario.title}: stored → acknowledgement queued (all reports)`, unit: 'ms', samples: all.flatMap((r) => r.pipelineLatencyMs) });
  results.add({ id: `intake.${k}.lost`, section, name: `${scenario.title}: lost acknowledgements`, unit: 'reports', samples: per((r) => r.lost), target: { op: '==', value: 0, text: '0' }, judgedOn: 'max' });
  results.add({ id: `intake.${k}.duplicated`, section, name: `${scenario.title}: duplicated acknowledgements`, unit: 'reports', samples: per((r) => r.duplicated), target: { op: '==', value: 0, text: '0' }, judgedOn: 'max' });
  results.add({
    id: `intake.${k}.limit-violations`,
    section,
    name: `${scenario.title}: per-chat limits exceeded (private chat < 0.9 s apart; group > 20/min)`,
    unit: 'violations',
    samples: per((r) => r.limits.violations),
    target: { op: '==', value: 0, text: '0' },
    judgedOn: 'max',
  });
  results.add({ id: `intake.${k}.peak-rss`, section, name: `${scenario.title}: bot peak RSS`, unit: 'MiB', samples: per((r) => r.peakRssMiB) });
  results.add({ id: `intake.${k}.rss-after`, section, name: `${scenario.title}: bot RSS after the run`, unit: 'MiB', samples: per((r) => r.afterRssMiB) });
  results.add({ id: `intake.${k}.rss-idle`, section, name: `${scenario.title}: bot RSS idle before the run`, unit: 'MiB', samples: per((r) => r.idleRssMiB) });
  results.fact('intake', k, {
    scenario: { residents: scenario.residents, perResident: scenario.perResident, latency: scenario.latency, llmConcurrency: scenario.llmConcurrency },
    runs: all.map((r) => ({
      reports: r.reports,
      wallSeconds: Math.round(r.wallSeconds * 10) / 10,
      residentMessages: r.residentMessages,
      reportsPerMessage: Math.round((r.reports / r.residentMessages) * 100) / 100,
      llmRequests: r.llmRequests,
      staffAlerts: r.staffAlerts,
      limits: r.limits,
      failedCalls: r.failedCalls,
      lost: r.lost,
      duplicated: r.duplicated,
    })),
  });
  return all;
}
