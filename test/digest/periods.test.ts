import { describe, expect, it } from 'vitest';
import { lastFullPeriod, localDate, parsePeriodKey, periodContaining, periodDates, previousPeriod } from '../../src/digest/periods.ts';

const SH = 'Asia/Shanghai';
const sh = (text: string) => Date.parse(`${text.replace(' ', 'T')}+08:00`);

describe('ISO weeks in the bureau time zone', () => {
  it('start on Monday at local midnight and end a week later (half-open)', () => {
    const week = parsePeriodKey('2026-W47', SH)!;
    expect(week).toEqual({ kind: 'week', key: '2026-W47', start: sh('2026-11-16 00:00:00'), end: sh('2026-11-23 00:00:00') });
    expect(periodDates(week, SH)).toEqual({ first: '2026-11-16', last: '2026-11-22' });
    expect(periodContaining('week', sh('2026-11-22 23:59:59'), SH).key).toBe('2026-W47');
    expect(periodContaining('week', sh('2026-11-23 00:00:00'), SH).key).toBe('2026-W48');
  });

  it('use the local date, not the UTC one (Monday 07:00 in Shanghai is still Sunday in UTC)', () => {
    expect(periodContaining('week', sh('2026-11-23 07:00:00'), SH).key).toBe('2026-W48');
    expect(localDate(sh('2026-11-23 07:00:00'), SH)).toEqual({ year: 2026, month: 11, day: 23 });
  });

  it('follow the ISO year at the turn of the year', () => {
    expect(periodContaining('week', sh('2027-01-01 12:00:00'), SH).key).toBe('2026-W53');
    expect(periodContaining('week', sh('2024-12-30 12:00:00'), SH).key).toBe('2025-W01');
    expect(parsePeriodKey('2026-W53', SH)!.start).toBe(sh('2026-12-28 00:00:00'));
    expect(parsePeriodKey('2025-W53', SH)).toBeUndefined();
    expect(parsePeriodKey('2026-W00', SH)).toBeUndefined();
    expect(parsePeriodKey('2026w5', SH)!.key).toBe('2026-W05');
  });

  it('are 167 hours long across a daylight-saving change', () => {
    const week = parsePeriodKey('2026-W13', 'Europe/Berlin')!;
    expect(week.start).toBe(Date.parse('2026-03-23T00:00:00+01:00'));
    expect(week.end).toBe(Date.parse('2026-03-30T00:00:00+02:00'));
    expect((week.end - week.start) / 3_600_000).toBe(167);
  });

  it('give the last full week: on Monday at 09:00, the week that ended at midnight', () => {
    expect(lastFullPeriod('week', sh('2026-11-23 09:00:00'), SH).key).toBe('2026-W47');
    expect(lastFullPeriod('week', sh('2026-11-22 23:00:00'), SH).key).toBe('2026-W46');
    expect(previousPeriod(parsePeriodKey('2026-W01', SH)!, SH).key).toBe('2025-W52');
  });
});

describe('months and quarters', () => {
  it('run from the first local midnight to the next one', () => {
    expect(parsePeriodKey('2026-02', SH)).toEqual({ kind: 'month', key: '2026-02', start: sh('2026-02-01 00:00:00'), end: sh('2026-03-01 00:00:00') });
    expect(parsePeriodKey('2026-Q4', SH)).toEqual({ kind: 'quarter', key: '2026-Q4', start: sh('2026-10-01 00:00:00'), end: sh('2027-01-01 00:00:00') });
    expect(lastFullPeriod('month', sh('2027-01-15 10:00:00'), SH).key).toBe('2026-12');
    expect(lastFullPeriod('quarter', sh('2027-01-15 10:00:00'), SH).key).toBe('2026-Q4');
    expect(parsePeriodKey('2026-13', SH)).toBeUndefined();
    expect(parsePeriodKey('next week', SH)).toBeUndefined();
  });
});
