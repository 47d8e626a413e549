import { Composer } from 'grammy';
import type { Language } from '../../domain/classification.ts';
import type { Translator } from '../../i18n/i18n.ts';
import type { BotContext } from '../context.ts';

export interface StaffFeatureDeps {
  tr: Translator;
  isStaffChat: (chatId: number) => boolean;
  staffLanguage: Language;
}

/** Staff work in their group chats; everything here is reachable only from a chat in STAFF_CHAT_IDS. */
export function createStaffFeature(deps: StaffFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const staff = composer.filter((ctx) => ctx.chat !== undefined && deps.isStaffChat(ctx.chat.id));
  staff.command(['start', 'help'], (ctx) => ctx.reply(deps.tr.t(deps.staffLanguage, 'staff.help'), { parse_mode: 'HTML' }));
  return composer;
}
