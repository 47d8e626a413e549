import type { Db } from '../db/database.ts';
import type { Language } from '../domain/classification.ts';
import type { Translator } from '../i18n/i18n.ts';
import { HOUR } from '../domain/time.ts';
import { createUnitDispatchStore } from '../units/unit-dispatch-store.ts';

export interface UnitWork {
  unitId: string;
  dispatched: number;
  signed: number;
  /** Signed within the sign-for window (the response rate's numerator). */
  signedInTime: number;
  /** Median hours from dispatch to sign-for, over the signed dispatches; null when none was signed. */
  medianSignHours: number | null;
  returned: number;
  extensions: number;
  reviewsRejected: number;
}

/**
 * How units handled what was dispatched to them in a period: sign-for time, returns, extensions, rejected reviews.
 * The counts are the unit dispatch store's (built here from `db`); this adds the median and merges them per unit.
 */
export function createUnitWorkQueries(db: Db, signWithin: { normalMs: number; urgentMs: number }) {
  const store = createUnitDispatchStore(db);
  return {
    work(period: { start: number; end: number }): UnitWork[] {
      const byUnit = new Map<string, UnitWork>();
      const blank = (unitId: string): UnitWork => ({ unitId, dispatched: 0, signed: 0, signedInTime: 0, medianSignHours: null, returned: 0, extensions: 0, reviewsRejected: 0 });
      // The median, not the mean: one dispatch signed after a holiday week would otherwise hide a unit's usual hours.
      const delays = new Map<string, number[]>();
      for (const r of store.signDelays(period)) {
        const list = delays.get(r.unitId) ?? [];
        list.push(r.ms);
        delays.set(r.unitId, list);
      }
      for (const r of store.dispatchTally(period, signWithin)) {
        const median = medianOf(delays.get(r.unitId) ?? []);
        byUnit.set(r.unitId, { ...blank(r.unitId), dispatched: r.dispatched, signed: r.signed, signedInTime: r.signedInTime, medianSignHours: median === null ? null : median / HOUR, returned: r.returned });
      }
      for (const r of store.requestTally(period)) {
        byUnit.set(r.unitId, { ...(byUnit.get(r.unitId) ?? blank(r.unitId)), extensions: r.extensions, reviewsRejected: r.reviewsRejected });
      }
      return [...byUnit.values()].sort((a, b) => b.dispatched - a.dispatched || a.unitId.localeCompare(b.unitId));
    },
  };
}

/** The middle of sorted values (the mean of the two middle ones for an even count); null for none. */
export function medianOf(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The digest's and the ranking's block on units' handling; null when nothing was dispatched or requested. */
export function renderUnitWork(tr: Translator, language: Language, work: UnitWork[], unitName: (id: string) => string): string | null {
  if (work.length === 0) return null;
  const lines = work.map((w) =>
    tr.t(language, 'unitwork.line', {
      unit: unitName(w.unitId),
      dispatched: w.dispatched,
      signed: w.signed,
      inTime: w.signedInTime,
      hours: w.medianSignHours === null ? '—' : w.medianSignHours.toFixed(1),
      returned: w.returned,
      extensions: w.extensions,
      rejected: w.reviewsRejected,
    }),
  );
  return [tr.t(language, 'unitwork.header'), ...lines].join('\n');
}
