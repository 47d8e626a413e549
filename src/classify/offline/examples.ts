import { readdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { KINDS } from '../../domain/classification.ts';
import type { Kind } from '../../domain/classification.ts';
import type { Catalogue } from '../../domain/categories.ts';
import type { SubtopicCatalogue } from '../../domain/subtopics.ts';

/** One hand-labelled resident message: training data for the offline classifier and few-shot pool for the LLM. */
export type LabelledExample = {
  text: string;
  category: string;
  kind: Kind;
  urgent: boolean;
  unit?: string | null;
  /** The second-level label (prompts/subtopics.json), e.g. "food.price"; not every example has one yet. */
  subtopic?: string;
};

const LabelledExampleSchema = z
  .object({
    text: z.string().trim().min(1),
    category: z.string().min(1),
    kind: z.enum(KINDS),
    urgent: z.boolean(),
    unit: z.string().min(1).nullable().optional(),
    subtopic: z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/).optional(),
  })
  .strict();

export const DEFAULT_EXAMPLES_PATH = new URL('../../../prompts/examples.jsonl', import.meta.url);

// Where each parsed example came from ("path:line"), for errors found after parsing (a subtopic removed from the list).
const origin = new WeakMap<LabelledExample, string>();

/** "path:line" of an example read from a file, or undefined for one built in code. */
export const exampleOrigin = (example: LabelledExample): string | undefined => origin.get(example);

/** Parse JSONL text; a bad line fails the whole load, naming the source and line, so a typo never silently shrinks the training set. */
export function parseExamples(jsonl: string, source = 'examples'): LabelledExample[] {
  const examples: LabelledExample[] = [];
  const lines = jsonl.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const lineNumber = index + 1;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      throw new Error(`${source}:${lineNumber}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = LabelledExampleSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`)
        .join('; ');
      throw new Error(`${source}:${lineNumber}: invalid example (${issues})`);
    }
    origin.set(parsed.data, `${source}:${lineNumber}`);
    examples.push(parsed.data);
  });
  return examples;
}

/**
 * One file when a path is given; otherwise prompts/examples.jsonl and then every prompts/examples-*.jsonl in name
 * order. A text labelled in two files fails the load naming both: one text, one label.
 */
export function loadExamples(path?: string | URL): LabelledExample[] {
  if (path !== undefined) return parseExamples(readFileSync(path, 'utf8'), path instanceof URL ? path.pathname : path);
  const folder = new URL('./', DEFAULT_EXAMPLES_PATH);
  const extra = readdirSync(folder)
    .filter((name) => /^examples-[\w.-]+\.jsonl$/.test(name))
    .sort();
  const seenIn = new Map<string, string>();
  const examples: LabelledExample[] = [];
  for (const file of [DEFAULT_EXAMPLES_PATH, ...extra.map((name) => new URL(name, folder))]) {
    for (const example of parseExamples(readFileSync(file, 'utf8'), file.pathname)) {
      const earlier = seenIn.get(example.text);
      if (earlier !== undefined) throw new Error(`${file.pathname}: "${example.text.slice(0, 30)}" is already labelled in ${earlier}`);
      seenIn.set(example.text, file.pathname);
      examples.push(example);
    }
  }
  return examples;
}

/**
 * Refuse examples whose category the catalogue does not know, and categories nobody wrote examples for:
 * after a change to categories.json the model must fail loudly, not learn a stale label set.
 */
export function assertExamplesMatchCatalogue(examples: readonly LabelledExample[], catalogue: Catalogue): void {
  const unknown = new Map<string, number>();
  for (const example of examples) {
    if (!catalogue.has(example.category)) unknown.set(example.category, (unknown.get(example.category) ?? 0) + 1);
  }
  if (unknown.size > 0) {
    const list = [...unknown].map(([id, count]) => `${id} (${count})`).join(', ');
    throw new Error(`examples: categories not in the catalogue: ${list}; fix prompts/examples.jsonl or prompts/categories.json`);
  }
  const covered = new Set(examples.map((example) => example.category));
  const missing = catalogue.ids.filter((id) => !covered.has(id));
  if (missing.length > 0) {
    throw new Error(`examples: no examples for categories: ${missing.join(', ')}; add some to prompts/examples.jsonl`);
  }
}

/**
 * Refuse a subtopic label that prompts/subtopics.json does not list under the example's category: after an operator
 * removes or renames a subtopic, start-up names the file and line to fix instead of training on a dead label.
 */
export function assertExamplesMatchSubtopics(examples: readonly LabelledExample[], subtopics: SubtopicCatalogue): void {
  for (const example of examples) {
    if (example.subtopic === undefined) continue;
    const subtopic = subtopics.get(example.subtopic);
    if (subtopic?.category === example.category) continue;
    const where = exampleOrigin(example) ?? `examples: "${example.text.slice(0, 30)}"`;
    throw new Error(
      subtopic
        ? `${where}: subtopic "${example.subtopic}" belongs to ${subtopic.category}, not to the example's category ${example.category}`
        : `${where}: subtopic "${example.subtopic}" is not in prompts/subtopics.json; relabel the example or add the subtopic back`,
    );
  }
}
