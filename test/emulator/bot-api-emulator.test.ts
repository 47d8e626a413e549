import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bot, GrammyError, HttpError, InputFile } from 'grammy';
import type { Message, Update } from 'grammy/types';
import { run } from '@grammyjs/runner';
import { createBotApiEmulator, type BotApiEmulator } from '../../src/emulator/bot-api-emulator.ts';
import { parseTelegramHtml } from '../../src/emulator/telegram-html.ts';

const TOKEN = '123:abc';
const resident = { id: 42, first_name: 'Li', language_code: 'zh' };
/** A 1×1 PNG, the smallest photo Telegram accepts. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

let emulator: BotApiEmulator;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(async () => {
  emulator = createBotApiEmulator();
  await emulator.start();
});

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  await emulator.stop();
});

function newBot(token = TOKEN): Bot {
  return new Bot(token, { client: { apiRoot: emulator.apiRoot } });
}

/** Calls the Bot API over plain HTTP and returns Telegram's JSON answer with the HTTP status. */
async function call(method: string, params: Record<string, unknown> = {}, token = TOKEN) {
  const response = await fetch(`${emulator.apiRoot}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  const body = (await response.json()) as { ok: boolean; result?: any; error_code?: number; description?: string; parameters?: any };
  return { status: response.status, ...body };
}

async function apiError(promise: Promise<unknown>): Promise<GrammyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GrammyError);
  return error as GrammyError;
}

function startPolling(bot: Bot): void {
  const running = bot.start({ timeout: 1 });
  cleanups.push(async () => {
    if (bot.isRunning()) await bot.stop();
    await running.catch(() => undefined);
  });
}

describe('a real grammY bot against the emulator', () => {
  it('gets its identity, long-polls a resident message and its reply is recorded', async () => {
    const bot = newBot();
    bot.command('start', (ctx) => ctx.reply(`你好 ${ctx.from?.first_name}, ticket <b>#1</b>`, { parse_mode: 'HTML' }));
    startPolling(bot);

    const { update } = emulator.sendUserMessage({ from: resident, text: '/start' });
    expect(update?.message?.entities).toEqual([{ type: 'bot_command', offset: 0, length: 6 }]);

    const reply = await emulator.waitFor((m) => m.chat_id === 42);
    expect(reply.text).toBe('你好 Li, ticket #1');
    expect(reply.raw).toBe('你好 Li, ticket <b>#1</b>');
    expect(reply.entities).toEqual([{ type: 'bold', offset: 14, length: 2 }]);
    expect(emulator.sentMessages(42)).toHaveLength(1);
    expect(bot.botInfo.username).toBe('minyi_test_bot');
  });

  it('works with @grammyjs/runner and answers a group command addressed to the bot', async () => {
    const group = -1001;
    emulator.registerChat({ id: group, type: 'supergroup', title: 'Staff' });
    const bot = newBot();
    bot.command('digest', (ctx) => ctx.reply('digest'));
    bot.on('message', (ctx) => ctx.reply(`saw ${ctx.message.text}`));
    const runner = run(bot, { runner: { fetch: { timeout: 1 } } });
    cleanups.push(() => (runner.isRunning() ? runner.stop() : undefined));

    const chatter = emulator.sendUserMessage({ chatId: group, from: resident, text: 'just chatting' });
    expect(chatter.delivered).toBe(false); // privacy mode
    const other = emulator.sendUserMessage({ chatId: group, from: resident, text: '/digest@some_other_bot' });
    expect(other.delivered).toBe(false);
    const mine = emulator.sendUserMessage({ chatId: group, from: resident, text: '/digest@minyi_test_bot now' });
    expect(mine.update?.message?.entities?.[0]).toEqual({ type: 'bot_command', offset: 0, length: 22 });

    const reply = await emulator.waitFor((m) => m.chat_id === group);
    expect(reply.text).toBe('digest');
    expect(emulator.transcript(group).map((e) => e.direction)).toEqual(['user', 'user', 'user', 'bot']);
  });

  it('refuses chats it has never seen and users who never started the bot', async () => {
    const bot = newBot();
    expect((await apiError(bot.api.sendMessage(999, 'hi'))).description).toBe('Bad Request: chat not found');
    expect((await call('sendMessage', { text: 'hi' })).description).toBe('Bad Request: chat_id is empty');
    emulator.registerChat({ id: 7, type: 'private', started: false });
    const error = await apiError(bot.api.sendMessage(7, 'hi'));
    expect([error.error_code, error.description]).toEqual([403, "Forbidden: bot can't initiate conversation with a user"]);
  });
});

describe('parse_mode HTML is parsed as strictly as Telegram', () => {
  beforeEach(() => {
    emulator.sendUserMessage({ from: resident, text: 'hello' });
  });

  it.each([
    ['<b>x', `Can't find end tag corresponding to start tag "b"`],
    ['a < b', 'Unsupported start tag "" at byte offset 2'],
    ['<script>alert(1)</script>', 'Unsupported start tag "script" at byte offset 0'],
    ['<b><i>x</b></i>', 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'],
    ['x</b>', 'Unexpected end tag at byte offset 1'],
    ['<span>x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'],
    ['<br>', 'Unsupported start tag "br" at byte offset 0'],
    ['学校 <b', 'Unclosed start tag at byte offset 7'],
  ])('rejects %j', async (html, reason) => {
    const error = await apiError(newBot().api.sendMessage(42, html, { parse_mode: 'HTML' }));
    expect(error.error_code).toBe(400);
    expect(error.description).toBe(`Bad Request: can't parse entities: ${reason}`);
  });

  it.each(['a &nbsp; b', 'Tom & Jerry', 'a &lt b', '&#xZZ;'])('rejects the unescaped ampersand in %j', async (html) => {
    const error = await apiError(newBot().api.sendMessage(42, html, { parse_mode: 'HTML' }));
    expect(error.description).toMatch(/^Bad Request: can't parse entities: Unsupported HTML entity/);
  });

  it('accepts escaped resident text and every Telegram tag', async () => {
    const html =
      '<b>Re:</b> a &lt; b &amp;&amp; c &gt; d &quot;q&quot; &#39;s &#x1F600; ' +
      '<i>i</i><em>em</em><u>u</u><ins>ins</ins><s>s</s><strike>st</strike><del>d</del>' +
      '<span class="tg-spoiler">sp</span><tg-spoiler>sp</tg-spoiler><a href="https://edu.example.cn/a?x=1&amp;y=2">link</a>' +
      '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji><code>c</code>' +
      '<pre><code class="language-ts">let x</code></pre><blockquote>q</blockquote><blockquote expandable>long</blockquote>';
    const sent = await newBot().api.sendMessage(42, html, { parse_mode: 'HTML' });
    expect(sent.text).toContain(`Re: a < b && c > d "q" 's 😀 iem`);
    const types = sent.entities?.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining([
      'bold', 'italic', 'underline', 'strikethrough', 'spoiler', 'text_link', 'custom_emoji', 'code', 'pre',
      'blockquote', 'expandable_blockquote',
    ]));
    expect(sent.entities?.find((e) => e.type === 'pre')).toMatchObject({ language: 'ts' });
    expect(sent.entities?.find((e) => e.type === 'text_link')).toMatchObject({ url: 'https://edu.example.cn/a?x=1&y=2' });
  });

  it('counts entity offsets in UTF-16 units', () => {
    const parsed = parseTelegramHtml('😀 第一<b>中学</b>');
    expect(parsed).toEqual({ ok: true, text: '😀 第一中学', entities: [{ type: 'bold', offset: 5, length: 2 }] });
  });

  it('rejects MarkdownV2 and unknown parse modes instead of guessing', async () => {
    const api = newBot().api;
    expect((await apiError(api.sendMessage(42, '*x*', { parse_mode: 'MarkdownV2' }))).description).toMatch(
      /^Bad Request: unsupported parse_mode MarkdownV2/,
    );
    expect((await call('sendMessage', { chat_id: 42, text: 'x', parse_mode: 'BBCode' })).description).toBe(
      'Bad Request: unsupported parse_mode',
    );
  });
});

describe('length and content limits', () => {
  beforeEach(() => {
    emulator.sendUserMessage({ from: resident, text: 'hello' });
  });

  it('measures 4096 UTF-16 units after entity parsing and trimming', async () => {
    const api = newBot().api;
    await expect(api.sendMessage(42, `<b>${'字'.repeat(4096)}</b>`, { parse_mode: 'HTML' })).resolves.toBeTruthy();
    await expect(api.sendMessage(42, `  ${'a'.repeat(4096)}\n\n`)).resolves.toBeTruthy();
    expect((await apiError(api.sendMessage(42, 'a'.repeat(4097)))).description).toBe('Bad Request: message is too long');
    expect((await apiError(api.sendMessage(42, '😀'.repeat(2049)))).description).toBe('Bad Request: message is too long');
    expect((await apiError(api.sendMessage(42, '&amp;'.repeat(4097), { parse_mode: 'HTML' }))).description).toBe(
      'Bad Request: message is too long',
    );
  });

  it('refuses empty text and over-long captions', async () => {
    const api = newBot().api;
    expect((await apiError(api.sendMessage(42, ''))).description).toBe('Bad Request: message text is empty');
    expect((await apiError(api.sendMessage(42, ' \n '))).description).toBe('Bad Request: message text is empty');
    expect((await apiError(api.sendMessage(42, '<b> </b>', { parse_mode: 'HTML' }))).description).toBe(
      'Bad Request: message text is empty',
    );
    const caption = 'c'.repeat(1025);
    expect((await apiError(api.sendPhoto(42, new InputFile(PNG, 'chart.png'), { caption }))).description).toBe(
      'Bad Request: message caption is too long',
    );
  });
});

describe('reply markup', () => {
  beforeEach(() => {
    emulator.sendUserMessage({ from: resident, text: 'hello' });
  });

  it.each([
    [{ text: 'x', callback_data: 'x'.repeat(65) }, 'Bad Request: BUTTON_DATA_INVALID'],
    [{ text: 'x', callback_data: '学'.repeat(22) }, 'Bad Request: BUTTON_DATA_INVALID'], // 66 bytes
    [{ text: 'x', callback_data: '' }, 'Bad Request: BUTTON_DATA_INVALID'],
    [{ text: 'x' }, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"],
    [{ callback_data: 'x' }, 'Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String'],
    [{ text: 'x', url: 'javascript:alert(1)' }, 'Bad Request: BUTTON_URL_INVALID'],
  ])('rejects the button %j', async (button, description) => {
    const response = await call('sendMessage', { chat_id: 42, text: 'pick', reply_markup: { inline_keyboard: [[button]] } });
    expect([response.status, response.description]).toEqual([400, description]);
  });

  it('rejects a button with two actions and a keyboard that is not an array of arrays', async () => {
    const both = await call('sendMessage', {
      chat_id: 42,
      text: 'pick',
      reply_markup: { inline_keyboard: [[{ text: 'x', callback_data: 'a', url: 'https://a.cn' }]] },
    });
    expect(both.description).toMatch(/exactly one of the optional fields/);
    const flat = await call('sendMessage', { chat_id: 42, text: 'pick', reply_markup: { inline_keyboard: [{ text: 'x' }] } });
    expect(flat.description).toMatch(/must be an Array of Arrays/);
  });

  it('accepts 64-byte callback data and reply keyboards', async () => {
    const api = newBot().api;
    await expect(
      api.sendMessage(42, 'pick', { reply_markup: { inline_keyboard: [[{ text: '学校', callback_data: '学'.repeat(21) + 'a' }]] } }),
    ).resolves.toBeTruthy();
    const sent = await api.sendMessage(42, 'lang', { reply_markup: { keyboard: [[{ text: '中文' }, { text: 'English' }]], one_time_keyboard: true } });
    expect(sent.reply_markup).toBeUndefined(); // only inline keyboards are part of the message
    expect(emulator.sentMessages(42).at(-1)?.reply_markup).toMatchObject({ keyboard: [[{ text: '中文' }, { text: 'English' }]] });
  });
});

describe('editing and deleting', () => {
  it('refuses an edit that changes nothing and drops the keyboard when an edit omits it', async () => {
    emulator.sendUserMessage({ from: resident, text: 'hello' });
    const api = newBot().api;
    const keyboard = { inline_keyboard: [[{ text: 'Yes', callback_data: 'yes' }]] };
    const sent = await api.sendMessage(42, 'Rate us', { reply_markup: keyboard });
    const same = await apiError(api.editMessageText(42, sent.message_id, 'Rate us', { reply_markup: keyboard }));
    expect(same.description).toMatch(/^Bad Request: message is not modified/);
    const edited = await api.editMessageText(42, sent.message_id, 'Rate us');
    expect(edited !== true && edited.reply_markup).toBeFalsy();
    expect((await apiError(api.editMessageReplyMarkup(42, sent.message_id))).description).toMatch(/message is not modified/);
    expect((await apiError(api.editMessageText(42, 1, 'x'))).description).toBe("Bad Request: message can't be edited");
    expect((await apiError(api.editMessageText(42, 99, 'x'))).description).toBe('Bad Request: message to edit not found');

    await api.deleteMessage(42, sent.message_id);
    expect((await apiError(api.deleteMessage(42, sent.message_id))).description).toBe('Bad Request: message to delete not found');
    expect(emulator.transcript(42).map((e) => `${e.direction}:${e.kind}`)).toEqual([
      'user:message', 'bot:message', 'bot:edit', 'bot:delete',
    ]);
  });

  it('numbers messages per chat, both sides sharing one counter', async () => {
    emulator.registerChat({ id: -5, type: 'group', title: 'Office' });
    const api = newBot().api;
    const first = emulator.sendUserMessage({ from: resident, text: 'a' }).message.message_id;
    const second = (await api.sendMessage(42, 'b')).message_id;
    const elsewhere = (await api.sendMessage(-5, 'c')).message_id;
    const third = emulator.sendUserMessage({ from: resident, text: 'd', replyTo: second }).message;
    expect([first, second, elsewhere, third.message_id]).toEqual([1, 2, 1, 3]);
    expect(third.reply_to_message?.message_id).toBe(2);
  });
});

describe('callback queries', () => {
  it('round-trips a button press and refuses a second answer', async () => {
    const bot = newBot();
    bot.command('rate', (ctx) =>
      ctx.reply('Satisfied?', { reply_markup: { inline_keyboard: [[{ text: '👍', callback_data: 'sat:5' }]] } }),
    );
    bot.callbackQuery(/^sat:/, async (ctx) => {
      await ctx.answerCallbackQuery({ text: 'Thanks' });
      await ctx.editMessageText('Thanks for rating');
    });
    startPolling(bot);

    emulator.sendUserMessage({ from: resident, text: '/rate' });
    const question = await emulator.waitFor((m) => m.text === 'Satisfied?');
    expect(() => emulator.pressButton({ chatId: 42, messageId: question.message_id, data: 'sat:1', from: resident })).toThrow(
      /no button/,
    );
    const { callbackQuery } = emulator.pressButton({ chatId: 42, messageId: question.message_id, data: 'sat:5', from: resident });
    await emulator.waitFor((m) => m.method === 'editMessageText');
    expect(emulator.callbackAnswers).toMatchObject([{ callback_query_id: callbackQuery.id, text: 'Thanks', chat_id: 42 }]);

    const again = await call('answerCallbackQuery', { callback_query_id: callbackQuery.id });
    expect(again.description).toBe('Bad Request: query is too old and response timeout expired or query ID is invalid');
  });
});

describe('getUpdates', () => {
  const texts = (updates: Update[]) => updates.map((u) => u.message?.text);

  it('keeps updates until a later offset confirms them, like Telegram', async () => {
    for (const text of ['one', 'two', 'three']) emulator.sendUserMessage({ from: resident, text });
    const all = (await call('getUpdates')).result as Update[];
    expect(texts(all)).toEqual(['one', 'two', 'three']);
    // Not confirmed yet: a restarted bot (no offset) gets them again.
    expect(texts((await call('getUpdates')).result)).toEqual(['one', 'two', 'three']);
    expect(texts((await call('getUpdates', { offset: all[1]!.update_id })).result)).toEqual(['two', 'three']);
    // "one" is gone for good.
    expect(texts((await call('getUpdates', { limit: 1 })).result)).toEqual(['two']);
    expect(texts((await call('getUpdates', { offset: -1 })).result)).toEqual(['three']);
    expect(texts((await call('getUpdates')).result)).toEqual(['three']);
    expect((await call('getUpdates', { offset: all[2]!.update_id + 1 })).result).toEqual([]);
    expect(emulator.pendingUpdates()).toEqual([]);
  });

  it('delivers unconfirmed updates again to a bot that was killed, and confirmed ones never', async () => {
    emulator.sendUserMessage({ from: resident, text: 'handled' });
    const first = (await call('getUpdates')).result as Update[];
    emulator.sendUserMessage({ from: resident, text: 'lost' });
    // The old process's next poll confirms "handled" and receives "lost"; then it is killed.
    const second = (await call('getUpdates', { offset: first[0]!.update_id + 1 })).result as Update[];
    expect(texts(second)).toEqual(['lost']);

    const seen: string[] = [];
    const restarted = newBot();
    restarted.on('message:text', async (ctx) => {
      seen.push(ctx.message.text);
      await ctx.reply('ok');
    });
    startPolling(restarted);
    await emulator.waitFor(() => true);
    expect(seen).toEqual(['lost']);
  });

  it('holds a long poll until an update arrives, and a second poll ends the first with 409', async () => {
    const started = Date.now();
    const held = call('getUpdates', { timeout: 5 });
    await new Promise((r) => setTimeout(r, 100));
    emulator.sendUserMessage({ from: resident, text: 'wake up' });
    const woke = await held;
    expect(texts(woke.result)).toEqual(['wake up']);
    expect(Date.now() - started).toBeLessThan(2000);

    const offset = (woke.result as Update[])[0]!.update_id + 1;
    const first = call('getUpdates', { offset, timeout: 5 });
    await new Promise((r) => setTimeout(r, 100));
    const second = call('getUpdates', { offset, timeout: 0 });
    expect(await first).toMatchObject({
      status: 409,
      error_code: 409,
      description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    });
    expect((await second).ok).toBe(true);
  });

  it('answers an empty list when the long poll times out', async () => {
    const started = Date.now();
    expect((await call('getUpdates', { timeout: 1 })).result).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('queues hand-made updates, including the same message again under a new update_id', async () => {
    const { update } = emulator.sendUserMessage({ from: resident, text: 'dup' });
    const again = emulator.deliverRaw({ message: update!.message! });
    expect(again.update_id).toBe(update!.update_id + 1);
    const received = (await call('getUpdates')).result as Update[];
    expect(received.map((u) => u.message?.message_id)).toEqual([1, 1]);
  });
});

describe('webhooks', () => {
  interface Hit {
    headers: IncomingHttpHeaders;
    body: Update;
  }

  async function webhookServer(answer: (hit: Hit, count: number) => { status: number; body?: string }) {
    const hits: Hit[] = [];
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const hit = { headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Update };
        hits.push(hit);
        const { status, body } = answer(hit, hits.length);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits };
  }

  const until = async (condition: () => boolean, ms = 3000) => {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('posts updates with the secret header, retries failures with backoff, and blocks getUpdates', async () => {
    await emulator.stop();
    emulator = createBotApiEmulator({ webhook: { retryBaseMs: 50, retryMaxMs: 200 } });
    await emulator.start();
    const hook = await webhookServer((_hit, n) => ({ status: n <= 2 ? 500 : 200 }));
    const api = newBot().api;
    expect(await api.setWebhook(hook.url, { secret_token: 'S3cret_token-1' })).toBe(true);

    emulator.sendUserMessage({ from: resident, text: 'via webhook' });
    await until(() => emulator.webhookDeliveries.length === 3);
    expect(hook.hits.every((h) => h.headers['x-telegram-bot-api-secret-token'] === 'S3cret_token-1')).toBe(true);
    expect(hook.hits.map((h) => h.body.message?.text)).toEqual(['via webhook', 'via webhook', 'via webhook']);
    expect(emulator.webhookDeliveries.map((d) => d.status)).toEqual([500, 500, 200]);
    const gap = emulator.webhookDeliveries[2]!.at - emulator.webhookDeliveries[1]!.at;
    expect(gap).toBeGreaterThanOrEqual(90); // 50 ms, then 100 ms
    const info = await api.getWebhookInfo();
    expect(info).toMatchObject({ url: hook.url, pending_update_count: 0, last_error_message: 'Wrong response from the webhook: 500 Internal Server Error' });

    const conflict = await call('getUpdates');
    expect([conflict.status, conflict.description]).toEqual([
      409,
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    ]);
    expect(await api.deleteWebhook()).toBe(true);
    expect((await call('getUpdates')).ok).toBe(true);
  });

  it('runs a method the webhook answers with, and refuses non-local URLs', async () => {
    emulator.sendUserMessage({ from: resident, text: 'first' }); // dropped below
    const hook = await webhookServer((hit) => ({
      status: 200,
      body: JSON.stringify({ method: 'sendMessage', chat_id: hit.body.message?.chat.id, text: 'answered in the webhook reply' }),
    }));
    const api = newBot().api;
    await api.setWebhook(hook.url, { drop_pending_updates: true });
    emulator.sendUserMessage({ from: resident, text: 'second' });
    const reply = await emulator.waitFor(() => true);
    expect(reply.text).toBe('answered in the webhook reply');
    expect(hook.hits.map((h) => h.body.message?.text)).toEqual(['second']);

    const remote = await apiError(api.setWebhook('https://example.com/hook'));
    expect(remote.description).toMatch(/^Bad Request: bad webhook/);
  });
});

describe('files', () => {
  it('round-trips an uploaded document and photo through getFile and the file URL', async () => {
    emulator.sendUserMessage({ from: resident, text: 'report please' });
    const api = newBot().api;
    const csv = Buffer.from('学校,投诉\n第一中学,3\n', 'utf8');
    const document = await api.sendDocument(42, new InputFile(csv, '周报.csv'), { caption: '<b>Weekly</b>', parse_mode: 'HTML' });
    expect(document.document).toMatchObject({ file_name: '周报.csv', mime_type: 'text/csv', file_size: csv.length });
    expect(document.caption).toBe('Weekly');

    const record = emulator.sentMessages(42).at(-1)!;
    expect(record.file?.bytes.equals(csv)).toBe(true);
    expect(record.file).toMatchObject({ filename: '周报.csv', mime: 'text/csv', kind: 'document' });

    const file = await api.getFile(document.document!.file_id);
    const download = await fetch(`${emulator.apiRoot}/file/bot${TOKEN}/${file.file_path}`);
    expect(Buffer.from(await download.arrayBuffer()).equals(csv)).toBe(true);

    const photo = await api.sendPhoto(42, new InputFile(PNG, 'chart.png'));
    expect(photo.photo?.[0]).toMatchObject({ width: 1, height: 1, file_size: PNG.length });
    const viaControl = await fetch(`${emulator.apiRoot}/_emulator/files/${photo.photo![0]!.file_id}`);
    expect(viaControl.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await viaControl.arrayBuffer()).equals(PNG)).toBe(true);

    // Re-sending by file_id reuses the stored bytes.
    await api.sendPhoto(42, photo.photo![0]!.file_id);
    expect(emulator.sentMessages(42).at(-1)?.file?.bytes.equals(PNG)).toBe(true);
  });

  it('refuses a photo that is not an image, an empty document and an unknown file id', async () => {
    emulator.sendUserMessage({ from: resident, text: 'hi' });
    const api = newBot().api;
    expect((await apiError(api.sendPhoto(42, new InputFile(Buffer.from('not an image'), 'x.png')))).description).toBe(
      'Bad Request: IMAGE_PROCESS_FAILED',
    );
    expect((await apiError(api.sendDocument(42, new InputFile(Buffer.alloc(0), 'empty.txt')))).description).toBe(
      'Bad Request: file must be non-empty',
    );
    expect((await apiError(api.sendPhoto(42, 'no-such-file-id'))).description).toBe(
      'Bad Request: wrong file identifier/HTTP URL specified',
    );
    expect((await apiError(api.getFile('nope'))).description).toBe('Bad Request: invalid file_id');
  });

  it('lets the bot download a photo a resident sent', async () => {
    const bytes = Buffer.concat([PNG, Buffer.from('tail')]);
    const { message } = emulator.sendUserMessage({ from: resident, photo: { data: bytes }, caption: '漏水 #宿舍' });
    expect(message.caption_entities).toEqual([{ type: 'hashtag', offset: 3, length: 3 }]);
    const file = await newBot().api.getFile(message.photo![0]!.file_id);
    const download = await fetch(`${emulator.apiRoot}/file/bot${TOKEN}/${file.file_path}`);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });
});

describe('fault injection', () => {
  beforeEach(() => {
    emulator.sendUserMessage({ from: resident, text: 'hello' });
  });

  it('answers 429 with retry_after, a set number of times, for one method', async () => {
    const api = newBot().api;
    const fault = emulator.injectFault({ method: 'sendMessage', kind: 'too_many_requests', retryAfter: 7, times: 2 });
    await expect(api.getMe()).resolves.toBeTruthy();
    for (let i = 0; i < 2; i++) {
      const error = await apiError(api.sendMessage(42, 'x'));
      expect([error.error_code, error.description, error.parameters.retry_after]).toEqual([429, 'Too Many Requests: retry after 7', 7]);
    }
    await expect(api.sendMessage(42, 'x')).resolves.toBeTruthy();
    expect([fault.hits, fault.remaining]).toEqual([2, 0]);
    expect(emulator.requestLog.filter((r) => r.fault === 'too_many_requests')).toHaveLength(2);
    expect(emulator.sentMessages(42)).toHaveLength(1);
  });

  it('answers 500 as JSON and 502 as an HTML page', async () => {
    const api = newBot().api;
    emulator.injectFault({ method: /^send/, kind: 'server_error' });
    expect((await apiError(api.sendMessage(42, 'x'))).error_code).toBe(500);
    emulator.injectFault({ kind: 'server_error', status: 502 });
    await expect(api.sendMessage(42, 'x')).rejects.toBeInstanceOf(HttpError);
  });

  it('drops the connection, before or after the message was sent', async () => {
    const api = newBot().api;
    emulator.injectFault({ method: 'sendMessage', kind: 'network' });
    await expect(api.sendMessage(42, 'lost request')).rejects.toBeInstanceOf(HttpError);
    expect(emulator.sentMessages(42)).toHaveLength(0);

    emulator.injectFault({ method: 'sendMessage', kind: 'network', afterExecute: true });
    await expect(api.sendMessage(42, 'lost answer')).rejects.toBeInstanceOf(HttpError);
    expect(emulator.sentMessages(42).map((m) => m.text)).toEqual(['lost answer']);
    expect(emulator.requestLog.at(-1)).toMatchObject({ method: 'sendMessage', status: 0, fault: 'network' });
  });

  it('refuses with 403 for one chat only, and permanently once the user blocks the bot', async () => {
    emulator.sendUserMessage({ from: { id: 43, first_name: 'Wang' }, text: 'hi' });
    const api = newBot().api;
    emulator.injectFault({ chatId: 43, kind: 'blocked', times: Infinity });
    await expect(api.sendMessage(42, 'fine')).resolves.toBeTruthy();
    const error = await apiError(api.sendMessage(43, 'x'));
    expect([error.error_code, error.description]).toEqual([403, 'Forbidden: bot was blocked by the user']);
    emulator.clearFaults();

    emulator.setBotBlocked(42);
    expect((await apiError(api.sendMessage(42, 'x'))).description).toBe('Forbidden: bot was blocked by the user');
    const updates = (await call('getUpdates')).result as Update[];
    expect(updates.at(-1)?.my_chat_member?.new_chat_member.status).toBe('kicked');
    expect(() => emulator.sendUserMessage({ from: resident, text: 'hello?' })).toThrow(/blocked the bot/);
    emulator.setBotBlocked(42, false);
    await expect(api.sendMessage(42, 'back')).resolves.toBeTruthy();
  });

  it('delays a call and then runs it', async () => {
    const api = newBot().api;
    emulator.injectFault({ method: 'sendChatAction', kind: 'delay', delayMs: 300 });
    const started = Date.now();
    await api.sendChatAction(42, 'typing');
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(emulator.chatActions).toMatchObject([{ chat_id: 42, action: 'typing' }]);
  });
});

describe('HTTP surface', () => {
  it('answers unknown methods, bad tokens and wrong tokens like Telegram', async () => {
    expect(await call('sendTelepathy')).toEqual({ status: 404, ok: false, error_code: 404, description: 'Not Found: method not found' });
    expect((await call('getMe', {}, 'not-a-token')).status).toBe(404);
    await emulator.stop();
    emulator = createBotApiEmulator({ token: '555:right' });
    await emulator.start();
    expect((await call('getMe', {}, '555:wrong')).status).toBe(401);
    expect((await call('getMe', {}, '555:right')).result.id).toBe(555);
  });

  it('accepts form-encoded parameters and method names in any case', async () => {
    emulator.sendUserMessage({ from: resident, text: 'hi' });
    const response = await fetch(`${emulator.apiRoot}/bot${TOKEN}/SENDMESSAGE`, {
      method: 'POST',
      body: new URLSearchParams({
        chat_id: '42',
        text: '<i>form</i>',
        parse_mode: 'HTML',
        reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'a', callback_data: 'a' }]] }),
      }),
    });
    const body = (await response.json()) as { result: Message };
    expect(body.result).toMatchObject({ text: 'form', entities: [{ type: 'italic', offset: 0, length: 4 }] });
    expect(body.result.reply_markup?.inline_keyboard[0]?.[0]).toEqual({ text: 'a', callback_data: 'a' });
  });

  it('stores commands per scope and language', async () => {
    const api = newBot().api;
    await api.setMyCommands([{ command: 'start', description: '开始' }], { language_code: 'zh' });
    expect(await api.getMyCommands({ language_code: 'zh' })).toEqual([{ command: 'start', description: '开始' }]);
    expect(await api.getMyCommands()).toEqual([]);
    expect((await apiError(api.setMyCommands([{ command: 'Start', description: 'x' }]))).description).toBe(
      'Bad Request: BOT_COMMAND_INVALID',
    );
    await api.deleteMyCommands({ language_code: 'zh' });
    expect(await api.getMyCommands({ language_code: 'zh' })).toEqual([]);
  });

  it('drives a conversation through the control API and streams it as server-sent events', async () => {
    const bot = newBot();
    bot.on('message:text', (ctx) =>
      ctx.reply(`got ${ctx.message.text}`, { reply_markup: { inline_keyboard: [[{ text: 'Done', callback_data: 'done' }]] } }),
    );
    bot.callbackQuery('done', (ctx) => ctx.answerCallbackQuery('closed'));
    startPolling(bot);

    const events: string[] = [];
    const controller = new AbortController();
    const stream = await fetch(`${emulator.apiRoot}/_emulator/events?chat_id=42`, { signal: controller.signal });
    cleanups.push(() => controller.abort());
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        events.push(decoder.decode(value));
      }
    })();

    const post = (path: string, body: unknown) =>
      fetch(`${emulator.apiRoot}/_emulator/${path}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
    await post('messages', { from: resident, text: '操场灯坏了' });
    const reply = await emulator.waitFor((m) => m.chat_id === 42);
    expect((await post('callback', { chatId: 42, messageId: reply.message_id, data: 'done', from: resident })).ok).toBe(true);
    await new Promise<void>((resolve) => emulator.on('callback-answer', () => resolve()));

    const history = (await fetch(`${emulator.apiRoot}/_emulator/chats/42/messages`).then((r) => r.json())) as any;
    expect(history.result.map((e: any) => `${e.direction}:${e.kind}:${e.message?.text ?? ''}`)).toEqual([
      'user:message:操场灯坏了',
      'bot:message:got 操场灯坏了',
      'user:callback_query:',
    ]);
    await new Promise((r) => setTimeout(r, 50));
    const stream_ = events.join('');
    expect(stream_).toContain('event: message');
    expect(stream_).toContain('got 操场灯坏了');
    expect(stream_).toContain('event: callback_answer');

    const registered = await post('chats', { id: -77, type: 'group', title: '校长群' });
    expect(registered.result).toEqual({ id: -77, type: 'group', title: '校长群' });
    expect((await post('nowhere', {})).ok).toBe(false);
  });
});
