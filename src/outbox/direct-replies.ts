import type { Language } from '../domain/classification.ts';
import type { Translator } from '../i18n/i18n.ts';
import { isFlooding, type FloodRule } from '../intake/intake.ts';
import type { Outbox, OutgoingMessage } from './outbox.ts';

export interface DirectRepliesDeps {
  outbox: Outbox;
  tr: Translator;
  flood: FloodRule;
  /** Something was queued: the sender should look now. */
  onQueued: () => void;
  now?: () => number;
}

export type ReplyOutcome = 'queued' | 'slow_down' | 'quiet';

/**
 * Answers to what a person did that is not a report (a command, a sticker, an edit, a button), queued in the
 * outbox instead of sent from the handler: a handler that waited for Telegram's per-chat pace would hold one of
 * the runner's slots, and a flood from one chat would fill them all and stall every other chat.
 */
export interface DirectReplies {
  /**
   * Queue the answer to update `updateId` (its key: handled twice, answered once). Within the flood window a
   * chat gets FLOOD_MAX_MESSAGES answers, then one request to slow down, then nothing until the window passes;
   * what they sent is in the inbox all the same.
   */
  answer(chatId: number, updateId: number, language: Language, message: OutgoingMessage): ReplyOutcome;
}

export function createDirectReplies(deps: DirectRepliesDeps): DirectReplies {
  const now = deps.now ?? Date.now;
  return {
    answer(chatId, updateId, language, message) {
      const recent = deps.outbox.queuedSince(chatId, 'reply', now() - deps.flood.windowMs);
      const outcome: ReplyOutcome = !isFlooding(recent, deps.flood) ? 'queued' : recent === deps.flood.maxMessages ? 'slow_down' : 'quiet';
      if (outcome === 'quiet') return outcome;
      const sent = outcome === 'queued' ? message : { type: 'text' as const, html: deps.tr.t(language, 'flood') };
      if (deps.outbox.enqueue({ dedupeKey: `reply:${updateId}`, chatId, kind: 'reply', message: sent })) deps.onQueued();
      return outcome;
    },
  };
}
