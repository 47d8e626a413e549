import { request } from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { createBotApiEmulator } from '../../src/emulator/bot-api-emulator.ts';
import { PERSONAS, SANDBOX_STAFF_GROUP, SANDBOX_TOKEN } from '../../src/sandbox/personas.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { tempDir } from '../support/harness.ts';

/**
 * Another web page the operator has open must not drive the sandbox or read its chats. A browser will
 * send a page's requests to 127.0.0.1: a "simple" text/plain POST without asking, an <img> GET, and,
 * after DNS rebinding, any request under the attacker's own host name. Everything here is real HTTP
 * to a running sandbox; each refused request is checked to have changed nothing.
 */

const resident = PERSONAS.find((p) => p.key === 'wang')!;
const staff = PERSONAS.find((p) => p.role === 'staff')!;
const EVIL = 'http://evil.example';

let sandbox: Sandbox;
let cleanup: () => void;
let port: number;
let token: string;

interface Answer {
  status: number;
  body: string;
}

/** Real HTTP with full control of the headers (fetch would not let a test set Host). */
function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      // An event stream never ends by itself: its status is the answer.
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        res.destroy();
        resolve({ status: res.statusCode!, body: '' });
        return;
      }
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const asResident = JSON.stringify({ chatId: resident.chatId, from: resident.user, text: '实验小学门口的红绿灯坏了三天了' });
const asStaff = JSON.stringify({ chatId: staff.chatId, from: staff.user, text: '/export all' });
const json = { 'content-type': 'application/json' };
const withToken = () => ({ 'x-control-token': token });

beforeAll(async () => {
  const dir = tempDir();
  cleanup = dir.cleanup;
  const config = parseConfig({ LOG_LEVEL: 'silent', DATABASE_PATH: join(dir.dir, 'minyi.sqlite') });
  sandbox = await startSandbox({ config, logger: pino({ level: 'silent' }), port: 0, databasePath: join(dir.dir, 'sandbox.sqlite') });
  port = sandbox.emulator.port;
  const page = await send('GET', '/');
  expect(page.status).toBe(200);
  token = /<meta name="sandbox-token" content="([^"]+)">/.exec(page.body)?.[1] ?? '';
});

afterAll(async () => {
  await sandbox?.stop();
  cleanup?.();
});

/** Nothing any refused request could have caused: no message in any chat, no report, no webhook. */
async function expectNothingHappened(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(sandbox.emulator.transcript(resident.chatId)).toEqual([]);
  expect(sandbox.emulator.transcript(SANDBOX_STAFF_GROUP.id)).toEqual([]);
  expect(sandbox.app.db.prepare('SELECT COUNT(*) FROM reports').pluck().get()).toBe(0);
  expect(sandbox.emulator.webhookInfo().url).toBe('');
}

describe('the sandbox against other web pages', () => {
  it('writes a fresh, unguessable token into its own page', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
  });

  it('refuses a cross-site text/plain POST (no token, no JSON), as the resident and as staff', async () => {
    // What a hidden form or fetch(…, { mode: 'no-cors' }) on another site sends, without a preflight.
    const plain = { 'content-type': 'text/plain;charset=UTF-8', origin: EVIL };
    expect((await send('POST', '/_emulator/messages', plain, asResident)).status).toBe(403);
    expect((await send('POST', '/_emulator/messages', plain, asStaff)).status).toBe(403);
    expect((await send('POST', '/_emulator/callback', plain, JSON.stringify({ chatId: staff.chatId, messageId: 1, data: 'x', from: staff.user }))).status).toBe(403);
    // Even same-origin and with the token, text/plain does not change anything.
    expect((await send('POST', '/_emulator/messages', { 'content-type': 'text/plain', ...withToken() }, asResident)).status).toBe(415);
    expect((await send('POST', '/_emulator/messages', { 'content-type': 'application/x-www-form-urlencoded', ...withToken() }, asResident)).status).toBe(415);
    await expectNothingHappened();
  });

  it('refuses a foreign Origin even with JSON and the right token', async () => {
    for (const origin of [EVIL, 'null', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`]) {
      expect((await send('POST', '/_emulator/messages', { ...json, ...withToken(), origin }, asResident)).status).toBe(403);
      expect((await send('GET', `/_emulator/chats/${resident.chatId}/messages`, { ...withToken(), origin })).status).toBe(403);
    }
    await expectNothingHappened();
  });

  it('refuses a foreign Host (DNS rebinding), so the page with the token is never served to another site', async () => {
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1']) {
      const page = await send('GET', '/', { host });
      expect(page.status).toBe(403);
      expect(page.body).not.toContain(token);
      expect((await send('GET', '/sandbox.json', { host })).status).toBe(403);
      // The rebound page is same-origin with itself: it would send JSON and read the answers.
      expect((await send('POST', '/_emulator/messages', { host, ...json, ...withToken() }, asStaff)).status).toBe(403);
      expect((await send('GET', `/_emulator/chats/${SANDBOX_STAFF_GROUP.id}/messages`, { host, ...withToken() })).status).toBe(403);
    }
    await expectNothingHappened();
  });

  it('refuses every control request without the right token, reads included', async () => {
    const wrong = { 'x-control-token': `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` };
    for (const headers of [{}, wrong, { 'x-control-token': '' }]) {
      expect((await send('POST', '/_emulator/messages', { ...json, ...headers }, asResident)).status).toBe(403);
      expect((await send('GET', `/_emulator/chats/${resident.chatId}/messages`, headers)).status).toBe(403);
      expect((await send('GET', '/_emulator/sent', headers)).status).toBe(403);
      expect((await send('GET', '/_emulator/requests', headers)).status).toBe(403);
      expect((await send('GET', '/_emulator/events', headers)).status).toBe(403);
      expect((await send('GET', '/_emulator/files/anything', headers)).status).toBe(403);
      expect((await send('GET', `/sandbox/reply-markup?chat_id=${staff.chatId}&message_id=1`, headers)).status).toBe(403);
      expect((await send('POST', '/_emulator/faults', { ...json, ...headers }, JSON.stringify({ method: 'sendMessage' }))).status).toBe(403);
    }
    // A token in the address is accepted only where the page cannot send a header (GET), never for a change.
    expect((await send('POST', `/_emulator/messages?token=${token}`, json, asResident)).status).toBe(403);
    expect((await send('GET', `/_emulator/events?token=${token}`)).status).toBe(200);
    await expectNothingHappened();
  });

  it('does not answer the Bot API under the fixed sandbox token, so an <img> cannot set a webhook', async () => {
    const hook = await send('GET', `/bot${SANDBOX_TOKEN}/setWebhook?url=${encodeURIComponent(`${EVIL}/steal`)}`);
    expect(hook.status).toBe(401);
    const updates = await send('GET', `/bot${SANDBOX_TOKEN}/sendMessage?chat_id=${SANDBOX_STAFF_GROUP.id}&text=hi`);
    expect(updates.status).toBe(401);
    await expectNothingHappened();
  });

  it('cannot be framed by another site (clickjacking its buttons), nor sniffed or referred', async () => {
    for (const path of ['/', '/index.html', '/app.js', '/sandbox.json']) {
      const answer = await fetch(`http://127.0.0.1:${port}${path}`);
      await answer.arrayBuffer();
      expect(answer.status).toBe(200);
      const csp = (answer.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim());
      expect(csp).toContain("frame-ancestors 'none'");
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('listens on 127.0.0.1 only, and the emulator refuses to listen anywhere else', () => {
    expect(sandbox.url).toBe(`http://127.0.0.1:${port}`);
    expect(sandbox.emulator.apiRoot).toBe(`http://127.0.0.1:${port}`);
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) expect(() => createBotApiEmulator({ host })).toThrow(/only loopback/);
  });

  it('still lets its own page act and read, under 127.0.0.1, localhost or [::1]', async () => {
    const sent = await send('POST', '/_emulator/messages', { ...json, ...withToken(), origin: `http://127.0.0.1:${port}` }, asResident);
    expect(sent.status).toBe(200);
    const ack = await sandbox.emulator.waitFor((m) => m.chat_id === resident.chatId, 10_000);
    expect(ack.text).toMatch(/编号 #1\b/);
    for (const host of [`localhost:${port}`, `[::1]:${port}`]) {
      const history = await send('GET', `/_emulator/chats/${resident.chatId}/messages`, { host, ...withToken(), origin: `http://${host}` });
      expect(history.status).toBe(200);
      expect(JSON.parse(history.body).result.map((e: { message?: { text?: string } }) => e.message?.text)).toContain('实验小学门口的红绿灯坏了三天了');
    }
  });
});
