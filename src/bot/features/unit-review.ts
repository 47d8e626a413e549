import { Composer } from 'grammy';
import { formatDate } from '../../domain/time.ts';
import type { UnitDesk } from '../../dispatch/unit-desk.ts';
import type { UnitRegistry } from '../../units/unit-registry.ts';
import type { BotContext } from '../context.ts';
import { staffChatsOnly, type StaffChatDeps } from './staff-common.ts';

export interface UnitReviewFeatureDeps extends StaffChatDeps {
  unitDesk: UnitDesk;
  units: UnitRegistry;
  timezone: string;
}

/** The bureau's answers to units' requests: approve or refuse an extension, approve or send back a result. */
export function createUnitReviewFeature(deps: UnitReviewFeatureDeps): Composer<BotContext> {
  const { tr, unitDesk } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();
  const bureau = staffChatsOnly(composer, deps.isStaffChat);
  // "Send back" prompts waiting for the reason, by chat and prompt message.
  const rejectPrompts = new Map<string, number>();
  const reply = (ctx: BotContext, html: string) => ctx.reply(html, { parse_mode: 'HTML' });

  bureau.callbackQuery(/^ux:(ok|no):(\d{1,12})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const approve = ctx.match[1] === 'ok';
    const result = unitDesk.decideExtension(Number(ctx.match[2]), approve, ctx.from.id);
    if (!result.ok) return void (await reply(ctx, tr.t(lang, 'bureau.request_gone')));
    const r = result.value;
    await reply(ctx, tr.t(lang, approve ? 'bureau.extend_approved' : 'bureau.extend_refused', { id: r.problemId, deadline: r.deadlineAt ? formatDate(r.deadlineAt, deps.timezone) : '—' }));
  });

  bureau.callbackQuery(/^uv:(ok|no):(\d{1,12})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const requestId = Number(ctx.match[2]);
    if (ctx.match[1] === 'ok') {
      const result = unitDesk.decideReview(requestId, true, ctx.from.id);
      return void (await reply(ctx, result.ok ? tr.t(lang, 'bureau.review_approved', { id: result.value.problemId }) : tr.t(lang, 'bureau.request_gone')));
    }
    const request = unitDesk.openRequest(requestId);
    if (!request) return void (await reply(ctx, tr.t(lang, 'bureau.request_gone')));
    const prompt = await ctx.reply(tr.t(lang, 'bureau.review_reject_prompt', { id: request.problemId }), { parse_mode: 'HTML', reply_markup: { force_reply: true, selective: true } });
    rejectPrompts.set(`${prompt.chat.id}:${prompt.message_id}`, requestId);
  });

  bureau.on('message:text', async (ctx, next) => {
    const replyTo = ctx.message.reply_to_message;
    const key = replyTo && replyTo.from?.id === ctx.me.id ? `${ctx.chat.id}:${replyTo.message_id}` : undefined;
    const requestId = key ? rejectPrompts.get(key) : undefined;
    if (!key || requestId === undefined) return next();
    rejectPrompts.delete(key);
    const result = unitDesk.decideReview(requestId, false, ctx.from.id, ctx.message.text.trim());
    await reply(ctx, result.ok ? tr.t(lang, 'bureau.review_rejected', { id: result.value.problemId, unit: deps.units.displayName(result.value.unitId) }) : tr.t(lang, 'bureau.request_gone'));
  });

  return composer;
}
