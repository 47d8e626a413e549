import { DAY } from './time.ts';

/** Time spans as the bureau speaks of them, computed in its time zone. All bounds are [start, end). */

export interface Period {
  start: number;
  end: number;
  /** What the period was asked for as: 'today', '7d', 'week', '2026-W47', … */
  name: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a time zone (weekday 1 = Monday … 7 = Sunday). */
export function zonedParts(ms: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number } {
  const parts = formatter(timeZone).formatToParts(ms);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '0';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday')) + 1,
  };
}

/**
 * The instant a wall-clock time in a time zone happens. Month and day may overflow (Date.UTC normalises
 * them); the zone's offset at the guess converges in a few steps, also across a daylight-saving change.
 */
export function zonedTime(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const target = Date.UTC(year, month - 1, day, hour, minute);
  let result = target;
  for (let i = 0; i < 3; i++) {
    const p = zonedParts(result, timeZone);
    const next = result + target - Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    if (next === result) break;
    result = next;
  }
  return result;
}

export function startOfDay(ms: number, timeZone: string): number {
  const p = zonedParts(ms, timeZone);
  return zonedTime(p.year, p.month, p.day, 0, 0, timeZone);
}

/** Monday 00:00 of the week containing `ms`. */
export function startOfWeek(ms: number, timeZone: string): number {
  const p = zonedParts(ms, timeZone);
  const monday = new Date(Date.UTC(p.year, p.month - 1, p.day) - (p.weekday - 1) * DAY);
  return zonedTime(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), 0, 0, timeZone);
}

export function startOfMonth(ms: number, timeZone: string): number {
  const p = zonedParts(ms, timeZone);
  return zonedTime(p.year, p.month, 1, 0, 0, timeZone);
}

/** The end of a calendar day given as YYYY-MM-DD (its last moment, for deadlines). */
export function endOfDate(date: string, timeZone: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  const next = new Date(Date.UTC(year, month - 1, day + 1));
  return zonedTime(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, timeZone) - 1;
}

export const PERIOD_NAMES = ['today', '7d', '30d', 'week', 'month'] as const;
export type PeriodName = (typeof PERIOD_NAMES)[number];

/** A staff-facing period up to now: today, the last 7 or 30 days, this week (from Monday), this month. */
export function recentPeriod(name: PeriodName, now: number, timeZone: string): Period {
  switch (name) {
    case 'today':
      return { name, start: startOfDay(now, timeZone), end: now + 1 };
    case '7d':
      return { name, start: now - 7 * DAY, end: now + 1 };
    case '30d':
      return { name, start: now - 30 * DAY, end: now + 1 };
    case 'week':
      return { name, start: startOfWeek(now, timeZone), end: now + 1 };
    case 'month':
      return { name, start: startOfMonth(now, timeZone), end: now + 1 };
  }
}
