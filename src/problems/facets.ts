import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { segmenter } from '../units/segmenter.ts';
import { foldText } from './similarity.ts';

/**
 * Facets (方面): the defects and aspects residents name within one subtopic — at a school's toilets, no paper, a broken
 * lock, a blocked flush; in a dormitory, a leak, no heating, no hot water. Two reports about one unit and one subtopic
 * share the words of their setting (厕所, 宿舍) whatever their matter; their facets tell the matters apart (issue 11,
 * docs/GROUPING.md). The vocabulary is data, `prompts/facets.json`, written from the subtopic list, read once.
 *
 * Matching needs no regex over user text: Chinese words are substrings, English words whole words (a plural -s
 * allowed); a Chinese word of two or more characters counts only where the word segmenter (src/units/segmenter.ts,
 * jieba, one per process) starts a word, so 头发 in 染黄头发的青年 (黄头发, someone's hair) is not the 头发 found in a
 * meal, while one character (冷 in 冰冷, 虫 in 虫子) counts anywhere; within a subtopic, words are tried longest first
 * and each character is used once, so 冷水 (a shower facet) hides the 冷 of "cold room". A text names the facets of the subtopics it is compared within, never those of
 * the whole list.
 */

export const DEFAULT_FACETS_PATH = 'prompts/facets.json';

/** "shared": both name a facet and one is common; "disjoint": both name facets, none in common; else "unknown". */
export type FacetRelation = 'shared' | 'disjoint' | 'unknown';

const FacetWords = z.object({ zh: z.array(z.string().min(1)).default([]), en: z.array(z.string().min(1)).default([]) });
const FacetFile = z.object({
  about: z.string().optional(),
  facets: z.record(z.string().min(1), z.record(z.string().min(1), FacetWords)),
});

interface FacetWord {
  /** Folded Chinese substring, or an English phrase as " word word " over normalised tokens. */
  surface: string;
  latin: boolean;
  facet: string;
  /** Chinese only, decided on first use: the segmenter reads the surface as one word (头发), not a phrase (不参加). */
  oneWord?: boolean;
}

export interface FacetVocabulary {
  /** The facets ("facilities.toilets/lock_door") the text names within these subtopics; empty when none. */
  facetsOf(text: string, subtopics: Iterable<string>): ReadonlySet<string>;
  /** How many facets a subtopic has (0 when the file lists none for it). */
  size(subtopic: string): number;
}

/** Where the process's word segmenter (jieba) starts a word in a folded text. */
function wordStarts(folded: string): ReadonlySet<number> {
  const starts = new Set<number>();
  let offset = 0;
  for (const token of segmenter().cut(folded, false)) {
    starts.add(offset);
    offset += token.length;
  }
  return starts;
}

/** English tokens, lower case, a plural -s dropped (locks = lock), joined as " a b c " so phrases match whole words. */
function latinTokens(folded: string): string {
  const tokens = folded.match(/[a-z0-9]+/g) ?? [];
  return ` ${tokens.map((t) => (t.length > 3 && t.endsWith('s') && !t.endsWith('ss') ? t.slice(0, -1) : t)).join(' ')} `;
}

export function createFacetVocabulary(facets: Record<string, Record<string, { zh: readonly string[]; en: readonly string[] }>>): FacetVocabulary {
  const wordsBySubtopic = new Map<string, FacetWord[]>();
  for (const [subtopic, byFacet] of Object.entries(facets)) {
    const words: FacetWord[] = [];
    for (const [name, { zh, en }] of Object.entries(byFacet)) {
      const facet = `${subtopic}/${name}`;
      for (const w of zh) words.push({ surface: foldText(w), latin: false, facet });
      for (const w of en) {
        const surface = latinTokens(foldText(w));
        if (surface.trim() !== '') words.push({ surface, latin: true, facet });
      }
    }
    wordsBySubtopic.set(subtopic, words);
  }
  for (const words of wordsBySubtopic.values()) words.sort((a, b) => b.surface.length - a.surface.length);

  // A report is compared with many problems and a problem's reports with many reports: each text is folded once and
  // read once per subtopic. Bounded; the oldest texts are dropped first (a Map iterates in insertion order).
  const CACHE_SIZE = 20_000;
  const cache = new Map<string, { han: string; latin: string; starts?: ReadonlySet<number>; bySubtopic: Map<string, readonly string[]> }>();
  function read(text: string, subtopic: string): readonly string[] {
    let entry = cache.get(text);
    if (!entry) {
      const han = foldText(text);
      entry = { han, latin: latinTokens(han), bySubtopic: new Map() };
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(text, entry);
    }
    let found = entry.bySubtopic.get(subtopic);
    if (!found) {
      const names = new Set<string>();
      let { han, latin } = entry;
      for (const word of wordsBySubtopic.get(subtopic) ?? []) {
        if (word.latin) {
          if (!latin.includes(word.surface)) continue;
          names.add(word.facet);
          latin = latin.split(word.surface).join(' ');
        } else {
          if (!han.includes(word.surface)) continue;
          // A facet that is one word of two or more characters counts only where a word starts (头发 in 饭里有头发,
          // 头发丝; not in 黄头发, a person's hair). One character is a morpheme that heads compounds (冰冷 is cold,
          // 虫子 a bug) and a phrase (不参加, 没灯) may begin inside a word the segmenter joined (不能不/参加): both count anywhere.
          word.oneWord ??= word.surface.length > 1 && segmenter().cut(word.surface, false).length === 1;
          const boundaries = word.oneWord ? (entry.starts ??= wordStarts(entry.han)) : undefined;
          // One pass: the text is cut at the occurrences that count and joined once (a per-occurrence copy was quadratic).
          const pieces: string[] = [];
          let from = 0;
          for (let at = han.indexOf(word.surface); at !== -1; at = han.indexOf(word.surface, at + word.surface.length)) {
            if (boundaries && !boundaries.has(at)) continue;
            pieces.push(han.slice(from, at), '\u0000'.repeat(word.surface.length));
            from = at + word.surface.length;
          }
          if (pieces.length === 0) continue;
          names.add(word.facet);
          pieces.push(han.slice(from));
          han = pieces.join('');
        }
      }
      found = [...names];
      entry.bySubtopic.set(subtopic, found);
    }
    return found;
  }

  return {
    facetsOf(text, subtopics) {
      const found = new Set<string>();
      for (const subtopic of subtopics) {
        if (!wordsBySubtopic.has(subtopic)) continue;
        for (const facet of read(text, subtopic)) found.add(facet);
      }
      return found;
    },
    size: (subtopic) => new Set(wordsBySubtopic.get(subtopic)?.map((w) => w.facet)).size,
  };
}

/** Reads and checks the file; throws with the file's name on a bad one (an operator edited it). */
export function loadFacets(path: string = DEFAULT_FACETS_PATH): FacetVocabulary {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  const parsed = FacetFile.safeParse(raw);
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return createFacetVocabulary(parsed.data.facets);
}

let defaultVocabulary: FacetVocabulary | undefined;

/**
 * The default file, read once, when grouping is built (at start-up): a file an operator broke stops the start with its
 * name; without the file no text names a facet and grouping decides as before.
 */
export function defaultFacets(): FacetVocabulary {
  if (!defaultVocabulary) {
    try {
      defaultVocabulary = loadFacets();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      defaultVocabulary = createFacetVocabulary({});
    }
  }
  return defaultVocabulary;
}

export function facetRelation(a: ReadonlySet<string>, b: ReadonlySet<string>): FacetRelation {
  if (a.size === 0 || b.size === 0) return 'unknown';
  for (const facet of a) if (b.has(facet)) return 'shared';
  return 'disjoint';
}
