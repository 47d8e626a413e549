import { Composer } from 'grammy';
import type { BotContext } from '../context.ts';
import { staffChatsOnly, type StaffChatDeps } from './staff-common.ts';

export interface StaffRetryDeps extends StaffChatDeps {
  /** Put a set-aside report back into the classification queue; false when it is not set aside. */
  retry: (reportId: number) => boolean;
}

/** `/retry N`: a report the pipeline set aside (it could not be classified) goes back into the queue. */
export function createStaffRetryFeature(deps: StaffRetryDeps): Composer<BotContext> {
  const { tr } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();
  const staff = staffChatsOnly(composer, deps.isStaffChat);
  staff.command('retry', async (ctx) => {
    const ticket = /^#?(\d{1,12})$/.exec(ctx.match.trim())?.[1];
    if (!ticket) {
      await ctx.reply(tr.t(lang, 'staff.usage', { usage: '/retry N' }), { parse_mode: 'HTML' });
      return;
    }
    const back = deps.retry(Number(ticket));
    await ctx.reply(tr.t(lang, back ? 'staff.retry.queued' : 'staff.retry.not_set_aside', { ticket: Number(ticket) }), { parse_mode: 'HTML' });
  });
  return composer;
}
