import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { privateMessage, privateText, resident } from '../support/updates.ts';

/**
 * Answers to what is not a report (stickers, commands, edits) go through the outbox, and a chat that floods
 * gets FLOOD_MAX_MESSAGES of them in the window, then one request to slow down, then nothing; every update is
 * stored all the same, and a report is still acknowledged.
 */

const zh = JSON.parse(readFileSync(new URL('../../src/i18n/zh.json', import.meta.url), 'utf8')) as Record<string, string>;
const sticker = { sticker: { file_id: 'st', file_unique_id: 'st', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } };

let h: Harness;
beforeEach(async () => {
  h = await createHarness({ env: { FLOOD_MAX_MESSAGES: '4', FLOOD_WINDOW_SECONDS: '60' } });
});
afterEach(async () => {
  await h.close();
});

describe('direct replies to a flooding chat', () => {
  it('20 stickers and commands: 4 answers, one request to slow down, all 20 stored, a report still acknowledged', async () => {
    const me = resident(80);
    for (let i = 0; i < 20; i++) await h.send(i % 2 ? privateMessage(me, sticker, { updateId: 9000 + i }) : privateText(me, '/help', { updateId: 9000 + i }));
    const texts = h.texts(80);
    expect(texts.filter((t) => t.includes(zh.not_text!.slice(0, 10)) || t.includes('/forget')).length).toBe(4);
    expect(texts.filter((t) => t === zh.flood).length).toBe(1);
    expect(texts.length).toBe(5);
    expect(h.app.db.prepare('SELECT COUNT(*) FROM inbox WHERE chat_id = 80 AND handled_at IS NOT NULL').pluck().get()).toBe(20);

    await h.send(privateText(me, '实验小学门口的路灯坏了', { updateId: 9100 }));
    expect(h.texts(80).filter((t) => /#\d+/.test(t)).length).toBe(1);
  });

  it('the same update handled twice (a replay after a crash) is answered once', async () => {
    const update = privateText(resident(81), '/help', { updateId: 9200 });
    await h.send(update);
    await h.send(update);
    expect(h.texts(81).length).toBe(1);
  });
});
