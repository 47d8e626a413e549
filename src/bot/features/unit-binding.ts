import { Composer } from 'grammy';
import { formatDate, formatDateTime } from '../../domain/time.ts';
import type { AccessAudit } from '../../units/access-audit.ts';
import type { UnitChats } from '../../units/unit-chats.ts';
import type { UnitRegistry } from '../../units/unit-registry.ts';
import type { BotContext } from '../context.ts';
import { echoOf, replyFitted } from '../reply-fitted.ts';
import { staffChatsOnly, type StaffChatDeps } from './staff-common.ts';

export interface UnitBindingFeatureDeps extends StaffChatDeps {
  /** STAFF_ADMIN_IDS when set; every staff member otherwise. */
  isAdmin: (userId: number | undefined) => boolean;
  unitChats: UnitChats;
  units: UnitRegistry;
  audit: AccessAudit;
  /** Post to the bureau's chats through the outbox. */
  tellBureau: (key: string, html: string) => void;
  timezone: string;
  now: () => number;
}

const MAX_UNITS_PER_CODE = 20;

/**
 * Binding units' own chats: `/bind 实验小学,第一中学` in a bureau chat issues a one-time code; `/bind CODE` in the unit's
 * group or private chat binds it. `/chats`, `/unbind CHAT` and `/audit [N]` are the bureau's.
 */
export function createUnitBindingFeature(deps: UnitBindingFeatureDeps): Composer<BotContext> {
  const { tr, unitChats, units } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();
  const bureau = staffChatsOnly(composer, deps.isStaffChat);
  const elsewhere = composer.filter((ctx) => ctx.chat !== undefined && !deps.isStaffChat(ctx.chat.id));
  // /chats and /audit can list hundreds of lines: every reply is fitted to Telegram's limits.
  const reply = (ctx: BotContext, html: string) => replyFitted(ctx, html, { link_preview_options: { is_disabled: true } });
  const names = (ids: readonly string[]) => ids.map((id) => units.displayName(id)).join('、');
  const usage = (text: string) => tr.t(lang, 'staff.usage', { usage: text });

  bureau.command(['bind', 'unbind', 'chats', 'audit'], async (ctx, next) => {
    if (!deps.isAdmin(ctx.from?.id)) return reply(ctx, tr.t(lang, 'bureau.admin_only'));
    await next();
  });

  bureau.command('bind', async (ctx) => {
    const written = ctx.match.split(/[,，、]/).map((s) => s.trim()).filter(Boolean).slice(0, MAX_UNITS_PER_CODE);
    if (written.length === 0) return reply(ctx, usage('/bind unit[,unit…]'));
    const found: string[] = [];
    for (const name of written) {
      const unit = units.resolve(name);
      if (!unit) return reply(ctx, tr.t(lang, 'bureau.bind_unknown_unit', { unit: echoOf(name) }));
      found.push(unit.id);
    }
    const code = unitChats.issueCode(found, ctx.from?.id ?? 0, deps.now());
    await reply(ctx, tr.t(lang, 'bureau.bind_code', { code, units: names(found) }));
  });

  bureau.command('chats', async (ctx) => {
    const chats = unitChats.list();
    if (chats.length === 0) return reply(ctx, tr.t(lang, 'bureau.chats_empty'));
    const lines = chats.map((c) => tr.t(lang, 'bureau.chats_line', { chat: c.chatId, units: names(c.unitIds), date: formatDate(c.boundAt, deps.timezone) }));
    await reply(ctx, [tr.t(lang, 'bureau.chats_header'), ...lines].join('\n'));
  });

  bureau.command('unbind', async (ctx) => {
    const arg = ctx.match.trim();
    if (!/^-?\d{1,16}$/.test(arg)) return reply(ctx, usage('/unbind CHAT (see /chats)'));
    const removed = unitChats.unbind(Number(arg));
    await reply(ctx, tr.t(lang, removed > 0 ? 'bureau.unbound' : 'bureau.unbind_none', { chat: arg, count: removed }));
  });

  bureau.command('audit', async (ctx) => {
    const count = Math.min(Math.max(Number(/^\d{1,4}$/.test(ctx.match.trim()) ? ctx.match.trim() : 20), 1), 200);
    const entries = deps.audit.latest(count);
    if (entries.length === 0) return reply(ctx, tr.t(lang, 'bureau.audit_empty'));
    const lines = entries.map((e) =>
      tr.t(lang, 'bureau.audit_line', { time: formatDateTime(e.at, deps.timezone), user: e.userId, chat: e.chatId, action: e.action, subject: e.subject ?? '' }),
    );
    await reply(ctx, [tr.t(lang, 'bureau.audit_header', { count: entries.length }), ...lines].join('\n'));
  });

  // In a unit's group or private chat: the code the bureau issued binds it.
  elsewhere.command('bind', async (ctx) => {
    const bound = unitChats.redeem(ctx.match.trim(), ctx.chat.id, deps.now());
    if (!bound) return reply(ctx, tr.t(lang, 'unit.bad_code'));
    deps.tellBureau(`bound:${ctx.chat.id}:${deps.now()}`, tr.t(lang, 'bureau.bound', { units: names(bound), chat: ctx.chat.id }));
    await reply(ctx, tr.t(lang, 'unit.bound', { units: names(unitChats.unitsOf(ctx.chat.id)) }));
  });

  return composer;
}
