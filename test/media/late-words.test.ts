import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaultWorld, outcome, ticketsIn, zhResident, type FaultWorld } from '../faults/support/fault-world.ts';
import { eventually } from '../support/bot-process.ts';
import type { Responder } from '../support/openai-standin.ts';

/**
 * Issue 16: a voice note's words arrive after the report was answered with its placeholder label. They go
 * through the normal classify → group path: two residents, one writing and one speaking about the same fence,
 * end up in one problem, and the voice note's placeholder problem closes as merged into it.
 */

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

const WRITTEN = '第一中学操场的围栏倒了，孩子放学要经过，很危险';
const SPOKEN = '第一中学操场那边的围栏倒在地上了，放学的孩子都从旁边走';

/** The fence is facilities at 第一中学; the grouping question is answered with the first candidate the bot offers. */
const model: Responder = (request) => {
  if (request.schemaName === 'grouping_decision') {
    const asked = JSON.parse(request.lastUserText) as { problems: Array<{ id: number }> };
    return { same_as: asked.problems[0]?.id ?? null };
  }
  return request.lastUserText.includes('围栏')
    ? { category: 'facilities', kind: 'complaint', urgent: false, unit: '第一中学', summary: '操场围栏倒了', language: 'zh' }
    : { category: 'other', kind: 'complaint', urgent: false, unit: null, summary: '其他', language: 'zh' };
};

interface Row {
  id: number;
  problem_id: number;
  category: string;
  job_state: string | null;
}
const rowOf = (w: FaultWorld, chatId: number) =>
  w.query<Row>('SELECT r.id, r.problem_id, r.category, m.job_state FROM reports r LEFT JOIN report_media m ON m.report_id = r.id WHERE r.chat_id = ?', chatId)[0];

describe('words that arrive late', () => {
  it('a text report and a later-transcribed voice note on the same fence are one problem', async () => {
    const { telegram, llm } = world;
    llm.setResponder(model);
    await world.start({ env: { OPENAI_TRANSCRIBE_MODEL: 'whisper-1' } });

    telegram.sendUserMessage({ from: zhResident(801), text: WRITTEN });
    await telegram.waitFor((m) => m.chat_id === 801 && ticketsIn(m).length > 0, 20_000, { includeExisting: true });
    const written = rowOf(world, 801)!;

    // The service fails once, so the voice note is answered with its placeholder label before its words arrive.
    llm.queueModes(['server_error']);
    telegram.sendUserMessage({ from: zhResident(802), voice: { duration: 5, data: Buffer.from(`OggS SAY:${SPOKEN}`) } });
    const ack = await telegram.waitFor((m) => m.chat_id === 802 && ticketsIn(m).length > 0, 20_000, { includeExisting: true });
    expect(ack.text).toContain('语音');
    const placeholder = rowOf(world, 802)!.problem_id;
    expect(placeholder).not.toBe(written.problem_id);

    const heard = await telegram.waitFor((m) => m.chat_id === 802 && (m.text ?? '').includes('听到'), 30_000, { includeExisting: true });
    expect(heard.text).toContain('围栏倒在地上');
    await eventually(() => rowOf(world, 802)?.problem_id === written.problem_id, 10_000, () => JSON.stringify(rowOf(world, 802)));

    const problems = world.query<{ id: number; status: string; merged_into: number | null; report_count: number; resident_count: number }>(
      'SELECT id, status, merged_into, report_count, resident_count FROM problems ORDER BY id',
    );
    expect(problems).toEqual([
      { id: written.problem_id, status: 'new', merged_into: null, report_count: 2, resident_count: 2 },
      { id: placeholder, status: 'closed', merged_into: written.problem_id, report_count: 0, resident_count: 0 },
    ]);
    expect(rowOf(world, 802)).toMatchObject({ category: 'facilities', job_state: 'done' });
    // The grouping question was asked about the transcript, the way it is asked about any new report.
    const asked = llm.requests.filter((r) => JSON.stringify(r.body).includes('grouping_decision'));
    expect(JSON.stringify(asked.map((r) => r.body))).toContain('围栏倒在地上');
    outcome(`voice note #${rowOf(world, 802)!.id} left placeholder problem #${placeholder} for #${written.problem_id} after its transcript`);
  }, 60_000);
});
