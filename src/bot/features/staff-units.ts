import { Composer } from 'grammy';
import type { StaffViews } from '../../replies/staff-views.ts';
import type { UnitRegistry } from '../../units/unit-registry.ts';
import type { BotContext } from '../context.ts';
import { replyToStaff, staffChatsOnly, usageLine, type StaffChatDeps } from './staff-common.ts';

export interface StaffUnitsDeps extends StaffChatDeps {
  units: Pick<UnitRegistry, 'unmatched' | 'addAlias'>;
  views: Pick<StaffViews, 'unitsDirectory' | 'unmatched'>;
}

/** `/units`: the units directory, the names residents wrote that matched no unit, and teaching it a new name. */
export function createStaffUnitsFeature(deps: StaffUnitsDeps): Composer<BotContext> {
  const { tr, units, views } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();
  const staff = staffChatsOnly(composer, deps.isStaffChat);

  staff.command('units', async (ctx) => {
    const [sub, ...rest] = ctx.match.trim().split(/\s+/);
    if (!sub) return replyToStaff(ctx, views.unitsDirectory(lang));
    if (sub === 'unmatched') return replyToStaff(ctx, views.unmatched(lang, units.unmatched(30)));
    if (sub === 'alias' && rest.length >= 2) {
      const [alias, ...unitWords] = rest;
      try {
        const unit = units.addAlias(alias!, unitWords.join(' '), ctx.from?.id ?? null);
        return replyToStaff(ctx, tr.t(lang, 'staff.units.alias_done', { alias: alias!, unit: unit.name }));
      } catch (error) {
        return replyToStaff(ctx, tr.t(lang, 'staff.units.alias_failed', { reason: error instanceof Error ? error.message : String(error) }));
      }
    }
    await replyToStaff(ctx, usageLine(deps, '/units [unmatched|alias alias unit]'));
  });

  return composer;
}
