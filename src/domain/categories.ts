import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Language } from './classification.ts';

const CategorySchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/),
  name: z.object({ zh: z.string().min(1), en: z.string().min(1) }),
  covers: z.string().min(1),
  deadline_hours: z.number().positive(),
});

const CategoriesFileSchema = z.object({
  urgent_deadline_hours: z.number().positive(),
  categories: z.array(CategorySchema).min(2),
});

export type Category = z.infer<typeof CategorySchema>;

/** The category catalogue: a data file, so changing a category never means changing code. */
export interface Catalogue {
  readonly categories: readonly Category[];
  readonly ids: readonly string[];
  readonly urgentDeadlineHours: number;
  /** The catch-all id used when nothing else fits. */
  readonly fallbackId: string;
  has(id: string): boolean;
  get(id: string): Category;
  name(id: string, language: Language): string;
}

export function createCatalogue(raw: unknown): Catalogue {
  const file = CategoriesFileSchema.parse(raw);
  const byId = new Map(file.categories.map((c) => [c.id, c]));
  if (byId.size !== file.categories.length) throw new Error('categories: duplicate category id');
  const fallbackId = byId.has('other') ? 'other' : file.categories[file.categories.length - 1]!.id;
  return {
    categories: file.categories,
    ids: file.categories.map((c) => c.id),
    urgentDeadlineHours: file.urgent_deadline_hours,
    fallbackId,
    has: (id) => byId.has(id),
    get(id) {
      const category = byId.get(id) ?? byId.get(fallbackId);
      if (!category) throw new Error(`categories: unknown id ${id}`);
      return category;
    },
    name(id, language) {
      return byId.get(id)?.name[language] ?? id;
    },
  };
}

export const DEFAULT_CATEGORIES_PATH = new URL('../../prompts/categories.json', import.meta.url);

export function loadCatalogue(path: string | URL = DEFAULT_CATEGORIES_PATH): Catalogue {
  return createCatalogue(JSON.parse(readFileSync(path, 'utf8')));
}
