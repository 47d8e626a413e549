import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { endOfDate, zonedParts } from './periods.ts';

/**
 * Working days (工作日) as China's offices count them: Monday to Friday, except public holidays, plus the
 * weekend days the State Council turns into make-up workdays (调休). The calendar is a data file
 * (prompts/holidays-cn.json), edited each year when the State Council publishes the next year's schedule.
 * A year the file does not cover counts weekends only.
 */
export interface WorkingCalendar {
  /** Years the file lists, each official or provisional. */
  readonly years: ReadonlyMap<number, 'official' | 'provisional'>;
  /** `date` is YYYY-MM-DD. */
  isWorkingDay(date: string): boolean;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const YearSchema = z.object({
  status: z.enum(['official', 'provisional']),
  source: z.string().min(1),
  holidays: z.array(z.string().regex(DATE)),
  workdays: z.array(z.string().regex(DATE)),
});

const CalendarFileSchema = z.object({
  about: z.string().optional(),
  years: z.record(z.string().regex(/^\d{4}$/), YearSchema),
});

/** 1 = Monday … 7 = Sunday, for a YYYY-MM-DD date (the calendar date itself, no time zone involved). */
function weekdayOf(date: string): number {
  const [, y, m, d] = DATE.exec(date)!;
  const day = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d))).getUTCDay();
  return day === 0 ? 7 : day;
}

function isRealDate(date: string): boolean {
  const match = DATE.exec(date);
  if (!match) return false;
  const check = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return check.toISOString().slice(0, 10) === date;
}

/** Validates the file: real dates, in their own year, no day both off and on, make-up days only on weekends. */
export function createWorkingCalendar(raw: unknown): WorkingCalendar {
  const file = CalendarFileSchema.parse(raw);
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  const years = new Map<number, 'official' | 'provisional'>();
  for (const [year, entry] of Object.entries(file.years)) {
    years.set(Number(year), entry.status);
    for (const [list, into] of [[entry.holidays, holidays], [entry.workdays, workdays]] as const) {
      for (const date of list) {
        if (!isRealDate(date) || !date.startsWith(`${year}-`)) throw new Error(`holidays: ${date} is not a date of ${year}`);
        into.add(date);
      }
    }
    for (const date of entry.workdays) {
      if (holidays.has(date)) throw new Error(`holidays: ${date} is both a holiday and a make-up workday`);
      if (weekdayOf(date) < 6) throw new Error(`holidays: make-up workday ${date} is not a Saturday or Sunday`);
    }
  }
  return {
    years,
    isWorkingDay(date) {
      if (workdays.has(date)) return true;
      if (holidays.has(date)) return false;
      return weekdayOf(date) < 6;
    },
  };
}

export const DEFAULT_HOLIDAYS_PATH = new URL('../../prompts/holidays-cn.json', import.meta.url);

export function loadWorkingCalendar(path: string | URL = DEFAULT_HOLIDAYS_PATH): WorkingCalendar {
  return createWorkingCalendar(JSON.parse(readFileSync(path, 'utf8')));
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * The end (23:59:59.999 in `timeZone`) of the `days`-th working day after the day `from` falls on: counting
 * starts the next day, as the 12345 rules count "N 个工作日" from the day after a request is received.
 */
export function addWorkingDays(from: number, days: number, calendar: WorkingCalendar, timeZone: string): number {
  const start = zonedParts(from, timeZone);
  const cursor = new Date(Date.UTC(start.year, start.month - 1, start.day));
  let counted = 0;
  // A year has fewer than 120 days off; the bound only stops a broken calendar from looping for ever.
  for (let step = 0; counted < days && step < days * 3 + 400; step++) {
    cursor.setUTCDate(cursor.getUTCDate() + 1);
    const date = `${cursor.getUTCFullYear()}-${two(cursor.getUTCMonth() + 1)}-${two(cursor.getUTCDate())}`;
    if (calendar.isWorkingDay(date)) counted++;
  }
  const last = `${cursor.getUTCFullYear()}-${two(cursor.getUTCMonth() + 1)}-${two(cursor.getUTCDate())}`;
  return endOfDate(last, timeZone)!;
}
