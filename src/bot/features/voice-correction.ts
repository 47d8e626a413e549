import { Composer } from 'grammy';
import type { Catalogue } from '../../domain/categories.ts';
import type { Classification } from '../../domain/classification.ts';
import type { Translator } from '../../i18n/i18n.ts';
import type { Db } from '../../db/database.ts';
import { createMediaStore } from '../../media/media-store.ts';
import type { DirectReplies } from '../../outbox/direct-replies.ts';
import type { Outbox } from '../../outbox/outbox.ts';
import type { BotContext } from '../context.ts';

export interface VoiceCorrectionDeps {
  db: Db;
  outbox: Outbox;
  tr: Translator;
  catalogue: Catalogue;
  replies: DirectReplies;
  /** The pipeline: label the report again from its corrected text. */
  relabel: (reportId: number) => Promise<Classification | undefined>;
}

/**
 * A text reply to "this is what we heard" (issue 16) corrects the transcript: the resident's words replace it as
 * the report's text and the report is labelled again. Anything else goes on to the other features.
 */
export function createVoiceCorrectionFeature(deps: VoiceCorrectionDeps): Composer<BotContext> {
  const { tr } = deps;
  const composer = new Composer<BotContext>();
  const media = createMediaStore(deps.db);

  composer.chatType('private').on('message:text', async (ctx, next) => {
    const replyTo = ctx.message.reply_to_message;
    if (!replyTo || replyTo.from?.id !== ctx.me.id || ctx.message.text.startsWith('/')) return next();
    const sent = deps.outbox.findSent(ctx.chat.id, replyTo.message_id);
    const reportId = /^heard:(\d+)$/.exec(sent?.dedupeKey ?? '')?.[1];
    if (!reportId) return next();
    const params = { text: ctx.message.text, id: Number(reportId), chat: ctx.chat.id };
    const changed = media.correct(params.id, params.chat, params.text);
    if (!changed) return next();
    ctx.logger.info({ reportId: params.id }, 'resident corrected a transcript');
    const language = ctx.language;
    const updateId = ctx.update.update_id;
    const chatId = ctx.chat.id;
    // Labelling may wait for the LLM: the handler returns at once and the answer goes through the outbox.
    void deps
      .relabel(params.id)
      .then((label) => {
        const category = label ? deps.catalogue.name(label.category, language) : '—';
        deps.replies.answer(chatId, updateId, language, { type: 'text', html: tr.t(language, 'media.corrected', { ticket: params.id, category }), replyTo: ctx.message.message_id });
      })
      .catch((error: unknown) => ctx.logger.warn({ err: error, reportId: params.id }, 'labelling a corrected transcript failed'));
  });
  return composer;
}
