import { pinyin } from 'pinyin-pro';

/**
 * How a unit name as a resident (or the LLM) writes it is reduced to a comparable key, and which parts of it
 * must never be fuzzed: the number (一中 vs 二中) and the school level (实验中学 vs 实验小学).
 */

const HAN_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'] as const;
const HAN_NUMERAL = '[零〇一二三四五六七八九十百]';

/** 1 → 一, 10 → 十, 12 → 十二, 20 → 二十; numbers of three digits or more are left as digits (no school is called that). */
export function digitsToHan(value: string): string {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 99) return value;
  if (n < 10) return HAN_DIGITS[n]!;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return (tens === 1 ? '' : HAN_DIGITS[tens]!) + '十' + (ones === 0 ? '' : HAN_DIGITS[ones]!);
}

const ENGLISH_NUMBERS: Record<string, string> = {
  one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9', ten: '10',
  first: '1', second: '2', third: '3', fourth: '4', fifth: '5', sixth: '6', seventh: '7', eighth: '8', ninth: '9', tenth: '10',
};

/** English school words become their Chinese equivalents so "No. 1 Middle School" and 第一中学 share one key. */
function englishToChinese(text: string): string {
  return text
    .replace(/\b(one|two|three|four|five|six|seven|eight|nine|ten|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b/g, (w) => ENGLISH_NUMBERS[w] ?? w)
    .replace(/\b(?:no|number)(?:\s*\.)?\s*(?=\d)/g, '') // one way to read the spaces: `\s*\.?\s*` split a long run two ways
    .replace(/#\s*(?=\d)/g, '')
    .replace(/\b(?:junior\s+|senior\s+)?(?:middle|high|secondary)\s+school\b/g, '中学')
    .replace(/\b(?:primary|elementary)\s+school\b/g, '小学')
    .replace(/\bkindergarten\b/g, '幼儿园')
    .replace(/\bthe\b/g, '');
}

/** 河西镇 → 河西: residents drop the 镇/乡/街道 suffix as often as they keep it. */
export function townRoot(town: string): string {
  return town.replace(/(镇|乡|街道办事处|街道)$/u, '');
}

/**
 * The comparable key of a unit name: full-width folded, punctuation and spaces gone, digits as Chinese numerals,
 * district prefixes and campus suffixes dropped, and levels contracted the way people abbreviate
 * (第一中学 → 一中, 城关第二小学 → 城关二小, 区第一幼儿园 → 一幼).
 */
export function unitKey(nameAsWritten: string, towns: readonly string[] = []): string {
  let key = englishToChinese(nameAsWritten.normalize('NFKC').toLowerCase());
  key = key.replace(/[\p{P}\p{S}\s]/gu, '');
  key = key.replace(/\d+/g, digitsToHan);
  // 城关区第二小学 / 区一中 / 市实验小学: the district is implied, the unit is what follows.
  key = key.replace(/^(?:本区|我区|全区|区|市|县)(?=\p{Script=Han}{2})/u, '');
  key = key.replace(/^\p{Script=Han}{2}区(?=\p{Script=Han}{2})/u, '');
  for (const town of towns) {
    const root = townRoot(town);
    if (root !== town) key = key.split(town).join(root);
  }
  // A campus or section is still the same unit.
  key = key.replace(/(?:[东西南北新老本]?校区|分校|本部|初中部|高中部|小学部|幼儿部)$/u, '');
  key = key.replace(/中心(?:小学|学校|完小)$/u, '中心校');
  key = key.replace(/(中学|小学)校$/u, '$1');
  // 北山初中 / 北山初级中学 is 北山中学 (a place's middle school, said by its level), never a bare 初中.
  key = key.replace(/(?<=\p{Script=Han}{2})初级?中(?:学)?$/u, '中学');
  key = key.replace(new RegExp(`第(?=${HAN_NUMERAL})`, 'gu'), '');
  key = key.replace(/幼儿园/gu, '幼').replace(/中学/gu, '中').replace(/小学/gu, '小');
  return key;
}

/** What names a kind of institution, not which one: 启航教育培训机构, 启航培训班, 启航英语 and Qihang Education are one 启航. */
const INSTITUTION_WORDS =
  '培训机构|培训学校|培训中心|培训班|辅导班|辅导中心|托管中心|托管班|工作室|跆拳道|教育|英语|培训|机构|课堂|学堂|学校|公司|tutoringcentre|tutoringcenter|trainingcentre|trainingcenter|education|english|taekwondo|tutoring|academy';
const ENDS_GENERIC = new RegExp(`(?:${INSTITUTION_WORDS})$`, 'u');
const ONLY_GENERIC = new RegExp(`^(?:${INSTITUTION_WORDS})$`, 'u');

/**
 * The key of a name that is not in the directory (a tutoring company, a school the directory lacks), for telling
 * whether two reports name the same one: the unit key with the town in front and generic institution words at the
 * end taken off (城关镇的启航培训班 → 启航). Empty when nothing specific is left (培训机构).
 */
export function writtenUnitKey(nameAsWritten: string, towns: readonly string[] = []): string {
  let key = unitKey(nameAsWritten, towns);
  for (const town of towns) {
    for (const prefix of [town, townRoot(town)]) {
      if (prefix.length >= 2 && key.startsWith(prefix) && key.length - prefix.length >= 2) key = key.slice(prefix.length).replace(/^的/u, '');
    }
  }
  // A few words come off at most (启航教育培训机构 → 启航教育 → 启航): a bounded loop, not a repeated group.
  for (let i = 0; i < 4; i++) {
    const shorter = key.replace(ENDS_GENERIC, '');
    if (shorter === key || Array.from(shorter).length < 2) break;
    key = shorter;
  }
  return ONLY_GENERIC.test(key) ? '' : key;
}

/** How two written-name keys relate: one place, perhaps one (alike spellings), or two places. */
export type WrittenNamesRelation = 'same' | 'alike' | 'different';

/** Two written names at least this alike (bigram Dice of their keys) may be one place spelled twice. */
const WRITTEN_ALIKE = 0.3;

/**
 * Whether two keys of names not in the directory (writtenUnitKey) name one place: equal or one inside the other
 * (启航 in 启航东城), or one in Chinese and the other its pinyin (启航 and Qihang, 智慧树 and Zhihuishu), read loosely;
 * two that share nothing (启航, 星火) are two places. An empty key says nothing: 'alike'.
 */
export function writtenNamesRelation(left: string, right: string): WrittenNamesRelation {
  if (left === '' || right === '') return 'alike';
  if (left === right || left.includes(right) || right.includes(left)) return 'same';
  const latin = /^[a-z0-9]+$/u;
  if (latin.test(left) !== latin.test(right)) {
    const [roman, han] = latin.test(left) ? [left, right] : [right, left];
    if (/^\p{Script=Han}+$/u.test(han) && (pinyin(han, { toneType: 'none', type: 'array' }) as string[]).join('').replace(/ü/gu, 'v') === roman) return 'same';
  }
  return bigramDice(left, right) >= WRITTEN_ALIKE ? 'alike' : 'different';
}

export type SchoolLevel = 'middle' | 'primary' | 'kindergarten' | 'town_center';

/** The school level a key ends with, or null for venues and offices. */
export function levelOf(key: string): SchoolLevel | null {
  if (key.endsWith('中心校')) return 'town_center';
  if (key.endsWith('幼')) return 'kindergarten';
  if (key.endsWith('小')) return 'primary';
  if (key.endsWith('中')) return 'middle';
  return null;
}

const NUMERALS = new RegExp(`${HAN_NUMERAL}+|\\d+`, 'gu');

/** Every number in a key, in order: "一中" → "一", "城关二小" → "二", "实验小" → "". */
export function numbersOf(key: string): string {
  return (key.match(NUMERALS) ?? []).join(',');
}

function bigrams(text: string): string[] {
  const chars = Array.from(text);
  if (chars.length < 2) return chars;
  const grams: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) grams.push(chars[i]! + chars[i + 1]!);
  return grams;
}

/** Sørensen–Dice over character bigrams (as multisets). */
export function bigramDice(a: string, b: string): number {
  const left = bigrams(a);
  const right = bigrams(b);
  if (left.length === 0 || right.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const gram of left) counts.set(gram, (counts.get(gram) ?? 0) + 1);
  let shared = 0;
  for (const gram of right) {
    const count = counts.get(gram) ?? 0;
    if (count > 0) {
      shared++;
      counts.set(gram, count - 1);
    }
  }
  return (2 * shared) / (left.length + right.length);
}

/**
 * A case-insensitive pattern for a Latin-script name as it appears in running text: spaces and dots are optional
 * between its words ("No. 1 Middle School", "no.1 middle school") and it must stand as whole words.
 */
export function latinNamePattern(name: string): RegExp {
  const words = name
    .normalize('NFKC')
    .toLowerCase()
    .split(/[\s.]+/)
    .filter(Boolean)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?<![a-z0-9])${words.join('[\\s.]*')}(?![a-z0-9])`, 'gi');
}

/**
 * A school named by a two-character place and its level: 东城中学, 北山中学, 西城小学 (区 in front allowed); not a
 * numbered one (第一中学 is 一中, never 第中).
 */
const PLACE_AND_LEVEL = /^区?((?![第一二三四五六七八九十])\p{Script=Han})(?![第一二三四五六七八九十])\p{Script=Han}(中|小)学$/u;

/** First characters that make a short name ordinary words: 和小李 (and Xiao Li), 在中, and 河中 / 湖中 / 城中 ("in the river"). */
const NOT_A_SHORT_NAME_START = new Set([...'和与同跟在从向对给把被比为']);
const IN_THE_PLACE = new Set([...'河湖山水海江城家校园林心空田村镇楼街路市区县乡']);

/** A derived short name that running text uses as ordinary language, which a resident's 掉进河中了 must never become. */
function readsAsLanguage(short: string): boolean {
  const [first, level] = [...short];
  return NOT_A_SHORT_NAME_START.has(first!) || (level === '中' && IN_THE_PLACE.has(first!));
}

/**
 * What residents call a town's central school (中心校) by its town and level: 北山乡中心校 is 北山小学, 北山乡小学 and
 * 北山镇小学 to the parents of its pupils. Derived for each town with exactly one central school; the directory gives a
 * name to a unit only when no unit already has it (src/units/unit-directory.ts), so a real 北山小学 in units.json keeps
 * its own.
 */
export function townSchoolNames(units: ReadonlyArray<{ id: string; type: string; town: string }>): Array<{ alias: string; unitId: string }> {
  const byTown = new Map<string, string[]>();
  for (const unit of units) if (unit.type === 'town_school') byTown.set(unit.town, [...(byTown.get(unit.town) ?? []), unit.id]);
  const names: Array<{ alias: string; unitId: string }> = [];
  for (const [town, ids] of byTown) {
    const root = townRoot(town);
    if (ids.length !== 1 || Array.from(root).length < 2) continue;
    for (const alias of new Set([`${root}小学`, `${town}小学`])) names.push({ alias, unitId: ids[0]! });
  }
  return names;
}

/**
 * The short names residents give schools named by a place and a level, the way 实验中学 is 实中: the place's first
 * character and the level (东城中学 → 东中, 西城小学 → 西小). Derived from each unit's Chinese names; a short name
 * two units would share (北山中学 and 北城中学 → 北中) is given to neither, nor one that is already another unit's name,
 * nor one that reads as ordinary words (河西中学 is not 河中: 孩子掉进河中了; 和平小学 is not 和小: 我和小李).
 */
export function derivedShortNames(units: ReadonlyArray<{ id: string; names: readonly string[] }>): Array<{ alias: string; unitId: string }> {
  const owners = new Map<string, Set<string>>();
  const names = new Set<string>();
  for (const unit of units) {
    for (const name of unit.names) {
      names.add(name);
      const m = PLACE_AND_LEVEL.exec(name);
      if (!m) continue;
      const short = `${m[1]}${m[2]}`;
      owners.set(short, (owners.get(short) ?? new Set()).add(unit.id));
    }
  }
  return [...owners]
    .filter(([alias, ids]) => ids.size === 1 && !names.has(alias) && !readsAsLanguage(alias))
    .map(([alias, ids]) => ({ alias, unitId: [...ids][0]! }));
}
