import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { STAFF_CHAT } from '../support/harness.ts';
import { createWebWorld, openForm, postForm, postJson, tokenOf, type WebWorld } from './kit.ts';

/**
 * The public surface under attack: limits that slow (429 + Retry-After, never a silent drop), bodies too large,
 * forged tokens, markup in every field, cross-site posts, the honeypot, hostile strings.
 */

let w: WebWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const reports = () => w!.h.app.db.prepare('SELECT COUNT(*) FROM reports').pluck().get() as number;
const from = (ip: string) => ({ 'x-forwarded-for': `10.0.0.9, ${ip}` });

describe('rate limits', () => {
  it('per client: the fourth report within the hour gets 429 with Retry-After and a clear message; another client still gets through', async () => {
    w = await createWebWorld({ env: { WEB_REPORTS_PER_IP_HOUR: '3' } });
    for (let i = 0; i < 3; i++) expect((await postJson(`${w.base}/api/reports`, { text: `体育馆的灯坏了 ${i}` }, from('203.0.113.7'))).status).toBe(201);
    const refused = await postJson(`${w.base}/api/reports`, { text: '体育馆的灯坏了 again' }, from('203.0.113.7'));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { error: string; message: string };
    expect(body.error).toBe('rate_client');
    expect(body.message).toMatch(/\d+ 秒/);
    expect(reports()).toBe(3);
    expect((await postJson(`${w.base}/api/reports`, { text: '另一个人：操场积水' }, from('198.51.100.4'))).status).toBe(201);
    expect(reports()).toBe(4);
  });

  it('for everyone: past the global limit, any client gets 429 saying many are sending', async () => {
    w = await createWebWorld({ env: { WEB_REPORTS_PER_MINUTE: '4' } });
    for (let i = 0; i < 4; i++) expect((await postJson(`${w.base}/api/reports`, { text: `食堂问题 ${i}` }, from(`192.0.2.${i + 1}`))).status).toBe(201);
    const refused = await postJson(`${w.base}/api/reports`, { text: '食堂问题 5', language: 'en' }, { ...from('192.0.2.99'), 'accept-language': 'en' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: string }).error).toBe('rate_everyone');
  });

  it('the form gets a page in the resident’s language, not a bare error', async () => {
    w = await createWebWorld({ env: { WEB_REPORTS_PER_IP_HOUR: '1' } });
    const form = await openForm(w.base);
    expect((await postForm(w.base, form, { text: '第一条' })).status).toBe(303);
    const refused = await postForm(w.base, form, { text: '第二条' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.text()).toContain('您提交得太快了');
  });
});

describe('sizes', () => {
  it('a JSON body over 64 KB is 413; text over 4,000 characters is 422; 4,000 is accepted', async () => {
    w = await createWebWorld();
    expect((await postJson(`${w.base}/api/reports`, { text: '长'.repeat(30_000) })).status).toBe(413);
    const long = await postJson(`${w.base}/api/reports`, { text: 'a'.repeat(4_001) });
    expect(long.status).toBe(422);
    expect(((await long.json()) as { error: string }).error).toBe('text_too_long');
    expect((await postJson(`${w.base}/api/reports`, { text: '操'.repeat(4_000) })).status).toBe(201);
  });

  it('a photo over the limit is refused with 413 (or the upload is cut), nothing stored', async () => {
    w = await createWebWorld({ env: { WEB_MAX_PHOTO_MB: '1' } });
    const form = new FormData();
    form.set('text', '照片太大');
    form.set('photo', new Blob([Buffer.alloc(2 * 1024 * 1024, 0xff)]), 'big.jpg');
    const status = await fetch(`${w.base}/api/reports`, { method: 'POST', body: form, headers: { 'x-minyi-client': 'test' } }).then(
      (res) => res.status,
      () => 'cut',
    );
    expect([413, 'cut']).toContain(status);
    expect(reports()).toBe(0);
  });

  it('a chunked body that never ends is cut at the limit', async () => {
    w = await createWebWorld();
    const url = new URL(`${w.base}/api/reports`);
    const status = await new Promise<number | string>((resolve) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      req.on('error', () => resolve('cut'));
      req.write('{"text":"');
      const chunk = 'x'.repeat(16 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 200 && req.write(chunk)) sent++;
        if (sent < 200) req.once('drain', pump);
        else req.end('"}');
      };
      pump();
    });
    expect([413, 'cut']).toContain(status);
  });
});

describe('tokens', () => {
  it('forged, short, over-long and odd tokens are all 404, on the page and the API, and open nothing', async () => {
    w = await createWebWorld();
    const res = await postJson(`${w.base}/api/reports`, { text: '学校门口的路灯坏了' });
    const token = tokenOf(((await res.json()) as { trackingUrl: string }).trackingUrl);
    const forged = [
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      'A'.repeat(32),
      'abc',
      'x'.repeat(65),
      '..%2F..%2Fetc%2Fpasswd',
      `${token}%00`,
      token.toLowerCase() === token ? token.toUpperCase() : token.toLowerCase(),
    ];
    for (const t of forged) {
      expect((await fetch(`${w.base}/api/reports/${t}`)).status, t).toBe(404);
      expect((await fetch(`${w.base}/t/${t}`)).status, t).toBe(404);
      expect((await postJson(`${w.base}/api/reports/${t}/survey`, { fixed: 'fixed' })).status, t).toBe(404);
    }
    expect((await fetch(`${w.base}/api/reports/${token}`)).status).toBe(200);
  });
});

describe('markup and hostile strings', () => {
  const HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>\'';

  it('markup in every field is shown as text: on the form re-rendered after an error, on the tracking page and to staff', async () => {
    w = await createWebWorld();
    const form = await openForm(w.base);
    // Refused (invalid contact): the page shows back what was typed, escaped.
    const refused = await postForm(w.base, form, { text: `食堂 ${HOSTILE}`, unit: HOSTILE, contact: HOSTILE });
    expect(refused.status).toBe(422);
    const page = await refused.text();
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');

    const saved = await postForm(w.base, form, { text: `第一中学食堂饭菜变质 ${HOSTILE}`, unit: HOSTILE });
    expect(saved.status).toBe(303);
    const location = saved.headers.get('location')!;
    await w.settle();
    const tracking = await (await fetch(`${w.base}${location}`)).text();
    expect(tracking).not.toMatch(/<script|<img/);
    const id = Number(/#(\d+)/.exec(tracking)![1]);
    await w.staff(`/problem ${w.h.app.reports.get(id)!.problemId}`);
    const staffView = w.h.texts(STAFF_CHAT).at(-1)!;
    expect(staffView).toContain('🌐');
    expect(staffView).not.toContain('<script>');
  });

  it('a staff note with markup reaches the tracking page as text', async () => {
    w = await createWebWorld();
    const res = await postJson(`${w.base}/api/reports`, { text: '实验小学操场的跑道坏了' });
    const { ticket, trackingUrl } = (await res.json()) as { ticket: number; trackingUrl: string };
    await w.settle();
    await w.staff(`/resolve ${w.h.app.reports.get(ticket)!.problemId} 已修好 <b>跑道</b> & <script>x</script>`);
    const html = await (await fetch(trackingUrl)).text();
    expect(html).toContain('已修好 &lt;b&gt;跑道&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>x');
  });

  it('hostile strings answer at once: a regex-hostile contact, control characters, a 4,096-character unit, forged survey values', async () => {
    w = await createWebWorld();
    const hostileContact = `a@${'a.'.repeat(120)}`;
    expect((await postJson(`${w.base}/api/reports`, { text: '测试', contact: hostileContact })).status).toBe(422);
    expect((await postJson(`${w.base}/api/reports`, { text: '测试', contact: `${'1 '.repeat(200)}@` })).status).toBe(422);
    expect((await postJson(`${w.base}/api/reports`, { text: '测试', unit: '校'.repeat(4_096) })).status).toBe(422);
    expect((await postJson(`${w.base}/api/reports`, { text: { $gt: '' } })).status).toBe(400);
    expect((await postJson(`${w.base}/api/reports`, { text: '\u0000\u0007\u001b' })).status).toBe(422);
    const ok = await postJson(`${w.base}/api/reports`, { text: '体育馆\u0000的灯\u202e坏了' });
    expect(ok.status).toBe(201);
    const { ticket, trackingUrl } = (await ok.json()) as { ticket: number; trackingUrl: string };
    expect(w.h.app.reports.get(ticket)!.text).toBe('体育馆的灯\u202e坏了');
    for (const fixed of ['hacked', 'fixed; DROP TABLE reports', 1]) {
      expect((await postJson(`${trackingUrl.replace('/t/', '/api/reports/')}/survey`, { fixed })).status).toBe(422);
    }
    expect((await fetch(`${w.base}/?lang=<script>`)).status).toBe(200);
    expect(await (await fetch(`${w.base}/?lang=<script>`)).text()).not.toContain('<script>');
  });
});

describe('cross-site requests and the honeypot', () => {
  it('the form refuses a post without its cookie, with another browser’s token, or from another origin; nothing stored', async () => {
    w = await createWebWorld();
    const form = await openForm(w.base);
    const other = await openForm(w.base);
    expect((await postForm(w.base, form, { text: '无 cookie' }, { cookie: null })).status).toBe(403);
    expect((await postForm(w.base, form, { text: '别人的令牌' }, { cookie: other.cookie })).status).toBe(403);
    expect((await postForm(w.base, form, { text: '伪造令牌' }, { cookie: form.cookie + 'x' })).status).toBe(403);
    expect((await postForm(w.base, form, { text: '来自其他网站' }, { origin: 'https://evil.example' })).status).toBe(403);
    expect(reports()).toBe(0);
    // The refused form keeps the text and offers a fresh token.
    const again = await (await postForm(w.base, form, { text: '保留我的文字' }, { cookie: null })).text();
    expect(again).toContain('保留我的文字');
    expect((await postForm(w.base, form, { text: '正常提交' })).status).toBe(303);
    expect(reports()).toBe(1);
  });

  it('multipart to the API needs the client header or a form token (a plain cross-site form cannot post)', async () => {
    w = await createWebWorld();
    const body = new FormData();
    body.set('text', '跨站表单');
    expect((await fetch(`${w.base}/api/reports`, { method: 'POST', body })).status).toBe(403);
    expect((await fetch(`${w.base}/api/reports`, { method: 'POST', body: new URLSearchParams({ text: '跨站' }) })).status).toBe(415);
    expect((await postJson(`${w.base}/api/reports`, { text: '跨站 JSON' }, { origin: 'https://evil.example' })).status).toBe(403);
    expect(reports()).toBe(0);
  });

  it('a filled honeypot is refused with a message, nothing stored', async () => {
    w = await createWebWorld();
    const form = await openForm(w.base);
    const res = await postForm(w.base, form, { text: '广告广告', website: 'http://spam.example' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('提交未被接受');
    expect((await postJson(`${w.base}/api/reports`, { text: '广告', website: 'x' })).status).toBe(422);
    expect(reports()).toBe(0);
  });

  it('every page carries a strict CSP with no script at all, and no referrer to other sites', async () => {
    w = await createWebWorld();
    for (const path of ['/', '/t/nothing-here', '/api/units']) {
      const res = await fetch(`${w.base}${path}`);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe|script-src/);
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const page = await (await fetch(`${w.base}/`)).text();
    expect(page).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/);
  });
});
