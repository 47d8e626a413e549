import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createRomanisedNames, latinTokens, romanisedForms } from '../../src/units/romanised-names.ts';
import { createUnitDirectory, loadUnitFile } from '../../src/units/unit-directory.ts';
import { createUnitRegistry } from '../../src/units/unit-registry.ts';

/**
 * Units written in English or pinyin (issue 11, blind streams g and h): "Beishan Middle School", "chengguan no.2
 * primary", "Dongcheng Primary", "beishan zhongxue", "bszx". The forms are derived from the Chinese names at load;
 * prompts/units.json stays as the operator wrote it.
 */

const file = loadUnitFile();
const directory = createUnitDirectory(file.units);
const idOf = (written: string): string | null => directory.match(written)?.unit.id ?? null;
const spotted = (text: string): string | null => directory.unitIn(text)?.id ?? null;

describe('a unit name written in Latin letters', () => {
  it('resolves in English: place, number and school kind, any case, spaces and dots as written', () => {
    expect(directory.match('Beishan Middle School')).toMatchObject({ unit: { id: 'bszx' }, how: 'romanised', score: 1 });
    expect(idOf('chengguan no.2 primary')).toBe('cgex');
    expect(idOf('Chengguan No. 2 Primary School')).toBe('cgex');
    expect(idOf('Chengguan Second Primary School')).toBe('cgex');
    expect(idOf('CHENGGUAN NO2 PRIMARY')).toBe('cgex');
    expect(idOf('Dongcheng Primary')).toBe('dcxx');
    expect(idOf('Xicheng Primary School')).toBe('xcxx');
    expect(idOf('Wenyuan Primary')).toBe('wyxx');
    expect(idOf('Heping Road Primary')).toBe('hplxx');
    expect(idOf('Experimental Kindergarten')).toBe('syy');
  });

  it("resolves a town's central school by the town word or by 'central'", () => {
    expect(idOf('Nanhu township school')).toBe('nhzxx');
    expect(idOf('Hexi Town Central School')).toBe('hxzxx');
    expect(idOf('Beishan Central Primary')).toBe('bszxx');
  });

  it('resolves pinyin with or without spaces, and initials', () => {
    expect(idOf('beishan zhongxue')).toBe('bszx');
    expect(idOf('Bei Shan Zhong Xue')).toBe('bszx');
    expect(idOf('BeiShanZhongXue')).toBe('bszx');
    expect(idOf('bszx')).toBe('bszx');
    expect(idOf('cgex')).toBe('cgex');
    expect(idOf('hepinglu xiaoxue')).toBe('hplxx');
  });

  it('names no unit where two units share the form, or where a number has no "No." and no place', () => {
    // 北山中学 and 北山乡中心校 are both a "Beishan school"; 城关一小 and 城关二小 both a "Chengguan primary".
    expect(idOf('Beishan school')).toBeNull();
    expect(idOf('Chengguan Primary')).toBeNull();
    expect(spotted('my son is in grade 1 middle school now')).toBeNull();
  });

  it('keeps the distinctions the Chinese keys keep: middle is not primary, one number is not another', () => {
    expect(idOf('Dongcheng Middle School')).toBe('dczx');
    expect(idOf('Dongcheng Middle')).toBe('dczx');
    expect(idOf('Chengguan No.1 Primary')).toBe('cgyx');
    expect(idOf('Experimental Middle School')).toBe('syzx');
    expect(idOf('Experimental Primary')).toBe('sx');
  });
});

describe('a unit named in Latin letters inside a report', () => {
  it('is spotted in English, mixed and pinyin texts', () => {
    expect(spotted('chengguan no.2 primary lunch portions are way too small, my kid comes home starving')).toBe('cgex');
    expect(spotted('Beishan township school 的自来水 yellow 还有铁锈味')).toBe('bszxx');
    expect(spotted('Dongcheng Primary teacher plays on her phone all lesson')).toBe('dcxx');
    expect(spotted('孩子在bszx读初二，宿舍没有暖气')).toBe('bszx');
    expect(spotted('the school bus to Beishan Middle School is always overloaded')).toBe('bszx');
  });

  it('never inside an English word, and initials only as a whole token', () => {
    expect(spotted('I live in a bszxq area')).toBeNull();
    expect(spotted('b s z x')).toBeNull();
    expect(spotted('the Tiananmen primary school trip')).toBeNull();
    expect(spotted('no heating at the school')).toBeNull();
  });

  it('is found through the registry the pipeline uses (real SQLite)', () => {
    const db = openDatabase(':memory:');
    try {
      const units = createUnitRegistry(db);
      expect(units.match('Beishan Middle School')).toBe('bszx');
      expect(units.spot('Heping Road Primary lunches arrive stone cold every day')).toBe('hplxx');
    } finally {
      db.close();
    }
  });

  it('reads long hostile input in linear time', () => {
    for (const text of ['beishan '.repeat(40_000), 'no 1 '.repeat(40_000), 'a'.repeat(300_000), 'chengguan no.2 '.repeat(20_000)]) {
      const started = performance.now();
      directory.findUnitsIn(text);
      expect(performance.now() - started).toBeLessThan(3000);
    }
  });
});

describe('romanised forms', () => {
  it('are derived from the Chinese names, never written into prompts/units.json', () => {
    const keys = romanisedForms('北山中学', '北山乡').map((f) => f.key);
    expect(keys).toEqual(expect.arrayContaining(['beishanzhongxue', 'bszx', 'beishanmiddleschool', 'beishanmiddle']));
    expect(file.units.find((u) => u.id === 'bszx')!.aliases).toEqual([]);
  });

  it('follow an alias staff add in Chinese', () => {
    const names = createRomanisedNames();
    names.add('文苑小学', 'wyxx', '西城街道');
    expect(names.lookup('Wenyuan Elementary School')).toBe('wyxx');
    const added = createUnitDirectory(file.units);
    added.addAlias('文苑路小学', 'wyxx');
    expect(added.match('Wenyuan Road Primary')?.unit.id).toBe('wyxx');
  });

  it('read numbers the way residents write them', () => {
    expect(latinTokens('No.2').map((t) => t.word)).toEqual(['no', '2']);
    expect(latinTokens('#2 Primary').map((t) => t.word)).toEqual(['no', '2', 'primary']);
    expect(latinTokens('second').map((t) => t.word)).toEqual(['no', '2']);
    expect(latinTokens('2nd two').map((t) => t.word)).toEqual(['2', '2']);
  });
});
