/**
 * District-wide themes (一类问题): one subtopic reported at several units within a window is one class of problem
 * across the district, to be solved once for all of them (举一反三). Pure rules; the queries are in theme-store.ts.
 */

export interface ThemeRules {
  /** Distinct units that make a subtopic a theme (THEME_MIN_UNITS). */
  minUnits: number;
  /** The window the units are counted in, and the quiet time after staff were told (THEME_WINDOW_DAYS). */
  windowMs: number;
}

/** One unit's problems of one subtopic within a window, as the store counts them. */
export interface UnitActivity {
  subtopic: string;
  unitId: string;
  /** Reports received within the window on the unit's problems of this subtopic. */
  reports: number;
  /** The latest of those reports. */
  lastAt: number;
}

export interface Theme {
  subtopic: string;
  /** Units with the most reports first. */
  units: Array<{ unitId: string; reports: number }>;
  reports: number;
  lastAt: number;
}

/** The themes among a window's activity: subtopics at `minUnits` units or more, the widest first. */
export function themesFrom(activity: readonly UnitActivity[], minUnits: number): Theme[] {
  const bySubtopic = new Map<string, Theme>();
  for (const row of activity) {
    if (row.reports <= 0) continue;
    let theme = bySubtopic.get(row.subtopic);
    if (!theme) {
      theme = { subtopic: row.subtopic, units: [], reports: 0, lastAt: 0 };
      bySubtopic.set(row.subtopic, theme);
    }
    const unit = theme.units.find((u) => u.unitId === row.unitId);
    if (unit) unit.reports += row.reports;
    else theme.units.push({ unitId: row.unitId, reports: row.reports });
    theme.reports += row.reports;
    theme.lastAt = Math.max(theme.lastAt, row.lastAt);
  }
  return [...bySubtopic.values()]
    .filter((theme) => theme.units.length >= Math.max(1, minUnits))
    .map((theme) => ({ ...theme, units: theme.units.sort((a, b) => b.reports - a.reports || a.unitId.localeCompare(b.unitId)) }))
    .sort((a, b) => b.units.length - a.units.length || b.reports - a.reports || a.subtopic.localeCompare(b.subtopic));
}

/** Staff are told of a theme once per window: not again while the last alert about its subtopic is inside it. */
export function alertDue(lastAlertAt: number | undefined, now: number, windowMs: number): boolean {
  return lastAlertAt === undefined || lastAlertAt <= now - windowMs;
}

/** The catch-all category's subtopics (not an education matter, greetings, spam) are never a district-wide theme. */
export function mayBeTheme(subtopic: string, fallbackCategory: string): boolean {
  return !subtopic.startsWith(`${fallbackCategory}.`);
}
