/**
 * A resident is a person with a channel: a Telegram chat, or a tracking token on the web page (issue 17).
 * Everything downstream of intake (the outbox, the desk's notices, the survey) addresses a resident by one
 * number, `chat_id`. Telegram's chat ids have at most 52 significant bits (Bot API, Chat.id); a web resident's
 * address lies beyond that, negative, so no Telegram chat can ever have it and its channel is known from the
 * number alone, wherever it is read.
 */

export type Channel = 'telegram' | 'web';

/** 2^52: Telegram ids are smaller in magnitude; web addresses are -(2^52 + resident id), still safe integers. */
export const WEB_ADDRESS_BASE = 2 ** 52;

export function webAddress(residentId: number): number {
  if (!Number.isSafeInteger(residentId) || residentId <= 0 || residentId >= WEB_ADDRESS_BASE) throw new RangeError('resident id out of range');
  return -(WEB_ADDRESS_BASE + residentId);
}

export function channelOf(chatId: number): Channel {
  return chatId <= -WEB_ADDRESS_BASE ? 'web' : 'telegram';
}
