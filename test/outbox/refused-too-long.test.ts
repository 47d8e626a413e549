import { Api } from 'grammy';
import { describe, expect, it } from 'vitest';
import { createTelegramTransport } from '../../src/bot/telegram-transport.ts';

/**
 * Telegram may still refuse a message we measured as fitting ("message is too long", "message caption is too
 * long", "can't parse entities"). The message must go out anyway, not be marked undeliverable.
 */

interface Call {
  method: string;
  payload: Record<string, unknown>;
}

/** A grammY Api whose calls are answered like Telegram: the first call of `refuse.method` with a 400. */
function telegram(refuse: { method: string; description: string }) {
  const api = new Api('123:test');
  const calls: Call[] = [];
  let refused = false;
  let messageId = 100;
  api.config.use(async (_prev, method, payload) => {
    calls.push({ method, payload: payload as Record<string, unknown> });
    if (method === refuse.method && !refused) {
      refused = true;
      return { ok: false, error_code: 400, description: `Bad Request: ${refuse.description}` } as never;
    }
    return { ok: true, result: { message_id: ++messageId, date: 0, chat: { id: 1, type: 'private' } } } as never;
  });
  return { transport: createTelegramTransport(api), calls };
}

const longHtml = Array.from({ length: 30 }, (_, i) => `<b>第${i}段</b> ${'字'.repeat(100)} &amp; 𠮷`).join('\n');
const buttons = [[{ text: '是', data: 'sv:f:1:fixed' }]];

describe('a message Telegram refuses as too long or badly marked up', () => {
  it('"message is too long": sent in smaller parts, the buttons on the last', async () => {
    const { transport, calls } = telegram({ method: 'sendMessage', description: 'message is too long' });
    const outcome = await transport.deliver(1, { type: 'text', html: longHtml, buttons });
    expect(outcome.ok).toBe(true);
    const sent = calls.slice(1);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.map((c) => c.payload.text).join('\n')).toBe(longHtml);
    expect(sent.at(-1)!.payload.reply_markup).toBeTruthy();
    expect(sent.slice(0, -1).every((c) => c.payload.reply_markup === undefined)).toBe(true);
  });

  it('"can\'t parse entities": sent as plain text with the words intact', async () => {
    const { transport, calls } = telegram({ method: 'sendMessage', description: "can't parse entities: unexpected end tag" });
    const outcome = await transport.deliver(1, { type: 'text', html: 'a &lt;b&gt; &amp; <b>c</b>', buttons });
    expect(outcome.ok).toBe(true);
    expect(calls[1]!.payload.text).toBe('a <b> & c');
    expect(calls[1]!.payload.parse_mode).toBeUndefined();
    expect(calls[1]!.payload.reply_markup).toBeTruthy();
  });

  it('"message caption is too long": the file without the caption, then the caption as text', async () => {
    const { transport, calls } = telegram({ method: 'sendDocument', description: 'message caption is too long' });
    const outcome = await transport.deliver(1, { type: 'document', filename: 'a.csv', contentBase64: Buffer.from('a').toString('base64'), captionHtml: '<b>台账</b> 说明' });
    expect(outcome.ok).toBe(true);
    expect(calls.map((c) => c.method)).toEqual(['sendDocument', 'sendDocument', 'sendMessage']);
    expect(calls[1]!.payload.caption).toBeUndefined();
    expect(calls[2]!.payload.text).toBe('<b>台账</b> 说明');
  });
});
