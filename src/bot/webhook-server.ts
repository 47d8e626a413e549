import { createServer, type IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from 'pino';
import { withBusyRetry } from '../db/database.ts';
import type { Inbox, RawUpdate } from '../intake/inbox.ts';
import type { BotContext } from './context.ts';

export interface WebhookServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Telegram's updates are small; anything larger than this is not from Telegram. */
export const MAX_WEBHOOK_BODY_BYTES = 1_000_000;

/**
 * Receives Telegram's webhook posts: checks the secret token, stores the update, answers 200 at once,
 * and only then handles it — classification and replies run in the pipeline, never in the request.
 */
export async function startWebhookServer(options: {
  bot: Bot<BotContext>;
  inbox: Inbox;
  logger: Logger;
  url: string;
  secret: string;
  port: number;
  host?: string;
}): Promise<WebhookServer> {
  const { bot, inbox, logger } = options;
  const path = new URL(options.url).pathname;
  const expected = Buffer.from(options.secret);
  // Handling is chained per chat so a chat's updates keep their order, as with polling.
  const chains = new Map<string, Promise<void>>();

  const authorised = (request: IncomingMessage) => {
    const given = Buffer.from(String(request.headers['x-telegram-bot-api-secret-token'] ?? ''));
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const server = createServer((request, response) => {
    const reply = (status: number, body = '') => {
      response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    };
    if (request.method !== 'POST' || request.url?.split('?')[0] !== path) return reply(404, 'not found');
    if (!authorised(request)) {
      logger.warn({ remote: request.socket.remoteAddress }, 'webhook request without the right secret token');
      request.resume();
      return reply(401, 'unauthorized');
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_WEBHOOK_BODY_BYTES) {
      request.resume();
      return reply(413, 'too large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_WEBHOOK_BODY_BYTES && !refused) {
        refused = true;
        reply(413, 'too large');
        request.destroy();
      } else if (!refused) chunks.push(chunk);
    });
    request.on('end', () => {
      if (refused) return;
      let update: RawUpdate;
      try {
        update = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RawUpdate;
        if (typeof update?.update_id !== 'number') throw new Error('no update_id');
      } catch {
        return reply(400, 'bad request');
      }
      withBusyRetry(() => inbox.save([update]))
        .then(() => {
          reply(200, 'ok');
          const key = String(chatKey(update));
          const previous = chains.get(key) ?? Promise.resolve();
          const next = previous
            .then(() => bot.handleUpdate(update as unknown as Update))
            .catch((error: unknown) => logger.error({ err: error, update_id: update.update_id }, 'webhook update failed'))
            .finally(() => {
              if (chains.get(key) === next) chains.delete(key);
            });
          chains.set(key, next);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'could not store a webhook update');
          // Not stored: a 500 makes Telegram deliver it again later.
          reply(500, 'try again');
        });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...chains.values()]);
    },
  };
}

function chatKey(update: RawUpdate): number | string {
  const message = (update.message ?? update.edited_message ?? (update.callback_query as { message?: unknown } | undefined)?.message) as
    | { chat?: { id?: number } }
    | undefined;
  return message?.chat?.id ?? update.update_id;
}
