import { connect } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { clientKey } from '../../src/web/rate-limit.ts';
import { RETRY_WINDOW_MS } from '../../src/web/web-intake.ts';
import { STAFF_CHAT } from '../support/harness.ts';
import { createWebWorld, openForm, PNG, postForm, postJson, tokenOf, type WebWorld } from './kit.ts';

/**
 * The outside review of the public page (docs/SECURITY.md, "Public web page (issue 17)"): each finding's test
 * failed before its fix; the rest pin down what held when tried.
 */

let w: WebWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const reports = () => w!.h.app.db.prepare('SELECT COUNT(*) FROM reports').pluck().get() as number;
const from = (ip: string) => ({ 'x-forwarded-for': ip });

/** A multipart body with `extra` tiny parts before a real text field. */
function manyParts(extra: number): { body: Buffer; type: string } {
  const boundary = 'b0undary';
  const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  return { body: Buffer.from(`${part('a', 'b').repeat(extra)}${part('text', '操场的灯坏了')}--${boundary}--\r\n`), type: `multipart/form-data; boundary=${boundary}` };
}

describe('findings, now fixed', () => {
  it('an urlencoded body over 64 KB is refused with 413 before it is parsed (8 MB of "a=b&" held the event loop 1.9 s)', async () => {
    w = await createWebWorld();
    const form = await openForm(w.base);
    const body = `form_token=${encodeURIComponent(form.formToken)}&consent=yes&text=hello&${'a=b&'.repeat(50_000)}`;
    const res = await fetch(`${w.base}/report`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `minyi_form=${form.cookie}` } });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('8 MB');
    expect(reports()).toBe(0);
  });

  it('a multipart body of a thousand tiny parts is refused (413) without being parsed; nothing stored', async () => {
    w = await createWebWorld();
    const { body, type } = manyParts(1_000);
    const res = await fetch(`${w.base}/api/reports`, { method: 'POST', body, headers: { 'content-type': type, 'x-minyi-client': 'probe' } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe('too_large');
    expect(reports()).toBe(0);
    // The page's own form (ten fields and a photo) is far below the limit.
    const few = manyParts(12);
    expect((await fetch(`${w.base}/api/reports`, { method: 'POST', body: few.body, headers: { 'content-type': few.type, 'x-minyi-client': 'probe' } })).status).toBe(201);
  });

  it('a request whose headers trickle in is closed at the headers timeout (Node checked only every 30 s)', async () => {
    w = await createWebWorld({ timeouts: { headersMs: 1_000 } });
    const socket = connect(Number(new URL(w.base).port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('POST /api/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      socket.on('close', () => resolve(Date.now() - started));
      setTimeout(() => resolve(Infinity), 4_000);
    });
    clearInterval(drip);
    socket.destroy();
    expect(closedAfter).toBeLessThan(3_500);
  });

  it('a body that dribbles in is cut at the request timeout', async () => {
    w = await createWebWorld({ timeouts: { headersMs: 1_000, requestMs: 1_500 } });
    const socket = connect(Number(new URL(w.base).port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('POST /api/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"text":"');
    const drip = setInterval(() => socket.writable && socket.write('a'), 200);
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      socket.on('close', () => resolve(Date.now() - started));
      setTimeout(() => resolve(Infinity), 5_000);
    });
    clearInterval(drip);
    socket.destroy();
    expect(closedAfter).toBeLessThan(4_000);
    expect(reports()).toBe(0);
  });

  it('an IPv6 client is counted by its /64: stepping through addresses does not escape the per-client limit', async () => {
    w = await createWebWorld({ env: { WEB_REPORTS_PER_IP_HOUR: '2' } });
    expect((await postJson(`${w.base}/api/reports`, { text: '跑道坏了 1' }, from('2001:db8:1:2::1'))).status).toBe(201);
    expect((await postJson(`${w.base}/api/reports`, { text: '跑道坏了 2' }, from('2001:db8:1:2::2'))).status).toBe(201);
    const third = await postJson(`${w.base}/api/reports`, { text: '跑道坏了 3' }, from('2001:0db8:0001:0002:ffff:ffff:ffff:3'));
    expect(third.status).toBe(429);
    expect((await postJson(`${w.base}/api/reports`, { text: '另一户：跑道坏了' }, from('2001:db8:1:3::1'))).status).toBe(201);
    expect(reports()).toBe(3);
  });

  it('client keys: IPv4 as is, IPv4-mapped as IPv4, IPv6 by /64 in one spelling', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('2001:0DB8:0000:0000:1:2:3:4')).toBe('2001:db8:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('2001:db8:5:6:7::1.2.3.4')).toBe('2001:db8:5:6::/64');
    expect(clientKey('not an address')).toBe('not an address');
  });

  it('an Idempotency-Key someone else learnt opens nothing: from another client it files a new report and the first link keeps working', async () => {
    w = await createWebWorld({ env: { WEB_CONTACT_KEY: '0f'.repeat(32) } });
    const body = { text: '实验小学食堂的饭菜变质了', contact: '13800138000' };
    const key = 'kiosk-00000001';
    const victim = await postJson(`${w.base}/api/reports`, body, { 'idempotency-key': key, ...from('198.51.100.1') });
    const mine = (await victim.json()) as { ticket: number; trackingUrl: string };
    const replay = await postJson(`${w.base}/api/reports`, body, { 'idempotency-key': key, ...from('203.0.113.66') });
    expect(replay.status).toBe(201);
    expect(((await replay.json()) as { ticket: number }).ticket).not.toBe(mine.ticket);
    expect((await fetch(mine.trackingUrl)).status).toBe(200);
    // The same client's retry is still the same report.
    const retry = await postJson(`${w.base}/api/reports`, body, { 'idempotency-key': key, ...from('198.51.100.1') });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { ticket: number }).ticket).toBe(mine.ticket);
  });

  it('after the retry window the same key and words are a new report, and the first link keeps working', async () => {
    let clock = Date.parse('2026-12-07T02:00:00Z');
    w = await createWebWorld({ now: () => clock });
    const body = { text: '幼儿园门口的积水一直没人处理' };
    const key = 'retry-window-key-1';
    const first = (await (await postJson(`${w.base}/api/reports`, body, { 'idempotency-key': key })).json()) as { ticket: number; trackingUrl: string };
    clock += RETRY_WINDOW_MS + 60_000;
    const later = await postJson(`${w.base}/api/reports`, body, { 'idempotency-key': key });
    expect(later.status).toBe(201);
    expect(((await later.json()) as { ticket: number }).ticket).not.toBe(first.ticket);
    expect((await fetch(first.trackingUrl)).status).toBe(200);
  });
});

describe('tried, and held', () => {
  it('cross-site posts: text/plain, an opaque Origin and a form without its token store nothing', async () => {
    w = await createWebWorld();
    const plain = { method: 'POST', body: '{"text":"跨站"}', headers: { 'content-type': 'text/plain' } };
    expect((await fetch(`${w.base}/api/reports`, plain)).status).toBe(415);
    expect((await fetch(`${w.base}/report`, plain)).status).toBe(415);
    expect((await postJson(`${w.base}/api/reports`, { text: '来自沙箱页面' }, { origin: 'null' })).status).toBe(403);
    const { trackingUrl } = (await (await postJson(`${w.base}/api/reports`, { text: '学校的饮水机坏了' })).json()) as { trackingUrl: string };
    expect(reports()).toBe(1);
    const api = trackingUrl.replace('/t/', '/api/reports/');
    expect((await fetch(`${api}/survey`, { ...plain, body: '{"fixed":"fixed"}' })).status).toBe(415);
    const survey = new FormData();
    survey.set('fixed', 'not_fixed');
    expect((await fetch(`${trackingUrl}/survey`, { method: 'POST', body: survey, redirect: 'manual' })).status).toBe(403);
  });

  it('no header can be injected through the language or the token; the redirect carries only the token and the language', async () => {
    w = await createWebWorld();
    const res = await fetch(`${w.base}/?lang=en%0d%0aSet-Cookie:%20evil=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).not.toContain('evil');
    expect((await fetch(`${w.base}/t/abc%0d%0aX-Evil:%201`)).headers.get('x-evil')).toBeNull();
    const form = await openForm(w.base);
    const saved = await postForm(w.base, form, { text: '体育馆的灯坏了', language: 'en\r\nX-Evil: 1' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toMatch(/^\/t\/[A-Za-z0-9_-]{32}\?saved=1&lang=(zh|en)$/);
    expect(saved.headers.get('x-evil')).toBeNull();
  });

  it('10,000 characters and a script as the unit are refused and shown back as text; nothing is stored', async () => {
    w = await createWebWorld();
    const form = await openForm(w.base);
    const long = await postForm(w.base, form, { text: `<b>${'长'.repeat(10_000)}</b>`, unit: '<script>alert(1)</script>' });
    expect(long.status).toBe(422);
    const page = await long.text();
    expect(page).toContain('最多 4000 字');
    expect(page).toContain('&lt;b&gt;长长');
    expect(page).not.toContain('<script>alert');
    expect(reports()).toBe(0);
    const unitPage = await (await fetch(`${w.base}/`)).text();
    expect(unitPage).toMatch(/<datalist id="units">(<option value="[^"<>]+"><\/option>)+<\/datalist>/);
  });

  it('a photo that is not one (SVG with script, HTML) is refused; the bytes of an accepted photo are never served back', async () => {
    w = await createWebWorld();
    for (const bytes of ['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', '<!doctype html><script>alert(1)</script>']) {
      const form = new FormData();
      form.set('text', '照片测试');
      form.set('photo', new Blob([bytes], { type: 'image/jpeg' }), 'x.jpg');
      const res = await fetch(`${w.base}/api/reports`, { method: 'POST', body: form, headers: { 'x-minyi-client': 'probe' } });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { error: string }).error).toBe('photo_type');
    }
    expect(reports()).toBe(0);
    const form = new FormData();
    form.set('text', '照片测试');
    form.set('photo', new Blob([PNG, Buffer.from('<script>alert(1)</script>')]), 'x.png');
    const { ticket } = (await (await fetch(`${w.base}/api/reports`, { method: 'POST', body: form, headers: { 'x-minyi-client': 'probe' } })).json()) as { ticket: number };
    const path = w.h.app.db.prepare('SELECT photo_path FROM web_reports WHERE report_id = ?').pluck().get(ticket) as string;
    const name = path.slice(path.lastIndexOf('/') + 1);
    for (const guess of [`/web-media/${name}`, `/static/${name}`, `/static/../web-media/${name}`, `/${name}`]) expect((await fetch(`${w.base}${guess}`)).status, guess).toBe(404);
  });

  it('a survey answered twice reopens once and tells staff once; answering after the reopening only changes the answer', async () => {
    w = await createWebWorld();
    const { ticket, trackingUrl } = (await (await postJson(`${w.base}/api/reports`, { text: '第三中学操场的篮球架松动了' })).json()) as { ticket: number; trackingUrl: string };
    await w.settle();
    const problemId = w.h.app.reports.get(ticket)!.problemId!;
    await w.staff(`/resolve ${problemId} 已加固`);
    const survey = `${trackingUrl.replace('/t/', '/api/reports/')}/survey`;
    const first = (await (await postJson(survey, { fixed: 'not' })).json()) as { reopened: boolean };
    const second = (await (await postJson(survey, { fixed: 'not', rating: 1 })).json()) as { reopened: boolean; survey: { rating: number } };
    expect([first.reopened, second.reopened]).toEqual([true, false]);
    expect(second.survey.rating).toBe(1);
    await w.settle();
    expect(w.h.texts(STAFF_CHAT).filter((t) => t.includes(`#${problemId}`) && /未解决|not fixed/i.test(t))).toHaveLength(1);
    expect(w.h.app.problems.get(problemId)!.status).toBe('new');
  });

  it('the web log lines carry ids, never the text, the contact, the phone number or the token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    w = await createWebWorld({ env: { WEB_CONTACT_KEY: '0f'.repeat(32), WEB_REPORTS_PER_IP_HOUR: '2' }, logger: pino({ level: 'trace' }, sink) });
    const base = w.base;
    const secret = { text: '秘密文字：实验小学的王老师打人，我的电话 13912345678', contact: 'secret.parent@example.com' };
    const res = await postJson(`${base}/api/reports`, secret, { 'idempotency-key': 'log-probe-key-0001' });
    const { trackingUrl } = (await res.json()) as { trackingUrl: string };
    const token = tokenOf(trackingUrl);
    await w.settle();
    await fetch(`${base}/t/${token}`);
    await fetch(`${base}/api/reports/${token}x`);
    await postJson(`${base}/api/reports`, { ...secret, website: 'spam' });
    for (let i = 0; i < 3; i++) await postJson(`${base}/api/reports`, { text: `${secret.text} ${i}` });
    expect(lines.length).toBeGreaterThan(2);
    const all = lines.join('');
    for (const needle of ['秘密文字', '13912345678', 'secret.parent', token, 'log-probe-key']) expect(all, needle).not.toContain(needle);
  });
});
