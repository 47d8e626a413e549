import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { groupText, privateText, resident } from '../support/updates.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const DAY = 86_400_000;

describe('the daily overdue reminder (督办)', () => {
  it('lists overdue problems with who is responsible and how late, once a day, and nothing when none is overdue', async () => {
    // Monday 2026-11-02 08:00 in Shanghai.
    let now = Date.UTC(2026, 10, 2, 0);
    h = await createHarness({ now: () => now });
    await h.send(privateText(resident(1), '实验小学作业太多，孩子每天写到十一点'));
    await h.send(privateText(resident(2), '区体育馆淋浴没有热水'));
    const late = (h.app.db.prepare('SELECT problem_id AS p FROM reports WHERE chat_id = 1').get() as { p: number }).p;
    const fine = (h.app.db.prepare('SELECT problem_id AS p FROM reports WHERE chat_id = 2').get() as { p: number }).p;
    await h.send(groupText(STAFF_CHAT, { id: 9, first_name: 'S' }, `/assign ${late} 实验小学 2026-11-05`));
    await h.send(groupText(STAFF_CHAT, { id: 9, first_name: 'S' }, `/assign ${fine} 区体育馆 2026-12-31`));

    // 09:00 on Monday: nothing is overdue yet, so nothing is sent.
    now = Date.UTC(2026, 10, 2, 1, 30);
    await h.app.scheduler.runDue();
    await h.app.runner.settle();
    const before = h.texts(STAFF_CHAT).length;
    expect(h.texts(STAFF_CHAT).some((t) => t.includes('督办提醒'))).toBe(false);

    // Monday a week later, 09:30: problem `late` is four days past its deadline.
    now = Date.UTC(2026, 10, 9, 1, 30);
    await h.app.scheduler.runDue();
    await h.app.runner.settle();
    const reminders = h.texts(STAFF_CHAT).slice(before).filter((t) => t.includes('督办提醒'));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toContain(`#${late}`);
    expect(reminders[0]).toContain('实验小学');
    expect(reminders[0]).toMatch(/已逾期 [34] 天/);
    expect(reminders[0]).not.toContain(`#${fine}</b>`);

    // Running again the same day sends nothing more.
    now += 3_600_000;
    await h.app.scheduler.runDue();
    await h.app.runner.settle();
    expect(h.texts(STAFF_CHAT).filter((t) => t.includes('督办提醒'))).toHaveLength(1);

    // The next day, another one.
    now += DAY;
    await h.app.scheduler.runDue();
    await h.app.runner.settle();
    expect(h.texts(STAFF_CHAT).filter((t) => t.includes('督办提醒'))).toHaveLength(2);
  });
});
