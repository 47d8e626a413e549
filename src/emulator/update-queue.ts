import type { Update, WebhookInfo } from 'grammy/types';
import { ApiError, badRequest } from './api-error.ts';
import { asBoolean, asInteger, asJson, asNumber, asString } from './params.ts';

type UpdateType = Exclude<keyof Update, 'update_id'>;

/** What Telegram sends when allowed_updates is empty or was never given. */
const NOT_SENT_BY_DEFAULT = new Set<string>(['chat_member', 'message_reaction', 'message_reaction_count']);

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface WebhookDelivery {
  at: number;
  update_id: number;
  /** HTTP status of the webhook's answer; 0 when it did not answer. */
  status: number;
  error?: string;
}

export interface UpdateQueueOptions {
  now: () => number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  /** Runs a method the webhook answered with (`{"method": "sendMessage", ...}` in the response body). */
  executeWebhookReply: (method: string, params: Record<string, unknown>) => Promise<void>;
}

interface Webhook {
  url: string;
  secretToken: string | undefined;
  maxConnections: number;
  attempts: number;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

interface Waiter {
  limit: number;
  resolve: (updates: Update[]) => void;
  reject: (error: ApiError) => void;
  timer: NodeJS.Timeout;
}

export function updateTypeOf(update: Update): UpdateType | undefined {
  return Object.keys(update).find((key) => key !== 'update_id') as UpdateType | undefined;
}

/**
 * The bot's update queue with Telegram's rules: an update stays until a later offset confirms it,
 * one getUpdates at a time (a newer one ends the older with 409), and no polling while a webhook is set.
 */
export class UpdateQueue {
  private pending: Update[] = [];
  private nextId = 1;
  private allowed: Set<string> | undefined;
  private waiter: Waiter | undefined;
  private flushScheduled: NodeJS.Immediate | undefined;
  private webhook: Webhook | undefined;
  private inFlight: AbortController | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  readonly webhookDeliveries: WebhookDelivery[] = [];

  constructor(private readonly options: UpdateQueueOptions) {}

  /** Queues an update, giving it the next update_id unless it has one. */
  enqueue(update: Omit<Update, 'update_id'> & { update_id?: number }): Update {
    const id = update.update_id ?? this.nextId;
    this.nextId = Math.max(this.nextId, id + 1);
    const full = { ...update, update_id: id } as Update;
    this.pending.push(full);
    this.scheduleFlush();
    this.kickWebhook();
    return full;
  }

  pendingUpdates(): readonly Update[] {
    return [...this.pending];
  }

  async getUpdates(params: Record<string, unknown>, signal: AbortSignal): Promise<Update[]> {
    if (this.webhook) {
      throw new ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = asInteger(params, 'offset') ?? 0;
    const limit = Math.min(100, Math.max(1, asInteger(params, 'limit') ?? 100));
    const timeout = Math.max(0, asNumber(params, 'timeout') ?? 0);
    this.setAllowed(params.allowed_updates);
    this.confirm(offset);

    this.waiter?.reject(
      new ApiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'),
    );
    this.clearWaiter();

    const ready = this.take(limit);
    if (ready.length > 0 || timeout === 0 || this.stopped) return ready;

    return new Promise<Update[]>((resolve, reject) => {
      const finish = (updates: Update[]): void => {
        if (this.waiter === waiter) this.clearWaiter();
        resolve(updates);
      };
      const waiter: Waiter = {
        limit,
        resolve: finish,
        reject: (error) => {
          if (this.waiter === waiter) this.clearWaiter();
          reject(error);
        },
        timer: setTimeout(() => finish(this.take(limit)), timeout * 1000),
      };
      // A client that gave up (bot stopped or killed) no longer holds the queue.
      signal.addEventListener('abort', () => finish([]), { once: true });
      this.waiter = waiter;
    });
  }

  setWebhook(params: Record<string, unknown>): string {
    const url = asString(params, 'url') ?? '';
    if (url === '') return this.deleteWebhook(params);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest('bad webhook: Failed to resolve host: Name or service not known');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
    }
    if (!LOOPBACK_HOSTS.has(parsed.hostname)) {
      throw badRequest('bad webhook: the emulator delivers webhooks only to 127.0.0.1, [::1] or localhost');
    }
    const secretToken = asString(params, 'secret_token');
    if (secretToken !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secretToken)) {
      throw badRequest('secret token contains unallowed characters');
    }
    const maxConnections = asInteger(params, 'max_connections') ?? 40;
    if (maxConnections < 1 || maxConnections > 100) throw badRequest('bad webhook: max_connections must be in 1..100');
    this.setAllowed(params.allowed_updates);
    if (asBoolean(params, 'drop_pending_updates')) this.pending = [];

    const same = this.webhook?.url === url;
    this.cancelDelivery();
    this.waiter?.reject(new ApiError(409, 'Conflict: terminated by setWebhook request'));
    this.clearWaiter();
    this.webhook = { url, secretToken, maxConnections, attempts: 0 };
    this.kickWebhook();
    return same ? 'Webhook is already set' : 'Webhook was set';
  }

  deleteWebhook(params: Record<string, unknown>): string {
    const had = this.webhook !== undefined;
    this.cancelDelivery();
    this.webhook = undefined;
    if (asBoolean(params, 'drop_pending_updates')) this.pending = [];
    return had ? 'Webhook was deleted' : 'Webhook is already deleted';
  }

  webhookInfo(): WebhookInfo {
    const hook = this.webhook;
    const info: WebhookInfo = {
      url: hook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.pending.length,
    };
    if (hook) {
      info.max_connections = hook.maxConnections;
      info.ip_address = '127.0.0.1';
      if (hook.lastErrorDate !== undefined) info.last_error_date = hook.lastErrorDate;
      if (hook.lastErrorMessage !== undefined) info.last_error_message = hook.lastErrorMessage;
    }
    if (this.allowed) info.allowed_updates = [...this.allowed] as WebhookInfo['allowed_updates'];
    return info;
  }

  /** Ends every held poll (answering it with no updates) and every timer; nothing runs afterwards. */
  stop(): void {
    this.stopped = true;
    this.waiter?.resolve([]);
    this.clearWaiter();
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flushScheduled = undefined;
    this.cancelDelivery();
  }

  private setAllowed(raw: unknown): void {
    if (raw === undefined) return; // Telegram keeps the previous setting
    const list = asJson(raw);
    if (!Array.isArray(list)) throw badRequest("can't parse allowed updates JSON array");
    this.allowed = list.length === 0 ? undefined : new Set(list.map(String));
  }

  private isAllowed(update: Update): boolean {
    const type = updateTypeOf(update);
    if (type === undefined) return false;
    return this.allowed ? this.allowed.has(type) : !NOT_SENT_BY_DEFAULT.has(type);
  }

  private confirm(offset: number): void {
    if (offset > 0) this.pending = this.pending.filter((u) => u.update_id >= offset);
    else if (offset < 0) this.pending = this.pending.slice(offset);
  }

  /** The first `limit` deliverable updates; ones the bot did not ask for are dropped, as Telegram does. */
  private take(limit: number): Update[] {
    this.pending = this.pending.filter((u) => this.isAllowed(u));
    return this.pending.slice(0, limit);
  }

  private clearWaiter(): void {
    if (this.waiter) clearTimeout(this.waiter.timer);
    this.waiter = undefined;
  }

  private scheduleFlush(): void {
    if (!this.waiter || this.flushScheduled || this.stopped) return;
    // Updates queued in the same tick leave in one batch, as they would from Telegram.
    this.flushScheduled = setImmediate(() => {
      this.flushScheduled = undefined;
      const waiter = this.waiter;
      if (!waiter) return;
      const ready = this.take(waiter.limit);
      if (ready.length > 0) waiter.resolve(ready);
    });
  }

  private cancelDelivery(): void {
    this.inFlight?.abort();
    this.inFlight = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private kickWebhook(): void {
    if (!this.webhook || this.inFlight || this.retryTimer || this.stopped) return;
    const next = this.take(1)[0];
    if (next) void this.deliver(this.webhook, next);
  }

  /** Posts one update; Telegram delivers in order, so the next waits until this one is accepted. */
  private async deliver(hook: Webhook, update: Update): Promise<void> {
    const controller = new AbortController();
    this.inFlight = controller;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    let status = 0;
    let error: string | undefined;
    let reply: string | undefined;
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (hook.secretToken !== undefined) headers['X-Telegram-Bot-Api-Secret-Token'] = hook.secretToken;
      const response = await fetch(hook.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(update),
        signal: controller.signal,
      });
      status = response.status;
      reply = await response.text();
      if (!response.ok) error = `Wrong response from the webhook: ${response.status} ${response.statusText}`;
    } catch (cause) {
      if (controller.signal.aborted && !timedOut) return; // webhook deleted or emulator stopped
      error = timedOut ? 'Read timeout expired' : describeNetworkError(cause);
    } finally {
      clearTimeout(timer);
      if (this.inFlight === controller) this.inFlight = undefined;
    }
    if (this.webhook !== hook || this.stopped) return;
    this.webhookDeliveries.push({
      at: this.options.now(),
      update_id: update.update_id,
      status,
      ...(error ? { error } : {}),
    });

    if (error === undefined) {
      hook.attempts = 0;
      this.pending = this.pending.filter((u) => u.update_id !== update.update_id);
      await this.runWebhookReply(reply);
      this.kickWebhook();
      return;
    }
    hook.attempts++;
    hook.lastErrorDate = Math.floor(this.options.now() / 1000);
    hook.lastErrorMessage = error;
    const delay = Math.min(this.options.retryBaseMs * 2 ** (hook.attempts - 1), this.options.retryMaxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kickWebhook();
    }, delay);
  }

  private async runWebhookReply(body: string | undefined): Promise<void> {
    if (!body) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const { method, ...params } = parsed as Record<string, unknown>;
    if (typeof method === 'string') await this.options.executeWebhookReply(method, params);
  }
}

function describeNetworkError(cause: unknown): string {
  const code = (cause as { cause?: { code?: string } }).cause?.code;
  if (code === 'ECONNREFUSED') return 'Connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'Connection reset by peer';
  return cause instanceof Error ? cause.message : String(cause);
}
