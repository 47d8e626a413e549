import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTACT_KEY, createWebWorld, PNG, postJson, tokenOf, type WebWorld } from './kit.ts';

/**
 * What the tracking API shows of one report, field by field, as it goes from filed to resolved, answered and
 * closed: every field of the tracking read model (src/web/web-store.ts) reaches the resident.
 */

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
  closeReason: string | null;
  category: { id: string } | null;
  kind: string | null;
  deadline: string | null;
  photo: boolean;
  contact: string;
  history: Array<{ kind: string; text: string }>;
  survey: { open: boolean; fixed: string | null; rating: number | null; commented: boolean };
};

const view = async (token: string): Promise<View> => {
  const res = await fetch(`${w.base}/api/reports/${token}`);
  expect(res.status).toBe(200);
  return (await res.json()) as View;
};

describe('the tracking view', () => {
  it('shows the photo, the kept contact, the problem’s status and deadline, the survey’s answers and a close reason', async () => {
    const form = new FormData();
    form.set('text', '和平路小学门口的路灯坏了，晚上很黑，孩子放学看不清路');
    form.set('contact', '138 0013 8000');
    form.set('photo', new Blob([PNG], { type: 'image/png' }), 'light.png');
    const res = await fetch(`${w.base}/api/reports`, { method: 'POST', body: form, headers: { 'x-minyi-client': 'kiosk' } });
    expect(res.status).toBe(201);
    const { ticket, trackingUrl } = (await res.json()) as { ticket: number; trackingUrl: string };
    const token = tokenOf(trackingUrl);

    await w.settle();
    const open = await view(token);
    expect(open).toMatchObject({ ticket, status: 'new', closeReason: null, kind: 'complaint', photo: true, contact: 'stored' });
    expect(open.category).not.toBeNull();
    expect(open.deadline).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(open.history.map((n) => n.kind)).toEqual(['ack']);
    expect(open.survey).toEqual({ open: false, fixed: null, rating: null, commented: false });

    const problemId = w.h.app.reports.get(ticket)!.problemId!;
    await w.staff(`/resolve ${problemId} 已修好路灯`);
    const resolved = await view(token);
    expect(resolved).toMatchObject({ status: 'resolved', deadline: null });
    expect(resolved.survey).toEqual({ open: true, fixed: null, rating: null, commented: false });

    expect((await postJson(`${w.base}/api/reports/${token}/survey`, { fixed: 'fixed', rating: 5, comment: '谢谢' })).status).toBe(200);
    expect((await view(token)).survey).toEqual({ open: true, fixed: 'fixed', rating: 5, commented: true });

    await w.staff(`/close ${problemId} no_action_possible`);
    expect(await view(token)).toMatchObject({ status: 'closed', closeReason: 'no_action_possible', deadline: null });
  });

  it('a report filed without a contact or a photo says so', async () => {
    const res = await postJson(`${w.base}/api/reports`, { text: '体育馆的更衣室很脏', language: 'zh' });
    const { trackingUrl } = (await res.json()) as { trackingUrl: string };
    expect(await view(tokenOf(trackingUrl))).toMatchObject({ photo: false, contact: 'none' });
  });
});
