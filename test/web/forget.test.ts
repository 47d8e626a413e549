import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { STAFF_CHAT } from '../support/harness.ts';
import { CONTACT_KEY, createWebWorld, openForm, PNG, postForm, postJson, tokenOf, type WebWorld } from './kit.ts';

/**
 * A web resident erases their report from the tracking page (Telegram's /forget): confirmed, with the form token,
 * through the same forget use case; afterwards the tracking token opens nothing.
 */

let w: WebWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const db = () => w!.h.app.db;
const WORDS = '和平路小学后门的护栏断了一截独特标记甲乙丙';

/** Files a report with a photo and a contact through the page's form; returns its ticket, token and photo path. */
async function fileOnPage(): Promise<{ ticket: number; token: string; photoPath: string }> {
  const form = await openForm(w!.base);
  const saved = await postForm(w!.base, form, { text: WORDS, contact: '13800138000', photo: new Blob([PNG]) });
  expect(saved.status).toBe(303);
  const token = /^\/t\/([A-Za-z0-9_-]+)\?/.exec(saved.headers.get('location')!)![1]!;
  const ticket = db().prepare('SELECT MAX(id) FROM reports').pluck().get() as number;
  const photoPath = db().prepare('SELECT photo_path FROM web_reports WHERE report_id = ?').pluck().get(ticket) as string;
  await w!.settle();
  return { ticket, token, photoPath };
}

describe('a web resident erases their report', () => {
  it('from the tracking page, confirmed: words, summary, photo, contact and page history go; the report stays counted; the link opens nothing', async () => {
    w = await createWebWorld({ env: { WEB_CONTACT_KEY: CONTACT_KEY } });
    const { ticket, token, photoPath } = await fileOnPage();
    expect(existsSync(photoPath)).toBe(true);
    const problemId = w.h.app.reports.get(ticket)!.problemId!;
    const category = w.h.app.reports.get(ticket)!.category;

    // The tracking page links to a confirmation page; that page posts with its form token.
    const page = await openForm(w.base, `/t/${token}`);
    expect(page.html).toContain(`href="/t/${token}/forget?lang=zh"`);
    const confirm = await openForm(w.base, `/t/${token}/forget?lang=zh`);
    expect(confirm.html).toContain('删除反映');
    expect(confirm.html).toContain('确认删除');
    const body = new FormData();
    body.set('form_token', confirm.formToken);
    body.set('confirm', 'yes');
    body.set('language', 'zh');
    const done = await fetch(`${w.base}/t/${token}/forget`, { method: 'POST', body, headers: { cookie: `minyi_form=${confirm.cookie}` } });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('跟踪链接已失效');

    const report = db().prepare('SELECT text, summary, chat_id, category, problem_id FROM reports WHERE id = ?').get(ticket);
    expect(report).toEqual({ text: null, summary: null, chat_id: 0, category, problem_id: problemId });
    expect(db().prepare('SELECT contact_sealed, contact_kind, photo_path, submission_hash FROM web_reports WHERE report_id = ?').get(ticket)).toEqual({
      contact_sealed: null,
      contact_kind: null,
      photo_path: null,
      submission_hash: null,
    });
    expect(existsSync(photoPath)).toBe(false);
    expect(db().prepare('SELECT COUNT(*) FROM web_notices WHERE report_id = ?').pluck().get(ticket)).toBe(0);
    expect(db().prepare('SELECT forgotten_at IS NOT NULL FROM residents WHERE id = (SELECT resident_id FROM reports WHERE id = ?)').pluck().get(ticket)).toBe(1);

    for (const url of [`/t/${token}`, `/api/reports/${token}`, `/t/${token}/forget`]) expect((await fetch(`${w.base}${url}`)).status, url).toBe(404);
    expect((await postJson(`${w.base}/api/reports/${token}/survey`, { fixed: 'fixed' })).status).toBe(404);

    // Staff still see the problem, without the words; not a byte of them is left in the database file.
    await w.staff(`/problem ${problemId}`);
    expect(w.h.texts(STAFF_CHAT).at(-1)).not.toContain(WORDS);
    const path = w.h.app.config.databasePath;
    const bytes = Buffer.concat([readFileSync(path), ...(existsSync(`${path}-wal`) ? [readFileSync(`${path}-wal`)] : [])]);
    expect(bytes.includes(Buffer.from(WORDS))).toBe(false);
  });

  it('without the form token, from another site, or without the confirmation nothing is erased, and the page says why', async () => {
    w = await createWebWorld();
    const { ticket, token } = await fileOnPage();
    const confirm = await openForm(w.base, `/t/${token}/forget`);
    const post = (fields: Record<string, string>, headers: Record<string, string>) => {
      const body = new FormData();
      for (const [name, value] of Object.entries(fields)) body.set(name, value);
      return fetch(`${w!.base}/t/${token}/forget`, { method: 'POST', body, headers });
    };
    const noCookie = await post({ form_token: confirm.formToken, confirm: 'yes' }, {});
    expect(noCookie.status).toBe(403);
    expect(await noCookie.text()).toContain('页面已过期');
    expect((await post({ form_token: confirm.formToken, confirm: 'yes' }, { cookie: `minyi_form=${confirm.cookie}`, origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ form_token: confirm.formToken }, { cookie: `minyi_form=${confirm.cookie}` })).status).toBe(422);
    expect((await fetch(`${w.base}/api/reports/${token}`)).status).toBe(200);
    expect(w.h.app.reports.get(ticket)!.text).toBe(WORDS);
  });

  it('through the API: JSON {"confirm": true} erases; anything less is refused', async () => {
    w = await createWebWorld();
    const { ticket, trackingUrl } = (await (await postJson(`${w.base}/api/reports`, { text: WORDS })).json()) as { ticket: number; trackingUrl: string };
    const api = trackingUrl.replace('/t/', '/api/reports/');
    expect((await fetch(`${api}/forget`, { method: 'POST', body: '{"confirm":true}', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await postJson(`${api}/forget`, { confirm: 'yes' })).status).toBe(422);
    expect((await postJson(`${api}/forget`, { confirm: true }, { origin: 'https://evil.example' })).status).toBe(403);
    expect(w.h.app.reports.get(ticket)!.text).toBe(WORDS);
    const done = await postJson(`${api}/forget`, { confirm: true });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { forgotten: boolean }).forgotten).toBe(true);
    expect(w.h.app.reports.get(ticket)!.text).toBeNull();
    expect((await fetch(api)).status).toBe(404);
  });

  it('another web resident of the same problem keeps their page, minus a staff note quoting the erased words', async () => {
    w = await createWebWorld();
    const text = '实验小学食堂的饭菜经常是凉的，孩子吃了肚子疼';
    const a = (await (await postJson(`${w.base}/api/reports`, { text })).json()) as { ticket: number; trackingUrl: string };
    await w.settle();
    const b = (await (await postJson(`${w.base}/api/reports`, { text: `${text}，我家也是` })).json()) as { ticket: number; trackingUrl: string };
    await w.settle();
    const problemId = w.h.app.reports.get(a.ticket)!.problemId!;
    expect(w.h.app.reports.get(b.ticket)!.problemId).toBe(problemId);
    await w.staff(`/resolve ${problemId} 关于“${text}”：食堂已加装保温设备`);
    const before = (await (await fetch(b.trackingUrl.replace('/t/', '/api/reports/'))).json()) as { history: Array<{ text: string }> };
    expect(before.history.some((n) => n.text.includes(text))).toBe(true);

    expect((await postJson(`${a.trackingUrl.replace('/t/', '/api/reports/')}/forget`, { confirm: true })).status).toBe(200);
    const after = (await (await fetch(b.trackingUrl.replace('/t/', '/api/reports/'))).json()) as { history: Array<{ text: string }> };
    expect(after.history).toHaveLength(before.history.length);
    expect(after.history.some((n) => n.text.includes(text))).toBe(false);
    expect(after.history.some((n) => n.text.includes('食堂已加装保温设备'))).toBe(true);
    expect(tokenOf(b.trackingUrl)).toHaveLength(32);
  });
});
