import { join } from 'node:path';
import fc from 'fast-check';
import { Api } from 'grammy';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramTransport } from '../../src/bot/telegram-transport.ts';
import { openDatabase } from '../../src/db/database.ts';
import type { BotMessageRecord } from '../../src/emulator/bot-api-emulator.ts';
import { escapeHtml } from '../../src/i18n/html.ts';
import { htmlToPlain } from '../../src/outbox/fit-message.ts';
import { createOutbox, type OutgoingMessage } from '../../src/outbox/outbox.ts';
import { createSender } from '../../src/outbox/sender.ts';
import { eventually } from '../support/bot-process.ts';
import { alive, createFaultWorld, outcome, STAFF_CHAT, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * Messages over Telegram's limits (4,096 characters of text, 1,024 of caption, counted after HTML parsing in
 * UTF-16 code units; 64 bytes of callback data) were refused and marked undeliverable: the alert or the
 * survey was gone. Everything the outbox sends must fit, and arrive.
 */

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

const undeliverable = () => world.query<{ kind: string; last_error: string }>(`SELECT kind, last_error FROM outbox WHERE state = 'undeliverable'`);
const settled = () => eventually(() => world.count(`SELECT COUNT(*) FROM outbox WHERE state = 'pending'`) === 0, 30_000, () => JSON.stringify(undeliverable()));
const within = (record: BotMessageRecord) => (record.text ?? '').length <= 4096 && (record.caption ?? '').length <= 1024;

describe('messages over Telegram limits', () => {
  it('/resolve with a 4,000-character note: every resident of the problem gets the notice and the survey', async () => {
    const { telegram, llm } = world;
    llm.setResponder((request) =>
      request.schemaName === 'grouping_decision'
        ? { same_as: 1 }
        : { category: 'facilities', kind: 'complaint', urgent: false, unit: '第一中学', summary: '一中操场灯坏了', language: 'zh' },
    );
    const bot = await world.start();
    const residents = [70_001, 70_002, 70_003];
    let surveyParts = 0;
    let surveyLength = 0;
    for (const id of residents) telegram.sendUserMessage({ from: zhResident(id), text: `第一中学操场的灯坏了，晚上很黑（居民${id}）` });
    await eventually(() => world.count(`SELECT COUNT(*) FROM reports WHERE problem_id = 1`) === 3, 20_000, () => 'three reports on problem 1');

    // As long as a staff message allows (4,096 with the command); `&` and `<` grow when escaped.
    const note = Array.from({ length: 60 }, (_, i) => `第${i}段：更换了灯具 & <线路> ${'修'.repeat(80)}`).join(' ').slice(0, 4096 - '/resolve 1 '.length);
    telegram.sendUserMessage({ chatId: STAFF_CHAT, from: { id: 9001, first_name: '陈敏' }, text: `/resolve 1 ${note}` });

    await eventually(() => residents.every((id) => telegram.sentMessages(id).some((m) => !!m.reply_markup)), 30_000, () => JSON.stringify(undeliverable()));
    await settled();
    for (const id of residents) {
      const messages = telegram.sentMessages(id);
      const survey = messages.filter((m) => m.seq > messages.find((x) => (x.text ?? '').includes('#'))!.seq);
      const words = survey.map((m) => m.text ?? '').join('');
      // The whole note reached the resident, and the buttons are on the last part.
      expect(words.replace(/\s/g, '')).toContain(htmlToPlain(escapeHtml(note)).replace(/\s/g, '').slice(-200));
      expect(survey[survey.length - 1]!.reply_markup).toBeTruthy();
      surveyParts = survey.length;
      surveyLength = survey.reduce((n, m) => n + (m.text ?? '').length, 0);
      expect(messages.every(within)).toBe(true);
    }
    expect(undeliverable()).toEqual([]);
    outcome(`/resolve with a ${note.length}-character note: ${residents.length} residents each got the survey (${surveyLength} characters) in ${surveyParts} messages; nothing undeliverable`);
    expect(alive(bot)).toBe(true);
  }, 90_000);

  it('an urgent alert with a 300-character unit name and a 4,000-character report reaches staff', async () => {
    const { telegram, llm } = world;
    const unit = '第一'.repeat(150);
    llm.setResponder((request) =>
      request.schemaName === 'grouping_decision'
        ? { same_as: null }
        : { category: 'campus_safety', kind: 'complaint', urgent: true, unit, summary: '校门口有人持刀', language: 'zh' },
    );
    await world.start();
    // 2,000 astral characters: 2,000 code points, 4,000 UTF-16 code units as Telegram counts.
    const text = `${unit}门口有人持刀 ${'𠮷'.repeat(1890)}`;
    telegram.sendUserMessage({ from: zhResident(70_010), text });
    await eventually(
      () => telegram.sentMessages(STAFF_CHAT).some((m) => (m.text ?? '').includes('#1')),
      30_000,
      () => JSON.stringify([undeliverable(), world.query('SELECT state, category, urgent, problem_id FROM reports'), telegram.sentMessages(STAFF_CHAT).map((m) => m.text?.slice(0, 200))]),
    );
    await settled();
    const alert = telegram.sentMessages(STAFF_CHAT);
    expect(undeliverable()).toEqual([]);
    expect(alert.every(within)).toBe(true);
    expect(alert.map((m) => m.text ?? '').join('')).toContain('𠮷'.repeat(100));
    outcome(`urgent alert with a ${unit.length}-character unit and a ${text.length}-code-unit report: delivered to staff in ${alert.length} messages`);
  }, 90_000);
});

describe('the outbox guard (property)', () => {
  const piece = fc.oneof(
    fc.constantFrom('a', '中', '𠮷', '😀', '&', '<', '>', '"', ' ', '\n', '\n\n', 'x'.repeat(500), '字'.repeat(300), '𠮷'.repeat(300)).map(escapeHtml),
    fc.string({ maxLength: 40 }).map((s) => `<b>${escapeHtml(s)}</b>`),
    fc.string({ maxLength: 40 }).map((s) => `<a href="https://example.org/?a=1&amp;b=2">${escapeHtml(s)}x</a>`),
    fc.array(fc.string({ maxLength: 60 }), { maxLength: 30 }).map((lines) => `<pre>${lines.map(escapeHtml).join('\n')}</pre>`),
  );
  // Lengths spread evenly up to 400 pieces (fast-check's default sizes would keep nearly every text short).
  const html = fc
    .integer({ min: 1, max: 400 })
    .chain((n) => fc.array(piece, { minLength: n, maxLength: n }))
    .map((parts) => `start ${parts.join('')}`);
  const message: fc.Arbitrary<OutgoingMessage> = fc.oneof(
    fc.record({
      type: fc.constant('text' as const),
      html,
      buttons: fc.array(fc.array(fc.record({ text: fc.constantFrom('是', 'ok'), data: fc.string({ minLength: 1, maxLength: 80 }) }), { minLength: 1, maxLength: 3 }), { maxLength: 2 }),
    }),
    fc.record({ type: fc.constant('document' as const), filename: fc.constant('ledger.csv'), contentBase64: fc.constant(Buffer.from('a,b\n').toString('base64')), captionHtml: html }),
  );

  it('any message from the outbox is delivered, every part within Telegram’s limits, nothing lost', async () => {
    const { telegram } = world;
    const db = openDatabase(join(world.dir, 'property.sqlite'));
    const outbox = createOutbox(db);
    const sender = createSender({ outbox, transport: createTelegramTransport(new Api('123456:fault-suite-token', { apiRoot: telegram.apiRoot })), logger: pino({ level: 'silent' }), combineAcks: () => '' });
    sender.start();
    let runs = 0;
    let parts = 0;
    try {
      await fc.assert(
        fc.asyncProperty(message, async (sent) => {
          const before = telegram.sentMessages(STAFF_CHAT).length;
          outbox.enqueue({ dedupeKey: `property:${++runs}`, chatId: STAFF_CHAT, kind: 'status', message: sent });
          sender.wake();
          await sender.idle();
          const records = telegram.sentMessages(STAFF_CHAT).slice(before);
          parts += records.length;
          expect(db.prepare(`SELECT COUNT(*) FROM outbox WHERE state <> 'sent'`).pluck().get()).toBe(0);
          expect(records.every(within)).toBe(true);
          const original = htmlToPlain(sent.type === 'text' ? sent.html : (sent.captionHtml ?? '')).replace(/\s/g, '');
          const file = records.find((r) => r.file?.filename === 'message.txt');
          const received = file ? file.file!.bytes.toString('utf8') : records.map((r) => r.text ?? r.caption ?? '').join('');
          expect(received.replace(/\s/g, '')).toBe(original);
          if (sent.type === 'text' && sent.buttons?.some((row) => row.some((b) => Buffer.byteLength(b.data) <= 64))) {
            expect(records.filter((r) => r.method === 'sendMessage').at(-1)!.reply_markup).toBeTruthy();
          }
        }),
        { numRuns: 40 },
      );
    } finally {
      await sender.stop();
      db.close();
    }
    outcome(`outbox guard: ${runs} random messages (up to ~${400 * 500} characters) delivered as ${parts} Telegram messages, all within limits`);
  }, 180_000);
});
