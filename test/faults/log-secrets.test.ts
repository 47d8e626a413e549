import { createServer, request, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { GrammyError, HttpError } from 'grammy';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, maskSecrets, secretsOf } from '../../src/logger.ts';
import { parseConfig } from '../../src/config.ts';
import { eventually, startBotProcess, type BotProcess } from '../support/bot-process.ts';
import { BOT_TOKEN, createFaultWorld, freePort, outcome, sleep, STAFF_CHAT, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * No token, key, secret, resident text or phone number reaches stdout/stderr, whatever fails: Telegram
 * unreachable (a closed port, mid-run and at start), Telegram refusing a reply that quotes a resident
 * (its payload travels in the error), the LLM failing with an error that echoes the resident's text,
 * and a webhook start whose setWebhook (carrying the secret) is refused.
 */

const API_KEY = 'sk-log-secrets-0123456789abcdef';
const WEBHOOK_SECRET = 'whsec_log_secrets_0123456789';
const PLANTED_ZH = '紫色长颈鹿在操场上跳舞';
const PLANTED_EN = 'zebra-quartz-7719';
const PHONE = '13987654321';
const RESIDENT = 41_001;
const STAFF_MEMBER = { id: 71_999, first_name: '王科长', language_code: 'zh-hans' };

/** Everything that must never appear in a line the bot writes. */
const FORBIDDEN = {
  token: BOT_TOKEN,
  'token secret half': BOT_TOKEN.split(':')[1]!,
  'API key': API_KEY,
  'webhook secret': WEBHOOK_SECRET,
  'planted text (zh)': PLANTED_ZH,
  'planted text (en)': PLANTED_EN,
  phone: PHONE,
  'phone in groups': '139 8765 4321',
};

function leaks(output: string): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(FORBIDDEN)) {
    output.split('\n').forEach((line, i) => {
      if (line.includes(value)) found.push(`${name} on line ${i + 1}: ${line.slice(0, 300)}`);
    });
  }
  return found;
}

/** An HTTP hop in front of the emulator that can be taken down: Telegram unreachable (connection refused). */
async function unreliableLink(targetPort: number): Promise<{ port: number; down(): Promise<void>; up(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer((req, res) => {
        const upstream = request(
          { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${targetPort}` } },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      });
      s.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        const address = s.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const port = await listen(0);
  const down = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  return { port, down, up: async () => void (await listen(port)), close: down };
}

let world: FaultWorld;
const extra: BotProcess[] = [];

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  for (const bot of extra.splice(0)) if (bot.child.exitCode === null && bot.child.signalCode === null) await bot.kill9();
  await world.close();
});

describe('log safety', () => {
  it('Telegram unreachable, replies refused, the LLM failing: no secret, resident text or phone number in any output line', async () => {
    const { telegram, llm } = world;
    // A provider whose error message quotes the input (content filters do): the text must not reach the log through it.
    llm.setResponder((request) => {
      if (request.schemaName === 'grouping_decision') return { same_as: null };
      throw new Error(`input rejected by the content filter: ${request.lastUserText}`);
    });
    const link = await unreliableLink(telegram.port);
    try {
      const bot = await world.start({
        env: { TELEGRAM_API_ROOT: `http://127.0.0.1:${link.port}`, OPENAI_API_KEY: API_KEY, OPENAI_MAX_RETRIES: '0' },
      });

      telegram.sendUserMessage({ from: zhResident(RESIDENT), text: `第一中学门口：${PLANTED_ZH}，${PLANTED_EN}，请回电 ${PHONE} 或 139 8765 4321` });
      await telegram.waitFor((m) => m.chat_id === RESIDENT, 20_000, { includeExisting: true });
      const llmFailures = llm.counts.responder_error;

      // Telegram goes away mid-run (connection refused), then comes back.
      await link.down();
      await sleep(2500);
      await link.up();
      telegram.sendUserMessage({ from: zhResident(RESIDENT + 1), text: '第一中学操场的灯坏了' });
      await telegram.waitFor((m) => m.chat_id === RESIDENT + 1, 30_000, { includeExisting: true });

      // Telegram refuses the staff replies that quote the resident's report (/problem N, /search).
      const problemId = world.query<{ problem_id: number }>('SELECT problem_id FROM reports WHERE chat_id = ?', RESIDENT)[0]!.problem_id;
      const refused = telegram.injectFault({ method: 'sendMessage', chatId: STAFF_CHAT, kind: 'server_error', times: 4 });
      telegram.sendUserMessage({ chatId: STAFF_CHAT, from: STAFF_MEMBER, text: `/problem ${problemId}` });
      telegram.sendUserMessage({ chatId: STAFF_CHAT, from: STAFF_MEMBER, text: `/search ${PLANTED_EN}` });
      await eventually(() => refused.hits >= 2, 20_000);
      await eventually(() => bot.output().split('Telegram refused a request').length > 2, 10_000, () => bot.output().slice(-2000));

      await bot.stop();
      // Telegram unreachable from the start: nothing listens on the API root's port. The bot waits for it.
      const unreachable = startBotProcess(world.env({ env: { OPENAI_API_KEY: API_KEY, TELEGRAM_API_ROOT: `http://127.0.0.1:${await freePort()}` } }));
      extra.push(unreachable);
      await eventually(() => unreachable.output().split('could not reach Telegram').length > 3, 30_000, () => unreachable.output().slice(-2000));
      await unreachable.stop();

      // Webhook mode: setWebhook (its payload carries the secret) is refused, so the start fails.
      telegram.injectFault({ method: 'setWebhook', kind: 'server_error', times: Infinity });
      const webhookRefused = await startWith({
        WEBHOOK_URL: `http://127.0.0.1:${await freePort()}/telegram`,
        WEBHOOK_SECRET,
        PORT: String(await freePort()),
      });

      const output = [bot.output(), unreachable.output(), webhookRefused.output()].join('\n');
      const found = leaks(output);
      outcome(
        `log safety → ${output.split('\n').length} lines from 3 runs (getUpdates refused while Telegram was down, ${refused.hits} staff replies refused, ` +
          `${llmFailures} LLM errors echoing the text, a start on a closed port, a refused setWebhook): ${found.length} leaks`,
      );
      // Not one line holds a secret or the resident's words…
      expect(found).toEqual([]);
      // …although the failures happened and were logged (the absence of secrets is not an absence of lines).
      expect(llmFailures).toBeGreaterThan(0);
      expect(output).toContain('Telegram refused a request');
      expect(output).toContain('LLM classification failed');
      expect(output).toContain('could not reach Telegram');
      expect(webhookRefused.child.exitCode, webhookRefused.output().slice(-1000)).toBe(1);
      expect(output).toContain('Minyi could not start');
    } finally {
      await link.close();
    }
  }, 240_000);
});

async function startWith(env: Record<string, string>): Promise<BotProcess> {
  const bot = startBotProcess(world.env({ env: { OPENAI_API_KEY: API_KEY, ...env } }));
  extra.push(bot);
  // A start that fails ends the process; under load that can take a while.
  await Promise.race([bot.exited, sleep(60_000)]);
  return bot;
}

describe('the log-safety layer (a logger writing to a captured stream)', () => {
  const config = parseConfig({
    BOT_TOKEN: '7123456789:AAHk3jv0_secret-half-of-the-token-xyz',
    OPENAI_API_KEY: 'sk-proj-captured-key-0123456789',
    WEBHOOK_URL: 'https://bot.example.org/telegram',
    WEBHOOK_SECRET: 'whsec_captured_0123456789abc',
  });
  const capture = () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    return { lines, logger: createLogger('trace', { secrets: secretsOf(config), destination }) };
  };

  it('errors keep their kind, codes and method; payloads, bodies, headers and secrets are gone', () => {
    const { lines, logger } = capture();
    const token = config.botToken!;
    const fetchError = Object.assign(new Error(`request to https://api.telegram.org/bot${token}/sendMessage failed, reason: connect ECONNREFUSED`), { name: 'FetchError', code: 'ECONNREFUSED' });
    logger.error({ err: new HttpError("Network request for 'sendMessage' failed!", fetchError) }, 'could not reach Telegram');
    const refused = new GrammyError("Call to 'sendMessage' failed!", { ok: false, error_code: 400, description: 'Bad Request: message is too long' }, 'sendMessage', {
      chat_id: 5,
      text: `${PLANTED_ZH} ${PHONE}`,
    });
    logger.error({ err: refused, method: refused.method }, 'Telegram refused a request');
    const provider = OpenAI.APIError.generate(
      400,
      { error: { message: `content filter: ${PLANTED_EN}, call ${PHONE}`, code: 'content_filter' } },
      undefined,
      new Headers({ authorization: `Bearer ${config.llm!.apiKey}`, 'x-request-id': 'req_1' }),
    );
    logger.warn({ err: provider }, 'LLM failed');
    logger.warn({ reason: `LLM refused: I will not repeat "${PLANTED_EN}"` }, 'LLM classification failed');
    logger.info(`a message that names the key ${config.llm!.apiKey} and the secret ${config.delivery.mode === 'webhook' ? config.delivery.secret : ''}`);
    logger.error(new Error(`unexpected ${token.split(':')[1]} in a message`));

    const output = lines.join('');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, any>);
    expect(output).not.toContain(token.split(':')[1]);
    expect(output).not.toContain(config.llm!.apiKey);
    expect(output).not.toContain('whsec_captured_0123456789abc');
    expect(output).not.toContain(PLANTED_ZH);
    expect(output).not.toContain(PLANTED_EN);
    expect(output).not.toContain(PHONE);
    // What the operator needs is still there.
    expect(parsed[0]!.err).toMatchObject({ type: 'HttpError', cause: { type: 'FetchError', code: 'ECONNREFUSED' } });
    expect(parsed[1]!.err).toMatchObject({ type: 'GrammyError', error_code: 400, method: 'sendMessage', description: 'Bad Request: message is too long' });
    expect(parsed[1]!.err.payload).toBeUndefined();
    expect(parsed[2]!.err).toMatchObject({ status: 400, code: 'content_filter' });
    expect(parsed[3]!.reason).toBe('LLM refused');
  });

  it('masking is linear: 10,000 characters of near-secrets take milliseconds', () => {
    const hostile = [
      'bot1'.repeat(2500),
      `bot${'1'.repeat(9_990)}`,
      `${'1'.repeat(5000)}:${'a'.repeat(29)}`.repeat(2),
      '//a:'.repeat(2500),
      '?key='.repeat(2000),
      'Bearer '.repeat(1400),
      'sk-'.repeat(3300),
      '1:'.repeat(5000),
    ];
    for (const text of hostile) {
      const started = performance.now();
      maskSecrets(text, secretsOf(config));
      expect(performance.now() - started, text.slice(0, 20)).toBeLessThan(50);
    }
  });
});
