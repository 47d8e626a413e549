import { Composer } from 'grammy';
import type { KindQueries } from '../../intake/kind-queries.ts';
import type { NotProblems } from '../../pipeline/not-problems.ts';
import { PROMOTE_PATTERN, type KindNotices } from '../../replies/kind-notices.ts';
import type { BotContext } from '../context.ts';
import { staffChatsOnly, type StaffChatDeps } from './staff-common.ts';

export interface InboxFeatureDeps extends StaffChatDeps {
  queries: Pick<KindQueries, 'otherMessages'>;
  notices: Pick<KindNotices, 'otherInbox'>;
  notProblems: Pick<NotProblems, 'promote'>;
}

const SHOWN = 10;

/**
 * `/inbox other` in staff chats: messages the classifier took for chit-chat, newest first, each with a button
 * that makes it a report (a complaint on the problem list; the resident gets the normal ticket).
 */
export function createInboxFeature(deps: InboxFeatureDeps): Composer<BotContext> {
  const { tr } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();
  const staff = staffChatsOnly(composer, deps.isStaffChat);

  staff.command('inbox', async (ctx) => {
    const which = ctx.match.trim().toLowerCase();
    if (which !== '' && which !== 'other') {
      await ctx.reply(tr.t(lang, 'staff.usage', { usage: '/inbox other' }), { parse_mode: 'HTML' });
      return;
    }
    const view = deps.notices.otherInbox(lang, deps.queries.otherMessages(SHOWN));
    if (view.type !== 'text') return;
    const keyboard = view.buttons?.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data })));
    await ctx.reply(view.html, { parse_mode: 'HTML', ...(keyboard && { reply_markup: { inline_keyboard: keyboard } }) });
  });

  staff.callbackQuery(PROMOTE_PATTERN, async (ctx) => {
    const reportId = Number(ctx.match[1]);
    const promoted = await deps.notProblems.promote(reportId, { type: 'staff', userId: ctx.from.id });
    await ctx.answerCallbackQuery();
    await ctx.reply(
      promoted.success ? tr.t(lang, 'inbox.other.promoted', { ticket: reportId, id: promoted.data.problemId }) : tr.t(lang, 'inbox.other.gone', { ticket: reportId }),
      { parse_mode: 'HTML' },
    );
    ctx.logger.info({ reportId, promoted: promoted.success }, 'chit-chat promoted to a report');
  });
  return composer;
}
