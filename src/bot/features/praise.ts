import { Composer } from 'grammy';
import { recentPeriod } from '../../domain/periods.ts';
import type { KindQueries } from '../../intake/kind-queries.ts';
import type { KindNotices } from '../../replies/kind-notices.ts';
import type { UnitRegistry } from '../../units/unit-registry.ts';
import type { BotContext } from '../context.ts';
import { staffChatsOnly, type StaffChatDeps } from './staff-common.ts';

export interface PraiseFeatureDeps extends StaffChatDeps {
  queries: Pick<KindQueries, 'commendations'>;
  notices: Pick<KindNotices, 'praiseList'>;
  units: Pick<UnitRegistry, 'resolve'>;
  timezone: string;
  now: () => number;
}

const SHOWN = 20;

/** `/praise [7d|30d] [unit]` in staff chats: the commendations residents sent (表扬), newest first. */
export function createPraiseFeature(deps: PraiseFeatureDeps): Composer<BotContext> {
  const { tr } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();
  const staff = staffChatsOnly(composer, deps.isStaffChat);
  staff.command('praise', async (ctx) => {
    const words = ctx.match.trim().split(/\s+/).filter(Boolean);
    const periodName = words[0] === '7d' || words[0] === '30d' ? words.shift()! : '30d';
    const unitArg = words.join(' ');
    const unit = unitArg ? deps.units.resolve(unitArg) : undefined;
    if (unitArg && !unit) {
      await ctx.reply(tr.t(lang, 'staff.no_unit', { unit: unitArg }), { parse_mode: 'HTML' });
      return;
    }
    const period = recentPeriod(periodName as '7d' | '30d', deps.now(), deps.timezone);
    const result = deps.queries.commendations(period.start, period.end, unit?.id ?? null, SHOWN);
    await ctx.reply(deps.notices.praiseList(lang, tr.t(lang, `praise.period.${periodName}`), unit?.name ?? null, result), { parse_mode: 'HTML' });
  });
  return composer;
}
