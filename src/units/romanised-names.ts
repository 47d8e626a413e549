import { pinyin } from 'pinyin-pro';

/**
 * Units as residents write them in Latin letters: in English ("Beishan Middle School", "chengguan no.2 primary",
 * "Nanhu township school"), in pinyin ("beishan zhongxue", "BeiShanZhongXue") or as pinyin initials ("bszx").
 * The forms are derived when the directory loads, from each unit's Chinese name and aliases (pinyin-pro, offline);
 * nothing is written back into prompts/units.json, which stays the operator's.
 *
 * Matching reads no regex with alternatives over user text: the text is cut once into Latin tokens (letters or
 * digits, so a form can never start or end inside an English word), and every span of up to MAX_SPAN tokens is
 * looked up, spaces removed, in one map — "bei shan zhong xue", "beishan zhongxue" and "beishanzhongxue" are one key.
 * Initials count only as one whole token ("bszx", never "b s z x"), and only from three letters on. A form two units
 * share ("beishan school": 北山中学 and 北山乡中心校) names neither.
 */

/** The longest span of text tokens tried as one name ("chengguan no 2 central primary school" is 6). */
const MAX_SPAN = 8;
/** Initials shorter than this ("yz", "sx") are too common to mean a unit. */
const MIN_INITIALS = 3;

const CARDINALS: Record<string, string> = {
  one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9', ten: '10',
};
const ORDINALS: Record<string, string> = {
  first: '1', second: '2', third: '3', fourth: '4', fifth: '5', sixth: '6', seventh: '7', eighth: '8', ninth: '9', tenth: '10',
};

export interface LatinToken {
  word: string;
  start: number;
  end: number;
}

/**
 * The Latin tokens of a text, folded (NFKC, lower case): runs of letters and runs of digits, so "no.2" and "No2"
 * are "no 2"; "number"/"#" read as "no", an ordinal as "no N" ("Second Primary" = "No. 2 Primary"), a cardinal word
 * as its digits, and "2nd" as "2".
 */
export function latinTokens(text: string): LatinToken[] {
  const folded = text.normalize('NFKC').toLowerCase();
  const tokens: LatinToken[] = [];
  for (const m of folded.matchAll(/[a-z]+|[0-9]+|#/g)) {
    const start = m.index;
    const end = start + m[0].length;
    const word = m[0];
    const previous = tokens.at(-1);
    if (word === '#' || word === 'number') tokens.push({ word: 'no', start, end });
    else if (ORDINALS[word]) tokens.push({ word: 'no', start, end }, { word: ORDINALS[word], start, end });
    else if (CARDINALS[word]) tokens.push({ word: CARDINALS[word], start, end });
    else if (/^(?:st|nd|rd|th)$/.test(word) && previous && /^[0-9]+$/.test(previous.word) && previous.end === start) previous.end = end;
    else tokens.push({ word, start, end });
  }
  return tokens;
}

/** A name as its tokens joined without spaces: the lookup key. */
function keyOfTokens(words: readonly string[]): string {
  return words.join('');
}

const HAN_NUMBERS: Record<string, string> = { 一: '1', 二: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9', 十: '10' };

type Kind = 'middle' | 'primary' | 'kindergarten' | 'town_center';

/** The Chinese endings of a school's name, longest first, and the kind of school each names. */
const KIND_ENDINGS: ReadonlyArray<[string, Kind]> = [
  ['中心小学', 'town_center'], ['中心学校', 'town_center'], ['中心校', 'town_center'],
  ['幼儿园', 'kindergarten'], ['中学', 'middle'], ['小学', 'primary'],
];

const ENGLISH_KINDS: Record<Kind, string[]> = {
  middle: ['middle school', 'middle', 'high school', 'secondary school', 'junior high school', 'junior high', 'zhongxue'],
  primary: ['primary school', 'primary', 'elementary school', 'elementary', 'xiaoxue'],
  kindergarten: ['kindergarten', 'nursery', 'preschool', 'youeryuan'],
  town_center: ['central school', 'center school', 'centre school', 'central primary school', 'central primary', 'zhongxinxiao', 'zhongxin xiaoxue'],
};
/** With a town word in front ("Nanhu township school") a town's central school needs no "central". */
const TOWN_WORDS = ['town', 'township', 'zhen', 'xiang'];
const TOWN_KINDS = ['school', 'primary school', 'primary', 'central school', 'central primary school', 'central primary'];

/** Parts of place names residents translate rather than spell: 和平路 = Heping Road, 实验 = Experimental. */
const TRANSLATED_ENDINGS: ReadonlyArray<[string, string[]]> = [['路', ['road', 'rd', 'lu']], ['街', ['street', 'st', 'jie']]];
const TRANSLATED_PLACES: Record<string, string[]> = { 实验: ['experimental', 'experiment'] };

function syllables(han: string): string[] {
  return (pinyin(han, { toneType: 'none', type: 'array' }) as string[]).map((s) => s.replace(/ü/g, 'v'));
}

/** The ways a place part is romanised: 北山 → "beishan"; 和平路 → "hepinglu", "heping road"; 实验 → "shiyan", "experimental". */
function placeForms(place: string): string[][] {
  const forms: string[][] = [[syllables(place).join('')]];
  for (const [ending, words] of TRANSLATED_ENDINGS) {
    if (place.length > ending.length && place.endsWith(ending)) {
      const root = syllables(place.slice(0, -ending.length)).join('');
      for (const w of words) forms.push([root, w]);
    }
  }
  for (const w of TRANSLATED_PLACES[place] ?? []) forms.push([w]);
  return forms;
}

export interface RomanisedForm {
  key: string;
  /** Initials: only a whole token of the text counts. */
  singleToken: boolean;
}

/**
 * The romanised forms of one Chinese name of a unit: its full pinyin (区 prefix kept and dropped), its initials,
 * and for schools place + number + English kind ("Chengguan No. 2 Primary School", "Beishan Middle", "Nanhu
 * township school"), plus "place school" (dropped later where two units share it).
 */
export function romanisedForms(hanName: string, ownTown?: string): RomanisedForm[] {
  const name = hanName.normalize('NFKC').replace(/\s+/g, '');
  if (!/^\p{Script=Han}+$/u.test(name)) return [];
  const forms = new Map<string, RomanisedForm>();
  const add = (words: string[], singleToken = false): void => {
    const key = keyOfTokens(words.flatMap((w) => w.split(' ')));
    if (key.length === 0 || forms.has(key)) return;
    forms.set(key, { key, singleToken });
  };
  const bare = name.replace(/^区(?=\p{Script=Han}{2})/u, '');
  for (const variant of new Set([name, bare])) {
    add(syllables(variant));
    const initials = syllables(variant).map((s) => s[0]!).join('');
    if (initials.length >= MIN_INITIALS) add([initials], true);
  }

  const ending = KIND_ENDINGS.find(([e]) => bare.endsWith(e));
  if (!ending) return [...forms.values()];
  const [suffix, kind] = ending;
  let rest = bare.slice(0, -suffix.length);
  let number: string | undefined;
  const numbered = /第?([一二三四五六七八九十])$/u.exec(rest);
  if (numbered) {
    number = HAN_NUMBERS[numbered[1]!];
    rest = rest.slice(0, numbered.index);
  }
  let townWord = false;
  const townRoot = ownTown?.replace(/(镇|乡|街道)$/u, '');
  for (const t of ['镇', '乡', '街道']) {
    if (rest.length > t.length && rest.endsWith(t) && (!townRoot || rest.slice(0, -t.length) === townRoot)) {
      rest = rest.slice(0, -t.length);
      townWord = true;
    }
  }
  const places = rest.length > 0 ? placeForms(rest) : [];
  // A number without a place is only a name with "No." in front ("No. 1 Middle School", not "grade 1 middle school").
  const numberForms: string[][] = number ? (places.length > 0 ? [['no', number], [number]] : [['no', number]]) : [[]];
  if (places.length === 0 && !number) return [...forms.values()];
  const kinds = [...ENGLISH_KINDS[kind]];
  if (kind === 'town_center' || townWord) {
    for (const t of TOWN_WORDS) for (const k of TOWN_KINDS) kinds.push(`${t} ${k}`);
  }
  for (const place of places.length > 0 ? places : [[]]) {
    for (const n of numberForms) {
      for (const k of kinds) add([...place, ...n, k]);
      if (places.length > 0 && kind !== 'kindergarten') add([...place, ...n, 'school']);
    }
  }
  return [...forms.values()];
}

export interface RomanisedHit {
  unitId: string;
  start: number;
  end: number;
}

export interface RomanisedNames {
  /** Teach the forms of a Chinese name (or the tokens of a Latin one) for a unit. */
  add(name: string, unitId: string, ownTown?: string): void;
  /** The unit a whole name as written is, by its romanised form ("Beishan Middle School"), or null. */
  lookup(nameAsWritten: string): string | null;
  /** Units named in Latin letters anywhere in a text, in order of mention (longest name first where they overlap). */
  find(text: string): RomanisedHit[];
}

export function createRomanisedNames(): RomanisedNames {
  /** key → unit id, or null where two units share the form. */
  const byKey = new Map<string, { unitId: string | null; singleToken: boolean }>();

  function put(form: RomanisedForm, unitId: string): void {
    const existing = byKey.get(form.key);
    if (!existing) byKey.set(form.key, { unitId, singleToken: form.singleToken });
    else if (existing.unitId !== unitId) existing.unitId = null;
    else if (!form.singleToken) existing.singleToken = false;
  }

  return {
    add(name, unitId, ownTown) {
      if (/\p{Script=Han}/u.test(name)) {
        for (const form of romanisedForms(name, ownTown)) put(form, unitId);
        return;
      }
      const words = latinTokens(name).map((t) => t.word);
      if (words.length > 0) put({ key: keyOfTokens(words), singleToken: false }, unitId);
    },
    lookup(nameAsWritten) {
      const words = latinTokens(nameAsWritten).map((t) => t.word);
      if (words[0] === 'the') words.shift();
      if (words.length === 0 || words.length > MAX_SPAN) return null;
      const entry = byKey.get(keyOfTokens(words));
      if (!entry || (entry.singleToken && words.length !== 1)) return null;
      return entry.unitId;
    },
    find(text) {
      const tokens = latinTokens(text);
      const hits: RomanisedHit[] = [];
      for (let i = 0; i < tokens.length; i++) {
        let key = '';
        let best: RomanisedHit | undefined;
        for (let j = i; j < tokens.length && j < i + MAX_SPAN; j++) {
          key += tokens[j]!.word;
          const entry = byKey.get(key);
          if (!entry || entry.unitId === null || (entry.singleToken && j !== i)) continue;
          best = { unitId: entry.unitId, start: tokens[i]!.start, end: tokens[j]!.end };
        }
        if (best) {
          hits.push(best);
          // The longest name from here wins; what it covers is not read again (Beishan Middle School, not also "Beishan Middle").
          while (i + 1 < tokens.length && tokens[i + 1]!.start < best.end) i++;
        }
      }
      return hits;
    },
  };
}
