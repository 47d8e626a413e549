import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/domain/categories.ts';
import { createDeadlineRule, loadDeadlineRule } from '../../src/domain/deadlines.ts';
import { endOfDate, zonedTime } from '../../src/domain/periods.ts';
import { addWorkingDays, createWorkingCalendar, loadWorkingCalendar } from '../../src/domain/working-days.ts';

const TZ = 'Asia/Shanghai';
const calendar = loadWorkingCalendar();
const catalogue = loadCatalogue();
const rule = loadDeadlineRule(catalogue, TZ);
const at = (date: string, hour = 10) => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return zonedTime(y, m, d, hour, 0, TZ);
};

describe('the holiday calendar (prompts/holidays-cn.json)', () => {
  it('knows National Day 2026 as days off and its make-up workdays as working days', () => {
    expect(calendar.isWorkingDay('2026-10-01')).toBe(false);
    expect(calendar.isWorkingDay('2026-10-07')).toBe(false); // a Wednesday
    expect(calendar.isWorkingDay('2026-10-08')).toBe(true);
    expect(calendar.isWorkingDay('2026-09-20')).toBe(true); // a Sunday, 调休
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true); // a Saturday, 调休
    expect(calendar.isWorkingDay('2026-09-19')).toBe(false); // an ordinary Saturday
    expect(calendar.isWorkingDay('2026-02-14')).toBe(true); // Saturday before the Spring Festival
    expect(calendar.isWorkingDay('2026-02-17')).toBe(false); // 正月初一
    expect(calendar.years.get(2026)).toBe('official');
    expect(calendar.years.get(2027)).toBe('provisional');
  });

  it('counts weekends only in a year it does not list', () => {
    expect(calendar.isWorkingDay('2031-10-01')).toBe(true); // a Wednesday
    expect(calendar.isWorkingDay('2031-10-04')).toBe(false); // a Saturday
  });

  it('refuses a make-up workday on a weekday, a date of another year and a day both off and on', () => {
    const year = (holidays: string[], workdays: string[]) => ({ years: { '2026': { status: 'official', source: 'test', holidays, workdays } } });
    expect(() => createWorkingCalendar(year([], ['2026-09-21']))).toThrow(/not a Saturday or Sunday/);
    expect(() => createWorkingCalendar(year(['2025-10-01'], []))).toThrow(/not a date of 2026/);
    expect(() => createWorkingCalendar(year(['2026-02-30'], []))).toThrow(/not a date of 2026/);
    expect(() => createWorkingCalendar(year(['2026-09-20'], ['2026-09-20']))).toThrow(/both a holiday and a make-up workday/);
  });
});

describe('addWorkingDays', () => {
  it('skips the National Day week: 2 working days from 30 September end on 9 October', () => {
    expect(addWorkingDays(at('2026-09-30'), 2, calendar, TZ)).toBe(endOfDate('2026-10-09', TZ));
    // Late in the evening in Shanghai is still 30 September there, though already 1 October nowhere else matters.
    expect(addWorkingDays(at('2026-09-30', 23), 2, calendar, TZ)).toBe(endOfDate('2026-10-09', TZ));
  });

  it('counts the Sunday make-up workday: 2 working days from Friday 18 September end on Monday 21st', () => {
    expect(addWorkingDays(at('2026-09-18'), 2, calendar, TZ)).toBe(endOfDate('2026-09-21', TZ));
    // The same Friday a week earlier has an ordinary weekend: Monday and Tuesday.
    expect(addWorkingDays(at('2026-09-11'), 2, calendar, TZ)).toBe(endOfDate('2026-09-15', TZ));
  });

  it('counts the Saturday make-up workday after the holiday', () => {
    expect(addWorkingDays(at('2026-10-08'), 2, calendar, TZ)).toBe(endOfDate('2026-10-10', TZ));
  });
});

describe('the deadline rule (prompts/deadlines.json)', () => {
  it('gives an inquiry 2 working days and a suggestion 10, over National Day and its make-up days', () => {
    expect(rule.deadline('inquiry', 'enrollment', false, at('2026-09-30'))).toBe(endOfDate('2026-10-09', TZ));
    // 10 working days from 25 September (a holiday itself): 28, 29, 30 Sep, 8, 9, 10 (Sat, 调休), 12, 13, 14, 15 Oct.
    expect(rule.deadline('suggestion', 'facilities', false, at('2026-09-25'))).toBe(endOfDate('2026-10-15', TZ));
    expect(rule.term('inquiry', 'enrollment', false)).toEqual({ workingDays: 2 });
  });

  it('gives a complaint its category deadline and anything urgent the urgent deadline, in hours', () => {
    const from = at('2026-09-30');
    expect(rule.deadline('complaint', 'food', false, from)).toBe(from + catalogue.get('food').deadline_hours * 3_600_000);
    expect(rule.deadline('inquiry', 'campus_safety', true, from)).toBe(from + catalogue.urgentDeadlineHours * 3_600_000);
    expect(rule.term('complaint', 'campus_safety', false)).toEqual({ hours: catalogue.get('campus_safety').deadline_hours });
  });

  it('gives praise and chit-chat no deadline at all', () => {
    expect(rule.deadline('praise', 'facilities', false, at('2026-09-30'))).toBeNull();
    expect(rule.deadline('chitchat', 'other', true, at('2026-09-30'))).toBeNull();
    expect(rule.term('praise', 'other', false)).toBeNull();
  });

  it('reads hours or working days per kind from the data, and refuses a file without every kind', () => {
    const custom = createDeadlineRule({ policy: { kinds: { complaint: { working_days: 15 }, inquiry: { hours: 48 }, suggestion: 'category' } }, catalogue, calendar, timeZone: TZ });
    expect(custom.term('complaint', 'food', false)).toEqual({ workingDays: 15 });
    expect(custom.term('inquiry', 'food', false)).toEqual({ hours: 48 });
    expect(() => createDeadlineRule({ policy: { kinds: { complaint: 'category' } }, catalogue, calendar, timeZone: TZ })).toThrow();
  });
});
