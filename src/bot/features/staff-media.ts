import { Composer } from 'grammy';
import type { ReportStore } from '../../intake/report-store.ts';
import { MEDIA_KINDS, mediaMark, type MediaKind } from '../../media/media.ts';
import type { Outbox } from '../../outbox/outbox.ts';
import type { BotContext } from '../context.ts';
import { staffChatsOnly, type StaffChatDeps } from './staff-common.ts';

export interface StaffMediaDeps extends StaffChatDeps {
  reports: ReportStore;
  outbox: Outbox;
  /** Something was queued: the sender should look now. */
  onQueued: () => void;
}

const isMediaKind = (kind: string | null): kind is MediaKind => (MEDIA_KINDS as readonly string[]).includes(kind ?? '');

/**
 * The "original" button under /problem N (issue 16): the resident's voice note or photo, sent again to the staff
 * chat by its file id through the outbox (no download, no copy kept by the bot).
 */
export function createStaffMediaFeature(deps: StaffMediaDeps): Composer<BotContext> {
  const { tr } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();
  const staff = staffChatsOnly(composer, deps.isStaffChat);
  staff.callbackQuery(/^rm:(\d{1,12})$/, async (ctx) => {
    const report = deps.reports.get(Number(ctx.match[1]));
    const kind = report?.mediaKind ?? null;
    if (!report || report.mediaFileId === null || !isMediaKind(kind)) {
      await ctx.answerCallbackQuery({ text: tr.t(lang, 'staff.media.gone') });
      return;
    }
    await ctx.answerCallbackQuery();
    const queued = deps.outbox.enqueue({
      // One copy per press (the update), so pressing again later sends it again.
      dedupeKey: `original:${report.id}:${ctx.chat!.id}:${ctx.update.update_id}`,
      chatId: ctx.chat!.id,
      kind: 'reply',
      message: { type: 'telegram_file', media: kind, fileId: report.mediaFileId, captionHtml: tr.t(lang, 'staff.media.caption', { mark: mediaMark(kind), ticket: report.id }) },
    });
    if (queued) deps.onQueued();
  });
  return composer;
}
