import { existsSync } from 'node:fs';
import { readJsonLines } from './cli-config.ts';
import pino from 'pino';
import { z } from 'zod';
import { KINDS } from '../domain/classification.ts';
import { createKnowledgeAnswerer, type KnowledgeOutcome } from '../knowledge/answering.ts';
import { createKnowledgeFolder } from '../knowledge/knowledge-folder.ts';
import { scoreKb } from '../knowledge/scoring.ts';
import { createLlmComposer } from '../knowledge/llm-composer.ts';
import { classifierFromEnv } from './classifier-from-env.ts';

/**
 * npm run eval:kb -- FILE.jsonl [--offline] [--json] [--mistakes] [--today YYYY-MM-DD] [--dir FOLDER]
 * Scores knowledge-base answering on lines {"text", "entry"} (entry: the expected heading, or null when the
 * base does not hold the answer; "kind": "complaint" marks complaints). Each line goes through the bot's own
 * steps: classify (for the kind), the question gate, retrieval, and the LLM composer when configured.
 * Correct means exactly the expected heading: an entry on the same topic in the other language is wrong.
 */
const Line = z.object({
  text: z.string().min(1),
  entry: z.string().min(1).nullable(),
  kind: z.enum(KINDS).optional(),
});

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const offlineOnly = args.includes('--offline');
  const showMistakes = args.includes('--mistakes');
  const today = option(args, '--today');
  const dir = option(args, '--dir') ?? process.env.KNOWLEDGE_DIR ?? 'prompts/knowledge/';
  const valued = new Set([today, option(args, '--dir')].filter(Boolean));
  const file = args.find((a) => !a.startsWith('--') && !valued.has(a));
  if (!file) {
    process.stderr.write('usage: npm run eval:kb -- FILE.jsonl [--offline] [--json] [--mistakes] [--today YYYY-MM-DD] [--dir FOLDER]\n');
    process.exit(2);
  }
  if (today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(today)) {
    process.stderr.write('eval:kb: --today: expected a date as YYYY-MM-DD\n');
    process.exit(2);
  }
  const read = readJsonLines('eval:kb', file, Line);
  const items = read.map((r) => r.data);
  const lineNumbers = read.map((r) => r.line);
  if (existsSync('.env')) process.loadEnvFile('.env');
  const timezone = process.env.TIMEZONE ?? 'Asia/Shanghai';
  // Noon in Shanghai of the pinned day: the same date in any zone from UTC−11 to UTC+12.
  const now = today ? () => Date.parse(`${today}T04:00:00Z`) : Date.now;
  const folder = createKnowledgeFolder({ dir, timezone, now });
  const { problems } = folder.snapshot();
  for (const problem of problems) process.stderr.write(`eval:kb: knowledge base: ${problem}\n`);
  const { classifier, openai, model, close } = classifierFromEnv({ offlineOnly, logger: pino({ level: 'silent' }) });
  const answerer = createKnowledgeAnswerer({ folder, ...(openai && { composer: createLlmComposer({ client: openai, model, timeoutMs: 30_000 }) }) });
  let outcomes: KnowledgeOutcome[];
  try {
    outcomes = await Promise.all(
      items.map(async (item) => {
        const { classification } = await classifier.classify(item.text, { residentId: null });
        return answerer.answer(item.text, classification.kind);
      }),
    );
  } finally {
    close();
  }
  const { score, mistakes } = scoreKb(items, outcomes);
  const mistakeLines = mistakes.map((i) => {
    const item = items[i]!;
    const outcome = outcomes[i]!;
    const got = outcome.answered ? `answered "${outcome.entry.title}"` : `abstained (${outcome.reason})`;
    return `${file}:${lineNumbers[i]}: expected ${item.entry === null ? 'no answer' : `"${item.entry}"`}, ${got}: ${item.text}`;
  });
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...score, ...(showMistakes ? { mistakes: mistakeLines } : {}) })}\n`);
    return;
  }
  const pct = (r: number | null) => (r === null ? '—' : `${(100 * r).toFixed(1)}%`);
  process.stdout.write(
    [
      `questions: ${score.n} (answerable ${score.answerable}, out of base ${score.out_of_base}, of which complaints ${score.complaints})`,
      `answered correctly (of answerable):          ${pct(score.correct_rate)}`,
      `wrong answers (of all questions):            ${pct(score.wrong_rate)}`,
      `out-of-base questions answered:              ${pct(score.out_of_base_answered_rate)}`,
      `abstained on out-of-base questions:          ${pct(score.abstain_rate)}`,
      `complaints answered from the base:           ${score.complaints_answered}`,
      `answered by: llm ${score.answered_by.llm}, offline ${score.answered_by.offline}`,
    ].join('\n') + '\n',
  );
  if (showMistakes) process.stdout.write(mistakeLines.length === 0 ? 'no mistakes\n' : `${mistakeLines.join('\n')}\n`);
}

await main();
