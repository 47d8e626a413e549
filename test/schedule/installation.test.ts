import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('a newly installed bot', () => {
  it('does not catch up on a digest scheduled before it first ran, but sends the next one', async () => {
    // Wednesday 2026-11-04, 10:00 in Shanghai.
    let now = Date.UTC(2026, 10, 4, 2);
    h = await createHarness({ now: () => now });
    await h.app.scheduler.runDue();
    await h.app.runner.settle();
    expect(h.sent(STAFF_CHAT)).toHaveLength(0);
    // The next Monday, 09:05.
    now = Date.UTC(2026, 10, 9, 1, 5);
    await h.app.scheduler.runDue();
    await h.app.runner.settle();
    // A quiet week: the digest is text only (no chart without reports), about the week just ended.
    expect(h.sent(STAFF_CHAT).length).toBeGreaterThan(0);
    expect(h.texts(STAFF_CHAT).join('\n')).toContain('每周简报 · 2026-W45');
    expect(h.app.db.prepare(`SELECT COUNT(*) AS n FROM schedule_runs WHERE job = 'weekly-digest' AND period = '2026-W45'`).get()).toEqual({ n: 1 });
  });
});
