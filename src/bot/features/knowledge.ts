import { Composer } from 'grammy';
import type { Catalogue } from '../../domain/categories.ts';
import type { Language } from '../../domain/classification.ts';
import { recentPeriod } from '../../domain/periods.ts';
import { splitMessage } from '../../i18n/html.ts';
import type { Translator } from '../../i18n/i18n.ts';
import type { Intake } from '../../intake/intake.ts';
import type { KnowledgeFolder } from '../../knowledge/knowledge-folder.ts';
import type { KnowledgeStore } from '../../knowledge/knowledge-store.ts';
import { checkPending, PENDING_DIR, type PendingEntries } from '../../knowledge/pending-entry.ts';
import type { ProblemStore } from '../../problems/problem-store.ts';
import type { KnowledgeFeedback } from '../../pipeline/knowledge-feedback.ts';
import type { Button } from '../../outbox/outbox.ts';
import { KNOWLEDGE_PATTERN, NONE_OF_THESE, SUGGESTION_PATTERN, type KnowledgeReplies } from '../../replies/knowledge-replies.ts';
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
  /** "Add to knowledge base" from a resolved inquiry; absent: /kb add is not offered. */
  pending?: { entries: PendingEntries; problems: PendingProblems };
}

/** Callback data of "add to knowledge base": kbadd:<problem>. */
export const ADD_TO_KNOWLEDGE_PATTERN = /^kbadd:(\d{1,9})$/;
const addToKnowledgeData = (problemId: number) => `kbadd:${problemId}`;

/** The button, for any staff message about a resolved inquiry. */
export const addToKnowledgeButton = (tr: Translator, language: Language, problemId: number) => ({
  text: tr.t(language, 'kb.add_button'),
  callback_data: addToKnowledgeData(problemId),
});

type PendingProblems = Pick<ProblemStore, 'get' | 'history' | 'sampleTextsOf'>;

/** The problem as a draft entry may be written from it, checked again at every press. */
function pendingCheck(problems: PendingProblems, problemId: number) {
  const problem = problems.get(problemId);
  return checkPending(problem, problem ? problems.history(problemId) : [], problem ? (problems.sampleTextsOf([problemId], 1).get(problemId) ?? []) : []);
}

/**
 * The 📥 button under the staff's "resolved" confirmation, when what was resolved is an inquiry with an answer:
 * one press writes the draft (the same callback as `/kb add N`). No button for anything else.
 */
export function resolvedInquiryButtons(deps: { tr: Translator; staffLanguage: Language; problems: PendingProblems }): (problemId: number) => Button[][] {
  return (problemId) => (pendingCheck(deps.problems, problemId).ok ? [[{ text: deps.tr.t(deps.staffLanguage, 'kb.add_button'), data: addToKnowledgeData(problemId) }]] : []);
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

  // "您是想问…?": a suggestion picked (its entry follows with yes/no) or "none of these" (a ticket, like "no").
  composer.chatType('private').callbackQuery(SUGGESTION_PATTERN, async (ctx) => {
    const [, reportText, choiceText] = ctx.match;
    const reportId = Number(reportText);
    const choice = choiceText === NONE_OF_THESE ? ('none' as const) : Number(choiceText);
    const resident = deps.intake.resident(ctx.from.id);
    const result = resident ? deps.feedback.pick(reportId, resident.id, choice) : { success: false as const, message: 'unknown resident' };
    if (!result.success) {
      await ctx.answerCallbackQuery({ text: tr.t(ctx.language, 'kb.stale') });
      return;
    }
    ctx.logger.info({ reportId, ...(result.data.status === 'offered' ? { entryId: result.data.entryId } : {}), status: result.data.status }, 'knowledge-base suggestion chosen');
    await ctx.answerCallbackQuery(result.data.status === 'declined' ? { text: tr.t(ctx.language, 'kb.thanks_no') } : {});
    // Chosen once: the buttons go.
    await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch((error: unknown) => ctx.logger.debug({ err: error }, 'suggestion buttons already gone'));
  });

  const staff = composer.filter((ctx) => ctx.chat !== undefined && deps.isStaffChat(ctx.chat.id));

  async function send(ctx: BotContext, html: string): Promise<void> {
    for (const part of splitMessage(html)) await ctx.reply(part, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
  }


  staff.command('kb', async (ctx) => {
    const add = /^add(?:\s+#?(\d{1,9}))?\s*$/i.exec(ctx.match.trim());
    if (add && deps.pending) {
      if (!add[1]) return send(ctx, tr.t(lang, 'kb.add_usage'));
      const problemId = Number(add[1]);
      const check = pendingCheck(deps.pending.problems, problemId);
      if (!check.ok) return send(ctx, tr.t(lang, `kb.add_refused.${check.reason}`));
      const preview = tr.t(lang, 'kb.add_preview', { id: problemId, question: clip(check.question, 300), answer: clip(check.answer, 1500), folder: `${PENDING_DIR}/` });
      await ctx.reply(preview, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, reply_markup: { inline_keyboard: [[addToKnowledgeButton(tr, lang, problemId)]] } });
      return;
    }
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

  // Bureau chats only: anywhere else (a unit's chat, a resident) the press changes nothing and reveals nothing.
  composer.callbackQuery(ADD_TO_KNOWLEDGE_PATTERN, async (ctx) => {
    const chatId = ctx.chat?.id;
    if (!deps.pending || chatId === undefined || !deps.isStaffChat(chatId)) {
      await ctx.answerCallbackQuery({ text: tr.t(ctx.language, 'kb.stale') });
      return;
    }
    const problemId = Number(ctx.match[1]);
    const check = pendingCheck(deps.pending.problems, problemId);
    if (!check.ok) {
      await ctx.answerCallbackQuery({ text: tr.t(lang, `kb.add_refused.${check.reason}`) });
      return;
    }
    const result = deps.pending.entries.write({ problemId, question: check.question, answer: check.answer });
    ctx.logger.info({ problemId, written: result.written, staffId: ctx.from.id }, 'knowledge-base draft from a resolved inquiry');
    await ctx.answerCallbackQuery({ text: tr.t(lang, result.written ? 'kb.add_written' : 'kb.add_exists', { path: result.path }) });
    if (result.written) await send(ctx, tr.t(lang, 'kb.add_written', { path: result.path }));
  });

  return composer;
}

/** At most `max` characters, for a preview that must fit one message. */
function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}
