/** Dates as people in the bureau's time zone read them, and the lengths of time the code counts in. */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * 'YYYY-MM-DD HH:MM' in a time zone , fast enough for a ledger's
 * hundred thousand cells: the zone's offset is looked up once per hour of UTC time (Intl is slow, about
 * 10 µs a call) and the wall clock computed from it; an hour in which the offset changes asks Intl.
 */
export function dateTimeFormatter(timeZone: string): (ms: number | null) => string {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const wallClock = (ms: number): number => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!);
  };
  const offsetAt = (ms: number) => wallClock(ms) - Math.floor(ms / MINUTE) * MINUTE;
  // Offset per UTC hour; null for an hour with a change of offset inside it.
  const offsets = new Map<number, number | null>();
  const offsetFor = (ms: number): number | null => {
    const hour = Math.floor(ms / HOUR);
    let offset = offsets.get(hour);
    if (offset === undefined) {
      const atStart = offsetAt(hour * HOUR);
      offset = atStart === offsetAt(hour * HOUR + HOUR - MINUTE) ? atStart : null;
      offsets.set(hour, offset);
    }
    return offset;
  };
  const two = (n: number) => (n < 10 ? `0${n}` : String(n));
  return (ms) => {
    if (ms === null) return '';
    const offset = offsetFor(ms);
    const wall = new Date(offset === null ? wallClock(ms) : ms + offset);
    return `${wall.getUTCFullYear()}-${two(wall.getUTCMonth() + 1)}-${two(wall.getUTCDate())} ${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}`;
  };
}

const formatters = new Map<string, (ms: number | null) => string>();

/** 'YYYY-MM-DD HH:MM' in the time zone. */
export function formatDateTime(ms: number, timeZone: string): string {
  let format = formatters.get(timeZone);
  if (!format) {
    format = dateTimeFormatter(timeZone);
    formatters.set(timeZone, format);
  }
  return format(ms);
}

/** 'YYYY-MM-DD' in the time zone, which Chinese and English readers both take without ambiguity. */
export function formatDate(ms: number, timeZone: string): string {
  return formatDateTime(ms, timeZone).slice(0, 10);
}
