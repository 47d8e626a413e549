import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaultWorld, outcome, STAFF_CHAT, ticketsIn, zhResident, type FaultWorld } from '../faults/support/fault-world.ts';
import { eventually } from '../support/bot-process.ts';
import type { Responder } from '../support/openai-standin.ts';

/**
 * Issue 16: a photo with a caption. The caption leads (the report is answered from it at once), the description
 * of a vision model adds to it, and urgency from what the photo shows counts even when the words do not say it.
 * Without any model, an urgent caption still reaches staff with the photo itself.
 */

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

// Says nothing the classifier below takes for urgent: only the vision model's own judgement makes it so.
const DANGER = '教室顶部有大块掉落物，课桌上全是碎片';
const HAIR = '餐盘里的米饭上有一根头发';

const describedAs = (description: string, urgent: boolean): Responder => (request) => {
  if (request.schemaName === 'photo_description') return { description, urgent };
  if (request.schemaName === 'grouping_decision') return { same_as: null };
  const text = request.lastUserText;
  if (text.includes('天花板塌')) return { category: 'campus_safety', kind: 'complaint', urgent: true, unit: null, summary: '天花板坍塌', language: 'zh' };
  if (text.includes('教室')) return { category: 'facilities', kind: 'complaint', urgent: false, unit: null, summary: '教室设施问题', language: 'zh' };
  if (text.includes('食堂')) return { category: 'food', kind: 'complaint', urgent: false, unit: null, summary: '食堂饭菜有头发', language: 'zh' };
  return { category: 'other', kind: 'complaint', urgent: false, unit: null, summary: '其他', language: 'zh' };
};

interface Row {
  id: number;
  text: string;
  category: string;
  urgent: number;
  description: string | null;
  shows_danger: number;
  job_state: string | null;
  needs_look: number;
}
const rowOf = (w: FaultWorld, chatId: number) =>
  w.query<Row>(
    'SELECT r.id, r.text, r.category, r.urgent, m.description, m.shows_danger, m.job_state, m.needs_look FROM reports r JOIN report_media m ON m.report_id = r.id WHERE r.chat_id = ?',
    chatId,
  )[0];

describe('photos with a caption', () => {
  it('the caption is answered at once; what the photo shows is added, makes it urgent, and staff get the photo', async () => {
    const { telegram, llm } = world;
    llm.setResponder(describedAs(DANGER, true));
    // The vision model fails once, so the caption is surely answered before the description arrives.
    let failed = false;
    llm.setModeFor((request) => (request.schemaName === 'photo_description' && !failed ? ((failed = true), 'server_error') : undefined));
    await world.start({ env: { OPENAI_VISION_MODEL: 'test-vision' } });
    const caption = '三年级二班教室，看看这个';
    const sent = telegram.sendUserMessage({ from: zhResident(711), photo: {}, caption });
    const photoId = sent.message.photo!.at(-1)!.file_id;

    const ack = await telegram.waitFor((m) => m.chat_id === 711 && ticketsIn(m).length > 0, 20_000, { includeExisting: true });
    expect(ack.text).not.toContain('紧急');
    const alert = await telegram.waitFor((m) => m.chat_id === STAFF_CHAT && m.method === 'sendPhoto', 25_000, { includeExisting: true });
    expect(alert.file?.file_id).toBe(photoId);
    expect(alert.caption).toContain(caption);
    expect(alert.caption).toContain(DANGER);
    const seen = await telegram.waitFor((m) => m.chat_id === 711 && (m.text ?? '').includes('看到'), 10_000, { includeExisting: true });
    expect(seen.text).toContain(DANGER);

    const row = rowOf(world, 711)!;
    expect(row).toMatchObject({ text: `${caption}\n📷 ${DANGER}`, description: DANGER, shows_danger: 1, urgent: 1, category: 'facilities', job_state: 'done', needs_look: 0 });
    expect(ticketsIn(ack)).toEqual([row.id]);
    await eventually(() => world.count('SELECT urgent FROM problems WHERE id = (SELECT problem_id FROM reports WHERE id = ?)', row.id) === 1, 5000);
    const visionCalls = llm.requests.filter((r) => JSON.stringify(r.body).includes('photo_description'));
    expect(JSON.stringify(visionCalls.map((r) => r.body))).not.toMatch(/711|居民/);
    outcome(`captioned photo: answered from its caption, then ${visionCalls.length} vision calls (1 failed) made it urgent; staff alert sent as a photo`);
  }, 60_000);

  it('a description that changes nothing adds to the report silently: the resident gets one reply', async () => {
    const { telegram, llm } = world;
    llm.setResponder(describedAs(HAIR, false));
    await world.start({ env: { OPENAI_VISION_MODEL: 'test-vision' } });
    const caption = '食堂今天的饭';
    telegram.sendUserMessage({ from: zhResident(712), photo: {}, caption });
    await telegram.waitFor((m) => m.chat_id === 712 && ticketsIn(m).length > 0, 20_000, { includeExisting: true });
    await eventually(() => rowOf(world, 712)?.job_state === 'done' && (world.bot?.output() ?? '').includes('photo described'), 15_000, () => JSON.stringify(rowOf(world, 712)));
    expect(rowOf(world, 712)).toMatchObject({ text: `${caption}\n📷 ${HAIR}`, category: 'food', urgent: 0, shows_danger: 0 });
    // Everything for this chat is queued in the outbox before the job logs; one row: the acknowledgement.
    expect(world.count('SELECT COUNT(*) FROM outbox WHERE chat_id = 712')).toBe(1);
    expect(telegram.requestLog.filter((r) => r.method === 'sendPhoto')).toEqual([]);
  }, 60_000);

  it('a reply to “what we see” replaces the description with the resident’s words and labels the report again', async () => {
    const { telegram, llm } = world;
    llm.setResponder(describedAs('一张模糊的照片，看不清内容', false));
    await world.start({ env: { OPENAI_VISION_MODEL: 'test-vision' } });
    telegram.sendUserMessage({ from: zhResident(714), photo: {} });
    const seen = await telegram.waitFor((m) => m.chat_id === 714 && (m.text ?? '').includes('看到'), 20_000, { includeExisting: true });
    await eventually(() => world.count(`SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'heard:%' AND state = 'sent'`) === 1, 5000);
    const words = '食堂的饭菜里有头发';
    telegram.sendUserMessage({ from: zhResident(714), text: words, replyTo: seen.message_id });
    await telegram.waitFor((m) => m.chat_id === 714 && (m.text ?? '').includes('更新'), 20_000, { includeExisting: true });
    expect(rowOf(world, 714)).toMatchObject({ text: words, description: words, category: 'food' });
    expect(world.query('SELECT transcript FROM report_media')).toEqual([{ transcript: null }]);
  }, 60_000);

  it('without any model, an urgent caption reaches staff with the photo, and nothing waits to be described', async () => {
    const { telegram, llm } = world;
    await world.start({ llm: false });
    const caption = '教室天花板塌了，砸伤了学生';
    const sent = telegram.sendUserMessage({ from: zhResident(713), photo: {}, caption });
    const alert = await telegram.waitFor((m) => m.chat_id === STAFF_CHAT && m.method === 'sendPhoto', 20_000, { includeExisting: true });
    expect(alert.file?.file_id).toBe(sent.message.photo!.at(-1)!.file_id);
    expect(alert.caption).toContain(caption);
    const ack = await telegram.waitFor((m) => m.chat_id === 713 && ticketsIn(m).length > 0, 10_000, { includeExisting: true });
    expect(rowOf(world, 713)).toMatchObject({ text: caption, urgent: 1, needs_look: 0, description: null });
    expect(ticketsIn(ack)).toEqual([rowOf(world, 713)!.id]);
    expect(llm.requests).toEqual([]);
    expect(telegram.requestLog.filter((r) => r.method === 'getFile')).toEqual([]);
  });
});
