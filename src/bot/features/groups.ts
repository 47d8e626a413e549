import { Composer } from 'grammy';
import type { Translator } from '../../i18n/i18n.ts';
import type { BotContext } from '../context.ts';

/**
 * Group chats that are not staff chats: the bot reveals nothing there. It only points people to a
 * private chat, and logs where it was added so the operator can make a group a staff chat.
 */
export function createGroupsFeature(deps: { tr: Translator; isStaffChat: (chatId: number) => boolean }): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const outsiders = composer.chatType(['group', 'supergroup', 'channel']).filter((ctx) => !deps.isStaffChat(ctx.chat.id));

  outsiders.on('my_chat_member', (ctx) => {
    ctx.logger.info(
      { chatId: ctx.chat.id, title: 'title' in ctx.chat ? ctx.chat.title : undefined, status: ctx.myChatMember.new_chat_member.status },
      'the bot was added to or removed from a chat that is not in STAFF_CHAT_IDS',
    );
  });
  outsiders.command(['start', 'help'], (ctx) => ctx.reply(deps.tr.t(ctx.language, 'group.not_staff')));
  // Everything else from outsiders, including staff commands and buttons, ends here.
  outsiders.on('callback_query', (ctx) => ctx.answerCallbackQuery());
  outsiders.use(() => undefined);
  return composer;
}
