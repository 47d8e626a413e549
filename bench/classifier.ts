import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import pino from 'pino';
import { z } from 'zod';
import { loadExamples } from '../src/classify/offline/examples.ts';
import { createOfflineClassifier } from '../src/classify/offline/offline-classifier.ts';
import { classificationSchema, createLlmClassifier } from '../src/classify/llm-classifier.ts';
import { createReportClassifier } from '../src/classify/report-classifier.ts';
import { openDatabase } from '../src/db/database.ts';
import { loadCatalogue } from '../src/domain/categories.ts';
import { loadSubtopics } from '../src/domain/subtopics.ts';
import { redactPersonalData } from '../src/domain/redact.ts';
import { GROUPING_PROMPT_PATH } from '../src/classify/llm-decider.ts';
import { createOpenAiStandin } from '../test/support/openai-standin.ts';
import type { ResultSet } from './lib/results.ts';
import { labelResponder, streamWithRepeats } from './lib/stream.ts';
import { timeSync } from './lib/stats.ts';

/**
 * The classifier: how fast the offline one trains and labels, what an LLM call costs in tokens and money
 * (counted with the model family's real tokenizer), and how many calls a stream with repeats really makes.
 */

export interface Prices {
  model: string;
  /** US dollars per million tokens. */
  input: number;
  cachedInput: number;
  output: number;
}

interface Tokenizer {
  encode(text: string): number[];
  encodeChat(chat: ReadonlyArray<{ role: string; content: string }>, model?: string): number[];
}

/** gpt-tokenizer's module for the model, or the o200k_base encoding (GPT-4o and later) when it has none. */
async function tokenizerFor(model: string): Promise<{ tokenizer: Tokenizer; encoding: string }> {
  try {
    const module = (await import(`gpt-tokenizer/model/${model}`)) as Tokenizer;
    return { tokenizer: module, encoding: `gpt-tokenizer/model/${model}` };
  } catch {
    const module = (await import('gpt-tokenizer/encoding/o200k_base')) as Tokenizer;
    return { tokenizer: module, encoding: 'o200k_base (fallback)' };
  }
}

/** OpenAI caches a prompt prefix of 1,024 tokens or more, in steps of 128. */
const cachedPart = (prefixTokens: number) => (prefixTokens >= 1024 ? Math.floor(prefixTokens / 128) * 128 : 0);

export async function benchClassifier(results: ResultSet, options: { quick: boolean; prices: Prices; groupingCallsPerReport?: number; log: (line: string) => void }): Promise<void> {
  const { quick, prices, log } = options;
  const catalogue = loadCatalogue();
  const section = 'classifier';

  // Offline: start-up is loading the examples and training; then labelling the examples and the hold-out set.
  const startups: number[] = [];
  // The subtopic heads (议题) train with the rest: start-up and throughput include them.
  let offline = createOfflineClassifier({ catalogue, subtopics: loadSubtopics(catalogue), examples: loadExamples() });
  for (let i = 0; i < (quick ? 3 : 5); i++) {
    const { ms, value } = timeSync(() => createOfflineClassifier({ catalogue, subtopics: loadSubtopics(catalogue), examples: loadExamples() }));
    startups.push(ms);
    offline = value;
  }
  results.add({ id: 'classifier.offline.startup', section, name: 'offline classifier: load examples + train', unit: 'ms', samples: startups, baseline: 'cpu' });
  const holdout = readFileSync(new URL('../test/fixtures/holdout.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const texts = [...loadExamples().map((e) => e.text), ...holdout];
  const rates: number[] = [];
  for (let i = 0; i < (quick ? 3 : 5); i++) {
    const { ms } = timeSync(() => texts.forEach((t) => offline.classifySync(t)));
    rates.push(texts.length / (ms / 1000));
  }
  const rate = results.add({ id: 'classifier.offline.throughput', section, name: `offline classifier: reports labelled per second (${texts.length} texts, one core)`, unit: 'reports/s', samples: rates });
  log(`classifier: offline trains in ${results.get('classifier.offline.startup')!.median.toFixed(0)} ms, labels ${rate.median.toFixed(0)} reports/s`);

  // LLM prompt size, with the tokenizer of the configured model's family.
  const { tokenizer, encoding } = await tokenizerFor(prices.model);
  const llm = createLlmClassifier({ client: new OpenAI({ apiKey: 'not-used' }), model: prices.model, catalogue, subtopics: loadSubtopics(catalogue), timeoutMs: 1000 });
  const schema = JSON.stringify(zodResponseFormat(classificationSchema(catalogue), 'report_classification').json_schema);
  // The schema is sent as response_format; OpenAI renders it into the prompt in its own words, so its size
  // in tokens is an estimate (the JSON's own token count).
  const schemaTokens = tokenizer.encode(schema).length;
  const systemTokens = tokenizer.encodeChat([{ role: 'system', content: llm.systemPrompt }], prices.model).length;
  const staticPrefix = systemTokens + schemaTokens;
  const promptTokens = texts.map((t) => tokenizer.encodeChat(llm.buildMessages(redactPersonalData(t)), prices.model).length + schemaTokens);
  // The answer as the schema orders it; a title of about 16 characters is typical of a ledger line.
  const answers = loadExamples().map((e) =>
    JSON.stringify({ category: e.category, subtopic: e.subtopic?.split('.')[1] ?? null, kind: e.kind, urgent: e.urgent, unit: e.unit ?? null, summary: e.text.slice(0, 30), title: e.text.slice(0, 16), language: 'zh' }),
  );
  // The answer, plus the few tokens that close an assistant message.
  const outputTokens = answers.map((a) => tokenizer.encode(a).length + 2);
  results.add({ id: 'classifier.llm.prompt-tokens', section, name: 'LLM classification: prompt tokens per report (system + report + schema)', unit: 'tokens', samples: promptTokens });
  results.add({ id: 'classifier.llm.output-tokens', section, name: 'LLM classification: output tokens per report (the JSON answer)', unit: 'tokens', samples: outputTokens });

  // Grouping: a second, smaller call when similar open problems exist (measured rate from the intake run).
  const groupingSystem = readFileSync(GROUPING_PROMPT_PATH, 'utf8').trim();
  const groupingSchema = JSON.stringify(zodResponseFormat(z.object({ same_as: z.number().int().nullable() }), 'grouping_decision').json_schema);
  const examples = loadExamples();
  const groupingPrompt = examples.slice(0, 200).map((e, i) => {
    const problems = [1, 2].map((k) => {
      const other = examples[(i * 7 + k * 13) % examples.length]!;
      return { id: 1000 + i * 3 + k, title: other.text.slice(0, 40), reports: [other.text.slice(0, 300), examples[(i + k) % examples.length]!.text.slice(0, 300)] };
    });
    const user = JSON.stringify({ report: redactPersonalData(e.text).slice(0, 1000), problems });
    return tokenizer.encodeChat([{ role: 'system', content: groupingSystem }, { role: 'user', content: user }], prices.model).length + tokenizer.encode(groupingSchema).length;
  });
  const groupingOutput = tokenizer.encode('{"same_as":1234}').length + 2;

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const perReport = { prompt: median(promptTokens), output: median(outputTokens) };
  const groupingRate = options.groupingCallsPerReport ?? 0.5;
  const dollars = (tokens: number, price: number) => (tokens * price) / 1e6;
  const classifyCost = (cached: boolean) =>
    1000 *
    (dollars(perReport.prompt - (cached ? cachedPart(staticPrefix) : 0), prices.input) +
      dollars(cached ? cachedPart(staticPrefix) : 0, prices.cachedInput) +
      dollars(perReport.output, prices.output));
  const groupingCost = 1000 * groupingRate * (dollars(median(groupingPrompt), prices.input) + dollars(groupingOutput, prices.output));
  results.fact(section, 'llm', {
    model: prices.model,
    tokenizer: encoding,
    pricesPerMillionTokens: { input: prices.input, cachedInput: prices.cachedInput, output: prices.output },
    staticPrefixTokens: { system: systemTokens, schemaEstimate: schemaTokens, total: staticPrefix, cacheable: cachedPart(staticPrefix) },
    classification: { promptTokensMedian: perReport.prompt, reportTokensMedian: perReport.prompt - staticPrefix, outputTokensMedian: perReport.output },
    grouping: { callsPerReport: Math.round(groupingRate * 1000) / 1000, promptTokensMedian: median(groupingPrompt), outputTokens: groupingOutput },
    costPer1000Reports: {
      classificationUsd: round4(classifyCost(false)),
      classificationWithPromptCacheUsd: round4(classifyCost(true)),
      groupingUsd: round4(groupingCost),
      totalUsd: round4(classifyCost(false) + groupingCost),
    },
  });
  results.add({ id: 'classifier.llm.cost-per-1000', section, name: `LLM cost per 1,000 reports (${prices.model}, classification + grouping, no cache)`, unit: 'USD', samples: [classifyCost(false) + groupingCost] });
  log(`classifier: ${perReport.prompt} prompt tokens/report (static prefix ${staticPrefix}), ≈ $${(classifyCost(false) + groupingCost).toFixed(4)} per 1,000 reports`);

  await repeatsStream(results, quick, log);
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** A stream where about 15 % of reports repeat earlier ones: how many LLM calls does the real classifier make? */
async function repeatsStream(results: ResultSet, quick: boolean, log: (line: string) => void): Promise<void> {
  const count = quick ? 300 : 1000;
  const stream = streamWithRepeats(count, 0.15);
  const standin = createOpenAiStandin({ seed: 3 });
  await standin.start();
  standin.setLatency({ meanMs: 40, jitterMs: 20 });
  standin.setResponder(labelResponder(stream));
  const db = openDatabase(':memory:');
  try {
    const catalogue = loadCatalogue();
    const client = new OpenAI({ apiKey: 'sk-bench', baseURL: standin.baseURL, maxRetries: 0 });
    const classifier = createReportClassifier({
      db,
      offline: createOfflineClassifier({ catalogue, subtopics: loadSubtopics(catalogue), examples: loadExamples() }),
      llm: createLlmClassifier({ client, model: 'gpt-4o-mini', catalogue, timeoutMs: 10_000, maxRetries: 0 }),
      logger: pino({ level: 'silent' }),
      concurrency: 16,
    });
    // Reports arrive a few at a time, as the pipeline takes them: identical texts may be in flight together.
    for (let i = 0; i < stream.length; i += 16) {
      await Promise.all(stream.slice(i, i + 16).map((r) => classifier.classify(r.text, { residentId: r.resident + 1 })));
    }
    const fingerprint = (t: string) => createHash('sha256').update(redactPersonalData(t).normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase()).digest('hex');
    const squash = (t: string) => redactPersonalData(t).normalize('NFKC').replace(/\s+/g, '').toLowerCase();
    const distinctByBot = new Set(stream.map((r) => fingerprint(r.text))).size;
    const distinctIgnoringSpaces = new Set(stream.map((r) => squash(r.text))).size;
    const calls = standin.requests.length;
    results.fact('classifier', 'repeats', {
      reports: count,
      repeats: count - new Set(stream.map((r) => r.text)).size,
      distinctTexts: new Set(stream.map((r) => r.text)).size,
      distinctAfterTheBotsNormalisation: distinctByBot,
      distinctIgnoringAllWhitespace: distinctIgnoringSpaces,
      llmCalls: calls,
      paidTwice: calls - distinctIgnoringSpaces,
    });
    results.add({ id: 'classifier.repeats.calls-per-report', section: 'classifier', name: `LLM calls per report, ${count} reports with ≈15 % repeats`, unit: 'calls', samples: [calls / count] });
    results.add({
      id: 'classifier.repeats.paid-twice',
      section: 'classifier',
      name: 'texts that cost a second LLM call though they differ only in whitespace or case',
      unit: 'calls',
      samples: [calls - distinctIgnoringSpaces],
      target: { op: '==', value: 0, text: '0' },
    });
    log(`classifier: ${count} reports with repeats → ${calls} LLM calls (${distinctIgnoringSpaces} distinct ignoring whitespace and case)`);
  } finally {
    db.close();
    await standin.stop();
  }
}
