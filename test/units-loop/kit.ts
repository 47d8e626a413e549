import type { Update } from 'grammy/types';
import { BOT_INFO, buttonsOf, STAFF_CHAT, type Harness, type InlineKeyboard, type SentCall } from '../support/harness.ts';
import { groupText, privateText, resident } from '../support/updates.ts';

/** What the units' loop tests share: a bound unit chat, a reported problem, the buttons and prompts the bot sent. */

export const staffMember = { id: 900, first_name: 'Wang', language_code: 'zh-hans' };
export const principalA = { id: 7001, first_name: 'Principal A' };
export const principalB = { id: 7002, first_name: 'Principal B' };
export const UNIT_A_CHAT = -100_501;
export const UNIT_B_CHAT = -100_502;

export type Keyboard = InlineKeyboard;
/** The inline keyboard a sent message carried: the test kit's reading. */
export { buttonsOf };

export function lastWithButtons(h: Harness, chatId: number): SentCall {
  return h.sent(chatId).filter((c) => buttonsOf(c).length > 0).at(-1)!;
}

/** The message id the recording transformer gave a sent message (the kit's own numbering). */
export function messageIdOf(h: Harness, call: SentCall): number {
  return h.messageIdOf(call);
}

/** A reply, in a group, to a message the bot sent (a prompt with force_reply). */
export function replyTo(h: Harness, chatId: number, from: { id: number; first_name?: string }, prompt: SentCall, text: string): Update {
  return groupText(chatId, from, text, { replyTo: { message_id: messageIdOf(h, prompt), from: { id: BOT_INFO.id, is_bot: true, first_name: 'Minyi' } } });
}

/** The bureau issues a code for `units`; the unit's chat sends it back. */
export async function bindUnit(h: Harness, units: string, chatId: number, from = principalA): Promise<string> {
  await h.send(groupText(STAFF_CHAT, staffMember, `/bind ${units}`));
  const code = /\/bind ([0-9a-f]{20})/.exec(h.texts(STAFF_CHAT).at(-1)!)?.[1];
  if (!code) throw new Error(`no code in ${h.texts(STAFF_CHAT).at(-1)}`);
  await h.send(groupText(chatId, from, `/bind ${code}`));
  return code;
}

/** A resident's report; the problem it joined. */
export async function report(h: Harness, residentId: number, text: string): Promise<number> {
  await h.send(privateText(resident(residentId), text));
  const row = h.app.db.prepare('SELECT problem_id AS id FROM reports WHERE chat_id = ? ORDER BY id DESC').get(residentId) as { id: number };
  return row.id;
}

/** Everything the units' loop may change, to prove an action changed nothing. */
export function snapshot(h: Harness): string {
  const tables = ['problems', 'problem_events', 'unit_dispatches', 'unit_requests', 'unit_chats', 'feedback', 'reports'];
  return JSON.stringify(tables.map((t) => h.app.db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()));
}
