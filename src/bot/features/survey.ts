import { Composer } from 'grammy';
import type { Translator } from '../../i18n/i18n.ts';
import type { Intake } from '../../intake/intake.ts';
import type { Outbox } from '../../outbox/outbox.ts';
import type { FixedAnswer, ProblemDesk } from '../../desk/problem-desk.ts';
import { SURVEY_PATTERN, type ResidentNotices } from '../../replies/resident-notices.ts';
import type { BotContext } from '../context.ts';
import { keyboard } from '../telegram-transport.ts';

/**
 * The resident's side of "is it fixed?": survey buttons (a second tap changes the answer) and a comment
 * given by replying to the survey message. Only the resident who filed the report can answer for it.
 */
export function createSurveyFeature(deps: { intake: Intake; desk: ProblemDesk; outbox: Outbox; tr: Translator; notices: ResidentNotices }): Composer<BotContext> {
  const { intake, desk, tr } = deps;
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType('private');

  privateChat.callbackQuery(SURVEY_PATTERN, async (ctx) => {
    const [, question, reportText, value] = ctx.match;
    const reportId = Number(reportText);
    const resident = intake.resident(ctx.from.id);
    const answer = question === 'f' ? { fixed: value as FixedAnswer } : { rating: Number(value) };
    const result = resident ? desk.answerSurvey(reportId, resident.id, answer) : { success: false as const, message: 'unknown resident' };
    if (!result.success) {
      await ctx.answerCallbackQuery({ text: tr.t(ctx.language, 'survey.not_yours') });
      return;
    }
    await ctx.answerCallbackQuery({ text: tr.t(ctx.language, result.data.reopened ? 'survey.reopened' : 'survey.thanks') });
    const state = desk.surveyState(reportId);
    await ctx
      .editMessageReplyMarkup({ reply_markup: keyboard(deps.notices.surveyButtons(ctx.language, reportId, state)) })
      .catch((error: unknown) => ctx.logger.debug({ err: error }, 'survey buttons unchanged'));
  });

  // A reply to our survey message is a comment on it, not a new report.
  privateChat.on('message:text', async (ctx, next) => {
    const replyTo = ctx.message.reply_to_message;
    if (!replyTo || replyTo.from?.id !== ctx.me.id) return next();
    const sent = deps.outbox.findSent(ctx.chat.id, replyTo.message_id);
    if (sent?.kind !== 'survey' || sent.message.type !== 'text') return next();
    const match = /^sv:f:(\d+):/.exec(sent.message.buttons?.[0]?.[0]?.data ?? '');
    const resident = intake.resident(ctx.from.id);
    if (!match || !resident) return next();
    const result = desk.answerSurvey(Number(match[1]), resident.id, { comment: ctx.message.text });
    if (!result.success) return next();
    await ctx.reply(tr.t(ctx.language, 'survey.comment_saved'));
  });

  return composer;
}
