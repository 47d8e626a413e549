import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUnitDirectory, FUZZY_UNIT_THRESHOLD, loadUnitFile } from '../../src/units/unit-directory.ts';
import type { Unit } from '../../src/units/unit-directory.ts';

const file = loadUnitFile();
const directory = createUnitDirectory(file.units);

function matchedName(written: string): string | null {
  return directory.match(written)?.unit.name ?? null;
}

function writeUnitFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'minyi-units-')), 'units.json');
  writeFileSync(path, content);
  return path;
}

describe('the units file', () => {
  it('describes about thirty units of one district, of every type, with unique ids', () => {
    expect(file.district).toBe('城关区');
    expect(file.units.length).toBeGreaterThanOrEqual(28);
    expect(new Set(file.units.map((u) => u.id)).size).toBe(file.units.length);
    expect(new Set(file.units.map((u) => u.type))).toEqual(
      new Set(['middle_school', 'primary_school', 'town_school', 'kindergarten', 'venue', 'bureau_office']),
    );
    expect(file.units.some((u) => u.aliases.some((a) => /[a-z]/i.test(a)))).toBe(true);
  });

  it('names the field at fault when a unit is malformed', () => {
    const path = writeUnitFile(JSON.stringify({ district: '城关区', units: [{ id: 'yz', name: '第一中学', aliases: [], type: 'school', town: '城关镇' }] }));
    expect(() => loadUnitFile(path)).toThrow(/units: invalid .*units\.0\.type/);
  });

  it('says which file it could not read', () => {
    expect(() => loadUnitFile(writeUnitFile('{ not json'))).toThrow(/units: cannot read .*units\.json/);
    expect(() => loadUnitFile('/nonexistent/units.json')).toThrow(/units: cannot read \/nonexistent\/units\.json/);
  });

  it('refuses two units that read the same', () => {
    const units: Unit[] = [
      { id: 'a', name: '第一中学', aliases: [], type: 'middle_school', town: '城关镇' },
      { id: 'b', name: '区一中', aliases: [], type: 'middle_school', town: '城关镇' },
    ];
    expect(() => createUnitDirectory(units)).toThrow(/区一中.*reads the same as a name of a/);
    expect(() => createUnitDirectory([units[0]!, { ...units[0]!, name: '二中' }])).toThrow(/duplicate id a/);
  });
});

describe('matching a unit name as written', () => {
  it('finds the official name exactly', () => {
    expect(directory.match('第一中学')).toMatchObject({ unit: { id: 'yz' }, how: 'exact', score: 1 });
    expect(directory.match('  实验小学 ')).toMatchObject({ unit: { id: 'sx' }, how: 'exact' });
  });

  it('finds aliases, Chinese and English', () => {
    expect(directory.match('实小')).toMatchObject({ unit: { id: 'sx' }, how: 'alias', score: 1 });
    expect(directory.match('一幼')).toMatchObject({ unit: { id: 'yy' } });
    expect(directory.match('招生办')).toMatchObject({ unit: { id: 'zsb' }, how: 'alias' });
    expect(directory.match('Experimental Primary School')).toMatchObject({ unit: { id: 'sx' }, how: 'alias' });
    expect(directory.match('District Gymnasium')).toMatchObject({ unit: { id: 'tyg' }, how: 'alias' });
  });

  it.each([
    ['一中', '第一中学'],
    ['1中', '第一中学'],
    ['第1中学', '第一中学'],
    ['区一中', '第一中学'],
    ['市一中', '第一中学'],
    ['一中学校', '第一中学'],
    ['第一中学（高中部）', '第一中学'],
    ['第 一 中 学', '第一中学'],
    ['ＮＯ．１ Middle School', '第一中学'],
    ['no.1 middle school', '第一中学'],
    ['Number One High School', '第一中学'],
    ['the No. 1 High School', '第一中学'],
    ['2中', '第二中学'],
    ['No.3 Middle School', '第三中学'],
    ['城关二小', '城关第二小学'],
    ['城关第2小学', '城关第二小学'],
    ['城关区第二小学', '城关第二小学'],
    ['城关一小', '城关第一小学'],
    ['实验小学东校区', '实验小学'],
    ['实验小学（东校区）', '实验小学'],
    ['实验小学分校', '实验小学'],
    ['区实验小学', '实验小学'],
    ['城关镇实验小学', '实验小学'],
    ['experiment primary school', '实验小学'],
    ['河西中心校', '河西镇中心校'],
    ['河西镇中心小学', '河西镇中心校'],
    ['河西镇中心学校', '河西镇中心校'],
    ['河西镇中学', '河西中学'],
    ['北山乡北山中学', '北山中学'],
    ['区第一幼儿园', '区第一幼儿园'],
    ['第一幼儿园', '区第一幼儿园'],
    ['No. 1 Kindergarten', '区第一幼儿园'],
    ['体育馆', '区体育馆'],
    ['游泳池', '区游泳馆'],
    ['全民健身馆', '全民健身中心'],
    ['健身中心', '全民健身中心'],
    ['教育局', '区教育和体育局'],
  ])('reads %s as %s', (written, name) => {
    expect(matchedName(written)).toBe(name);
  });

  it('marks approximate readings as fuzzy, with their score', () => {
    // "experiment primary school" is now a romanised form of 实验小学 (test/units/romanised-names.test.ts); a typo is not.
    expect(directory.match('experiment primary school')).toMatchObject({ how: 'romanised', unit: { id: 'sx' } });
    const match = directory.match('experimentel primary school');
    expect(match?.how).toBe('fuzzy');
    expect(match?.unit.id).toBe('sx');
    expect(match!.score).toBeGreaterThanOrEqual(FUZZY_UNIT_THRESHOLD);
    expect(match!.score).toBeLessThan(1);
    expect(directory.match('城关镇实验小学')).toMatchObject({ how: 'fuzzy', unit: { id: 'sx' } });
  });

  it.each([
    // A different number is a different school, however alike the rest.
    ['第二中学', '第二中学'],
    ['二中', '第二中学'],
    ['城关一小', '城关第一小学'],
    // A different level is a different school.
    ['实验中学', '实验中学'],
    ['实验小学', '实验小学'],
    ['实验幼儿园', '区实验幼儿园'],
  ])('never fuzzes the number or the level: %s stays %s', (written, name) => {
    expect(matchedName(written)).toBe(name);
  });

  it.each([
    '第四中学', // no such number
    '4中',
    '第十二中学',
    '城关第三小学',
    '实验二小', // 实验 primary, but numbered: not 城关二小
    '东城二小', // a 二小 in another town
    '城关小学', // which one? 一小 or 二小
    '西城中学', // 西城 has a primary school, not a middle school
    '东城实验小学', // another town's 实验小学 is not ours
    '实验学校',
    '体育', // 体育馆, 体育场 or 体育科?
    '第一', // too little to go on
    '市第一医院',
    '',
    '   ',
  ])('finds nothing for %j', (written) => {
    expect(directory.match(written)).toBeNull();
  });

  it('tells 第二中学 from 第一中学 and 实验中学 from 实验小学 even without the directory entry', () => {
    const small = createUnitDirectory(file.units.filter((u) => u.id === 'yz' || u.id === 'sx'));
    expect(small.match('第二中学')).toBeNull();
    expect(small.match('二中')).toBeNull();
    expect(small.match('实验中学')).toBeNull();
    expect(small.match('实验幼儿园')).toBeNull();
    expect(small.match('第一中学')?.unit.id).toBe('yz');
  });
});

describe('aliases added by staff', () => {
  it('are matched from then on, and listed on the unit', () => {
    const local = createUnitDirectory(file.units);
    expect(local.match('老一中')).toBeNull();
    local.addAlias('老一中', 'yz');
    expect(local.match('老一中')).toMatchObject({ unit: { id: 'yz' }, how: 'alias' });
    expect(local.get('yz')?.aliases).toContain('老一中');
    // The shared file's units are not changed behind anyone's back.
    expect(file.units.find((u) => u.id === 'yz')?.aliases).not.toContain('老一中');
  });

  it('can be passed in when the directory is created', () => {
    const local = createUnitDirectory(file.units, [{ alias: 'Hexi Town School', unitId: 'hxzxx' }]);
    expect(local.match('hexi town school')?.unit.id).toBe('hxzxx');
  });

  it('refuse an unknown unit or a name that belongs to another unit', () => {
    const local = createUnitDirectory(file.units);
    expect(() => local.addAlias('新校', 'nope')).toThrow(/no unit nope/);
    expect(() => local.addAlias('二中', 'yz')).toThrow(/reads the same as a name of ez/);
    expect(() => createUnitDirectory(file.units, [{ alias: '1中', unitId: 'sx' }])).toThrow(/yz/);
  });

  it('may repeat a name the unit already has', () => {
    const local = createUnitDirectory(file.units);
    expect(() => local.addAlias('一中', 'yz')).not.toThrow();
    expect(local.get('yz')?.aliases.filter((a) => a === '一中')).toHaveLength(1);
  });
});

describe('finding units mentioned in a free text', () => {
  const names = (text: string) => directory.findUnitsIn(text).map((u) => u.name);

  it.each([
    ['一中食堂太贵了', ['第一中学']],
    ['孩子在第一中学上初二', ['第一中学']],
    ['一中学生在校门口打架', ['第一中学']],
    ['我家孩子在实小读三年级', ['实验小学']],
    ['城关二小门口每天堵车', ['城关第二小学']],
    ['城关二小学生放学太晚', ['城关第二小学']],
    ['去一幼接孩子的时候', ['区第一幼儿园']],
    ['区体育馆和游泳馆晚上都关门了', ['区体育馆', '区游泳馆']],
    ['从第1中学转到2中', ['第一中学', '第二中学']],
    ['河西中心校的校车超载', ['河西镇中心校']],
    ['The canteen at No.1 Middle School is dirty', ['第一中学']],
    ['my son goes to experimental primary school', ['实验小学']],
    ['实验中学和实验小学是两个学校', ['实验中学', '实验小学']],
    ['区实验幼儿园报名', ['区实验幼儿园']],
  ])('finds the units in %s', (text, expected) => {
    expect(names(text)).toEqual(expected);
  });

  it.each([
    '统一中考的时间是什么时候',
    '初三中午不让回家吃饭',
    '高一中途转学怎么办',
    '每天写作业二小时',
    '排队等了一小时',
    '小区里的健身器材坏了',
    '',
  ])('does not read a unit into %j', (text) => {
    expect(names(text)).toEqual([]);
  });

  it('sees aliases added later', () => {
    const local = createUnitDirectory(file.units);
    local.addAlias('老体育馆', 'tyg');
    expect(local.findUnitsIn('老体育馆停车难').map((u) => u.id)).toEqual(['tyg']);
  });
});
