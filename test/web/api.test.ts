import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openContact } from '../../src/web/contact.ts';
import { channelOf } from '../../src/domain/channel.ts';
import { STAFF_CHAT } from '../support/harness.ts';
import { CONTACT_KEY, createWebWorld, PNG, postJson, tokenOf, type WebWorld } from './kit.ts';

/** The JSON API over real HTTP (docs/WEB.md): file, follow, answer the survey; the same pipeline as Telegram. */

let w: WebWorld;
beforeEach(async () => {
  w = await createWebWorld({ env: { WEB_CONTACT_KEY: CONTACT_KEY } });
});
afterEach(async () => {
  await w.close();
});

type View = {
  ticket: number;
  status: string;
  category: { id: string; name: string } | null;
  history: Array<{ kind: string; text: string }>;
  survey: { open: boolean; fixed: string | null; rating: number | null };
  contact: string;
  photo: boolean;
};

async function file(body: Record<string, unknown>): Promise<{ ticket: number; token: string; trackingUrl: string; contact: string }> {
  const res = await postJson(`${w.base}/api/reports`, body);
  expect(res.status).toBe(201);
  const json = (await res.json()) as { ticket: number; trackingUrl: string; contact: string };
  return { ...json, token: tokenOf(json.trackingUrl) };
}
const view = async (token: string, lang = 'zh'): Promise<View> => {
  const res = await fetch(`${w.base}/api/reports/${token}?lang=${lang}`);
  expect(res.status).toBe(200);
  return (await res.json()) as View;
};

describe('the web API', () => {
  it('files a JSON report: 201 with ticket and tracking URL, stored before the answer, then classified and acknowledged on the page', async () => {
    const res = await postJson(`${w.base}/api/reports`, { text: '实验小学食堂的饭菜经常是凉的，孩子说菜里还吃出过头发', language: 'zh' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { ticket: number; trackingUrl: string };
    expect(body.trackingUrl).toMatch(new RegExp(`^${w.base}/t/[A-Za-z0-9_-]{32}$`));
    // Stored before the answer: the row is there even if nothing else has run.
    const row = w.h.app.db.prepare('SELECT chat_id, text, state FROM reports WHERE id = ?').get(body.ticket) as { chat_id: number; text: string };
    expect(row.text).toContain('实验小学食堂');
    expect(channelOf(row.chat_id)).toBe('web');
    // Only a hash of the token is kept.
    const stored = w.h.app.db.prepare('SELECT token_hash FROM web_reports WHERE report_id = ?').pluck().get(body.ticket) as string;
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(tokenOf(body.trackingUrl));

    await w.settle();
    const seen = await view(tokenOf(body.trackingUrl));
    expect(seen.ticket).toBe(body.ticket);
    expect(seen.status).toBe('new');
    expect(seen.category?.id).toBe('food');
    expect(seen.history[0]!.kind).toBe('ack');
    expect(seen.history[0]!.text).toContain(`#${body.ticket}`);
    // Never sent to Telegram: no call went to the web address.
    expect(w.h.calls.filter((c) => typeof c.payload.chat_id === 'number' && channelOf(c.payload.chat_id) === 'web')).toHaveLength(0);
  });

  it('a question the knowledge base only comes close to is never held on the web page (no buttons there): it becomes a ticket', async () => {
    // On Telegram this question gets "您是想问…?" buttons (test/knowledge/knowledge-suggestions.test.ts).
    const { ticket, token } = await file({ text: '哪里能查到正规的培训机构名单', language: 'zh' });
    await w.settle();
    const question = w.h.app.db.prepare('SELECT status FROM knowledge_questions WHERE report_id = ?').pluck().get(ticket);
    expect(question).not.toBe('suggested');
    const seen = await view(token);
    expect(seen.status).toBe('new');
    expect(seen.history[0]!.kind).toBe('ack');
    expect(seen.history.map((notice) => notice.text).join('\n')).not.toContain('您的问题可能已有解答');
  });

  it('files a multipart report with a photo: the bytes kept under the data folder, size and type in report_media', async () => {
    const form = new FormData();
    form.set('text', '和平路小学门口的路灯坏了，晚上很黑');
    form.set('photo', new Blob([PNG], { type: 'application/octet-stream' }), 'light.png');
    const res = await fetch(`${w.base}/api/reports`, { method: 'POST', body: form, headers: { 'x-minyi-client': 'kiosk' } });
    expect(res.status).toBe(201);
    const { ticket } = (await res.json()) as { ticket: number };
    const media = w.h.app.db.prepare('SELECT kind, size, mime_type, file_id FROM report_media WHERE report_id = ?').get(ticket);
    expect(media).toEqual({ kind: 'photo', size: PNG.length, mime_type: 'image/png', file_id: null });
    const path = w.h.app.db.prepare('SELECT photo_path FROM web_reports WHERE report_id = ?').pluck().get(ticket) as string;
    expect(readFileSync(path).equals(PNG)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps the contact sealed (never in clear in the database), and says so', async () => {
    const { ticket, contact } = await file({ text: '体育馆游泳池的水很浑浊', contact: '138 0013 8000' });
    expect(contact).toBe('stored');
    const sealed = w.h.app.db.prepare('SELECT contact_sealed FROM web_reports WHERE report_id = ?').pluck().get(ticket) as string;
    expect(sealed).not.toContain('13800138000');
    expect(openContact(Buffer.from(CONTACT_KEY, 'hex'), sealed)).toEqual({ kind: 'phone', value: '13800138000' });
  });

  it('staff see the web report marked 🌐 and resolve it; the page shows the resolution; "not fixed" reopens as on Telegram', async () => {
    const { ticket, token } = await file({ text: '第三中学操场的篮球架松动了，很危险', language: 'zh' });
    await w.settle();
    const problemId = w.h.app.reports.get(ticket)!.problemId!;
    await w.staff(`/problem ${problemId}`);
    expect(w.h.texts(STAFF_CHAT).at(-1)).toContain('🌐');

    await w.staff(`/resolve ${problemId} 已更换篮球架`);
    const resolved = await view(token);
    expect(resolved.status).toBe('resolved');
    expect(resolved.survey.open).toBe(true);
    expect(resolved.history.at(-1)!.kind).toBe('survey');
    expect(resolved.history.at(-1)!.text).toContain('已更换篮球架');

    const res = await postJson(`${w.base}/api/reports/${token}/survey`, { fixed: 'not', rating: 2, comment: '还是松的' });
    expect(res.status).toBe(200);
    const answered = (await res.json()) as View & { reopened: boolean };
    expect(answered.reopened).toBe(true);
    expect(answered.survey).toMatchObject({ fixed: 'not', rating: 2 });
    expect(w.h.app.problems.get(problemId)!.status).toBe('new');
    await w.settle();
    expect(w.h.texts(STAFF_CHAT).some((t) => t.includes(`#${problemId}`) && /未解决|not fixed/i.test(t))).toBe(true);
  });

  it('refuses a survey answer before the problem is resolved (409), and a bad one (422)', async () => {
    const { token } = await file({ text: '希望学校增加课后体育活动时间' });
    await w.settle();
    expect((await postJson(`${w.base}/api/reports/${token}/survey`, { fixed: 'fixed' })).status).toBe(409);
    expect((await postJson(`${w.base}/api/reports/${token}/survey`, { rating: 9 })).status).toBe(422);
    expect((await postJson(`${w.base}/api/reports/${token}/survey`, {})).status).toBe(422);
  });

  it('an urgent web report alerts staff at once, marked 🌐', async () => {
    await file({ text: '第一中学有老师打学生耳光，孩子脸都肿了 <script>alert(1)</script>' });
    await w.settle();
    const alerts = w.h.texts(STAFF_CHAT);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain('🌐');
    expect(alerts[0]).toContain('&lt;script&gt;');
  });

  it('a retried submission (same Idempotency-Key) is one report; the newest token opens it', async () => {
    const body = { text: '幼儿园门口的积水一直没人处理' };
    const key = 'retry-key-0123456789abcdef';
    const first = await postJson(`${w.base}/api/reports`, body, { 'idempotency-key': key });
    const second = await postJson(`${w.base}/api/reports`, body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    const a = (await first.json()) as { ticket: number };
    const b = (await second.json()) as { ticket: number; trackingUrl: string };
    expect(b.ticket).toBe(a.ticket);
    expect(w.h.app.db.prepare('SELECT COUNT(*) FROM reports').pluck().get()).toBe(1);
    expect((await fetch(`${w.base}/api/reports/${tokenOf(b.trackingUrl)}`)).status).toBe(200);
  });

  it('the unit field leads the stored text, so one classifier reads both', async () => {
    const { ticket } = await file({ text: '食堂的饭菜是凉的', unit: '实验小学' });
    expect(w.h.app.reports.get(ticket)!.text).toBe('实验小学：食堂的饭菜是凉的');
    const units = (await (await fetch(`${w.base}/api/units`)).json()) as { units: string[] };
    expect(units.units.length).toBeGreaterThan(3);
  });

  it('tells the resident when a contact cannot be stored (no key configured)', async () => {
    await w.close();
    w = await createWebWorld();
    const { ticket, contact } = await file({ text: '体育馆更衣室很脏', contact: 'parent@example.com' });
    expect(contact).toBe('not_stored');
    expect(w.h.app.db.prepare('SELECT contact_sealed FROM web_reports WHERE report_id = ?').pluck().get(ticket)).toBeNull();
    expect(existsSync(w.h.app.config.databasePath)).toBe(true);
  });
});
