import { Composer } from 'grammy';
import type { Translator } from '../../i18n/i18n.ts';
import type { BotContext } from '../context.ts';

/**
 * Group chats that are not staff chats: the bot reveals nothing there. It only points people to a
 * private chat, and logs where it was added so the operator can make a group a staff chat.
 */
export function createGroupsFeature(deps: {
  tr: Translator;
  isStaffChat: (chatId: number) => boolean;
  /** A group is pointed to a private chat at most once in this long (default a minute). */
  answerEveryMs?: number;
  now?: () => number;
}): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const now = deps.now ?? Date.now;
  const every = deps.answerEveryMs ?? 60_000;
  // When each outsider group was last answered: one account spamming /help across many groups gets one
  // pointer per group per window, so nothing it sends makes the bot wait for Telegram's per-group pace.
  const answeredAt = new Map<number, number>();
  const mayAnswer = (chatId: number): boolean => {
    const at = now();
    if (at - (answeredAt.get(chatId) ?? -Infinity) < every) return false;
    if (answeredAt.size >= 10_000) for (const [id, t] of answeredAt) if (at - t >= every) answeredAt.delete(id);
    answeredAt.set(chatId, at);
    return true;
  };
  const outsiders = composer.chatType(['group', 'supergroup', 'channel']).filter((ctx) => !deps.isStaffChat(ctx.chat.id));

  outsiders.on('my_chat_member', (ctx) => {
    ctx.logger.info(
      // Ids only: a group's title is whatever its creator typed.
      { chatId: ctx.chat.id, status: ctx.myChatMember.new_chat_member.status },
      'the bot was added to or removed from a chat that is not in STAFF_CHAT_IDS',
    );
  });
  outsiders.command(['start', 'help'], async (ctx) => {
    if (mayAnswer(ctx.chat.id)) await ctx.reply(deps.tr.t(ctx.language, 'group.not_staff'));
  });
  // Everything else from outsiders, including staff commands and buttons, ends here.
  outsiders.on('callback_query', (ctx) => ctx.answerCallbackQuery());
  outsiders.use(() => undefined);
  return composer;
}
