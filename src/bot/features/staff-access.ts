import { Composer } from 'grammy';
import type { AccessAudit } from '../../units/access-audit.ts';
import type { BotContext } from '../context.ts';
import { staffChatsOnly, type StaffChatDeps } from './staff-common.ts';

export interface StaffAccessFeatureDeps extends StaffChatDeps {
  isAdmin: (userId: number | undefined) => boolean;
  audit: AccessAudit;
  now: () => number;
}

/** Commands and buttons that change or take everything: only STAFF_ADMIN_IDS when it is set. */
const ADMIN_COMMANDS = ['merge', 'close', 'export'];
const ADMIN_BUTTONS = /^(?:pm:|pa:cl:)/;
/** What shows residents' texts or exports them: recorded before the staff feature answers. */
const VIEW_COMMANDS = ['problem', 'export', 'search'];
const VIEW_BUTTONS = /^(?:pd|pr):(\d{1,12})$/;

/**
 * In bureau chats, before the staff features: the admin-only gate and the audit of who viewed residents' texts or
 * took an export. Kept apart from the staff composer, which need not know about either.
 */
export function createStaffAccessFeature(deps: StaffAccessFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const bureau = staffChatsOnly(composer, deps.isStaffChat);
  const record = (ctx: BotContext, action: string, subject: string | null) =>
    deps.audit.record({ at: deps.now(), userId: ctx.from?.id ?? 0, chatId: ctx.chat?.id ?? 0, action, subject });

  bureau.command(ADMIN_COMMANDS, async (ctx, next) => {
    if (!deps.isAdmin(ctx.from?.id)) return void (await ctx.reply(deps.tr.t(deps.staffLanguage, 'bureau.admin_only')));
    await next();
  });
  bureau.callbackQuery(ADMIN_BUTTONS, async (ctx, next) => {
    if (!deps.isAdmin(ctx.from.id)) return ctx.answerCallbackQuery({ text: deps.tr.t(deps.staffLanguage, 'bureau.admin_only') });
    await next();
  });
  bureau.command(VIEW_COMMANDS, async (ctx, next) => {
    // The command and its first word (a problem number or export period), never search words: they may be a name.
    const first = ctx.match.trim().split(/\s+/)[0] ?? '';
    record(ctx, `/${ctx.message?.text?.slice(1).split(/[\s@]/)[0] ?? ''}`, /^[#\w-]{1,20}$/.test(first) && ctx.message?.text?.startsWith('/search') !== true ? first : null);
    await next();
  });
  bureau.callbackQuery(VIEW_BUTTONS, async (ctx, next) => {
    record(ctx, ctx.callbackQuery.data.startsWith('pr:') ? 'reports' : '/problem', ctx.match[1] ?? null);
    await next();
  });
  return composer;
}
