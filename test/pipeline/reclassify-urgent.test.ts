import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { createOpenAiStandin, type OpenAiStandin } from '../support/openai-standin.ts';
import { privateText, resident } from '../support/updates.ts';

let llm: OpenAiStandin;
let h: Harness;
beforeEach(async () => {
  llm = createOpenAiStandin();
  await llm.start();
});
afterEach(async () => {
  await h?.close();
  await llm.stop();
});

const HOUR = 3_600_000;

/**
 * Issue 12: urgent escalation has one rule. A report labelled offline during an outage and found urgent when the
 * LLM is back makes its problem urgent exactly as an urgent report joining it would: the deadline shortened to the
 * urgent one, the event in the problem's history, and the staff alerted.
 */
describe('re-classification that finds a report urgent', () => {
  it('shortens the problem’s deadline, records the escalation and alerts staff, as grouping does', async () => {
    llm.setMode('server_error');
    h = await createHarness({ env: { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: llm.baseURL, OPENAI_MAX_RETRIES: '0', OPENAI_TIMEOUT_MS: '2000' } });
    const at = Date.now();
    await h.send(privateText(resident(1), '第二中学教室屋顶漏水，下雨天桌子都湿了'));
    const report = h.app.db.prepare('SELECT id, problem_id AS problemId, urgent, needs_reclassify AS needsReclassify FROM reports').get() as {
      id: number;
      problemId: number;
      urgent: number;
      needsReclassify: number;
    };
    expect(report).toMatchObject({ urgent: 0, needsReclassify: 1 });
    const before = h.app.problems.get(report.problemId)!;
    expect(before.urgent).toBe(false);
    // A complaint about facilities has days to go; an urgent one, hours.
    expect(before.deadlineAt! - at).toBeGreaterThan(48 * HOUR);
    expect(h.texts(STAFF_CHAT)).toEqual([]);

    llm.setMode('ok');
    llm.setResponder(() => ({ category: 'facilities', kind: 'complaint', urgent: true, unit: '第二中学', summary: '二中教室屋顶漏水有坍塌危险', language: 'zh' }));
    expect(await h.app.pipeline.reclassifyPass()).toBe(1);
    await h.app.runner.settle();

    const after = h.app.problems.get(report.problemId)!;
    expect(after.urgent).toBe(true);
    expect(after.deadlineAt! - at).toBeLessThanOrEqual(48 * HOUR);
    expect(after.deadlineAt).toBeLessThan(before.deadlineAt!);
    const events = h.app.db.prepare('SELECT action, note FROM problem_events WHERE problem_id = ? ORDER BY id').all(report.problemId) as Array<{ action: string; note: string }>;
    expect(events.filter((e) => e.action === 'urgent')).toEqual([{ action: 'urgent', note: `#${report.id}` }]);
    expect(h.texts(STAFF_CHAT).filter((t) => t.includes('紧急')).length).toBe(1);
  });

  it('an urgent report that reopens a resolved problem gets the urgent deadline from now, not the old one', async () => {
    let now = Date.UTC(2026, 10, 2, 1);
    h = await createHarness({ now: () => now });
    await h.send(privateText(resident(1), '第二中学教学楼外墙的瓷砖颜色旧了很难看，希望学校重新贴一下'));
    const problemId = (h.app.db.prepare('SELECT problem_id AS p FROM reports').get() as { p: number }).p;
    const first = h.app.problems.get(problemId)!;
    expect(first.urgent).toBe(false);
    now = first.deadlineAt! + 24 * HOUR;
    expect(h.app.desk.resolve(problemId, '已修好', { type: 'staff', userId: 1 }).ok).toBe(true);
    now += HOUR;
    await h.send(privateText(resident(2), '第二中学教学楼外墙瓷砖掉下来了，砸伤了一个学生，流了很多血'));
    const joined = (h.app.db.prepare('SELECT problem_id AS p, urgent FROM reports WHERE chat_id = ?').get(2) as { p: number; urgent: number });
    expect(joined).toEqual({ p: problemId, urgent: 1 });
    const reopened = h.app.problems.get(problemId)!;
    expect(reopened).toMatchObject({ status: 'new', urgent: true, recurring: true });
    // Before issue 12 the escalation kept the deadline the problem had before it was resolved: overdue at once.
    expect(reopened.deadlineAt!).toBeGreaterThan(now);
    expect(reopened.deadlineAt! - now).toBeLessThanOrEqual(48 * HOUR);
  });
});
