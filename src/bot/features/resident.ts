import { Composer, InlineKeyboard } from 'grammy';
import type { Message } from 'grammy/types';
import type { Catalogue } from '../../domain/categories.ts';
import type { Language } from '../../domain/classification.ts';
import { formatDate } from '../../domain/time.ts';
import type { Translator } from '../../i18n/i18n.ts';
import type { Forgetting } from '../../intake/forget.ts';
import type { IncomingReport, Intake } from '../../intake/intake.ts';
import type { ReportStore } from '../../intake/report-store.ts';
import { withBusyRetry } from '../../db/database.ts';
import type { BotContext } from '../context.ts';

export interface ResidentFeatureDeps {
  intake: Intake;
  reports: ReportStore;
  forgetting: Forgetting;
  tr: Translator;
  catalogue: Catalogue;
  timezone: string;
  /** A report was stored: the pipeline takes it from here. */
  onReport: () => void;
}

const MY_LIMIT = 10;

/** Everything a resident does in a private chat: commands, and reports (any text or captioned media). */
export function createResidentFeature(deps: ResidentFeatureDeps): Composer<BotContext> {
  const { intake, reports, tr, catalogue } = deps;
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType('private');

  privateChat.command('start', async (ctx) => {
    intake.touchResident(ctx.from.id, ctx.chat.id, ctx.language);
    await ctx.reply(`${tr.t(ctx.language, 'welcome')}\n\n${tr.t(ctx.language, 'help')}`, { parse_mode: 'HTML' });
  });

  privateChat.command('help', (ctx) => ctx.reply(tr.t(ctx.language, 'help'), { parse_mode: 'HTML' }));

  privateChat.command('lang', async (ctx) => {
    const wanted = ctx.match.trim().toLowerCase();
    if (wanted.startsWith('zh') || wanted.startsWith('中') || wanted.startsWith('en')) {
      const language: Language = wanted.startsWith('en') ? 'en' : 'zh';
      intake.chooseLanguage(ctx.from.id, ctx.chat.id, language);
      await ctx.reply(tr.t(language, 'lang.set'));
      return;
    }
    await ctx.reply(tr.t(ctx.language, 'lang.choose'), {
      reply_markup: new InlineKeyboard().text('中文', 'lang:zh').text('English', 'lang:en'),
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
      await ctx.reply(tr.t(ctx.language, 'my.empty'));
      return;
    }
    const lines = mine.lines.map((line) =>
      tr.t(ctx.language, 'my.line', {
        ticket: line.id,
        category: line.category ? catalogue.name(line.category, ctx.language) : '—',
        status: tr.t(ctx.language, `status.${line.problemStatus ?? (line.state === 'received' ? 'received' : 'new')}`),
        date: formatDate(line.receivedAt, deps.timezone),
      }),
    );
    if (mine.total > mine.lines.length) lines.push(tr.t(ctx.language, 'my.more', { n: mine.total - mine.lines.length }));
    await ctx.reply([tr.t(ctx.language, 'my.header'), ...lines].join('\n'), { parse_mode: 'HTML' });
  });

  privateChat.command('forget', (ctx) =>
    ctx.reply(tr.t(ctx.language, 'forget.confirm'), {
      reply_markup: new InlineKeyboard().text(tr.t(ctx.language, 'forget.yes'), 'forget:yes').text(tr.t(ctx.language, 'forget.no'), 'forget:no'),
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
    await ctx.reply(tr.t(ctx.language, 'help'), { parse_mode: 'HTML' });
  });

  privateChat.on(['message:text', 'message:caption'], async (ctx) => {
    const report = toReport(ctx.message, ctx.from.id, ctx.language);
    if (!report) {
      await ctx.reply(tr.t(ctx.language, 'not_text'));
      return;
    }
    const received = await withBusyRetry(
      () => intake.receive(report),
      (attempt) => ctx.logger.warn({ attempt }, 'database busy while storing a report; waiting'),
    );
    ctx.logger.info({ reportId: received.reportId, created: received.created, flooded: received.flooded }, 'report stored');
    if (received.created) deps.onReport();
  });

  privateChat.on('edited_message', async (ctx) => {
    await ctx.reply(tr.t(ctx.language, 'edited'), { reply_parameters: { message_id: ctx.editedMessage.message_id, allow_sending_without_reply: true } });
  });

  // Stickers, voice notes, locations, contacts, photos without a caption…: ask for words.
  privateChat.on('message', (ctx) => ctx.reply(tr.t(ctx.language, 'not_text')));

  return composer;
}

function toReport(message: Message, userId: number, language: Language): IncomingReport | undefined {
  const text = message.text ?? message.caption;
  if (text === undefined || text.trim() === '') return undefined;
  const media = message.photo
    ? { kind: 'photo' as const, fileId: message.photo[message.photo.length - 1]!.file_id }
    : message.video
      ? { kind: 'video' as const, fileId: message.video.file_id }
      : message.animation
        ? { kind: 'animation' as const, fileId: message.animation.file_id }
        : message.document
          ? { kind: 'document' as const, fileId: message.document.file_id }
          : undefined;
  return { chatId: message.chat.id, messageId: message.message_id, userId, language, text, ...(media && { media }) };
}
