import { Composer } from 'grammy';
import type { Catalogue } from '../../domain/categories.ts';
import type { Language } from '../../domain/classification.ts';
import { recentPeriod } from '../../domain/periods.ts';
import { splitMessage } from '../../i18n/html.ts';
import type { Translator } from '../../i18n/i18n.ts';
import type { Intake } from '../../intake/intake.ts';
import type { KnowledgeFolder } from '../../knowledge/knowledge-folder.ts';
import type { KnowledgeStore } from '../../knowledge/knowledge-store.ts';
import type { KnowledgeFeedback } from '../../pipeline/knowledge-feedback.ts';
import { KNOWLEDGE_PATTERN, type KnowledgeReplies } from '../../replies/knowledge-replies.ts';
import type { BotContext } from '../context.ts';

export interface KnowledgeFeatureDeps {
  intake: Intake;
  folder: KnowledgeFolder;
  store: KnowledgeStore;
  feedback: KnowledgeFeedback;
  replies: KnowledgeReplies;
  catalogue: Catalogue;
  tr: Translator;
  isStaffChat: (chatId: number) => boolean;
  staffLanguage: Language;
  timezone: string;
  now: () => number;
}

/**
 * The knowledge base in Telegram: the resident's yes/no under an answer, and for staff `/kb` (entries,
 * expired ones, file problems), `/kb reload` and `/questions [7d|30d]` (what residents asked that the base
 * did not answer). Staff commands outside staff chats pass on untouched and reveal nothing.
 */
export function createKnowledgeFeature(deps: KnowledgeFeatureDeps): Composer<BotContext> {
  const { tr, folder, replies } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();

  composer.chatType('private').callbackQuery(KNOWLEDGE_PATTERN, async (ctx) => {
    const [, choice, reportText] = ctx.match;
    const resident = deps.intake.resident(ctx.from.id);
    const result = resident ? deps.feedback.answer(Number(reportText), resident.id, choice === 'y') : { success: false as const, message: 'unknown resident' };
    if (!result.success) {
      await ctx.answerCallbackQuery({ text: tr.t(ctx.language, 'kb.stale') });
      return;
    }
    await ctx.answerCallbackQuery({ text: tr.t(ctx.language, result.data.status === 'answered' ? 'kb.thanks_yes' : 'kb.thanks_no') });
    // The question is decided: the buttons go, so the message cannot be answered twice.
    await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch((error: unknown) => ctx.logger.debug({ err: error }, 'answer buttons already gone'));
  });

  const staff = composer.filter((ctx) => ctx.chat !== undefined && deps.isStaffChat(ctx.chat.id));

  async function send(ctx: BotContext, html: string): Promise<void> {
    for (const part of splitMessage(html)) await ctx.reply(part, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
  }

  staff.command('kb', async (ctx) => {
    const argument = ctx.match.trim().toLowerCase();
    if (argument === 'reload') {
      folder.reload();
      const view = folder.snapshot();
      ctx.logger.info({ entries: view.usable.length, expired: view.expired.length, problems: view.problems.length }, 'knowledge base reloaded by staff');
      return send(ctx, replies.reloaded(lang, { usable: view.usable.length, expired: view.expired.length, problems: view.problems }));
    }
    if (argument !== '') return send(ctx, tr.t(lang, 'kb.usage'));
    await send(ctx, replies.entryList(lang, folder.snapshot()));
  });

  staff.command('questions', async (ctx) => {
    const name = ctx.match.trim().toLowerCase() || '7d';
    if (name !== '7d' && name !== '30d') return send(ctx, tr.t(lang, 'kb.questions_usage'));
    const period = recentPeriod(name, deps.now(), deps.timezone);
    const counts = deps.store.counts(period.start, period.end);
    const gaps = deps.store.gaps(period.start, period.end, 20);
    await send(ctx, replies.gaps(lang, name, { answered: counts.answered, unanswered: counts.declined + counts.unmatched }, gaps, (id) => deps.catalogue.name(id, lang)));
  });

  return composer;
}
