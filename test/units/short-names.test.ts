import { describe, expect, it } from 'vitest';
import { createUnitDirectory, loadUnitFile } from '../../src/units/unit-directory.ts';
import { derivedShortNames } from '../../src/units/unit-name.ts';

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
