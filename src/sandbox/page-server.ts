import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReplyMarkup } from '../emulator/bot-api-emulator.ts';
import { carriesControlToken } from '../emulator/control-api.ts';
import type { Persona } from './personas.ts';

/**
 * The sandbox's web page, served by the emulator's `fallback` so that the page and the emulator's
 * control API (/_emulator/…) share one origin: the emulator sends no CORS headers, and needs none.
 */

const PUBLIC_DIR = new URL('./public/', import.meta.url);

// A fixed list: nothing outside it is ever read from disk, whatever the path asks for.
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

// In index.html: <meta name="sandbox-token" content="…">. A meta tag, since the page runs no inline script.
const TOKEN_PLACEHOLDER = '{{SANDBOX_TOKEN}}';

/** What the page needs to know about the simulated world; served as /sandbox.json. */
export interface SandboxWorld {
  /** Changes with every start: a page that reconnects to a restarted sandbox reloads instead of showing stale chats. */
  instance: string;
  bot: { id: number; first_name: string; username: string };
  staffGroup: { id: number; title: string };
  personas: readonly Persona[];
}

export interface PageServerDeps {
  /**
   * The control token of this start. It is written into the page, which only this origin can read
   * (the emulator refuses other Hosts and Origins), and the page sends it with every control request.
   */
  token: string;
  world: () => SandboxWorld;
  /**
   * The reply_markup a bot message was sent with. Transcript entries carry only inline keyboards, as
   * Telegram's Message does; the page also needs force_reply, which a Telegram client honours by
   * opening a reply to that message.
   */
  replyMarkup: (chatId: number, messageId: number) => ReplyMarkup | undefined;
}

export function createPageServer(deps: PageServerDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname;
    if (path === '/sandbox.json') {
      sendJson(res, deps.world(), req.method === 'HEAD');
      return true;
    }
    if (path === '/sandbox/reply-markup') {
      if (!carriesControlToken(req, url, deps.token)) {
        send(res, 403, 'application/json; charset=utf-8', Buffer.from(JSON.stringify({ ok: false, error: 'the control token is missing or wrong' })), req.method === 'HEAD');
        return true;
      }
      const chatId = Number(url.searchParams.get('chat_id'));
      const messageId = Number(url.searchParams.get('message_id'));
      sendJson(res, { reply_markup: deps.replyMarkup(chatId, messageId) ?? null }, req.method === 'HEAD');
      return true;
    }
    const entry = FILES[path];
    if (!entry) return false;
    // Read on every request: editing the page needs a browser reload, not a sandbox restart.
    let body = await readFile(new URL(entry.file, PUBLIC_DIR));
    if (entry.file === 'index.html') body = Buffer.from(body.toString('utf8').replace(TOKEN_PLACEHOLDER, deps.token));
    send(res, 200, entry.type, body, req.method === 'HEAD');
    return true;
  };
}

function sendJson(res: ServerResponse, body: unknown, headOnly: boolean): void {
  send(res, 200, 'application/json; charset=utf-8', Buffer.from(JSON.stringify(body)), headOnly);
}

function send(res: ServerResponse, status: number, type: string, body: Buffer, headOnly: boolean): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': body.length,
    'cache-control': 'no-store',
    // The page loads nothing from anywhere else, and runs no inline script.
    // No other site may frame it either: its buttons act as a resident or as staff (clickjacking).
    'content-security-policy':
      "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(headOnly ? undefined : body);
}
