import { Composer } from 'grammy';
import type { Message } from 'grammy/types';
import type { Catalogue } from '../../domain/categories.ts';
import type { Language } from '../../domain/classification.ts';
import { formatDate } from '../../domain/time.ts';
import type { Translator } from '../../i18n/i18n.ts';
import type { Forgetting } from '../../intake/forget.ts';
import type { IncomingReport, Intake } from '../../intake/intake.ts';
import type { ReportStore } from '../../intake/report-store.ts';
import { withBusyRetry } from '../../db/database.ts';
import type { DirectReplies } from '../../outbox/direct-replies.ts';
import type { Button } from '../../outbox/outbox.ts';
import type { BotContext } from '../context.ts';
import { SELF_STANDING, type MediaFile, type MediaKind } from '../../media/media.ts';

export interface ResidentFeatureDeps {
  intake: Intake;
  reports: ReportStore;
  forgetting: Forgetting;
  tr: Translator;
  catalogue: Catalogue;
  timezone: string;
  /** A report was stored: the pipeline takes it from here. */
  onReport: () => void;
  /** Answers go through the outbox, so a handler never waits for Telegram (see DirectReplies). */
  replies: DirectReplies;
}

const MY_LIMIT = 10;

/** Everything a resident does in a private chat: commands, and reports (any text or captioned media). */
export function createResidentFeature(deps: ResidentFeatureDeps): Composer<BotContext> {
  const { intake, reports, tr, catalogue } = deps;
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType('private');
  const say = (ctx: BotContext & { chat: { id: number } }, html: string, extra: { buttons?: Button[][]; replyTo?: number } = {}) =>
    void deps.replies.answer(ctx.chat.id, ctx.update.update_id, ctx.language, { type: 'text', html, ...extra });

  privateChat.command('start', async (ctx) => {
    intake.touchResident(ctx.from.id, ctx.chat.id, ctx.language);
    say(ctx, `${tr.t(ctx.language, 'welcome')}\n\n${tr.t(ctx.language, 'help')}`);
  });

  privateChat.command('help', (ctx) => say(ctx, tr.t(ctx.language, 'help')));

  privateChat.command('lang', async (ctx) => {
    const wanted = ctx.match.trim().toLowerCase();
    if (wanted.startsWith('zh') || wanted.startsWith('中') || wanted.startsWith('en')) {
      const language: Language = wanted.startsWith('en') ? 'en' : 'zh';
      intake.chooseLanguage(ctx.from.id, ctx.chat.id, language);
      ctx.language = language;
      say(ctx, tr.t(language, 'lang.set'));
      return;
    }
    say(ctx, tr.t(ctx.language, 'lang.choose'), {
      buttons: [[{ text: '中文', data: 'lang:zh' }, { text: 'English', data: 'lang:en' }]],
    });
  });

  privateChat.callbackQuery(/^lang:(zh|en)$/, async (ctx) => {
    const language = ctx.match[1] as Language;
    intake.chooseLanguage(ctx.from.id, ctx.chat.id, language);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(tr.t(language, 'lang.set'));
  });

  privateChat.command('my', async (ctx) => {
    const resident = intake.resident(ctx.from.id);
    const mine = resident ? reports.forResident(resident.id, MY_LIMIT) : { lines: [], total: 0 };
    if (mine.total === 0) {
      say(ctx, tr.t(ctx.language, 'my.empty'));
      return;
    }
    const lines = mine.lines.map((line) =>
      tr.t(ctx.language, 'my.line', {
        ticket: line.id,
        category: line.category ? catalogue.name(line.category, ctx.language) : '—',
        status: tr.t(ctx.language, `status.${line.settledAs ?? line.problemStatus ?? (line.state === 'received' ? 'received' : 'new')}`),
        date: formatDate(line.receivedAt, deps.timezone),
      }),
    );
    if (mine.total > mine.lines.length) lines.push(tr.t(ctx.language, 'my.more', { n: mine.total - mine.lines.length }));
    say(ctx, [tr.t(ctx.language, 'my.header'), ...lines].join('\n'));
  });

  privateChat.command('forget', (ctx) =>
    say(ctx, tr.t(ctx.language, 'forget.confirm'), {
      buttons: [[{ text: tr.t(ctx.language, 'forget.yes'), data: 'forget:yes' }, { text: tr.t(ctx.language, 'forget.no'), data: 'forget:no' }]],
    }),
  );

  privateChat.callbackQuery(/^forget:(yes|no)$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    if (ctx.match[1] === 'no') {
      await ctx.editMessageText(tr.t(ctx.language, 'forget.cancelled'));
      return;
    }
    const erased = deps.forgetting.forget(ctx.from.id);
    await ctx.editMessageText(erased === undefined ? tr.t(ctx.language, 'forget.nothing') : tr.t(ctx.language, 'forget.done', { n: erased }));
  });

  // Any other command is not a report: show what the bot understands.
  privateChat.on('message:entities:bot_command', async (ctx, next) => {
    const first = ctx.message.entities[0];
    if (first?.offset !== 0) return next();
    say(ctx, tr.t(ctx.language, 'help'));
  });

  // Text, captioned media, and a voice note, audio, video note or photo sent alone (issue 16): all are reports.
  privateChat.on(['message:text', 'message:caption', 'message:voice', 'message:audio', 'message:video_note', 'message:photo'], async (ctx) => {
    const report = toReport(ctx.message, ctx.from.id, ctx.language);
    if (!report) {
      say(ctx, tr.t(ctx.language, 'not_text'));
      return;
    }
    const received = await withBusyRetry(
      () => intake.receive(report),
      (attempt) => ctx.logger.warn({ attempt }, 'database busy while storing a report; waiting'),
    );
    ctx.logger.info({ reportId: received.reportId, created: received.created, flooded: received.flooded }, 'report stored');
    if (received.created) deps.onReport();
  });

  privateChat.on('edited_message', (ctx) => say(ctx, tr.t(ctx.language, 'edited'), { replyTo: ctx.editedMessage.message_id }));

  // Stickers, locations, contacts, files or videos without a caption…: ask for words.
  privateChat.on('message', (ctx) => say(ctx, tr.t(ctx.language, 'not_text')));

  return composer;
}

function toReport(message: Message, userId: number, language: Language): IncomingReport | undefined {
  const text = message.text ?? message.caption ?? '';
  const media = mediaOf(message);
  // Media that says something by itself (sound, a photo) is a report without words; a bare file or video is not.
  if (text.trim() === '' && !(media && SELF_STANDING.has(media.kind))) return undefined;
  return { chatId: message.chat.id, messageId: message.message_id, userId, language, text, ...(media && { media }) };
}

/** What Telegram told us about the message's file; the largest size of a photo. */
function mediaOf(message: Message): MediaFile | undefined {
  const file = (kind: MediaKind, f: { file_id: string; file_unique_id: string; file_size?: number; duration?: number; mime_type?: string }): MediaFile => ({
    kind,
    fileId: f.file_id,
    fileUniqueId: f.file_unique_id,
    ...(f.duration !== undefined && { duration: f.duration }),
    ...(f.file_size !== undefined && { size: f.file_size }),
    ...(f.mime_type !== undefined && { mimeType: f.mime_type }),
  });
  const photo = message.photo?.at(-1);
  if (photo) return { ...file('photo', photo), mimeType: 'image/jpeg' };
  if (message.voice) return file('voice', message.voice);
  if (message.audio) return file('audio', message.audio);
  if (message.video_note) return file('video_note', message.video_note);
  if (message.video) return file('video', message.video);
  if (message.animation) return file('animation', message.animation);
  if (message.document) return file('document', message.document);
  return undefined;
}
