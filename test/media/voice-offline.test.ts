import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaultWorld, STAFF_CHAT, ticketsIn, zhResident, enResident, type FaultWorld } from '../faults/support/fault-world.ts';

/**
 * Issue 16, without any model: a voice note or a photo sent alone is a report with a ticket, acknowledged at once,
 * labelled `other` with a needs-a-look flag, marked 🎤/📷 for staff, whose /problem page re-sends the original.
 * The bot runs as its own process against the Bot API emulator over real HTTP.
 */

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

interface MediaRow {
  id: number;
  text: string | null;
  category: string | null;
  problem_id: number | null;
  kind: string;
  file_id: string | null;
  file_unique_id: string | null;
  duration: number | null;
  size: number | null;
  mime_type: string | null;
  needs_look: number;
}

const mediaRows = (w: FaultWorld) =>
  w.query<MediaRow>('SELECT r.id, r.text, r.category, r.problem_id, m.* FROM reports r JOIN report_media m ON m.report_id = r.id ORDER BY r.id');

describe('voice notes and photos without a model', () => {
  it('a voice note alone gets a ticket in the resident’s language, is stored with its file, and staff can hear it again', async () => {
    const { telegram } = world;
    await world.start({ llm: false });
    const sent = telegram.sendUserMessage({ from: zhResident(501), voice: { duration: 7, data: Buffer.from('OggS a grandmother speaking') } });
    const ack = await telegram.waitFor((m) => m.chat_id === 501 && ticketsIn(m).length > 0, 15_000, { includeExisting: true });
    expect(ack.text).toContain('语音');

    const [row] = mediaRows(world);
    expect(row).toMatchObject({ text: null, category: 'other', kind: 'voice', duration: 7, mime_type: 'audio/ogg', needs_look: 1 });
    expect(row!.file_id).toBe(sent.message.voice!.file_id);
    expect(row!.file_unique_id).toBe(sent.message.voice!.file_unique_id);
    expect(row!.size).toBe(Buffer.byteLength('OggS a grandmother speaking'));
    expect(ticketsIn(ack)).toEqual([row!.id]);

    // Staff: the list shows 🎤, the problem page offers the original, and the button re-sends it by file id.
    telegram.sendUserMessage({ chatId: STAFF_CHAT, from: { id: 9001, first_name: '值班' }, text: '/problems' });
    const list = await telegram.waitFor((m) => m.chat_id === STAFF_CHAT && (m.text ?? '').includes(`#${row!.problem_id}`), 10_000, { includeExisting: true });
    expect(list.text).toContain('🎤');
    telegram.sendUserMessage({ chatId: STAFF_CHAT, from: { id: 9001, first_name: '值班' }, text: `/problem ${row!.problem_id}` });
    const page = await telegram.waitFor((m) => m.chat_id === STAFF_CHAT && !!m.reply_markup && JSON.stringify(m.reply_markup).includes(`rm:${row!.id}`), 10_000, { includeExisting: true });
    expect(page.text).toContain('🎤');
    telegram.pressButton({ chatId: STAFF_CHAT, messageId: page.message_id, data: `rm:${row!.id}`, from: { id: 9001, first_name: '值班' } });
    const original = await telegram.waitFor((m) => m.chat_id === STAFF_CHAT && m.method === 'sendVoice', 10_000, { includeExisting: true });
    expect(original.file?.file_id).toBe(row!.file_id);
    expect(original.caption).toContain(`#${row!.id}`);
  });

  it('a photo alone is a report (📷, “we will look at it”); a sticker still is not', async () => {
    const { telegram } = world;
    await world.start({ llm: false });
    telegram.sendUserMessage({ from: enResident(502), photo: {} });
    telegram.sendUserMessage({ from: enResident(503), sticker: { emoji: '😀' } });
    const ack = await telegram.waitFor((m) => m.chat_id === 502 && ticketsIn(m).length > 0, 15_000, { includeExisting: true });
    expect(ack.text).toMatch(/photo.*look at it/i);
    const polite = await telegram.waitFor((m) => m.chat_id === 503, 10_000, { includeExisting: true });
    expect(ticketsIn(polite)).toEqual([]);
    const rows = mediaRows(world);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'photo', needs_look: 1, category: 'other', text: null });
    expect(world.count('SELECT COUNT(*) FROM reports WHERE chat_id = 503')).toBe(0);
  });
});
