import { afterEach, describe, expect, it } from 'vitest';
import type { Transcriber } from '../../src/classify/transcriber.ts';
import { BOT_INFO, createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { groupText, privateMessage, privateText, resident } from '../support/updates.ts';

/**
 * The order of the features in createApp's list is part of the bot's routing (grammY runs them in order, and the
 * first that answers wins). Each test here is a message that two features both want, and fails when the feature
 * that must see it first is moved after the other.
 */

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const staffMember = { id: 900, first_name: 'Wang', language_code: 'zh-hans' };
const fromBot = { id: BOT_INFO.id, is_bot: true, first_name: 'Minyi' };
const problemOf = (chatId: number) => h.app.db.prepare('SELECT problem_id FROM reports WHERE chat_id = ? ORDER BY id DESC').pluck().get(chatId) as number;

describe('the features’ order', () => {
  it('staff actions before staff questions: the reply to "write the resolution note" resolves the problem, it is not a question', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '区体育馆的淋浴没有热水'));
    const problem = problemOf(1);
    await h.send(groupText(STAFF_CHAT, staffMember, `/problem ${problem}`));
    await h.press(STAFF_CHAT, staffMember, (b) => b.callback_data.startsWith('pa:rs:'));
    const prompt = h.sent(STAFF_CHAT).at(-1)!;
    expect(prompt.payload.reply_markup).toMatchObject({ force_reply: true });

    await h.send(groupText(STAFF_CHAT, staffMember, '热水器已经修好了', { replyTo: { message_id: h.messageIdOf(prompt), from: fromBot, text: String(prompt.payload.text) } }));
    expect(h.app.db.prepare('SELECT status FROM problems WHERE id = ?').pluck().get(problem)).toBe('resolved');
  });

  it('voice correction before the resident feature: a reply to "this is what we heard" corrects the transcript, it is no new report', async () => {
    const transcriber: Transcriber = { transcribe: async () => ({ success: true, data: '区体育馆的淋浴没有热睡' }) };
    h = await createHarness({ mediaModels: { transcriber } });
    h.putFile('voice-2', Buffer.from('OggS a resident speaking'));
    await h.send(privateMessage(resident(2), { voice: { file_id: 'voice-2', file_unique_id: 'v2', duration: 4, mime_type: 'audio/ogg' } }));
    const heard = h.sent(2).findLast((c) => String(c.payload.text).includes('听到'));
    expect(heard).toBeDefined();

    await h.send(privateText(resident(2), '区体育馆的淋浴没有热水', { replyTo: { message_id: h.messageIdOf(heard!), from: fromBot, text: String(heard!.payload.text) } }));
    expect(h.app.db.prepare('SELECT text FROM reports WHERE chat_id = 2').pluck().all()).toEqual(['区体育馆的淋浴没有热水']);
  });

  it('unit binding before the resident feature: a principal’s /bind CODE in a private chat binds it, it is no report', async () => {
    h = await createHarness();
    await h.send(groupText(STAFF_CHAT, staffMember, '/bind 实验小学'));
    const code = /\/bind ([0-9a-f]{20})/.exec(h.texts(STAFF_CHAT).at(-1)!)?.[1];
    expect(code).toBeDefined();

    await h.send(privateText({ id: 7001, first_name: 'Principal' }, `/bind ${code}`));
    expect(h.app.db.prepare('SELECT COUNT(*) FROM unit_chats WHERE chat_id = 7001').pluck().get()).toBe(1);
    expect(h.app.db.prepare('SELECT COUNT(*) FROM reports WHERE chat_id = 7001').pluck().get()).toBe(0);
  });
});
