import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaultWorld, outcome, ticketsIn, zhResident, type FaultWorld } from '../faults/support/fault-world.ts';
import { eventually } from '../support/bot-process.ts';
import type { Responder } from '../support/openai-standin.ts';

/**
 * Issue 16, step 2: voice notes → text through the Bot API emulator (getFile + file download over real HTTP) and
 * the OpenAI stand-in's /audio/transcriptions. The transcript becomes the report's text, is classified, and the
 * resident is shown its first line.
 */

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

/** Facilities for a fence that fell, `other` for anything else. */
const model: Responder = (request) =>
  request.schemaName === 'grouping_decision'
    ? { same_as: null }
    : request.lastUserText.includes('围栏')
      ? { category: 'facilities', kind: 'complaint', urgent: false, unit: '第一中学', summary: '操场围栏倒了', language: 'zh' }
      : { category: 'other', kind: 'complaint', urgent: false, unit: null, summary: '其他', language: 'zh' };

const WITH_TRANSCRIPTION = { OPENAI_TRANSCRIBE_MODEL: 'whisper-1' };
const SPOKEN = '第一中学操场的围栏倒了，孩子放学要经过\n还有第二句话';

interface Row {
  id: number;
  text: string | null;
  category: string | null;
  job_state: string | null;
  transcript: string | null;
  attempts: number;
  skip_reason: string | null;
  needs_look: number;
}
const rowOf = (w: FaultWorld, chatId: number) =>
  w.query<Row>('SELECT r.id, r.text, r.category, m.job_state, m.transcript, m.attempts, m.skip_reason, m.needs_look FROM reports r JOIN report_media m ON m.report_id = r.id WHERE r.chat_id = ?', chatId)[0];

describe('voice notes transcribed', () => {
  it('the transcript becomes the report’s text, is classified, and the resident sees its first line; the request carries no identity', async () => {
    const { telegram, llm } = world;
    llm.setResponder(model);
    await world.start({ env: WITH_TRANSCRIPTION });
    telegram.sendUserMessage({ from: zhResident(601), voice: { duration: 6, data: Buffer.from(`OggS SAY:${SPOKEN}`) } });
    const heard = await telegram.waitFor((m) => m.chat_id === 601 && (m.text ?? '').includes('听到'), 20_000, { includeExisting: true });
    expect(heard.text).toContain('第一中学操场的围栏倒了');
    expect(heard.text).not.toContain('第二句话');
    await eventually(() => rowOf(world, 601)?.category === 'facilities', 10_000, () => JSON.stringify(rowOf(world, 601)));
    const row = rowOf(world, 601)!;
    expect(row).toMatchObject({ text: SPOKEN, transcript: SPOKEN, job_state: 'done', needs_look: 0 });
    expect(ticketsIn(heard)).toEqual([row.id]);
    // One request to /audio/transcriptions with the model and the sound, and nothing that says who spoke.
    const calls = llm.requests.filter((r) => r.path.startsWith('/v1/audio/transcriptions'));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toMatchObject({ model: 'whisper-1', file: { filename: 'voice.ogg' } });
    // The multipart boundary is random digits (it once held "601"): it says nothing about the resident, so it is left out.
    const { 'content-type': _boundary, ...headers } = calls[0]!.headers as Record<string, unknown>;
    expect(JSON.stringify({ body: calls[0]!.body, headers })).not.toMatch(/(?<!\d)601(?!\d)|居民/);
    outcome(`voice note transcribed and labelled ${row.category}; ${calls.length} transcription request`);
  });

  it('while the service is down the note is kept and answered; when it answers again the transcript arrives', async () => {
    const { telegram, llm } = world;
    llm.setResponder(model);
    llm.setMode('server_error');
    await world.start({ env: WITH_TRANSCRIPTION });
    telegram.sendUserMessage({ from: zhResident(602), voice: { duration: 4, data: Buffer.from(`OggS SAY:${SPOKEN}`) } });
    const ack = await telegram.waitFor((m) => m.chat_id === 602 && ticketsIn(m).length > 0, 20_000, { includeExisting: true });
    expect(ack.text).toContain('语音');
    await eventually(() => (rowOf(world, 602)?.attempts ?? 0) >= 2, 20_000, () => JSON.stringify(rowOf(world, 602)));
    expect(rowOf(world, 602)).toMatchObject({ job_state: 'pending', transcript: null, needs_look: 1, category: 'other' });
    const failedCalls = llm.requests.filter((r) => r.path.startsWith('/v1/audio/transcriptions')).length;

    llm.setMode('ok');
    const heard = await telegram.waitFor((m) => m.chat_id === 602 && (m.text ?? '').includes('听到'), 30_000, { includeExisting: true });
    expect(heard.text).toContain('围栏倒了');
    expect(heard.text).toContain('类别');
    await eventually(() => rowOf(world, 602)?.category === 'facilities', 10_000, () => JSON.stringify(rowOf(world, 602)));
    expect(rowOf(world, 602)).toMatchObject({ job_state: 'done', text: SPOKEN, needs_look: 0 });
    outcome(`transcription failed ${failedCalls} times while the service was down, then succeeded`);
  }, 90_000);

  it('a text reply to “what we heard” replaces the transcript and labels the report again', async () => {
    const { telegram, llm } = world;
    llm.setResponder(model);
    await world.start({ env: WITH_TRANSCRIPTION });
    telegram.sendUserMessage({ from: zhResident(605), voice: { duration: 3, data: Buffer.from('OggS SAY:嗯那个学校的那个东西') } });
    const heard = await telegram.waitFor((m) => m.chat_id === 605 && (m.text ?? '').includes('听到'), 20_000, { includeExisting: true });
    await eventually(() => rowOf(world, 605)?.job_state === 'done', 10_000, () => JSON.stringify(rowOf(world, 605)));
    expect(rowOf(world, 605)!.category).toBe('other');
    // The bot records the message id Telegram gave "what we heard" just after Telegram shows it.
    await eventually(() => world.count(`SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'heard:%' AND state = 'sent'`) === 1, 5000);
    const fixed = '第一中学操场的围栏倒了';
    telegram.sendUserMessage({ from: zhResident(605), text: fixed, replyTo: heard.message_id });
    const answer = await telegram.waitFor((m) => m.chat_id === 605 && (m.text ?? '').includes('更新'), 20_000, { includeExisting: true });
    expect(answer.text).toContain('设施');
    expect(rowOf(world, 605)).toMatchObject({ text: fixed, transcript: fixed, category: 'facilities' });
    // The correction is not a second report.
    expect(world.count('SELECT COUNT(*) FROM reports WHERE chat_id = 605')).toBe(1);
  });

  it('/forget after a transcribed voice note erases the transcript, the text and the file ids; the report still counts', async () => {
    const { telegram, llm } = world;
    llm.setResponder(model);
    await world.start({ env: WITH_TRANSCRIPTION });
    const sent = telegram.sendUserMessage({ from: zhResident(606), voice: { duration: 6, data: Buffer.from(`OggS SAY:${SPOKEN}`) } });
    await telegram.waitFor((m) => m.chat_id === 606 && (m.text ?? '').includes('听到'), 20_000, { includeExisting: true });
    await eventually(() => rowOf(world, 606)?.category === 'facilities', 10_000, () => JSON.stringify(rowOf(world, 606)));
    const id = rowOf(world, 606)!.id;

    telegram.sendUserMessage({ from: zhResident(606), text: '/forget' });
    const confirm = await telegram.waitFor((m) => m.chat_id === 606 && JSON.stringify(m.reply_markup ?? {}).includes('forget:yes'), 10_000, { includeExisting: true });
    telegram.pressButton({ chatId: 606, messageId: confirm.message_id, data: 'forget:yes', from: zhResident(606) });
    await eventually(() => world.count('SELECT COUNT(*) FROM reports WHERE id = ? AND text IS NULL', id) === 1, 10_000);

    const [media] = world.query<Record<string, unknown>>('SELECT kind, file_id, file_unique_id, transcript, description FROM report_media WHERE report_id = ?', id);
    expect(media).toEqual({ kind: 'voice', file_id: null, file_unique_id: null, transcript: null, description: null });
    expect(world.query('SELECT media_file_id, category FROM reports WHERE id = ?', id)).toEqual([{ media_file_id: null, category: 'facilities' }]);
    // Nothing in the database still names the file or repeats what was said.
    const everything = JSON.stringify(world.query('SELECT * FROM reports')) + JSON.stringify(world.query('SELECT * FROM report_media')) + JSON.stringify(world.query('SELECT * FROM outbox'));
    expect(everything).not.toContain(sent.message.voice!.file_id);
    expect(everything).not.toContain('围栏倒了，孩子放学');
  });

  it('a 25 MB voice note is refused before any download and is still a report with a ticket', async () => {
    const { telegram, llm } = world;
    llm.setResponder(model);
    await world.start({ env: WITH_TRANSCRIPTION });
    telegram.sendUserMessage({ from: zhResident(603), voice: { duration: 200, data: Buffer.alloc(25 * 1024 * 1024, 1) } });
    const ack = await telegram.waitFor((m) => m.chat_id === 603 && ticketsIn(m).length > 0, 20_000, { includeExisting: true });
    expect(ack.text).toContain('语音');
    await eventually(() => rowOf(world, 603)?.job_state === 'skipped', 10_000, () => JSON.stringify(rowOf(world, 603)));
    expect(rowOf(world, 603)).toMatchObject({ skip_reason: 'too_big', needs_look: 1, category: 'other' });
    expect(telegram.requestLog.filter((r) => r.method === 'getFile')).toEqual([]);
    expect(llm.requests.filter((r) => r.path.startsWith('/v1/audio/transcriptions'))).toEqual([]);
  });

  it('a note over MAX_VOICE_SECONDS is kept for staff, not transcribed', async () => {
    const { telegram, llm } = world;
    llm.setResponder(model);
    await world.start({ env: { ...WITH_TRANSCRIPTION, MAX_VOICE_SECONDS: '30' } });
    telegram.sendUserMessage({ from: zhResident(604), voice: { duration: 31, data: Buffer.from(`OggS SAY:${SPOKEN}`) } });
    await telegram.waitFor((m) => m.chat_id === 604 && ticketsIn(m).length > 0, 20_000, { includeExisting: true });
    await eventually(() => rowOf(world, 604)?.job_state === 'skipped', 10_000, () => JSON.stringify(rowOf(world, 604)));
    expect(rowOf(world, 604)).toMatchObject({ skip_reason: 'too_long', needs_look: 1 });
    expect(llm.requests.filter((r) => r.path.startsWith('/v1/audio/transcriptions'))).toEqual([]);
  });
});
