import type { Composer } from 'grammy';
import type { Language } from '../../domain/classification.ts';
import type { Translator } from '../../i18n/i18n.ts';
import type { Button } from '../../outbox/outbox.ts';
import type { Actor } from '../../problems/problem.ts';
import type { BotContext } from '../context.ts';
import { replyFitted } from '../reply-fitted.ts';
import { keyboard } from '../telegram-transport.ts';

/** What every staff feature needs: who is staff, and the language of everything posted to staff chats. */
export interface StaffChatDeps {
  tr: Translator;
  isStaffChat: (chatId: number) => boolean;
  staffLanguage: Language;
}

/** The part of a composer only chats in STAFF_CHAT_IDS reach; every other update passes on untouched. */
export function staffChatsOnly(composer: Composer<BotContext>, isStaffChat: (chatId: number) => boolean): Composer<BotContext> {
  return composer.filter((ctx) => ctx.chat !== undefined && isStaffChat(ctx.chat.id));
}

/** A reply in a staff chat, fitted to Telegram's limits, with its buttons under the last part. */
export async function replyToStaff(ctx: BotContext, html: string, buttons?: Button[][]): Promise<void> {
  await replyFitted(ctx, html, { link_preview_options: { is_disabled: true }, ...(buttons?.length && { reply_markup: keyboard(buttons) }) });
}

/** The one-line "usage: …" answer to a command with bad arguments. */
export const usageLine = (deps: StaffChatDeps, usage: string): string => deps.tr.t(deps.staffLanguage, 'staff.usage', { usage });

/** A problem number as staff write it (`12` or `#12`); undefined for anything else. */
export const problemNumber = (s: string | undefined): number | undefined => (s && /^#?\d{1,12}$/.test(s) ? Number(s.replace('#', '')) : undefined);

/** Every staff action is the staff member's: their Telegram id goes into the problem's history. */
export const staffActor = (ctx: BotContext): Actor => ({ type: 'staff', userId: ctx.from?.id ?? 0 });
