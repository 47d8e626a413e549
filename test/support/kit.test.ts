import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, STAFF_CHAT, type Harness } from './harness.ts';
import { groupText, privateMessage, privateText, resident } from './updates.ts';
import type { Transcriber } from '../../src/classify/transcriber.ts';

/** The test kit itself: buttons() and press() read and press what the bot really sent, where it sent it. */

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const staffMember = { id: 900, first_name: 'Wang', language_code: 'zh-hans' };

describe('the test kit', () => {
  it('press() answers on the message that carried the keyboard, as the pressing user, and names the buttons when there is no such one', async () => {
    h = await createHarness();
    await h.send(privateText(resident(1), '区体育馆的淋浴没有热水'));
    const problem = h.app.db.prepare('SELECT problem_id FROM reports WHERE chat_id = 1').pluck().get() as number;
    await h.send(groupText(STAFF_CHAT, staffMember, `/resolve ${problem} 修好了`));
    const survey = h.app.db.prepare(`SELECT telegram_message_id FROM outbox WHERE kind = 'survey'`).pluck().get() as number;
    expect(h.buttons(1).flat().length).toBeGreaterThan(0);

    const pressed = await h.press(1, resident(1), (b) => b.callback_data.endsWith(':fixed'));
    const update = JSON.parse(h.app.db.prepare('SELECT payload FROM inbox ORDER BY update_id DESC LIMIT 1').pluck().get() as string);
    expect(update.callback_query).toMatchObject({ data: pressed.callback_data, from: { id: 1 }, message: { message_id: survey, chat: { id: 1 } } });
    expect(update.callback_query.message.text).toContain('修好了');

    await expect(h.press(1, resident(1), 'sv:f:0:nope')).rejects.toThrow(/no such button in chat 1; .*:fixed/);
    await expect(h.press(2, resident(2), () => true)).rejects.toThrow(/no such button in chat 2; the last keyboard there: \[\]/);
    expect(h.buttons(2)).toEqual([]);
  });

  it('buttons() is the last inline keyboard: a force_reply prompt after it does not hide it, a page turned by an edit replaces it', async () => {
    h = await createHarness();
    // Twelve schools, so twelve problems: more than one page.
    const schools = ['第一中学', '第二中学', '第三中学', '实验中学', '东城中学', '河西中学', '北山中学', '实验小学', '城关第一小学', '城关第二小学', '东城小学', '西城小学'];
    for (const [i, school] of schools.entries()) await h.send(privateText(resident(100 + i), `${school}的教室灯坏了，一直没人修`));
    await h.send(groupText(STAFF_CHAT, staffMember, '/problems'));
    const firstPage = h.buttons(STAFF_CHAT);
    await h.press(STAFF_CHAT, staffMember, (b) => b.callback_data.startsWith('pl:'));
    expect(h.calls.filter((c) => c.method.startsWith('send') || c.method.startsWith('edit')).at(-1)!.method).toBe('editMessageText');
    const secondPage = h.buttons(STAFF_CHAT);
    expect(secondPage).not.toEqual(firstPage);
    // The edit kept the list's message id: pressing on the second page edits that same message again.
    const list = h.sent(STAFF_CHAT).find((c) => c.method === 'sendMessage' && String(c.payload.text).includes('#'))!;
    expect(h.messageIdOf(h.sent(STAFF_CHAT).at(-1)!)).toBe(h.messageIdOf(list));

    await h.press(STAFF_CHAT, staffMember, (b) => b.callback_data.startsWith('pd:'));
    const detail = h.buttons(STAFF_CHAT);
    await h.press(STAFF_CHAT, staffMember, (b) => b.callback_data.startsWith('pa:rs:'));
    expect(h.sent(STAFF_CHAT).at(-1)!.payload.reply_markup).toMatchObject({ force_reply: true });
    expect(h.buttons(STAFF_CHAT)).toEqual(detail);
  });

  it('settle() waits for a voice note being transcribed: its words, its label and "this is what we heard" are there when it returns', async () => {
    const spoken = '区体育馆的淋浴没有热水，已经一个星期了';
    let heardStarted!: () => void;
    const started = new Promise<void>((resolve) => (heardStarted = resolve));
    // A slow transcription service: still working when the test calls settle().
    const transcriber: Transcriber = {
      async transcribe() {
        heardStarted();
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { success: true, data: spoken };
      },
    };
    h = await createHarness({ mediaModels: { transcriber } });
    h.putFile('voice-1', Buffer.from('OggS a resident speaking'));
    await h.app.bot.handleUpdate(privateMessage(resident(7), { voice: { file_id: 'voice-1', file_unique_id: 'v1', duration: 5, mime_type: 'audio/ogg' } }));
    await started;

    await h.settle();
    const row = h.app.db.prepare('SELECT r.text, r.category, m.job_state FROM reports r JOIN report_media m ON m.report_id = r.id WHERE r.chat_id = 7').get();
    expect(row).toMatchObject({ text: spoken, job_state: 'done' });
    expect((row as { category: string }).category).not.toBe('other');
    expect(h.texts(7).some((text) => text.includes('听到') && text.includes('淋浴没有热水'))).toBe(true);
  });
});
