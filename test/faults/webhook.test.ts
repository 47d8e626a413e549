import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { privateText } from '../support/updates.ts';
import { alive, createFaultWorld, freePort, outcome, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * Webhook mode (WEBHOOK_URL set): a request without the right secret token gets 401 and is not processed;
 * oversized bodies are refused; the handler answers within Telegram's time limit while the LLM work
 * continues in the job queue.
 */

const SECRET = 'fault-suite-webhook-secret-0123456789';
const PATH = '/telegram/webhook';

let world: FaultWorld;
let port: number;

beforeEach(async () => {
  world = await createFaultWorld();
  port = await freePort();
});

afterEach(async () => {
  await world.close();
});

interface Answer {
  status: number;
  body: string;
  ms: number;
}

/** A raw HTTP request to the bot's webhook; a connection the server cuts counts as status 0. */
function post(body: string | Buffer, headers: Record<string, string | number> = {}, options: { method?: string; path?: string; chunked?: boolean } = {}): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        agent: false,
        method: options.method ?? 'POST',
        path: options.path ?? PATH,
        headers: { 'content-type': 'application/json', ...(options.chunked ? {} : { 'content-length': Buffer.byteLength(body) }), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, ms: Date.now() - started }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body: text, ms: Date.now() - started }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '', ms: Date.now() - started }));
    if (options.chunked) {
      // Sent in pieces without a length, as a client that lies about nothing but never stops.
      const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
      for (let i = 0; i < data.length; i += 64 * 1024) req.write(data.subarray(i, i + 64 * 1024));
      req.end();
    } else {
      req.end(body);
    }
  });
}

const updateFor = (updateId: number, chatId: number, text: string) =>
  JSON.stringify(privateText({ id: chatId, first_name: 'R', language_code: 'zh-hans' }, text, { updateId, messageId: updateId }));

const processed = (world: FaultWorld, updateId: number, chatId: number) =>
  world.count('SELECT COUNT(*) FROM inbox WHERE update_id = ?', updateId) +
  world.count('SELECT COUNT(*) FROM reports WHERE chat_id = ?', chatId) +
  world.telegram.requestLog.filter((r) => Number(r.params.chat_id) === chatId).length;

async function startWebhookBot(world: FaultWorld, env: Record<string, string> = {}) {
  return world.start({
    readyLine: 'receiving updates by webhook',
    env: { WEBHOOK_URL: `http://127.0.0.1:${port}${PATH}`, WEBHOOK_SECRET: SECRET, PORT: String(port), ...env },
  });
}

describe('webhook mode', () => {
  it('refuses requests without the right secret (401, not processed) and oversized or malformed bodies', async () => {
    const bot = await startWebhookBot(world, {});
    const forged: Array<{ name: string; headers: Record<string, string> }> = [
      { name: 'no secret', headers: {} },
      { name: 'wrong secret', headers: { 'x-telegram-bot-api-secret-token': SECRET.replace(/.$/, 'X') } },
      { name: 'secret prefix', headers: { 'x-telegram-bot-api-secret-token': SECRET.slice(0, 10) } },
      { name: 'secret with suffix', headers: { 'x-telegram-bot-api-secret-token': `${SECRET}x` } },
    ];
    const answers: string[] = [];
    for (const [i, attempt] of forged.entries()) {
      const answer = await post(updateFor(900_001 + i, 75_000 + i, '第一中学食堂太贵了'), attempt.headers);
      answers.push(`${attempt.name} ${answer.status}`);
      expect(answer.status, attempt.name).toBe(401);
    }
    const wrongPath = await post(updateFor(900_010, 75_010, 'x'), { 'x-telegram-bot-api-secret-token': SECRET }, { path: '/other' });
    const wrongMethod = await post('', { 'x-telegram-bot-api-secret-token': SECRET }, { method: 'GET' });
    expect(wrongPath.status).toBe(404);
    expect(wrongMethod.status).toBe(404);

    // Oversized: declared, and undeclared (chunked); each is refused, not buffered.
    const huge = Buffer.alloc(3_000_000, 0x61);
    const declared = await post(huge, { 'x-telegram-bot-api-secret-token': SECRET });
    const chunked = await post(huge, { 'x-telegram-bot-api-secret-token': SECRET }, { chunked: true });
    // The server answers 413 and closes at once; a client still uploading may see the close (EPIPE) before it
    // reads the answer (status 0). Either way the body was refused; nothing reached the inbox (checked below).
    expect([0, 413]).toContain(declared.status);
    expect([0, 413]).toContain(chunked.status);
    expect(declared.ms, 'refused without reading 3 MB first').toBeLessThan(5_000);
    // Malformed: not JSON, and JSON that is not an update.
    const notJson = await post('{"update_id": 1, "message": ', { 'x-telegram-bot-api-secret-token': SECRET });
    const noId = await post('{"message": {}}', { 'x-telegram-bot-api-secret-token': SECRET });
    expect(notJson.status).toBe(400);
    expect(noId.status).toBe(400);

    // None of it was stored, handled or answered.
    for (let i = 0; i < forged.length; i++) expect(processed(world, 900_001 + i, 75_000 + i)).toBe(0);
    expect(processed(world, 900_010, 75_010)).toBe(0);
    expect(world.count('SELECT COUNT(*) FROM inbox')).toBe(0);

    // And the real thing still works, through the emulator's webhook delivery.
    world.telegram.sendUserMessage({ from: zhResident(75_100), text: '实验小学门口的路灯坏了' });
    const reply = await world.telegram.waitFor((m) => m.chat_id === 75_100, 15_000, { includeExisting: true });
    expect(reply.text).toMatch(/#\d+/);
    expect(alive(bot)).toBe(true);
    outcome(
      `webhook: ${answers.join(', ')}; wrong path ${wrongPath.status}, GET ${wrongMethod.status}; 3 MB declared ${declared.status || 'connection cut'} in ${declared.ms} ms, ` +
        `3 MB chunked ${chunked.status || 'connection cut'} in ${chunked.ms} ms; bad JSON ${notJson.status}, no update_id ${noId.status}; 0 processed; a real update answered`,
    );
  }, 60_000);

  it('answers Telegram at once while the LLM takes seconds; the reply follows from the job queue', async () => {
    const { telegram, llm } = world;
    llm.setLatency(5000);
    const bot = await startWebhookBot(world, { OPENAI_TIMEOUT_MS: '15000' });
    const chats = [75_200, 75_201, 75_202];
    const sentAt = Date.now();
    for (const chatId of chats) telegram.sendUserMessage({ from: zhResident(chatId), text: `第${chatId - 75_199}个反映：第一中学周末补课收费` });
    // Our own post, timed from here: the answer must not wait for the LLM.
    telegram.registerChat({ id: 75_203, type: 'private', first_name: 'R' });
    const direct = await post(updateFor(910_000, 75_203, '第二中学食堂的饭菜有异味'), { 'x-telegram-bot-api-secret-token': SECRET });
    expect(direct.status).toBe(200);
    expect(direct.ms).toBeLessThan(1000);

    const replies = await Promise.all([...chats, 75_203].map((chatId) => telegram.waitFor((m) => m.chat_id === chatId, 30_000, { includeExisting: true })));
    const slowest = Math.max(...replies.map((r) => r.at - sentAt));
    const fastest = Math.min(...replies.map((r) => r.at - sentAt));
    // The webhook answered each delivery at once; the replies came after the LLM, from the queue.
    const deliveries = telegram.webhookDeliveries.filter((d) => d.status !== 0);
    expect(deliveries.every((d) => d.status === 200)).toBe(true);
    expect(fastest).toBeGreaterThanOrEqual(4500);
    expect(world.count(`SELECT COUNT(*) FROM reports WHERE classified_by = 'llm'`)).toBe(4);
    expect(alive(bot)).toBe(true);
    outcome(
      `webhook with a 5 s LLM: our POST answered 200 in ${direct.ms} ms, ${deliveries.length} emulator deliveries all 200; ` +
        `the 4 replies came ${(fastest / 1000).toFixed(1)}–${(slowest / 1000).toFixed(1)} s later, from the job queue, labelled by the LLM`,
    );
  }, 60_000);
});
