import { Composer } from 'grammy';
import type { Message } from 'grammy/types';
import { detectLanguage } from '../../domain/classification.ts';
import { escapeHtml } from '../../i18n/html.ts';
import type { StaffQuestions } from '../../questions/staff-questions.ts';
import type { BotContext } from '../context.ts';
import { replyFitted } from '../reply-fitted.ts';
import type { StaffChatDeps } from './staff-common.ts';

export interface StaffQuestionsFeatureDeps extends StaffChatDeps {
  questions: StaffQuestions;
  /** A unit's own group: its units (empty for any other chat); its questions are answered from those units' problems only. */
  unitScope?: (chatId: number) => readonly string[];
}

/**
 * Questions in plain words in a staff chat: a message that mentions the bot (@bot …) or replies to one of
 * its messages, and is not a command. Install it last among the staff features: replies other features
 * are waiting for (a resolution note) must reach them first.
 */
export function createStaffQuestionsFeature(deps: StaffQuestionsFeatureDeps): Composer<BotContext> {
  const { tr, questions, staffLanguage: lang } = deps;
  const composer = new Composer<BotContext>();
  const scopeOf = (chatId: number) => (deps.isStaffChat(chatId) ? undefined : deps.unitScope?.(chatId));
  // A unit's private chat is also its principal's resident chat: what they write there is a report, not a question.
  const staff = composer.filter(
    (ctx) => ctx.chat !== undefined && (deps.isStaffChat(ctx.chat.id) || (ctx.chat.type !== 'private' && (scopeOf(ctx.chat.id)?.length ?? 0) > 0)),
  );

  staff.on('message:text', async (ctx, next) => {
    const message = ctx.message;
    const scope = scopeOf(ctx.chat.id);
    if (isCommand(message)) return next();
    const mentioned = mentions(message, ctx.me.username);
    const repliedTo = message.reply_to_message?.from?.id === ctx.me.id;
    if (!mentioned && !repliedTo) return next();

    const question = withoutMentions(message, ctx.me.username).trim();
    const replyTo = { reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true } };
    const commands = tr.t(lang, scope ? 'unit.help' : 'staff.help');
    if (question === '') {
      await ctx.reply(`${tr.t(lang, 'questions.hint', { bot: `@${ctx.me.username}` })}\n\n${commands}`, { parse_mode: 'HTML', ...replyTo });
      return;
    }
    if (!questions.available) {
      await ctx.reply(`${tr.t(lang, 'questions.no_llm')}\n\n${commands}`, { parse_mode: 'HTML', ...replyTo });
      return;
    }

    await ctx.replyWithChatAction('typing').catch(() => undefined);
    const answer = await questions.answer(question, detectLanguage(question), scope);
    if (!answer.success) {
      // The reason's first words only: a refusal or a provider's error message can quote the question.
      ctx.logger.warn({ reason: answer.message.split(':')[0]!.slice(0, 60) }, 'could not answer a staff question');
      await ctx.reply(`${tr.t(lang, 'questions.failed')}\n\n${commands}`, { parse_mode: 'HTML', ...replyTo });
      return;
    }
    ctx.logger.info({ tools: answer.data.tools, unitScope: scope !== undefined }, 'answered a staff question');
    // An LLM answer has no length of its own: it is fitted like everything else the bot sends.
    await replyFitted(ctx, escapeHtml(answer.data.text), { link_preview_options: { is_disabled: true }, ...replyTo });
  });

  return composer;
}

const isCommand = (message: Message) => message.entities?.some((e) => e.type === 'bot_command' && e.offset === 0) ?? false;

/** The parts of the text that are @mentions of this bot. */
function botMentions(message: Message, username: string) {
  const text = message.text ?? '';
  const handle = `@${username}`.toLowerCase();
  return (message.entities ?? []).filter((e) => e.type === 'mention' && text.slice(e.offset, e.offset + e.length).toLowerCase() === handle);
}

const mentions = (message: Message, username: string) => botMentions(message, username).length > 0;

function withoutMentions(message: Message, username: string): string {
  let text = message.text ?? '';
  // From the end, so earlier offsets stay valid.
  for (const e of botMentions(message, username).sort((a, b) => b.offset - a.offset)) text = text.slice(0, e.offset) + text.slice(e.offset + e.length);
  return text.replace(/\s+/g, ' ');
}
