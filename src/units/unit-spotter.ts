import { addWords, segmenter } from './segmenter.ts';
import { digitsToHan, latinNamePattern } from './unit-name.ts';

/**
 * Finds unit names inside free text (staff search). Short names are the hard part: 一中 is inside 统一中考 and
 * 三中 inside 初三中午, so a short name only counts where the word segmenter puts a word boundary on both sides.
 */
export interface UnitSpotter {
  /** town: the unit's own town, so 河西镇中心校 is also found as 河西中心校. */
  add(name: string, unitId: string, town?: string): void;
  /** Unit ids mentioned in the text, in order of first mention. */
  find(text: string): string[];
}

/** Names at least this long are unambiguous wherever they occur. */
const LONG_NAME = 4;

/**
 * Words a short name's last character commonly starts, where the segmenter (which must favour 一中/学生 over
 * 一/中学生) still cuts wrongly: 二小时, 三中午, 初三中考, 小区.
 */
const FALSE_CONTINUATIONS: Record<string, RegExp> = {
  小: /^[时孩朋区组卖]/u,
  中: /^[午考途间心文国秋旬层等级专医药]/u,
  幼: /^儿/u,
};

/** How strongly the segmenter prefers a unit name as one word: high enough for 一中/学生, low enough for 一/小时. */
const NAME_FREQUENCY = 5000;

function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

const HAN_NUMBER = '[一二三四五六七八九十]+';

/** The spellings a Chinese unit name is written with in running text: 第一中学, 一中, 第1中学, 1中, 区一中… */
export function hanSpellings(name: string, ownTown?: string): string[] {
  const spellings = new Set<string>([name]);
  const add = (s: string): void => {
    if (s.length >= 2) spellings.add(s);
  };
  add(name.replace(/^区(?=\p{Script=Han}{2})/u, ''));
  if (ownTown) add(name.replace(ownTown, ownTown.replace(/(镇|乡|街道)$/u, '')));
  for (const s of [...spellings]) {
    add(s.replace(new RegExp(`第(${HAN_NUMBER})(中|小)学`, 'u'), '$1$2'));
    add(s.replace(new RegExp(`第(${HAN_NUMBER})幼儿园`, 'u'), '$1幼'));
  }
  // Arabic digits for every Han number: 第1中学, 1中, 城关2小.
  for (const s of [...spellings]) {
    for (let n = 1; n <= 20; n++) {
      const han = digitsToHan(String(n));
      if (new RegExp(`(?<![一二三四五六七八九十])${han}(?![一二三四五六七八九十])`, 'u').test(s)) {
        add(s.replace(han, String(n)));
      }
    }
  }
  return [...spellings];
}

interface Hit {
  start: number;
  end: number;
  unitId: string;
}

export function createUnitSpotter(): UnitSpotter {
  const hanNames = new Map<string, string>();
  const latinNames: Array<{ pattern: RegExp; unitId: string }> = [];

  function wordBoundaries(text: string): Set<number> {
    const boundaries = new Set<number>([0]);
    let offset = 0;
    addWords(hanNames.keys(), NAME_FREQUENCY);
    for (const token of segmenter().cut(text, false)) {
      offset += token.length;
      boundaries.add(offset);
    }
    return boundaries;
  }

  return {
    add(name, unitId, town) {
      const folded = fold(name).trim();
      if (/[a-z]/.test(folded)) {
        latinNames.push({ pattern: latinNamePattern(folded), unitId });
        return;
      }
      for (const spelling of hanSpellings(folded, town)) {
        if (!hanNames.has(spelling)) hanNames.set(spelling, unitId);
      }
    },
    find(text) {
      const folded = fold(text);
      const hits: Hit[] = [];
      let boundaries: Set<number> | undefined;
      for (const [spelling, unitId] of hanNames) {
        for (let at = folded.indexOf(spelling); at !== -1; at = folded.indexOf(spelling, at + 1)) {
          const end = at + spelling.length;
          if (spelling.length < LONG_NAME) {
            boundaries ??= wordBoundaries(folded);
            if (!boundaries.has(at) || !boundaries.has(end)) continue;
            if (FALSE_CONTINUATIONS[spelling.slice(-1)]?.test(folded.slice(end))) continue;
          }
          hits.push({ start: at, end, unitId });
        }
      }
      for (const { pattern, unitId } of latinNames) {
        for (const m of folded.matchAll(pattern)) hits.push({ start: m.index, end: m.index + m[0].length, unitId });
      }
      // The longest name wins where names overlap: 城关二小 over 二小, 区实验幼儿园 over 实验幼儿园.
      hits.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
      // Which characters a kept name covers: checking each hit against every kept one was quadratic in a text
      // that repeats a name thousands of times.
      const taken = new Uint8Array(folded.length);
      const kept: Hit[] = [];
      for (const hit of hits) {
        if (taken.subarray(hit.start, hit.end).includes(1)) continue;
        taken.fill(1, hit.start, hit.end);
        kept.push(hit);
      }
      kept.sort((a, b) => a.start - b.start);
      return [...new Set(kept.map((k) => k.unitId))];
    },
  };
}
