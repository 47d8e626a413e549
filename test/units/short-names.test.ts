import { describe, expect, it } from 'vitest';
import { createUnitDirectory, loadUnitFile } from '../../src/units/unit-directory.ts';
import { derivedShortNames, townSchoolNames } from '../../src/units/unit-name.ts';

/**
 * 东城中学 is 东中 to its parents, as 实验中学 is 实中 (issue 11): the short name is derived from the directory, so a
 * report that says only 东中 is placed at its school and not left "unknown", where it could join another school's problem.
 */

describe('short names derived from a place and a level', () => {
  it('gives 东中 to 东城中学 and 西小 to 西城小学, and nothing to names of another shape', () => {
    const derived = derivedShortNames([
      { id: 'dczx', names: ['东城中学', 'Dongcheng Middle School'] },
      { id: 'xcxx', names: ['区西城小学'] },
      { id: 'yz', names: ['第一中学', '一中'] },
      { id: 'hplxx', names: ['和平路小学'] },
    ]);
    expect(derived).toEqual([
      { alias: '东中', unitId: 'dczx' },
      { alias: '西小', unitId: 'xcxx' },
    ]);
  });

  it('gives a short name two units would share to neither, and never one that is already a name', () => {
    const derived = derivedShortNames([
      { id: 'bszx', names: ['北山中学'] },
      { id: 'bczx', names: ['北城中学'] },
      { id: 'syzx', names: ['实验中学'] },
      { id: 'other', names: ['实中'] },
    ]);
    expect(derived).toEqual([]);
  });
});

describe('the sample directory reads them in running text', () => {
  const directory = createUnitDirectory(loadUnitFile().units);
  const found = (text: string) => directory.findUnitsIn(text).map((u) => u.id);

  it('places 东中, 东小, 北中 and 西小 at their schools, by name and in a sentence', () => {
    expect(directory.match('东中')?.unit.id).toBe('dczx');
    expect(directory.match('东小')?.unit.id).toBe('dcxx');
    expect(found('东中初二的体育课形同虚设')).toEqual(['dczx']);
    expect(found('东小体育老师体罚学生的事处理了吗')).toEqual(['dcxx']);
    expect(found('北中的校车六点就来了')).toEqual(['bszx']);
    expect(found('西小寒假让买一套练习册')).toEqual(['xcxx']);
  });

  it('does not read them inside other words', () => {
    expect(found('华东中部地区今年降温早')).toEqual([]);
    expect(found('城西小区门口的路灯坏了')).toEqual([]);
    expect(found('孩子的球掉到河中间了')).toEqual([]);
    // Short names that are ordinary words are never derived: 河西中学 is not 河中, 和平小学 is not 和小.
    expect(found('孩子掉进河中了 快来人')).toEqual([]);
    expect(found('我和小李去体育馆打球')).toEqual(['tyg']);
    expect(directory.match('河中')?.unit.id).not.toBe('hxzx');
  });
});

/**
 * A town's central school by its town and level (北山乡中心校 is 北山小学 to its pupils' parents), and a middle school by
 * its place and 初中 (北山初中 is 北山中学): on blind stream n, 北山小学's late bus joined 北山中学's because the name
 * placed it nowhere, and 北山初中 / 河西初中 reports stayed apart from their schools' problems.
 */
describe('a town school by its town, a middle school by 初中', () => {
  const directory = createUnitDirectory(loadUnitFile().units);
  const id = (written: string) => directory.match(written)?.unit.id ?? null;

  it('reads 北山小学, 北山乡小学 and 河西镇小学 as the towns\' central schools, and 北山初中 as 北山中学', () => {
    expect([id('北山小学'), id('北山乡小学'), id('河西镇小学'), id('河西小学'), id('南湖小学')]).toEqual(['bszxx', 'bszxx', 'hxzxx', 'hxzxx', 'nhzxx']);
    expect([id('北山初中'), id('北山初级中学'), id('河西初中'), id('东城初中')]).toEqual(['bszx', 'bszx', 'hxzx', 'dczx']);
    expect(directory.unitIn('北山乡小学的校车这学期开始周日下午不接了')?.id).toBe('bszxx');
  });

  it('never reads a middle school as a primary one, nor a bare level as a school', () => {
    expect([id('北山中学'), id('初中'), id('城关小学'), id('西城初中')]).toEqual(['bszx', null, null, null]);
  });

  it('gives no name for a town with two central schools, and leaves a school really called so its own name', () => {
    expect(
      townSchoolNames([
        { id: 'a', type: 'town_school', town: '北山乡' },
        { id: 'b', type: 'town_school', town: '北山乡' },
        { id: 'c', type: 'town_school', town: '南湖镇' },
        { id: 'd', type: 'primary_school', town: '河西镇' },
      ]),
    ).toEqual([
      { alias: '南湖小学', unitId: 'c' },
      { alias: '南湖镇小学', unitId: 'c' },
    ]);
    const own = createUnitDirectory([
      { id: 'bszxx', name: '北山乡中心校', aliases: [], type: 'town_school', town: '北山乡' },
      { id: 'bsxx', name: '北山小学', aliases: [], type: 'primary_school', town: '北山乡' },
    ]);
    expect(own.match('北山小学')?.unit.id).toBe('bsxx');
    expect(own.match('北山乡小学')?.unit.id).toBe('bsxx');
  });
});
