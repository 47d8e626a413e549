import { z } from 'zod';

/**
 * The bureau's synonym table (KNOWLEDGE_DIR/synonyms.json): groups of words residents use for the same thing
 * (网报 / 网上报名, 泳池 / 游泳馆, swimming pool / 游泳馆, 几号 / 什么时候). Before retrieval, every variant in a
 * question and in an entry is rewritten to its group's first word, so a paraphrase meets the entry's own words.
 * Pure: JSON in, a rewrite function out; reading the file is src/knowledge/knowledge-folder.ts.
 */

export const SYNONYMS_FILE = 'synonyms.json';

const SynonymsSchema = z.object({
  note: z.string().optional(),
  groups: z.array(z.array(z.string().trim().min(1).max(40)).min(2, 'a group needs at least two words')).max(2000),
});

export interface Synonyms {
  /** The text (already normalized: lower case, NFKC, simplified) with every variant replaced by its canonical word. */
  rewrite(normalized: string): string;
  readonly groups: number;
}

export const NO_SYNONYMS: Synonyms = { rewrite: (text) => text, groups: 0 };

const LATIN_OR_DIGIT = /[a-z0-9]/;

/**
 * Parse the file's text; a bad file gives no synonyms and one problem line (retrieval still works without them).
 * Variants are normalized with the same function as the texts they are looked for in.
 */
export function parseSynonyms(text: string, normalize: (s: string) => string): { synonyms: Synonyms; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { synonyms: NO_SYNONYMS, problems: [`${SYNONYMS_FILE}: not valid JSON`] };
  }
  const parsed = SynonymsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { synonyms: NO_SYNONYMS, problems: [`${SYNONYMS_FILE}: ${issue.path.join('.')}: ${issue.message}`] };
  }
  return { synonyms: createSynonyms(parsed.data.groups.map((g) => g.map(normalize))), problems: [] };
}

/**
 * Variants are looked up by their first character and tried longest first, one left-to-right pass: linear in
 * the text (each position tries a bounded list of short literals), no regular expression over user text.
 * A Latin variant matches whole words only (pool, not pooling); a Chinese one anywhere.
 */
export function createSynonyms(groups: ReadonlyArray<readonly string[]>): Synonyms {
  const byFirst = new Map<string, Array<{ variant: string; canonical: string; latin: boolean }>>();
  for (const group of groups) {
    const canonical = group[0]!;
    // The canonical word maps to itself, so a shorter variant inside it (泳馆 in 游泳馆) is not rewritten again.
    for (const variant of new Set(group)) {
      if (variant.length === 0) continue;
      const first = variant.charAt(0);
      const list = byFirst.get(first) ?? [];
      list.push({ variant, canonical, latin: LATIN_OR_DIGIT.test(first) });
      byFirst.set(first, list);
    }
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.variant.length - a.variant.length);

  return {
    groups: groups.length,
    rewrite(text) {
      if (byFirst.size === 0) return text;
      let out = '';
      let i = 0;
      while (i < text.length) {
        const candidates = byFirst.get(text.charAt(i));
        const hit = candidates?.find(
          (c) =>
            text.startsWith(c.variant, i) &&
            (!c.latin || ((i === 0 || !LATIN_OR_DIGIT.test(text.charAt(i - 1))) && !LATIN_OR_DIGIT.test(text.charAt(i + c.variant.length) || ' '))),
        );
        if (hit) {
          // Spaces keep a Chinese canonical word from gluing onto the English words around it.
          out += hit.latin ? ` ${hit.canonical} ` : hit.canonical;
          i += hit.variant.length;
        } else {
          out += text.charAt(i);
          i += 1;
        }
      }
      return out;
    },
  };
}
