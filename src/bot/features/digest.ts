import { Composer } from 'grammy';
import type { DigestService } from '../../desk/digest-service.ts';
import type { BotContext } from '../context.ts';
import { staffChatsOnly, type StaffChatDeps } from './staff-common.ts';

export interface DigestFeatureDeps extends StaffChatDeps {
  digest: Pick<DigestService, 'defaultWeek' | 'parseWeek' | 'parsePeriod' | 'queueDigest' | 'queueRanking' | 'queueText'>;
}

/**
 * /digest [YYYY-Www] and /ranking [week|month|quarter|period] in staff chats. Anywhere else the
 * commands are not ours: they pass on untouched, so a resident or a foreign group learns nothing.
 * Replies go through the outbox like the scheduled digest (the update id keeps a replay from doubling them).
 */
export function createDigestFeature(deps: DigestFeatureDeps): Composer<BotContext> {
  const { digest, tr, staffLanguage: language } = deps;
  const composer = new Composer<BotContext>();
  const staff = staffChatsOnly(composer, deps.isStaffChat);

  staff.command('digest', (ctx) => {
    const chatId = ctx.chat!.id;
    const argument = ctx.match.trim();
    const week = argument === '' ? digest.defaultWeek() : digest.parseWeek(argument);
    if (!week) {
      digest.queueText(chatId, tr.t(language, 'digest.usage', { example: digest.defaultWeek().key }), `digest-usage:${ctx.update.update_id}:${chatId}`);
      return;
    }
    const queued = digest.queueDigest(chatId, week, String(ctx.update.update_id));
    ctx.logger.info({ week: week.key, queued }, 'digest requested');
  });

  staff.command('ranking', (ctx) => {
    const chatId = ctx.chat!.id;
    const period = digest.parsePeriod(ctx.match);
    if (!period) {
      const examples = { week: digest.defaultWeek().key, month: digest.parsePeriod('month')!.key, quarter: digest.parsePeriod('quarter')!.key };
      digest.queueText(chatId, tr.t(language, 'ranking.usage', examples), `ranking-usage:${ctx.update.update_id}:${chatId}`);
      return;
    }
    const queued = digest.queueRanking(chatId, period, String(ctx.update.update_id));
    ctx.logger.info({ period: period.key, queued }, 'ranking requested');
  });

  return composer;
}

