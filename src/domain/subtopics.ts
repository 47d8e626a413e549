import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Catalogue } from './categories.ts';
import type { Language } from './classification.ts';

/**
 * The second level of the taxonomy (议题): within a category, what the matter is about (食堂餐饮 → 价格, 卫生与异物…).
 * Data in prompts/subtopics.json, listed under their category, so operators change the list without code.
 */

const SubtopicSchema = z.object({
  // "<category>.<name>": the category is readable from the id alone (exports, logs, labelled examples).
  id: z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, 'expected "<category>.<name>" in lower case, e.g. "food.price"'),
  name: z.object({ zh: z.string().trim().min(1), en: z.string().trim().min(1) }).strict(),
  covers: z.string().trim().min(1),
}).strict();

const SubtopicsFileSchema = z.object({ subtopics: z.record(z.string(), z.array(SubtopicSchema)) }).strict();

export interface Subtopic extends z.infer<typeof SubtopicSchema> {
  category: string;
}

export interface SubtopicCatalogue {
  readonly subtopics: readonly Subtopic[];
  readonly ids: readonly string[];
  has(id: string): boolean;
  get(id: string): Subtopic | undefined;
  /** The subtopics of one category, in file order. */
  of(category: string): readonly Subtopic[];
  name(id: string, language: Language): string;
}

/** A bad subtopics file: the message is one line, for the operator at start-up. */
export class SubtopicsError extends Error {
  override name = 'SubtopicsError';
}

export const MIN_SUBTOPICS_PER_CATEGORY = 2;

export function createSubtopics(raw: unknown, catalogue: Catalogue): SubtopicCatalogue {
  const parsed = SubtopicsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SubtopicsError(`subtopics: ${issue.path.join('.') || 'file'}: ${issue.message}`);
  }
  const subtopics: Subtopic[] = [];
  const byId = new Map<string, Subtopic>();
  const byCategory = new Map<string, Subtopic[]>();
  for (const [category, listed] of Object.entries(parsed.data.subtopics)) {
    if (!catalogue.has(category)) throw new SubtopicsError(`subtopics: "${category}" is not a category in categories.json`);
    for (const entry of listed) {
      if (!entry.id.startsWith(`${category}.`)) throw new SubtopicsError(`subtopics: "${entry.id}" is listed under ${category}; its id must start with "${category}."`);
      if (byId.has(entry.id)) throw new SubtopicsError(`subtopics: duplicate id "${entry.id}"`);
      const subtopic = { ...entry, category };
      byId.set(entry.id, subtopic);
      subtopics.push(subtopic);
    }
    byCategory.set(category, subtopics.filter((s) => s.category === category));
  }
  for (const category of catalogue.ids) {
    const count = byCategory.get(category)?.length ?? 0;
    if (count < MIN_SUBTOPICS_PER_CATEGORY) {
      throw new SubtopicsError(`subtopics: category "${category}" needs at least ${MIN_SUBTOPICS_PER_CATEGORY} subtopics (has ${count})`);
    }
  }
  return {
    subtopics,
    ids: subtopics.map((s) => s.id),
    has: (id) => byId.has(id),
    get: (id) => byId.get(id),
    of: (category) => byCategory.get(category) ?? [],
    name: (id, language) => byId.get(id)?.name[language] ?? id,
  };
}

export const DEFAULT_SUBTOPICS_PATH = new URL('../../prompts/subtopics.json', import.meta.url);

export function loadSubtopics(catalogue: Catalogue, path: string | URL = DEFAULT_SUBTOPICS_PATH): SubtopicCatalogue {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'not valid JSON' : (error as NodeJS.ErrnoException).code ?? 'cannot be read';
    throw new SubtopicsError(`subtopics: ${path instanceof URL ? path.pathname : path}: ${reason}`);
  }
  return createSubtopics(raw, catalogue);
}
