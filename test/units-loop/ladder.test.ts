import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { callback, groupText } from '../support/updates.ts';
import { bindUnit, principalA, report, staffMember, UNIT_A_CHAT } from './kit.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const HOUR = 3_600_000;
const LEADERS = -100_600;

describe('the escalation ladder (督办) for units', () => {
  it('reminds an unsigned unit once, a day before the deadline, daily when overdue, and the leaders once N days late', async () => {
    // Monday 2026-11-02 08:00 in Shanghai.
    let now = Date.UTC(2026, 10, 2, 0);
    h = await createHarness({ now: () => now, env: { LEADER_CHAT_IDS: String(LEADERS), LEADER_AFTER_DAYS: '2' } });
    const tick = async (to: number) => {
      now = to;
      await h.app.scheduler.runDue();
      await h.app.runner.settle();
    };
    const unitTexts = () => h.texts(UNIT_A_CHAT).join('\n---\n');
    const count = (word: string) => h.texts(UNIT_A_CHAT).filter((t) => t.includes(word)).length;
    const history = (id: number) => h.app.problems.history(id).map((e) => e.action);

    await bindUnit(h, '实验小学', UNIT_A_CHAT);
    const id = await report(h, 1, '实验小学作业太多，孩子每天写到十一点');
    await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${id} 实验小学 2026-11-05`));

    await tick(now + 23 * HOUR);
    expect(count('未签收')).toBe(0);
    await tick(now + 2 * HOUR);
    expect(count('未签收')).toBe(1);
    expect(unitTexts()).toContain(`#${id}`);
    expect(history(id)).toContain('sign_reminder');
    await tick(now + HOUR);
    expect(count('未签收')).toBe(1);

    // Thursday 09:00, the deadline is Thursday 23:59: one reminder.
    await tick(Date.UTC(2026, 10, 5, 1));
    expect(count('将于 2026-11-05 到期')).toBe(1);
    await tick(now + HOUR);
    expect(count('将于 2026-11-05 到期')).toBe(1);

    // Friday: overdue, 催办 to the unit; the leaders not yet.
    await tick(Date.UTC(2026, 10, 6, 2));
    expect(count('催办')).toBe(1);
    await tick(now + HOUR);
    expect(count('催办')).toBe(1);
    expect(h.texts(LEADERS)).toHaveLength(0);

    // Sunday: another 催办, and the leaders are told once.
    await tick(Date.UTC(2026, 10, 8, 2));
    expect(count('催办')).toBe(2);
    expect(h.texts(LEADERS)).toHaveLength(1);
    expect(h.texts(LEADERS)[0]).toContain(`#${id}`);
    expect(h.texts(LEADERS)[0]).toContain('实验小学');
    await tick(Date.UTC(2026, 10, 9, 2));
    expect(h.texts(LEADERS)).toHaveLength(1);
    expect(history(id)).toEqual(expect.arrayContaining(['deadline_reminder', 'urged', 'escalated']));
  });

  it('a signed dispatch gets no sign-for reminder', async () => {
    let now = Date.UTC(2026, 10, 2, 0);
    h = await createHarness({ now: () => now });
    await bindUnit(h, '实验小学', UNIT_A_CHAT);
    const id = await report(h, 1, '实验小学作业太多，孩子每天写到十一点');
    await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${id} 实验小学 2026-12-31`));
    await h.send(callback(UNIT_A_CHAT, principalA, `ua:acc:${id}`));
    now += 30 * HOUR;
    await h.app.scheduler.runDue();
    await h.app.runner.settle();
    expect(h.texts(UNIT_A_CHAT).some((t) => t.includes('未签收'))).toBe(false);
  });
});
