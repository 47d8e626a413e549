import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaultWorld, outcome, STAFF_CHAT, ticketsIn, zhResident, type FaultWorld } from '../faults/support/fault-world.ts';
import { eventually } from '../support/bot-process.ts';
import type { Responder } from '../support/openai-standin.ts';

/**
 * Issue 16, step 3: a photo alone, described by a vision model (the stand-in answers chat calls with image_url
 * content), classified from the description; an urgent one reaches staff with the photo itself.
 */

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

const SEEN = '教室天花板塌了一大块，下面就是学生的课桌';

const model: Responder = (request) => {
  if (request.schemaName === 'photo_description') {
    // Only a request that carries the image is described.
    const hasImage = JSON.stringify(request.body.messages).includes('"image_url"');
    return { description: hasImage ? SEEN : '看不到图片', urgent: hasImage };
  }
  if (request.schemaName === 'grouping_decision') return { same_as: null };
  const urgent = request.lastUserText.includes('天花板塌');
  return { category: urgent ? 'campus_safety' : 'other', kind: 'complaint', urgent, unit: null, summary: urgent ? '教室天花板坍塌' : '其他', language: 'zh' };
};

describe('photos described', () => {
  it('a photo alone showing a collapsed ceiling is urgent, and the staff alert carries the photo', async () => {
    const { telegram, llm } = world;
    llm.setResponder(model);
    await world.start({ env: { OPENAI_VISION_MODEL: 'test-vision' } });
    const sent = telegram.sendUserMessage({ from: zhResident(701), photo: {} });
    const photoId = sent.message.photo!.at(-1)!.file_id;

    const alert = await telegram.waitFor((m) => m.chat_id === STAFF_CHAT && m.method === 'sendPhoto', 25_000, { includeExisting: true });
    expect(alert.file?.file_id).toBe(photoId);
    expect(alert.caption).toContain(SEEN);
    const seen = await telegram.waitFor((m) => m.chat_id === 701 && (m.text ?? '').includes('看到'), 10_000, { includeExisting: true });
    expect(seen.text).toContain('天花板塌了');
    const row = world.query<{ id: number; text: string; urgent: number; category: string; description: string; needs_look: number }>(
      'SELECT r.id, r.text, r.urgent, r.category, m.description, m.needs_look FROM reports r JOIN report_media m ON m.report_id = r.id WHERE r.chat_id = 701',
    )[0]!;
    expect(row).toMatchObject({ text: SEEN, description: SEEN, urgent: 1, needs_look: 0 });
    expect(ticketsIn(seen)).toEqual([row.id]);
    await eventually(() => world.count('SELECT urgent FROM problems WHERE id = (SELECT problem_id FROM reports WHERE id = ?)', row.id) === 1, 5000);
    const visionCalls = llm.requests.filter((r) => JSON.stringify(r.body).includes('photo_description'));
    expect(JSON.stringify(visionCalls.map((r) => r.body))).not.toMatch(/701|居民/);
    outcome(`photo described in ${visionCalls.length} vision call; urgent alert sent to staff as a photo with a ${Array.from(alert.caption ?? '').length}-character caption`);
  });
});
