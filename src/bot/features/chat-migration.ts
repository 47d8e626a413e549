import { Composer } from 'grammy';
import type { StaffChats } from '../../intake/staff-chats.ts';
import type { BotContext } from '../context.ts';

/**
 * A staff group upgraded to a supergroup changes its id for good. Telegram says so twice: "migrated to" in the old
 * group and "migrated from" in the new supergroup; either may arrive first, or only one. Installed first, so that
 * the new chat is a staff chat before any feature looks at it.
 */
export function createChatMigrationFeature(deps: { staffChats: StaffChats; also?: ReadonlyArray<{ migrate(from: number, to: number): unknown }> }): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  // Other chats that must follow an upgrade too (units' bound chats).
  const migrate = (from: number, to: number) => {
    deps.staffChats.migrate(from, to);
    for (const chats of deps.also ?? []) chats.migrate(from, to);
  };
  // Only Telegram writes these service messages; a person cannot forge one through the Bot API.
  composer.on('message:migrate_to_chat_id', (ctx) => migrate(ctx.chat.id, ctx.message.migrate_to_chat_id));
  composer.on('message:migrate_from_chat_id', (ctx) => migrate(ctx.message.migrate_from_chat_id, ctx.chat.id));
  return composer;
}
