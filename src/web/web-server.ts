import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { WebConfig } from '../config.ts';
import { withBusyRetry } from '../db/database.ts';
import type { Catalogue } from '../domain/categories.ts';
import type { Language } from '../domain/classification.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { FormTokens } from './form-token.ts';
import { FORM_COOKIE } from './form-token.ts';
import { createPages, type FormValues } from './pages.ts';
import { clientKey, createRateLimiter, perHour, perMinute, type Admission, type RateLimiter } from './rate-limit.ts';
import { checkSubmission, checkSurvey, languageOf, type RawSubmission } from './submission.ts';
import type { WebIntake } from './web-intake.ts';
import type { TrackedReport, TrackingView, WebTracking } from './web-tracking.ts';

/**
 * The residents' web page and its JSON API (docs/WEB.md), on its own port behind the operator's reverse proxy.
 * Every report is stored before the answer; classification, grouping and replies happen in the pipeline, as for
 * Telegram. The page runs no script at all (CSP `script-src 'none'`): forms, a <datalist> and links.
 */

export interface WebServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface WebServerDeps {
  config: WebConfig;
  timezone: string;
  tr: Translator;
  catalogue: Catalogue;
  unitNames: () => readonly string[];
  intake: WebIntake;
  tracking: WebTracking;
  formTokens: FormTokens;
  /** A report was stored: the pipeline should look now. */
  onReport: () => void;
  logger: Logger;
  now?: () => number;
  /** Limits; defaults from the config (reports) and 120 reads a minute per client. */
  limits?: { reports?: RateLimiter; reads?: RateLimiter };
  /** Socket timeouts (defaults 15 s for the headers, 60 s for the whole request); tests shorten them. */
  timeouts?: { headersMs?: number; requestMs?: number };
}

const JSON_LIMIT = 64 * 1024;
const FORM_LIMIT = 64 * 1024;
/** The page's form has ten fields; a body of thousands of tiny parts only costs parsing time. */
const MAX_PARTS = 32;
const CSS = readFileSync(new URL('./style.css', import.meta.url));
const TOKEN_PATH = /^\/(api\/reports|t)\/([A-Za-z0-9_-]{1,64})(\/survey|\/forget)?$/;

const SECURITY_HEADERS = {
  // Nothing but our own stylesheet: no script, no frames, no plug-ins, forms only to ourselves.
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // The tracking token is in the page's address: it must not travel in a Referer to anyone else. (Not
  // 'no-referrer': with it a browser posts our own forms with `Origin: null`, which the origin check refuses.)
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(code);
  }
}

export async function startWebServer(deps: WebServerDeps): Promise<WebServer> {
  const { config, tr, logger, formTokens } = deps;
  const now = deps.now ?? Date.now;
  const publicOrigin = new URL(config.publicUrl).origin;
  const secure = publicOrigin.startsWith('https:');
  const pages = createPages({
    tr,
    catalogue: deps.catalogue,
    timezone: deps.timezone,
    unitNames: deps.unitNames,
    maxPhotoMb: Math.round(config.maxPhotoBytes / 1024 / 1024),
    contactStored: config.contactKey !== undefined,
  });
  const reportLimit =
    deps.limits?.reports ?? createRateLimiter({ client: perHour(config.reportsPerIpHour, 10), everyone: perMinute(config.reportsPerMinute) });
  const readLimit = deps.limits?.reads ?? createRateLimiter({ client: perMinute(120), everyone: perMinute(6000) });
  const multipartLimit = config.maxPhotoBytes + 256 * 1024;
  const trackingUrl = (token: string) => `${config.publicUrl}/t/${token}`;

  // Node checks the header and request timeouts on this interval (30 s by default: a dribbled request's headers
  // lived 45 s instead of 15).
  const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) logger.error({ err: error, route: routeName(req) }, 'web: request failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const language = languageOfRequest(req);
      const code = error instanceof HttpError ? error.code : 'generic';
      // A body refused before it was read still says how large a photo may be.
      const params = error instanceof HttpError ? { mb: Math.round(config.maxPhotoBytes / 1024 / 1024), ...error.params } : {};
      if (wantsJson(req)) sendJson(res, status, { error: code, message: stripTags(tr.t(language, `web.error.${code}`, params)) }, extraHeaders(error));
      else sendHtml(res, status, pages.message(language, tr.t(language, 'web.error.title'), tr.t(language, `web.error.${code}`, params)), extraHeaders(error));
      // A body we refused is not read to its end: the connection goes once the answer is out.
      if (status === 413 || status === 429) res.once('finish', () => req.destroy());
    });
  });
  server.requestTimeout = deps.timeouts?.requestMs ?? 60_000;
  server.headersTimeout = deps.timeouts?.headersMs ?? 15_000;
  server.keepAliveTimeout = 5_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://web.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const language = languageOfRequest(req);
    if (method === 'GET' && path === '/static/style.css') return send(res, 200, 'text/css; charset=utf-8', CSS, { 'cache-control': 'public, max-age=3600' });
    // Browsers ask for it on their own; there is none.
    if (method === 'GET' && path === '/favicon.ico') return send(res, 204, 'image/x-icon', Buffer.alloc(0), { 'cache-control': 'public, max-age=86400' });
    if (method === 'GET' && (path === '/' || path === '/index.html')) {
      admit(readLimit.take(clientOf(req), now()));
      return sendForm(req, res, language, 200);
    }
    if (method === 'POST' && path === '/report') return postForm(req, res, language);
    if (method === 'POST' && path === '/api/reports') return postApi(req, res, language);
    if (method === 'GET' && path === '/api/units') {
      admit(readLimit.take(clientOf(req), now()));
      return sendJson(res, 200, { units: deps.unitNames() });
    }
    const tokenRoute = TOKEN_PATH.exec(path);
    if (tokenRoute) {
      admit(readLimit.take(clientOf(req), now()));
      const [, prefix, token, action] = tokenRoute as unknown as [string, string, string, '/survey' | '/forget' | undefined];
      const report = deps.tracking.find(token);
      if (!report) throw new HttpError(404, 'not_found');
      if (prefix === 'api/reports') {
        if (!action && method === 'GET') return sendJson(res, 200, apiView(report, url, language));
        if (action === '/survey' && method === 'POST') return apiSurvey(req, res, report, url, language);
        if (action === '/forget' && method === 'POST') return apiForget(req, res, report, language);
      } else {
        if (!action && method === 'GET') return trackingPage(req, res, report, token, url);
        if (action === '/survey' && method === 'POST') return formSurvey(req, res, report, token);
        if (action === '/forget' && method === 'GET') return forgetPage(req, res, report, token, url);
        if (action === '/forget' && method === 'POST') return formForget(req, res, report, token);
      }
      throw new HttpError(405, 'bad_request');
    }
    throw new HttpError(404, 'not_found');
  }

  /** The page's form: multipart (a photo may come), with the form token and its cookie. */
  async function postForm(req: IncomingMessage, res: ServerResponse, language: Language): Promise<void> {
    refuseForeignOrigin(req);
    admit(reportLimit.take(clientOf(req), now()), 'report');
    await storeForm(req, res, language, await readForm(req, multipartLimit));
  }

  async function storeForm(req: IncomingMessage, res: ServerResponse, language: Language, form: FormData): Promise<void> {
    const values: FormValues = { text: field(form, 'text'), unit: field(form, 'unit'), contact: field(form, 'contact') };
    const lang = languageOf(field(form, 'language'), language);
    if (!formTokens.valid(cookieOf(req), field(form, 'form_token'), now())) return sendForm(req, res, lang, 403, values, 'form_expired');
    if (field(form, 'website')) {
      logger.info({ route: 'report' }, 'web: the honeypot field was filled; not stored');
      return sendForm(req, res, lang, 422, values, 'rejected');
    }
    if (field(form, 'consent') !== 'yes') return sendForm(req, res, lang, 422, values, 'consent');
    const checked = checkSubmission({ ...values, language: lang, photo: await photoOf(form) }, lang);
    if (!checked.ok) return sendForm(req, res, lang, 422, values, checked.error, checked.params);
    const receipt = await withBusyRetry(() => deps.intake.receive({ ...checked.value, ...submissionKey(field(form, 'submission'), clientOf(req)) }));
    afterStored(receipt.ticket, receipt.created);
    res.writeHead(303, { ...SECURITY_HEADERS, location: `/t/${receipt.token}?saved=1&lang=${lang}`, 'content-length': 0 });
    res.end();
  }

  /** The API: JSON, or multipart with a photo from a client that says it is one (a header no other site can send). */
  async function postApi(req: IncomingMessage, res: ServerResponse, language: Language): Promise<void> {
    refuseForeignOrigin(req);
    admit(reportLimit.take(clientOf(req), now()), 'report');
    const type = mediaType(req);
    if (type === 'application/json') {
      const raw = jsonObject(await readBody(req, JSON_LIMIT));
      if ('photo' in raw) throw new HttpError(400, 'bad_request');
      return storeApi(req, res, language, raw);
    }
    if (type !== 'multipart/form-data') throw new HttpError(415, 'bad_request');
    const form = await readForm(req, multipartLimit);
    if (req.headers['x-minyi-client'] === undefined && !formTokens.valid(cookieOf(req), field(form, 'form_token'), now())) throw new HttpError(403, 'forbidden');
    const raw = { text: field(form, 'text'), unit: field(form, 'unit'), contact: field(form, 'contact'), language: field(form, 'language'), website: field(form, 'website'), photo: await photoOf(form), submission: field(form, 'submission') };
    return storeApi(req, res, language, raw);
  }

  async function storeApi(req: IncomingMessage, res: ServerResponse, language: Language, raw: RawSubmission & { website?: unknown; submission?: unknown }): Promise<void> {
    if (typeof raw.website === 'string' && raw.website !== '') throw new HttpError(422, 'rejected');
    const checked = checkSubmission(raw, language);
    if (!checked.ok) throw new HttpError(checked.error === 'bad_request' ? 400 : 422, checked.error, checked.params);
    const key = headerValue(req, 'idempotency-key') ?? (typeof raw.submission === 'string' ? raw.submission : undefined);
    const receipt = await withBusyRetry(() => deps.intake.receive({ ...checked.value, ...submissionKey(key, clientOf(req)) }));
    afterStored(receipt.ticket, receipt.created);
    sendJson(res, receipt.created ? 201 : 200, { ticket: receipt.ticket, trackingUrl: trackingUrl(receipt.token), contact: receipt.contact }, { location: `/api/reports/${receipt.token}` });
  }

  function afterStored(ticket: number, created: boolean): void {
    logger.info({ reportId: ticket, channel: 'web', created }, 'web: report stored');
    deps.onReport();
  }

  function apiView(report: TrackedReport, url: URL, fallback: Language) {
    const view = mustView(report);
    const language = languageOf(url.searchParams.get('lang'), view.language ?? fallback);
    return {
      ticket: view.ticket,
      status: view.status,
      closeReason: view.closeReason,
      category: view.category ? { id: view.category, name: deps.catalogue.name(view.category, language) } : null,
      kind: view.kind,
      receivedAt: new Date(view.receivedAt).toISOString(),
      deadline: view.deadlineAt ? new Date(view.deadlineAt).toISOString() : null,
      photo: view.photo,
      contact: view.contact,
      history: view.notices.map((n) => ({ at: new Date(n.at).toISOString(), kind: n.kind, text: n.text })),
      survey: { open: view.survey.asked, fixed: view.survey.fixed === 'not_fixed' ? 'not' : view.survey.fixed, rating: view.survey.rating, commented: view.survey.commented },
    };
  }

  async function apiSurvey(req: IncomingMessage, res: ServerResponse, report: TrackedReport, url: URL, language: Language): Promise<void> {
    refuseForeignOrigin(req);
    if (mediaType(req) !== 'application/json') throw new HttpError(415, 'bad_request');
    const checked = checkSurvey(jsonObject(await readBody(req, JSON_LIMIT)));
    if (!checked.ok) throw new HttpError(422, checked.error, checked.params);
    const outcome = deps.tracking.answerSurvey(report, checked.value);
    if (!outcome.ok) throw new HttpError(409, 'survey_not_open');
    sendJson(res, 200, { reopened: outcome.reopened, ...apiView(report, url, language) });
  }

  async function trackingPage(req: IncomingMessage, res: ServerResponse, report: TrackedReport, token: string, url: URL): Promise<void> {
    const view = mustView(report);
    const language = languageOf(url.searchParams.get('lang'), view.language);
    const done = url.searchParams.get('done');
    const flash = url.searchParams.get('saved') === '1' ? 'saved' : done === 'thanks' || done === 'reopened' ? done : undefined;
    const cookie = ensureCookie(req, res);
    sendHtml(res, 200, pages.tracking(language, view, { self: `/t/${token}`, trackingUrl: trackingUrl(token) }, { token: formTokens.issue(cookie, now()) }, flash));
  }

  async function formSurvey(req: IncomingMessage, res: ServerResponse, report: TrackedReport, token: string): Promise<void> {
    refuseForeignOrigin(req);
    const form = await readForm(req, FORM_LIMIT);
    const view = mustView(report);
    const language = languageOf(field(form, 'language'), view.language);
    const again = (status: number, flash: string) => {
      const cookie = ensureCookie(req, res);
      sendHtml(res, status, pages.tracking(language, view, { self: `/t/${token}`, trackingUrl: trackingUrl(token) }, { token: formTokens.issue(cookie, now()) }, flash));
    };
    if (!formTokens.valid(cookieOf(req), field(form, 'form_token'), now())) return again(403, tr.t(language, 'web.error.form_expired'));
    const checked = checkSurvey({ fixed: field(form, 'fixed'), rating: field(form, 'rating'), comment: field(form, 'comment') });
    if (!checked.ok) return again(422, tr.t(language, `web.error.${checked.error}`, checked.params));
    const outcome = deps.tracking.answerSurvey(report, checked.value);
    if (!outcome.ok) return again(409, tr.t(language, 'web.error.survey_not_open'));
    res.writeHead(303, { ...SECURITY_HEADERS, location: `/t/${token}?done=${outcome.reopened ? 'reopened' : 'thanks'}&lang=${language}`, 'content-length': 0 });
    res.end();
  }

  /** Erasure asks once more: a page that says what goes and what stays, and one button. */
  async function forgetPage(req: IncomingMessage, res: ServerResponse, report: TrackedReport, token: string, url: URL, status = 200, error?: string): Promise<void> {
    const view = mustView(report);
    const language = languageOf(url.searchParams.get('lang'), view.language);
    const cookie = ensureCookie(req, res);
    sendHtml(res, status, pages.forget(language, view.ticket, { self: `/t/${token}` }, { token: formTokens.issue(cookie, now()) }, error));
  }

  async function formForget(req: IncomingMessage, res: ServerResponse, report: TrackedReport, token: string): Promise<void> {
    refuseForeignOrigin(req);
    const form = await readForm(req, FORM_LIMIT);
    const view = mustView(report);
    const language = languageOf(field(form, 'language'), view.language);
    const again = new URL(`http://web.invalid/?lang=${language}`);
    if (!formTokens.valid(cookieOf(req), field(form, 'form_token'), now())) return forgetPage(req, res, report, token, again, 403, tr.t(language, 'web.error.form_expired'));
    if (field(form, 'confirm') !== 'yes') return forgetPage(req, res, report, token, again, 422, tr.t(language, 'web.error.confirm_required'));
    forgetNow(report);
    sendHtml(res, 200, pages.message(language, tr.t(language, 'web.forget.done_title'), tr.t(language, 'web.forget.done'), 'done'));
  }

  /** The API's erasure: JSON `{ "confirm": true }` (a content type another site's page cannot send without asking). */
  async function apiForget(req: IncomingMessage, res: ServerResponse, report: TrackedReport, language: Language): Promise<void> {
    refuseForeignOrigin(req);
    if (mediaType(req) !== 'application/json') throw new HttpError(415, 'bad_request');
    if (jsonObject(await readBody(req, JSON_LIMIT)).confirm !== true) throw new HttpError(422, 'confirm_required');
    forgetNow(report);
    sendJson(res, 200, { forgotten: true, message: stripTags(tr.t(language, 'web.forget.done')) });
  }

  function forgetNow(report: TrackedReport): void {
    const forgotten = deps.tracking.forget(report);
    logger.info({ reportId: report.reportId, forgotten }, 'web: a resident erased their report');
  }

  function mustView(report: TrackedReport): TrackingView {
    const view = deps.tracking.view(report.reportId);
    if (!view) throw new HttpError(404, 'not_found');
    return view;
  }

  function sendForm(req: IncomingMessage, res: ServerResponse, language: Language, status: number, values?: FormValues, error?: string, params?: Record<string, string | number>): void {
    const cookie = ensureCookie(req, res);
    const form = { token: formTokens.issue(cookie, now()), submissionKey: randomBytes(18).toString('base64url') };
    sendHtml(res, status, pages.form(language, form, values, error ? tr.t(language, `web.error.${error}`, params ?? { mb: Math.round(config.maxPhotoBytes / 1024 / 1024) }) : undefined));
  }

  /** The form cookie this browser sends, or a new one set on this response. */
  function ensureCookie(req: IncomingMessage, res: ServerResponse): string {
    const existing = cookieOf(req);
    if (existing && /^[A-Za-z0-9_-]{16,64}$/.test(existing)) return existing;
    const fresh = formTokens.newCookie();
    res.setHeader('set-cookie', `${FORM_COOKIE}=${fresh}; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400${secure ? '; Secure' : ''}`);
    return fresh;
  }

  /** A browser on another site's page sends that site's Origin; programs send none. */
  function refuseForeignOrigin(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    const host = req.headers.host ?? '';
    if (origin === publicOrigin || origin === `http://${host}` || origin === `https://${host}`) return;
    throw new HttpError(403, 'forbidden');
  }

  function admit(admission: Admission, what: 'report' | 'read' = 'read'): void {
    if (admission.ok) return;
    logger.warn({ scope: admission.scope, what, retryAfterSeconds: admission.retryAfterSeconds }, 'web: rate limit reached');
    throw new HttpError(429, admission.scope === 'client' ? 'rate_client' : 'rate_everyone', { seconds: admission.retryAfterSeconds });
  }

  function send(res: ServerResponse, status: number, type: string, body: Buffer, extra: Record<string, string | number> = {}): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': body.length, ...extra });
    res.end(body);
  }
  const sendHtml = (res: ServerResponse, status: number, html: string, extra: Record<string, string | number> = {}) => send(res, status, 'text/html; charset=utf-8', Buffer.from(html), extra);
  const sendJson = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string | number> = {}) =>
    send(res, status, 'application/json; charset=utf-8', Buffer.from(JSON.stringify(body)), extra);

  const extraHeaders = (error: unknown): Record<string, string | number> => {
    if (!(error instanceof HttpError)) return {};
    if (error.status === 429) return { 'retry-after': Number(error.params.seconds ?? 1), connection: 'close' };
    if (error.status === 413) return { connection: 'close' };
    return {};
  };

  function languageOfRequest(req: IncomingMessage): Language {
    const query = /[?&]lang=(zh|en)\b/.exec(req.url ?? '');
    if (query) return query[1] as Language;
    // Chinese unless the browser asks for English first.
    return /^\s*en\b/i.test(String(req.headers['accept-language'] ?? '')) ? 'en' : 'zh';
  }

  /** Behind a reverse proxy on this machine, the proxy's X-Forwarded-For (its last entry) names the client. */
  function clientOf(req: IncomingMessage): string {
    const peer = req.socket.remoteAddress ?? 'unknown';
    const loopback = peer === '127.0.0.1' || peer === '::1' || peer === '::ffff:127.0.0.1';
    const forwarded = headerValue(req, 'x-forwarded-for');
    if (!loopback || !forwarded) return clientKey(peer);
    const last = forwarded.split(',').pop()!.trim();
    return clientKey(last.length > 0 && last.length <= 64 ? last : peer);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, host: config.host }, 'web: residents’ page listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const routeName = (req: IncomingMessage) => `${req.method} ${(req.url ?? '').replace(/\/(t|api\/reports)\/[^/?]+/, '/$1/:token').split('?')[0]}`;
const wantsJson = (req: IncomingMessage) => (req.url ?? '').startsWith('/api/');
const headerValue = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' && value.length <= 256 ? value : undefined;
};
const mediaType = (req: IncomingMessage) => String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
const stripTags = (text: string) => text.replace(/<[^>]*>/g, '');
/** A retry counts only from the client that sent the first try: a key someone else learnt opens nothing. */
const submissionKey = (key: string | undefined, client: string) => (key && key.length >= 8 && key.length <= 200 ? { submissionKey: key, client } : {});

function cookieOf(req: IncomingMessage): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === FORM_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, 'too_large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'too_large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function jsonObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad_request');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'bad_request');
  return parsed as Record<string, unknown>;
}

/** multipart/form-data or urlencoded, parsed by Node's own (undici) FormData reader. */
async function readForm(req: IncomingMessage, limit: number): Promise<FormData> {
  const type = mediaType(req);
  if (type !== 'multipart/form-data' && type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'bad_request');
  // The page posts multipart; an urlencoded body is parsed in one synchronous step (8 MB of "a=b&" held the
  // event loop for 1.9 s), so it gets the small limit.
  const body = await readBody(req, type === 'multipart/form-data' ? limit : Math.min(limit, FORM_LIMIT));
  if (type === 'multipart/form-data' && partsIn(body, String(req.headers['content-type'])) > MAX_PARTS) throw new HttpError(413, 'too_large');
  try {
    return await new Response(body, { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
  } catch {
    throw new HttpError(400, 'bad_request');
  }
}

/** How many parts a multipart body has: its boundary lines, counted in one pass without parsing. */
function partsIn(body: Buffer, contentType: string): number {
  const boundary = /;\s*boundary="?([^";]{1,200})"?/i.exec(contentType)?.[1];
  if (!boundary) return 0;
  const delimiter = Buffer.from(`--${boundary}`);
  let count = 0;
  for (let at = body.indexOf(delimiter); at >= 0 && count <= MAX_PARTS + 1; at = body.indexOf(delimiter, at + delimiter.length)) count++;
  // The last delimiter closes the body; it starts no part.
  return count - 1;
}

function field(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === 'string' ? value : undefined;
}

async function photoOf(form: FormData): Promise<{ bytes: Uint8Array } | undefined> {
  const value = form.get('photo');
  if (value === null || typeof value === 'string') return undefined;
  const bytes = new Uint8Array(await value.arrayBuffer());
  return bytes.length > 0 ? { bytes } : undefined;
}

