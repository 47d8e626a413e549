import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { toSimplified } from '../classify/offline/traditional.ts';
import { bigramDice, derivedShortNames, levelOf, numbersOf, townRoot, townSchoolNames, unitKey, writtenUnitKey } from './unit-name.ts';
import { createRomanisedNames } from './romanised-names.ts';
import { createUnitSpotter } from './unit-spotter.ts';

export const UNIT_TYPES = ['middle_school', 'primary_school', 'town_school', 'kindergarten', 'venue', 'bureau_office'] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

const UnitSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a short lower-case ASCII slug'),
  name: z.string().trim().min(1),
  aliases: z.array(z.string().trim().min(1)),
  type: z.enum(UNIT_TYPES),
  town: z.string().trim().min(1),
});

const UnitFileSchema = z.object({
  district: z.string().trim().min(1),
  units: z.array(UnitSchema).min(1),
});

export type Unit = z.infer<typeof UnitSchema>;
export type UnitFile = z.infer<typeof UnitFileSchema>;

export interface UnitMatch {
  unit: Unit;
  /**
   * exact: the official name, up to spelling (full-width, spaces, 1 vs 一, 第一中学 vs 一中, campus suffixes);
   * alias: one of the unit's aliases, up to the same spelling;
   * romanised: the English or pinyin form of a name, derived at load (src/units/romanised-names.ts: "Beishan Middle
   * School", "beishan zhongxue", "bszx");
   * fuzzy: similar enough, with the same number and school level.
   */
  how: 'exact' | 'alias' | 'romanised' | 'fuzzy';
  /** 1 for exact, alias and romanised; the similarity for fuzzy. */
  score: number;
}

export interface UnitDirectory {
  all(): readonly Unit[];
  get(id: string): Unit | undefined;
  /** The unit a name as written refers to, or null when none does or two fit equally well. */
  match(nameAsWritten: string): UnitMatch | null;
  /** Teach the directory a new name for a unit; throws on an unknown unit or a name another unit already has. */
  addAlias(alias: string, unitId: string): void;
  /** Directory units mentioned anywhere in a free text, in order of first mention. */
  findUnitsIn(text: string): Unit[];
  /**
   * The school or venue a report is about when the classifier's name for it matched nothing: the first directory
   * unit the text names, bureau offices left out (the bureau is who every report is addressed to: "请教体局督促").
   */
  unitIn(text: string): Unit | undefined;
  /** The comparable key of a name not in the directory (src/units/unit-name.ts writtenUnitKey), with this district's towns. */
  writtenKey(nameAsWritten: string): string;
}

/**
 * Below this a fuzzy candidate is not trusted. Calibrated on test/units/unit-directory.test.ts: the lowest true
 * variant there scored 0.82 ("experiment primary school", now resolved earlier as a romanised form), the highest wrong
 * one 0.67 (东城实验小学 → 实验小学).
 */
export const FUZZY_UNIT_THRESHOLD = 0.7;
/** Two different units this close to each other is a guess, not a match. */
const AMBIGUITY_MARGIN = 0.05;

export const DEFAULT_UNITS_PATH = new URL('../../prompts/units.json', import.meta.url);

export function loadUnitFile(path: string | URL = DEFAULT_UNITS_PATH): UnitFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`units: cannot read ${String(path)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = UnitFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new Error(`units: invalid ${String(path)} at ${where || '(root)'}: ${issue?.message ?? 'unknown problem'}`);
  }
  return parsed.data;
}

interface KeyEntry {
  unitId: string;
  how: 'exact' | 'alias';
}

interface FuzzyKey {
  key: string;
  unitId: string;
  level: ReturnType<typeof levelOf>;
  numbers: string;
}

export function createUnitDirectory(
  units: readonly Unit[],
  extraAliases: ReadonlyArray<{ alias: string; unitId: string }> = [],
): UnitDirectory {
  const byId = new Map<string, Unit>();
  for (const unit of units) {
    if (byId.has(unit.id)) throw new Error(`units: duplicate id ${unit.id}`);
    // Copies, so addAlias never mutates the caller's objects.
    byId.set(unit.id, { ...unit, aliases: [...unit.aliases] });
  }
  const towns = [...new Set(units.map((u) => u.town))].sort((a, b) => b.length - a.length);
  const keyOf = (name: string): string => unitKey(name, towns);

  const byKey = new Map<string, KeyEntry>();
  const fuzzyKeys: FuzzyKey[] = [];
  const spotter = createUnitSpotter();
  const romanised = createRomanisedNames();

  function register(name: string, unitId: string, how: KeyEntry['how']): void {
    const key = keyOf(name);
    if (key.length === 0) throw new Error(`units: the name "${name}" of ${unitId} has nothing left to match on`);
    const existing = byKey.get(key);
    if (existing && existing.unitId !== unitId) {
      throw new Error(`units: "${name}" (${unitId}) reads the same as a name of ${existing.unitId}`);
    }
    if (!existing) {
      byKey.set(key, { unitId, how });
      fuzzyKeys.push({ key, unitId, level: levelOf(key), numbers: numbersOf(key) });
    }
    spotter.add(name, unitId, byId.get(unitId)!.town);
    romanised.add(name, unitId, byId.get(unitId)!.town);
  }

  /**
   * Units a text names, Chinese names first (the spotter, in order of mention), then those named in Latin letters
   * ("Beishan Middle School", "bszx") that the spotter did not find.
   */
  function unitsIn(text: string): Unit[] {
    const simplified = toSimplified(text);
    const ids = spotter.find(simplified);
    for (const hit of romanised.find(simplified)) if (!ids.includes(hit.unitId)) ids.push(hit.unitId);
    return ids.map((id) => byId.get(id)!);
  }

  for (const unit of byId.values()) register(unit.name, unit.id, 'exact');
  for (const unit of byId.values()) for (const alias of unit.aliases) register(alias, unit.id, 'alias');
  // 东城中学 is 东中 to its parents, as 实验中学 is 实中: short names derived from the names, never shared, never another's.
  for (const { alias, unitId } of derivedShortNames([...byId.values()].map((u) => ({ id: u.id, names: [u.name, ...u.aliases] })))) {
    if (!byKey.has(keyOf(alias))) register(alias, unitId, 'alias');
  }
  // 北山乡中心校 is 北山小学 to its parents: its town and level, unless another unit is called so.
  for (const { alias, unitId } of townSchoolNames([...byId.values()])) {
    const owner = byKey.get(keyOf(alias))?.unitId;
    if (owner === undefined || owner === unitId) register(alias, unitId, 'alias');
  }

  function addAlias(alias: string, unitId: string): void {
    const unit = byId.get(unitId);
    if (!unit) throw new Error(`units: cannot add alias "${alias}": no unit ${unitId}`);
    register(alias.trim(), unitId, 'alias');
    if (!unit.aliases.includes(alias.trim())) unit.aliases.push(alias.trim());
  }
  for (const { alias, unitId } of extraAliases) addAlias(alias, unitId);

  function fuzzyMatch(key: string): UnitMatch | null {
    const level = levelOf(key);
    const numbers = numbersOf(key);
    const best = new Map<string, number>();
    for (const candidate of fuzzyKeys) {
      // The number and the school level are what tell 一中 from 二中 and 实验中学 from 实验小学: never fuzz them.
      if (candidate.level !== level || candidate.numbers !== numbers) continue;
      const score = similarity(key, candidate.key, byId.get(candidate.unitId)!.town);
      if (score > (best.get(candidate.unitId) ?? 0)) best.set(candidate.unitId, score);
    }
    const ranked = [...best.entries()].sort((a, b) => b[1] - a[1]);
    const [first, second] = ranked;
    if (!first || first[1] < FUZZY_UNIT_THRESHOLD) return null;
    if (second && first[1] - second[1] < AMBIGUITY_MARGIN) return null;
    return { unit: byId.get(first[0])!, how: 'fuzzy', score: first[1] };
  }

  return {
    all: () => [...byId.values()],
    get: (id) => byId.get(id),
    match(nameAsWritten) {
      const written = nameAsWritten.trim();
      if (written.length === 0) return null;
      const key = keyOf(written);
      if (key.length === 0) return null;
      const entry = byKey.get(key);
      if (entry) return { unit: byId.get(entry.unitId)!, how: entry.how, score: 1 };
      const romanisedId = /[a-z]/iu.test(written) ? romanised.lookup(written) : null;
      if (romanisedId) return { unit: byId.get(romanisedId)!, how: 'romanised', score: 1 };
      return fuzzyMatch(key);
    },
    addAlias,
    // 體育館 is 体育馆: the spotter's names are simplified.
    findUnitsIn: (text) => unitsIn(text),
    unitIn: (text) => unitsIn(text).find((unit) => unit.type !== 'bureau_office'),
    writtenKey: (nameAsWritten) => writtenUnitKey(nameAsWritten, towns),
  };
}

/**
 * Similarity of a written key to a directory key. Besides bigram Dice, two shapes of abbreviation count:
 * the written key is part of the directory key (健身中心 in 全民健身中心), and the written key only adds
 * the unit's own town (城关实验小 for 实验小学 in 城关镇).
 */
function similarity(written: string, known: string, town: string): number {
  const root = townRoot(town);
  if (written.startsWith(root) && written.slice(root.length) === known) return 0.95;
  let score = bigramDice(written, known);
  if (written.length >= 2 && known.includes(written)) {
    score = Math.max(score, 0.75 + (0.25 * written.length) / known.length);
  }
  return score;
}
