import type { Logger } from 'pino';
import type { Language } from '../domain/classification.ts';
import { queueForEach } from '../outbox/broadcast.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { Problem } from '../problems/problem.ts';
import type { ThemeStore } from '../problems/theme-store.ts';
import { alertDue, mayBeTheme, themesFrom, type ThemeRules } from '../problems/themes.ts';
import type { ThemeViews } from '../replies/theme-views.ts';
import { DAY } from '../domain/time.ts';

/**
 * Staff chats are told once when a subtopic becomes a district-wide theme (一类问题): reported at THEME_MIN_UNITS
 * units within THEME_WINDOW_DAYS. Checked for the subtopic of every problem a report has just joined, inside the
 * pipeline's transaction, so the alert and its record are written together or not at all.
 */
export interface ThemeAlerts {
  /** Inside the caller's transaction, after a report joined `problem`; true when staff were told. */
  afterAttach(problem: Pick<Problem, 'subtopic'>, now: number): boolean;
}

export interface ThemeAlertDeps {
  store: ThemeStore;
  outbox: Outbox;
  views: ThemeViews;
  rules: ThemeRules;
  staffChatIds: () => readonly number[];
  staffLanguage: Language;
  /** The catch-all category, whose subtopics (greetings, spam) are never a theme. */
  fallbackCategory: string;
  logger?: Logger;
}

export function createThemeAlerts(deps: ThemeAlertDeps): ThemeAlerts {
  const days = Math.round(deps.rules.windowMs / DAY);
  return {
    afterAttach(problem, now) {
      const subtopic = problem.subtopic;
      if (!subtopic || !mayBeTheme(subtopic, deps.fallbackCategory)) return false;
      if (!alertDue(deps.store.lastAlertAt(subtopic), now, deps.rules.windowMs)) return false;
      const [theme] = themesFrom(deps.store.activity(now - deps.rules.windowMs, now + 1, subtopic), deps.rules.minUnits);
      if (!theme) return false;
      const id = deps.store.recordAlert({ subtopic, at: now, units: theme.units.length, reports: theme.reports });
      const html = deps.views.alert(deps.staffLanguage, theme, days);
      queueForEach(deps.outbox, deps.staffChatIds(), { key: `theme:${id}`, kind: 'notice', message: { type: 'text', html } });
      deps.logger?.info({ alertId: id, subtopic, units: theme.units.length, reports: theme.reports }, 'district-wide theme: staff told');
      return true;
    },
  };
}
