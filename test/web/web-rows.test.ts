import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { webAddress } from '../../src/domain/channel.ts';
import type { OutgoingMessage } from '../../src/outbox/outbox.ts';
import { createWebDelivery } from '../../src/web/web-delivery.ts';
import { createWebIntake, RETRY_WINDOW_MS } from '../../src/web/web-intake.ts';
import { tokenHash } from '../../src/web/tokens.ts';
import { tempDir } from '../support/harness.ts';
import { CONTACT_KEY, PNG } from './kit.ts';

/**
 * What a web report leaves in the database, row by row, and what the web delivery writes for it: the rows the
 * pipeline, the desk, /forget and the tracking page read. Real SQLite with the real migrations.
 */

const T0 = 1_750_000_000_000;
const PHOTO = { bytes: new Uint8Array(PNG), type: { mime: 'image/png', ext: 'png' } as const };

let dir: ReturnType<typeof tempDir>;
let db: Db;
let clock: number;
const now = () => clock;
const mediaDir = () => join(dir.dir, 'web-media');

beforeEach(() => {
  dir = tempDir();
  db = openDatabase(join(dir.dir, 'minyi.sqlite'));
  clock = T0;
});
afterEach(() => {
  db.close();
  dir.cleanup();
});

const KEY = Buffer.from(CONTACT_KEY, 'hex');
const intake = (contactKey: Buffer | undefined) => createWebIntake(db, { mediaDir: mediaDir(), contactKey, now });
const row = (sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as Record<string, unknown> | undefined;

describe('a web report in the database', () => {
  it('is a web resident at its own address, report 1 of that address, a photo row no media job waits for, and a hashed token', () => {
    const receipt = intake(KEY).receive({ text: '路灯坏了', unit: '和平路小学', language: 'zh', photo: PHOTO, contact: { kind: 'phone', value: '13800138000' }, submissionKey: 'k1', client: 'c1' });
    expect(receipt).toMatchObject({ created: true, contact: 'stored' });

    const report = row('SELECT * FROM reports WHERE id = ?', receipt.ticket)!;
    const residentId = report.resident_id as number;
    expect(row('SELECT telegram_user_id, chat_id, language, language_chosen, created_at, channel, blocked_at, forgotten_at FROM residents WHERE id = ?', residentId)).toEqual({
      telegram_user_id: null,
      chat_id: webAddress(residentId),
      language: 'zh',
      language_chosen: 1,
      created_at: T0,
      channel: 'web',
      blocked_at: null,
      forgotten_at: null,
    });
    expect(report).toMatchObject({
      chat_id: webAddress(residentId),
      message_id: 1,
      text: '和平路小学：路灯坏了',
      media_kind: 'photo',
      media_file_id: null,
      reply_language: 'zh',
      received_at: T0,
      flooded: 0,
      state: 'received',
      problem_id: null,
    });
    // Unlike a Telegram photo (src/intake/intake.ts marks it 'pending' for the media job), there is no file to fetch.
    expect(row('SELECT kind, file_id, file_unique_id, duration, size, mime_type, needs_look, job_state, next_try_at FROM report_media WHERE report_id = ?', receipt.ticket)).toEqual({
      kind: 'photo',
      file_id: null,
      file_unique_id: null,
      duration: null,
      size: PNG.length,
      mime_type: 'image/png',
      needs_look: 0,
      job_state: null,
      next_try_at: null,
    });
    const web = row('SELECT * FROM web_reports WHERE report_id = ?', receipt.ticket)!;
    expect(web).toMatchObject({ token_hash: tokenHash(receipt.token), contact_kind: 'phone', created_at: T0 });
    expect(web.submission_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(web.contact_sealed).toMatch(/^v1\./);
    expect(existsSync(web.photo_path as string)).toBe(true);
  });

  it('without a photo, a contact key or a submission key: no media row, nothing sealed, no submission hash; English keeps the unit in front', () => {
    const receipt = intake(undefined).receive({ text: 'the pool is dirty', unit: 'Sports Centre', language: 'en', contact: { kind: 'email', value: 'a@b.cn' } });
    expect(receipt).toMatchObject({ created: true, contact: 'not_stored' });
    expect(row('SELECT text, media_kind, reply_language FROM reports WHERE id = ?', receipt.ticket)).toEqual({ text: 'Sports Centre: the pool is dirty', media_kind: null, reply_language: 'en' });
    expect(row('SELECT 1 AS one FROM report_media WHERE report_id = ?', receipt.ticket)).toBeUndefined();
    expect(row('SELECT submission_hash, contact_sealed, contact_kind, photo_path FROM web_reports WHERE report_id = ?', receipt.ticket)).toEqual({
      submission_hash: null,
      contact_sealed: null,
      contact_kind: null,
      photo_path: null,
    });
    expect(row('SELECT r.language, r.language_chosen FROM residents r JOIN reports p ON p.resident_id = r.id WHERE p.id = ?', receipt.ticket)).toEqual({ language: 'en', language_chosen: 1 });
  });

  it('a retry within the hour is the same report under a fresh token, its photo not kept twice; after the hour the same words are a new report', () => {
    const web = intake(KEY);
    const submission = { text: '操场漏水', language: 'zh' as const, photo: PHOTO, contact: { kind: 'phone' as const, value: '13800138000' }, submissionKey: 'same', client: 'kiosk' };
    const first = web.receive(submission);
    clock += RETRY_WINDOW_MS;
    // Retried without the contact key: the contact kept the first time still counts.
    const retry = intake(undefined).receive(submission);
    expect(retry).toMatchObject({ ticket: first.ticket, created: false, contact: 'stored' });
    expect(retry.token).not.toBe(first.token);
    expect(row('SELECT token_hash FROM web_reports WHERE report_id = ?', first.ticket)).toEqual({ token_hash: tokenHash(retry.token) });
    expect(readdirSync(mediaDir())).toHaveLength(1);
    expect(row('SELECT COUNT(*) AS n FROM reports')).toEqual({ n: 1 });

    clock += 1;
    const later = web.receive(submission);
    expect(later.created).toBe(true);
    expect(later.ticket).not.toBe(first.ticket);
    expect(row('SELECT token_hash, submission_hash FROM web_reports WHERE report_id = ?', first.ticket)).toEqual({ token_hash: tokenHash(retry.token), submission_hash: null });
    expect(row('SELECT submission_hash FROM web_reports WHERE report_id = ?', later.ticket)!.submission_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(mediaDir())).toHaveLength(2);
  });
});

describe('the web delivery', () => {
  const text = (html: string, extra: Partial<Extract<OutgoingMessage, { type: 'text' }>> = {}): OutgoingMessage => ({ type: 'text', html, ...extra });

  it('writes a notice on the report at the address (plain text, survey without its reply line) and hands only contacts to the notifier', async () => {
    const told: Array<{ reportId: number; noticeId: number; kind: string }> = [];
    const delivery = createWebDelivery(db, { noticeQueued: (n) => told.push(n) }, now);
    const withContact = intake(KEY).receive({ text: '食堂饭菜凉', language: 'zh', contact: { kind: 'phone', value: '13800138000' } });
    const without = intake(KEY).receive({ text: '操场灯坏了', language: 'zh' });
    const chatOf = (ticket: number) => row('SELECT chat_id FROM reports WHERE id = ?', ticket)!.chat_id as number;

    const ack = await delivery.deliver(chatOf(withContact.ticket), text('<b>#1</b> 已收到 &lt;食堂&gt;', { ack: { language: 'zh', ticket: 1, category: 'food', kind: 'complaint', urgent: false, flooded: false } }));
    clock += 5;
    const survey = await delivery.deliver(chatOf(without.ticket), text('已解决\n\n请回复本消息', { buttons: [[{ text: '是', data: 'sv:1:fixed' }]] }));
    expect(ack).toMatchObject({ ok: true });
    expect(survey).toMatchObject({ ok: true });
    expect(db.prepare('SELECT id, report_id, kind, text, at FROM web_notices ORDER BY id').all()).toEqual([
      { id: (ack as { messageId: number }).messageId, report_id: withContact.ticket, kind: 'ack', text: '#1 已收到 <食堂>', at: T0 },
      { id: (survey as { messageId: number }).messageId, report_id: without.ticket, kind: 'survey', text: '已解决', at: T0 + 5 },
    ]);
    expect(told).toEqual([{ reportId: withContact.ticket, noticeId: (ack as { messageId: number }).messageId, kind: 'ack' }]);

    expect(await delivery.deliver(webAddress(999), text('x'))).toEqual({ ok: false, retry: false, error: 'no web report at this address', blocked: false });
    expect(await delivery.deliver(12345, text('x'))).toMatchObject({ ok: false, retry: false });
    expect(db.prepare('SELECT COUNT(*) AS n FROM web_notices').pluck().get()).toBe(2);
  });
});
