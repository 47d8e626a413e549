import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { privateText, resident, type Person } from '../support/updates.ts';

// /my (issue 15): a question held with suggestions ("您是想问…?") has a mark of its own, so the resident knows the
// bot waits for them; once it became a ticket ("none of these", or no choice in time) the ticket's status shows.

// The shipped sample knowledge base is written for this day (entries have validity dates).
const TODAY = Date.parse('2026-12-04T02:00:00Z');
const realStart = Date.now();
let skew = 0;
const clock = () => TODAY + (Date.now() - realStart) + skew;
const MINUTE = 60_000;

// No entry answers it confidently, several come close (knowledge-suggestions.test.ts checks which).
const VAGUE = '哪里能查到正规的培训机构名单';
const INTRO = '您的问题可能已有解答，请选择：';
const WAITING_ZH = '等待您选择解答';
const WAITING_EN = 'waiting for your choice';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  skew = 0;
});
const harness = () => h!;
const question = (reportId: number) => harness().app.db.prepare('SELECT status FROM knowledge_questions WHERE report_id = ?').pluck().get(reportId);
const problemOf = (reportId: number) => harness().app.db.prepare('SELECT problem_id FROM reports WHERE id = ?').pluck().get(reportId) as number | null;

async function askVague(chatId: number, me: Person, text = VAGUE): Promise<number> {
  await harness().send(privateText(me, text));
  const id = harness().app.db.prepare('SELECT id FROM reports WHERE chat_id = ? ORDER BY id DESC').pluck().get(chatId) as number;
  expect(question(id)).toBe('suggested');
  return id;
}
/** The resident's /my, as sent. */
async function my(chatId: number, me: Person): Promise<string> {
  await harness().send(privateText(me, '/my'));
  return harness().texts(chatId).at(-1)!;
}
/** The line of one report in /my. */
const lineOf = (list: string, reportId: number) => list.split('\n').find((line) => line.includes(`#${reportId}<`))!;

describe('/my and a question held with suggestions', () => {
  it('shows "等待您选择解答" while held; after "none of these" the ticket\'s status, not the mark', async () => {
    h = await createHarness({ now: clock });
    const me = resident(201);
    const id = await askVague(201, me);
    expect(harness().texts(201)[0]).toContain(INTRO);

    const held = lineOf(await my(201, me), id);
    expect(held).toContain(WAITING_ZH);
    // Not "waiting for staff": nobody at the bureau has it yet.
    expect(held).not.toContain('待处理');

    await harness().press(201, me, (b) => b.callback_data === `kbs:${id}:x`);
    expect(question(id)).toBe('declined');
    expect(problemOf(id)).not.toBeNull();
    const ticket = lineOf(await my(201, me), id);
    expect(ticket).toContain('待处理');
    expect(ticket).not.toContain(WAITING_ZH);
  });

  it('after the timeout (unmatched) the ticket\'s status; a picked suggestion reads as answered from the FAQ', async () => {
    h = await createHarness({ now: clock, env: { KNOWLEDGE_SUGGEST_TIMEOUT: '30m' } });
    const me = resident(202);
    const other = resident(204);
    const swept = await askVague(202, me);
    const picked = await askVague(204, other);
    expect(lineOf(await my(202, me), swept)).toContain(WAITING_ZH);
    expect(lineOf(await my(204, other), picked)).toContain(WAITING_ZH);

    await harness().press(204, other, `kbs:${picked}:0`);
    expect(question(picked)).toBe('offered');
    skew = 31 * MINUTE;
    expect(harness().app.knowledgeFeedback.expireHeld()).toEqual([swept]);
    await harness().settle();
    expect(question(swept)).toBe('unmatched');
    expect(problemOf(swept)).not.toBeNull();

    const after = lineOf(await my(202, me), swept);
    expect(after).toContain('待处理');
    expect(after).not.toContain(WAITING_ZH);
    expect(lineOf(await my(204, other), picked)).toContain('已按问答库解答');
  });

  it('in English: "waiting for your choice"', async () => {
    h = await createHarness({ now: clock });
    const me = resident(203, 'en');
    const id = await askVague(203, me, 'What time does the gym open?');
    const line = lineOf(await my(203, me), id);
    expect(line).toContain(WAITING_EN);
    // Not the plain "waiting" of a ticket nobody has taken yet.
    expect(line).not.toMatch(/· waiting ·/);
  });
});
