import { existsSync } from 'node:fs';
import { readJsonLines } from './cli-config.ts';
import pino from 'pino';
import { z } from 'zod';
import { KINDS } from '../domain/classification.ts';
import { createOpenAiEmbedder } from '../classify/embedder.ts';
import { openDatabase } from '../db/database.ts';
import { createKnowledgeAnswerer, type AnswerComposer, type KnowledgeOutcome } from '../knowledge/answering.ts';
import { createEntryVectorStore } from '../knowledge/entry-vector-store.ts';
import { createSemanticRanker, type SemanticRanker } from '../knowledge/semantic.ts';
import { createKnowledgeFolder } from '../knowledge/knowledge-folder.ts';
import { scoreKb } from '../knowledge/scoring.ts';
import { createLlmComposer } from '../knowledge/llm-composer.ts';
import { classifierFromEnv } from './classifier-from-env.ts';

/**
 * npm run eval:kb -- FILE.jsonl [--offline] [--oracle] [--json] [--mistakes] [--today YYYY-MM-DD] [--dir FOLDER]
 * Scores knowledge-base answering on lines {"text", "entry"} (entry: the expected heading, or null when the
 * base does not hold the answer; "kind": "complaint" or "complaint": true marks complaints). Each line goes
 * through the bot's own steps: classify (for the kind), the question gate, retrieval (fused with embeddings when
 * OPENAI_EMBEDDING_MODEL is set and not --offline), and the LLM composer when configured.
 * Correct means exactly the expected heading: an entry on the same topic in the other language is wrong.
 *
 * --oracle: the composer is "a model that answers correctly among what it is offered": it answers with the
 * expected entry when that entry is among the ones offered to it, and says "not answerable" otherwise. Its
 * correct rate is the retrieval's recall@4 after the question gate: the upper bound of the LLM path with a
 * perfect model, not a real model's rate.
 */
const Line = z.object({
  text: z.string().min(1),
  entry: z.string().min(1).nullable(),
  kind: z.enum(KINDS).optional(),
  complaint: z.boolean().optional(),
});

/** The perfect model: the expected entry when it was offered, else "not answerable". */
function oracleComposer(expected: string | null): AnswerComposer {
  return {
    compose(_question, offered) {
      const hit = offered.find((e) => e.title === expected);
      return Promise.resolve(hit ? { answerable: true, text: hit.body, cited: [hit.id] } : { answerable: false });
    },
  };
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const offlineOnly = args.includes('--offline');
  const showMistakes = args.includes('--mistakes');
  const oracle = args.includes('--oracle');
  const today = option(args, '--today');
  const dir = option(args, '--dir') ?? process.env.KNOWLEDGE_DIR ?? 'prompts/knowledge/';
  const valued = new Set([today, option(args, '--dir')].filter(Boolean));
  const file = args.find((a) => !a.startsWith('--') && !valued.has(a));
  if (!file) {
    process.stderr.write('usage: npm run eval:kb -- FILE.jsonl [--offline] [--oracle] [--json] [--mistakes] [--today YYYY-MM-DD] [--dir FOLDER]\n');
    process.exit(2);
  }
  if (today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(today)) {
    process.stderr.write('eval:kb: --today: expected a date as YYYY-MM-DD\n');
    process.exit(2);
  }
  const read = readJsonLines('eval:kb', file, Line);
  // Either marking of a complaint counts as one.
  const items = read.map(({ data }) => ({ ...data, kind: data.kind ?? (data.complaint === true ? ('complaint' as const) : undefined) }));
  const lineNumbers = read.map((r) => r.line);
  if (existsSync('.env')) process.loadEnvFile('.env');
  const timezone = process.env.TIMEZONE ?? 'Asia/Shanghai';
  // Noon in Shanghai of the pinned day: the same date in any zone from UTC−11 to UTC+12.
  const now = today ? () => Date.parse(`${today}T04:00:00Z`) : Date.now;
  const folder = createKnowledgeFolder({ dir, timezone, now });
  const { problems } = folder.snapshot();
  for (const problem of problems) process.stderr.write(`eval:kb: knowledge base: ${problem}\n`);
  const { classifier, openai, model, close } = classifierFromEnv({ offlineOnly, logger: pino({ level: 'silent' }) });
  const embeddingModel = process.env.OPENAI_EMBEDDING_MODEL?.trim();
  // Entry vectors are cached in a private in-memory database: tools must not touch the bot's.
  const vectorsDb = openai && embeddingModel ? openDatabase(':memory:') : undefined;
  let embeddingFailures = 0;
  const semantic: SemanticRanker | undefined =
    openai && embeddingModel && vectorsDb
      ? createSemanticRanker({
          embedder: createOpenAiEmbedder({ client: openai, model: embeddingModel, timeoutMs: 30_000, concurrency: 8 }),
          store: createEntryVectorStore(vectorsDb),
          onFailure: () => embeddingFailures++,
        })
      : undefined;
  const llm = openai && createLlmComposer({ client: openai, model, timeoutMs: 30_000 });
  const answererFor = (expected: string | null) => {
    const composer = oracle ? oracleComposer(expected) : llm;
    return createKnowledgeAnswerer({ folder, ...(composer && { composer }), ...(semantic && { semantic }) });
  };
  let outcomes: KnowledgeOutcome[];
  try {
    outcomes = await Promise.all(
      items.map(async (item) => {
        const { classification } = await classifier.classify(item.text, { residentId: null });
        return answererFor(item.entry).answer(item.text, classification.kind);
      }),
    );
  } finally {
    close();
    vectorsDb?.close();
  }
  if (embeddingFailures > 0) process.stderr.write(`eval:kb: ${embeddingFailures} embedding failures (those questions used the lexical ranking alone)\n`);
  const { score, mistakes } = scoreKb(items, outcomes);
  const mistakeLines = mistakes.map((i) => {
    const item = items[i]!;
    const outcome = outcomes[i]!;
    const got = outcome.answered
      ? `answered "${outcome.entry.title}"`
      : `abstained (${outcome.reason})${outcome.suggestions.length > 0 ? `, suggested ${outcome.suggestions.map((e) => `"${e.title}"`).join(', ')}` : ''}`;
    return `${file}:${lineNumbers[i]}: expected ${item.entry === null ? 'no answer' : `"${item.entry}"`}, ${got}: ${item.text}`;
  });
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...score, oracle, embeddings: semantic !== undefined, ...(showMistakes ? { mistakes: mistakeLines } : {}) })}\n`);
    return;
  }
  const pct = (r: number | null) => (r === null ? '—' : `${(100 * r).toFixed(1)}%`);
  const path = `${oracle ? 'oracle composer (a model always right among the entries offered: recall@4)' : openai ? `LLM composer (${model})` : 'offline'}, ${semantic ? `lexical + embeddings (${embeddingModel})` : 'lexical retrieval'}`;
  process.stdout.write(
    [
      `path: ${path}`,
      `questions: ${score.n} (answerable ${score.answerable}, out of base ${score.out_of_base}, of which complaints ${score.complaints})`,
      `answered correctly (of answerable):          ${pct(score.correct_rate)}`,
      `wrong answers (of all questions):            ${pct(score.wrong_rate)}`,
      `out-of-base questions answered:              ${pct(score.out_of_base_answered_rate)}`,
      `abstained on out-of-base questions:          ${pct(score.abstain_rate)}`,
      `complaints answered from the base:           ${score.complaints_answered}`,
      `answered by: llm ${score.answered_by.llm}, offline ${score.answered_by.offline}`,
      `expected entry suggested (of answerable not answered): ${pct(score.suggested_correct)}`,
      `answered correctly or expected entry suggested:        ${pct(score.answered_or_picked)}`,
      `out-of-base questions given suggestions:               ${pct(score.out_of_base_suggested)}`,
      `complaints given suggestions:                          ${score.complaints_suggested}`,
    ].join('\n') + '\n',
  );
  if (showMistakes) process.stdout.write(mistakeLines.length === 0 ? 'no mistakes\n' : `${mistakeLines.join('\n')}\n`);
}

await main();
