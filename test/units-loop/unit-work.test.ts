import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { callback, groupText } from '../support/updates.ts';
import { medianOf } from '../../src/dispatch/unit-work.ts';
import { bindUnit, buttonsOf, lastWithButtons, principalA, replyTo, report, staffMember, UNIT_A_CHAT } from './kit.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const HOUR = 3_600_000;

describe('the rates follow the work', () => {
  it('the ranking and the digest show each unit\'s sign-for time, returns, extensions and rejected reviews', async () => {
    // Monday 2026-11-02 10:00 in Shanghai (ISO week 45).
    let now = Date.UTC(2026, 10, 2, 2);
    h = await createHarness({ now: () => now });
    await bindUnit(h, '实验小学', UNIT_A_CHAT);
    const kept = await report(h, 1, '实验小学厕所的水龙头坏了一个月了');
    const returned = await report(h, 2, '实验小学的校车每天都晚点半小时');
    expect(kept).not.toBe(returned);
    await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${kept} 实验小学 2026-12-31`));
    await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${returned} 实验小学 2026-12-31`));
    now += 3 * HOUR;
    await h.send(callback(UNIT_A_CHAT, principalA, `ua:acc:${kept}`));
    await h.send(callback(UNIT_A_CHAT, principalA, `ua:ret:${returned}:not_ours`));
    await h.send(callback(UNIT_A_CHAT, principalA, `ua:ext:${kept}`));
    await h.send(replyTo(h, UNIT_A_CHAT, principalA, h.sent(UNIT_A_CHAT).at(-1)!, '2027-01-15 需要采购'));
    await h.send(groupText(UNIT_A_CHAT, principalA, `/done ${kept} 修好了`));
    await h.send(callback(STAFF_CHAT, staffMember, buttonsOf(lastWithButtons(h, STAFF_CHAT)).flat().find((b) => b.callback_data.startsWith('uv:no:'))!.callback_data));
    await h.send(replyTo(h, STAFF_CHAT, staffMember, h.sent(STAFF_CHAT).at(-1)!, '没修好'));

    now = Date.UTC(2026, 10, 9, 2);
    const line = '实验小学：派单 2，签收 1（按时 1，中位 3.0 小时），退回 1，申请延期 1，审核退回 1';
    await h.send(groupText(STAFF_CHAT, staffMember, '/ranking'));
    expect(h.texts(STAFF_CHAT).join('\n')).toContain(line);
    const before = h.texts(STAFF_CHAT).length;
    await h.send(groupText(STAFF_CHAT, staffMember, '/digest'));
    expect(h.texts(STAFF_CHAT).slice(before).join('\n')).toContain(line);
  });
});

describe('the sign-for time is a median', () => {
  it('one very late sign-for does not hide a unit\'s usual hours', () => {
    expect(medianOf([1, 2, 100])).toBe(2);
    expect(medianOf([1, 3])).toBe(2);
    expect(medianOf([])).toBeNull();
  });
});
