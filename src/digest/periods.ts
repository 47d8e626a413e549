/**
 * Reporting periods — ISO weeks, calendar months and quarters — as half-open [start, end) intervals of
 * UTC epoch ms, with their boundaries at local midnight in the bureau's time zone.
 * Keys: '2026-W47' (ISO week, Monday start), '2026-11' (month), '2026-Q4' (quarter).
 */

import { zonedParts, zonedTime } from '../domain/periods.ts';
import { DAY } from '../domain/time.ts';

export type PeriodKind = 'week' | 'month' | 'quarter';

export interface Period {
  kind: PeriodKind;
  key: string;
  /** Inclusive, UTC epoch ms of local midnight. */
  start: number;
  /** Exclusive. */
  end: number;
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** The local calendar date at `ms` in `timeZone`. */
export function localDate(ms: number, timeZone: string): LocalDate {
  const { year, month, day } = zonedParts(ms, timeZone);
  return { year, month, day };
}

/** UTC ms of local midnight starting the given date (month and day may overflow; Date.UTC normalises them). */
export function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  return zonedTime(year, month, day, 0, 0, timeZone);
}

/** ISO-8601 week-numbering year and week of a calendar date. */
function isoWeekOf(date: LocalDate): { year: number; week: number } {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day));
  const weekday = d.getUTCDay() || 7;
  // The Thursday of this week decides the year.
  d.setUTCDate(d.getUTCDate() + 4 - weekday);
  const year = d.getUTCFullYear();
  const week = Math.ceil(((d.getTime() - Date.UTC(year, 0, 1)) / DAY + 1) / 7);
  return { year, week };
}

/** Monday of ISO week `week` of `year`, as a calendar date. */
function isoWeekMonday(year: number, week: number): LocalDate {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const monday = new Date(jan4.getTime() - ((jan4.getUTCDay() || 7) - 1) * DAY + (week - 1) * 7 * DAY);
  return { year: monday.getUTCFullYear(), month: monday.getUTCMonth() + 1, day: monday.getUTCDate() };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function weekPeriod(year: number, week: number, timeZone: string): Period {
  const monday = isoWeekMonday(year, week);
  return {
    kind: 'week',
    key: `${year}-W${pad(week)}`,
    start: localMidnight(monday.year, monday.month, monday.day, timeZone),
    end: localMidnight(monday.year, monday.month, monday.day + 7, timeZone),
  };
}

function monthPeriod(year: number, month: number, timeZone: string): Period {
  const normal = new Date(Date.UTC(year, month - 1, 1));
  const y = normal.getUTCFullYear();
  const m = normal.getUTCMonth() + 1;
  return { kind: 'month', key: `${y}-${pad(m)}`, start: localMidnight(y, m, 1, timeZone), end: localMidnight(y, m + 1, 1, timeZone) };
}

function quarterPeriod(year: number, quarter: number, timeZone: string): Period {
  const normal = new Date(Date.UTC(year, (quarter - 1) * 3, 1));
  const y = normal.getUTCFullYear();
  const q = Math.floor(normal.getUTCMonth() / 3) + 1;
  const firstMonth = (q - 1) * 3 + 1;
  return { kind: 'quarter', key: `${y}-Q${q}`, start: localMidnight(y, firstMonth, 1, timeZone), end: localMidnight(y, firstMonth + 3, 1, timeZone) };
}

/** The period of `kind` that contains the moment `ms`. */
export function periodContaining(kind: PeriodKind, ms: number, timeZone: string): Period {
  const date = localDate(ms, timeZone);
  if (kind === 'week') {
    const { year, week } = isoWeekOf(date);
    return weekPeriod(year, week, timeZone);
  }
  if (kind === 'month') return monthPeriod(date.year, date.month, timeZone);
  return quarterPeriod(date.year, Math.floor((date.month - 1) / 3) + 1, timeZone);
}

/** The period just before `period` (same kind). */
export function previousPeriod(period: Period, timeZone: string): Period {
  return periodContaining(period.kind, period.start - 1, timeZone);
}

/** The most recent period of `kind` that has fully ended at `ms` (the digest covers the last full week). */
export function lastFullPeriod(kind: PeriodKind, ms: number, timeZone: string): Period {
  return previousPeriod(periodContaining(kind, ms, timeZone), timeZone);
}

/** '2026-W47', '2026-11' or '2026-Q4' as a period; undefined when the key is not one. */
export function parsePeriodKey(key: string, timeZone: string): Period | undefined {
  const text = key.trim().toUpperCase();
  let match = /^(\d{4})-?W(\d{1,2})$/.exec(text);
  if (match) {
    const year = Number(match[1]);
    const week = Number(match[2]);
    if (week < 1 || week > 53) return undefined;
    const period = weekPeriod(year, week, timeZone);
    // Week 53 exists only in some years.
    return period.key === `${year}-W${pad(week)}` && isoWeekOf(localDate(period.start, timeZone)).week === week ? period : undefined;
  }
  match = /^(\d{4})-Q([1-4])$/.exec(text);
  if (match) return quarterPeriod(Number(match[1]), Number(match[2]), timeZone);
  match = /^(\d{4})-(\d{1,2})$/.exec(text);
  if (match) {
    const month = Number(match[2]);
    return month >= 1 && month <= 12 ? monthPeriod(Number(match[1]), month, timeZone) : undefined;
  }
  return undefined;
}

/** The local dates a period covers, first and last day inclusive, as YYYY-MM-DD. */
export function periodDates(period: Period, timeZone: string): { first: string; last: string } {
  const show = (d: LocalDate) => `${d.year}-${pad(d.month)}-${pad(d.day)}`;
  return { first: show(localDate(period.start, timeZone)), last: show(localDate(period.end - 1, timeZone)) };
}
