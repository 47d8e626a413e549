import { createServer } from 'node:net';
import pino, { type Logger } from 'pino';
import { createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { groupText } from '../support/updates.ts';
import { startResidentsPage } from '../../src/web/residents-page.ts';
import type { RateLimiter } from '../../src/web/rate-limit.ts';
import type { WebServer } from '../../src/web/web-server.ts';

/**
 * The real app (harness: real SQLite, migrations, pipeline, outbox; Telegram recorded) with the residents' page
 * on a real port, wired as src/app.ts wires it. Staff act through the staff chat, as in test/bot/staff.test.ts.
 */

export const staffMember = { id: 900, first_name: 'Wang', language_code: 'zh-hans' };
/** 32 bytes, hex: a test key for contacts. */
export const CONTACT_KEY = '0f'.repeat(32);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface WebWorld {
  h: Harness;
  base: string;
  server: WebServer;
  /** A staff command in the staff chat, then wait for the pipeline and the outbox. */
  staff(command: string): Promise<void>;
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface WebWorldOptions {
  env?: Record<string, string>;
  limits?: { reports?: RateLimiter; reads?: RateLimiter };
  timeouts?: { headersMs?: number; requestMs?: number };
  /** One clock for the app and the page. */
  now?: () => number;
  /** The page's logger (default: silent), e.g. to read what it logs. */
  logger?: Logger;
}

export async function createWebWorld(options: WebWorldOptions = {}): Promise<WebWorld> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const h = await createHarness({ env: { WEB_PUBLIC_URL: base, WEB_PORT: String(port), ...options.env }, ...(options.now && { now: options.now }) });
  const app = h.app;
  const server = await startResidentsPage({
    web: app.config.web!,
    config: app.config,
    db: app.db,
    desk: app.desk,
    forgetting: app.forgetting,
    tr: app.tr,
    catalogue: app.catalogue,
    units: app.units,
    onReport: () => app.pipeline.wake(),
    logger: options.logger ?? pino({ level: 'silent' }),
    ...(options.limits && { limits: options.limits }),
    ...(options.now && { now: options.now }),
    ...(options.timeouts && { timeouts: options.timeouts }),
  });
  return {
    h,
    base,
    server,
    staff: (command) => h.send(groupText(STAFF_CHAT, staffMember, command)),
    settle: () => app.runner.settle(),
    async close() {
      await server.close();
      await h.close();
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** The token at the end of a tracking URL. */
export const tokenOf = (trackingUrl: string): string => trackingUrl.slice(trackingUrl.lastIndexOf('/') + 1);

/** A tiny valid PNG (1×1). */
export const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f6a3c50000000049454e44ae426082', 'hex');

/** What a browser holds after loading the form: its cookie and the form's hidden fields. */
export interface LoadedForm {
  cookie: string;
  formToken: string;
  submission: string;
  html: string;
}

export async function openForm(base: string, path = '/'): Promise<LoadedForm> {
  const res = await fetch(`${base}${path}`);
  const html = await res.text();
  const cookie = /minyi_form=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';
  const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
  return { cookie, formToken: hidden('form_token'), submission: hidden('submission'), html };
}

/** Post the page's form as a browser would (multipart), with the loaded form's cookie and token unless overridden. */
export async function postForm(base: string, form: LoadedForm, fields: Record<string, string | Blob>, options: { cookie?: string | null; origin?: string } = {}): Promise<Response> {
  const body = new FormData();
  body.set('form_token', form.formToken);
  body.set('submission', form.submission);
  body.set('consent', 'yes');
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  const cookie = options.cookie === undefined ? form.cookie : options.cookie;
  return fetch(`${base}/report`, {
    method: 'POST',
    body,
    redirect: 'manual',
    headers: { ...(cookie !== null && { cookie: `minyi_form=${cookie}` }), ...(options.origin && { origin: options.origin }) },
  });
}
