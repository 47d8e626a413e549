import { Composer } from 'grammy';
import type { ThemeStore } from '../../problems/theme-store.ts';
import { mayBeTheme, themesFrom, type ThemeRules } from '../../problems/themes.ts';
import type { ThemeViews } from '../../replies/theme-views.ts';
import type { BotContext } from '../context.ts';
import { replyFitted } from '../reply-fitted.ts';
import { DAY } from '../../domain/time.ts';
import { staffChatsOnly, type StaffChatDeps } from './staff-common.ts';

export interface ThemesFeatureDeps extends StaffChatDeps {
  store: Pick<ThemeStore, 'activity'>;
  views: ThemeViews;
  rules: ThemeRules;
  fallbackCategory: string;
  now: () => number;
}

const PERIODS: Record<string, number> = { '7d': 7, '30d': 30 };

/**
 * `/themes [7d|30d]` in the bureau's staff chats: district-wide themes (一类问题), one subtopic at several units, with
 * the units and their report counts; by default over THEME_WINDOW_DAYS. Units' own chats get no district list: it
 * names other units' problems, which a unit is never shown (their /problems is their own); the command is refused
 * there like every other bureau command.
 */
export function createThemesFeature(deps: ThemesFeatureDeps): Composer<BotContext> {
  const { tr, views, rules } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();
  const staff = staffChatsOnly(composer, deps.isStaffChat);
  staff.command('themes', async (ctx) => {
    const arg = ctx.match.trim().toLowerCase();
    const days = arg === '' ? Math.round(rules.windowMs / DAY) : PERIODS[arg];
    if (days === undefined) {
      await replyFitted(ctx, tr.t(lang, 'themes.usage'));
      return;
    }
    const now = deps.now();
    const activity = deps.store.activity(now - days * DAY, now + 1).filter((row) => mayBeTheme(row.subtopic, deps.fallbackCategory));
    await replyFitted(ctx, views.list(lang, themesFrom(activity, rules.minUnits), days, rules.minUnits), { link_preview_options: { is_disabled: true } });
  });
  return composer;
}
