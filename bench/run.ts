import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { dirname } from 'node:path';
import { parseConfig } from '../src/config.ts';
import { measureBaselines } from './baseline.ts';
import { benchClassifier } from './classifier.ts';
import { benchIntake, type IntakeScenario } from './intake.ts';
import { benchMedia } from './media.ts';
import { describeMachine, versions } from './lib/machine.ts';
import { ResultSet, type Results } from './lib/results.ts';
import { renderMarkdown } from './report.ts';
import { benchStartup } from './startup.ts';
import { benchStorage } from './storage/queries.ts';
import { benchWeb } from './web.ts';

/**
 * `npm run bench [-- --quick] [--only=…]`: measures the real bot end to end and writes bench/results.json
 * and docs/BENCHMARKS.md. `--quick` is a smoke run: its small-size numbers go to bench/out/ (ignored by
 * git) and never over the published ones. Not part of `npm test`. See docs/BENCHMARKS.md for the options.
 */

const SECTIONS = ['baseline', 'startup', 'intake', 'classifier', 'storage', 'media', 'web'] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'llm-concurrency': { type: 'string' },
    'intake-runs': { type: 'string' },
    model: { type: 'string', default: process.env.BENCH_MODEL ?? 'gpt-4o-mini' },
    'price-input': { type: 'string', default: process.env.BENCH_PRICE_INPUT ?? '0.15' },
    'price-cached-input': { type: 'string', default: process.env.BENCH_PRICE_CACHED_INPUT ?? '0.075' },
    'price-output': { type: 'string', default: process.env.BENCH_PRICE_OUTPUT ?? '0.60' },
    'no-doc': { type: 'boolean', default: false },
    'render-only': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  strict: true,
});

const PUBLISHED_RESULTS = new URL('./results.json', import.meta.url).pathname;
const QUICK_RESULTS = new URL('./out/results-quick.json', import.meta.url).pathname;
const out = values.out ?? (values.quick ? QUICK_RESULTS : PUBLISHED_RESULTS);

// Write docs/BENCHMARKS.md again from an existing results.json (after editing bench/analysis.md).
if (values['render-only']) {
  const results = JSON.parse(readFileSync(out, 'utf8')) as Results;
  if (results.mode === 'quick') throw new Error(`--render-only: ${out} holds quick-mode numbers, which are never published`);
  const doc = new URL('../docs/BENCHMARKS.md', import.meta.url).pathname;
  writeFileSync(doc, `${renderMarkdown(results)}\n`);
  process.stdout.write(`wrote ${doc} from ${out}\n`);
  process.exit(0);
}

const quick = values.quick!;
const only = new Set<Section>(values.only ? (values.only.split(',').map((s) => s.trim()) as Section[]) : SECTIONS);
for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s}; choose from ${SECTIONS.join(', ')}`);
const number = (name: string, text: string) => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a number, got ${text}`);
  return n;
};
const prices = {
  model: values.model!,
  input: number('price-input', values['price-input']!),
  cachedInput: number('price-cached-input', values['price-cached-input']!),
  output: number('price-output', values['price-output']!),
};
// The 800 ms scenario runs with the shipped default (src/config.ts) unless told otherwise.
const shippedConcurrency = parseConfig({ OPENAI_API_KEY: 'bench' }).llm!.concurrency;
const llmConcurrency = values['llm-concurrency'] ? number('llm-concurrency', values['llm-concurrency']) : shippedConcurrency;
const concurrencyTitle = `LLM_CONCURRENCY=${llmConcurrency}${llmConcurrency === shippedConcurrency ? ' (default)' : ''}`;
const intakeRuns = values['intake-runs'] ? number('intake-runs', values['intake-runs']) : 1;

const started = performance.now();
const log = (line: string) => process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const profileDir = values.profile ? new URL('./out/profiles/', import.meta.url).pathname : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });

const machine = describeMachine();
const results = new ResultSet();
log(`minyi bench (${quick ? 'quick' : 'full'}): ${[...only].join(', ')} on ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage.start.toFixed(2)}`);

const scenarios: IntakeScenario[] = quick
  ? [
      { key: 'llm0', title: 'LLM 0 ms', residents: 100, perResident: 5, latency: { meanMs: 0, jitterMs: 0 }, llmConcurrency, timeoutMs: 120_000 },
      { key: 'llm800', title: `LLM 800 ± 300 ms, ${concurrencyTitle}`, residents: 100, perResident: 5, latency: { meanMs: 800, jitterMs: 300 }, llmConcurrency, timeoutMs: 120_000 },
    ]
  : [
      { key: 'llm0', title: 'LLM 0 ms', residents: 1000, perResident: 5, latency: { meanMs: 0, jitterMs: 0 }, llmConcurrency, timeoutMs: 600_000 },
      { key: 'llm800', title: `LLM 800 ± 300 ms, ${concurrencyTitle}`, residents: 1000, perResident: 5, latency: { meanMs: 800, jitterMs: 300 }, llmConcurrency, timeoutMs: 600_000 },
    ];

// Baselines before and after: both sets of samples pooled, so a machine that got busier shows in their spread.
await measureBaselines(results, { quick });
const before = Object.fromEntries(Object.entries(results.baselines).map(([k, m]) => [k, m!.samples]));

let groupingCallsPerReport: number | undefined;
if (only.has('startup')) await benchStartup(results, { quick, log });
if (only.has('intake')) {
  for (const scenario of scenarios) {
    const runs = await benchIntake(results, { ...(profileDir && scenario.key === 'llm0' && { profileDir }), ...scenario }, scenario.key === 'llm0' ? intakeRuns : 1, log);
    if (scenario.key === 'llm800') groupingCallsPerReport = runs.reduce((s, r) => s + r.llmRequests.grouping / r.reports, 0) / runs.length;
  }
}
if (only.has('classifier')) await benchClassifier(results, { quick, prices, ...(groupingCallsPerReport !== undefined && { groupingCallsPerReport }), log });
if (only.has('storage')) await benchStorage(results, { quick, log });
if (only.has('media')) await benchMedia(results, { quick, log });
if (only.has('web')) await benchWeb(results, { quick, log });

const end = new ResultSet();
await measureBaselines(end, { quick });
for (const [name, metric] of Object.entries(end.baselines)) {
  const pooled = [...(before[name] ?? []), ...metric!.samples];
  results.setBaseline(name as keyof typeof end.baselines, { ...metric!, samples: pooled });
}
// Ratios are computed against the pooled baselines.
const recomputed = new ResultSet();
Object.assign(recomputed.baselines, results.baselines);
for (const m of results.metrics) recomputed.add(m);
machine.loadAverage.end = os.loadavg()[0]!;

const output: Results = {
  mode: quick ? 'quick' : 'full',
  date: new Date().toISOString(),
  machine,
  versions: versions(),
  durationSeconds: (performance.now() - started) / 1000,
  settings: { sections: [...only], prices, llmConcurrency, intakeRuns },
  baselines: recomputed.baselines,
  metrics: recomputed.metrics,
  facts: results.facts,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(output, null, 2)}\n`);
log(`wrote ${out}`);
if (quick) log('quick mode: docs/BENCHMARKS.md left as it is (run without --quick to publish numbers)');
else if (!values['no-doc']) {
  const doc = new URL('../docs/BENCHMARKS.md', import.meta.url).pathname;
  writeFileSync(doc, `${renderMarkdown(output)}\n`);
  log(`wrote ${doc}`);
}
const missed = output.metrics.filter((m) => m.pass === false);
log(`${output.metrics.filter((m) => m.pass).length} targets met, ${missed.length} missed${missed.length ? `: ${missed.map((m) => m.id).join(', ')}` : ''}`);
