import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { privateText, resident } from '../support/updates.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('problem store: the texts that stand for a problem', () => {
  it('gives each problem its latest texts, newest first, a summary where the text was erased, and nothing for unknown ids', async () => {
    h = await createHarness();
    const texts = Array.from({ length: 7 }, (_, i) => `第一中学食堂的饭菜里有头发，这是第${i + 1}次了`);
    for (const [i, text] of texts.entries()) await h.send(privateText(resident(10 + i), text));
    await h.send(privateText(resident(30), '第二中学的校车每天都晚点半小时'));
    const rows = h.app.db.prepare('SELECT id, problem_id AS p, summary FROM reports ORDER BY id').all() as Array<{ id: number; p: number; summary: string }>;
    const canteen = rows[0]!.p;
    const bus = rows.at(-1)!.p;
    expect(rows.slice(0, 7).every((r) => r.p === canteen)).toBe(true);
    expect(bus).not.toBe(canteen);
    // The newest canteen report's text was erased (as /forget does): its summary stands in.
    h.app.db.prepare('UPDATE reports SET text = NULL WHERE id = ?').run(rows[6]!.id);

    const samples = h.app.problems.sampleTextsOf([canteen, bus, 99_999], 5);
    expect(samples.get(canteen)).toEqual([rows[6]!.summary, texts[5], texts[4], texts[3], texts[2]]);
    expect(samples.get(bus)).toEqual(['第二中学的校车每天都晚点半小时']);
    expect(samples.get(99_999)).toEqual([]);
    expect(h.app.problems.sampleTextsOf([], 5).size).toBe(0);
  });
});
