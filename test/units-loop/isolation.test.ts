import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { callback, groupText, privateText } from '../support/updates.ts';
import { bindUnit, buttonsOf, lastWithButtons, principalA, principalB, replyTo, report, snapshot, staffMember, UNIT_A_CHAT, UNIT_B_CHAT } from './kit.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

// Words only problem B's reports contain: none of them may reach unit A's chat.
const SECRET_B = ['跑道', '塑胶', '异味刺鼻'];

/** Two units with a chat each; a problem for each, B's with an open extension and an open review. */
async function twoUnits(): Promise<{ a: number; b: number; extendB: number; reviewB: number }> {
  h = await createHarness();
  await bindUnit(h, '实验小学', UNIT_A_CHAT, principalA);
  await bindUnit(h, '第一中学', UNIT_B_CHAT, principalB);
  const a = await report(h, 301, '实验小学厕所的水龙头坏了一个月了');
  const b = await report(h, 302, '第一中学新铺的塑胶跑道异味刺鼻，孩子们头晕');
  expect(a).not.toBe(b);
  await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${a} 实验小学 2030-01-31`));
  await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${b} 第一中学 2030-01-31`));
  await h.send(callback(UNIT_B_CHAT, principalB, `ua:ext:${b}`));
  await h.send(replyTo(h, UNIT_B_CHAT, principalB, h.sent(UNIT_B_CHAT).at(-1)!, '2030-05-01 需要检测'));
  const extendB = Number(buttonsOf(lastWithButtons(h, STAFF_CHAT)).flat()[0]!.callback_data.split(':')[2]);
  await h.send(groupText(UNIT_B_CHAT, principalB, `/done ${b} 已更换跑道`));
  const reviewB = Number(buttonsOf(lastWithButtons(h, STAFF_CHAT)).flat()[0]!.callback_data.split(':')[2]);
  return { a, b, extendB, reviewB };
}

describe('a unit chat sees and acts on its own units\' problems only', () => {
  it('every command and button of unit A on unit B\'s problem: nothing revealed, nothing changed', async () => {
    const { a, b, extendB, reviewB } = await twoUnits();
    const title = h.app.problems.get(b)!.title;
    const before = snapshot(h);
    const sentBefore = h.sent(UNIT_A_CHAT).length;

    const commands = [
      `/problem ${b}`, `/problem #${b}`, `/progress ${b} 我来处理`, `/done ${b} 办完了`, `/problems`, `/problems all`, `/problems 第一中学`,
      `/assign ${b} 实验小学`, `/resolve ${b} 好了`, `/status ${b} in_progress`, `/close ${b} duplicate`, `/merge ${b} ${a}`, `/split ${b} 1`,
      `/search 跑道`, `/overdue`, `/summary`, `/export`, `/export all`, `/digest`, `/ranking`, `/units alias 跑道 实验小学`, `/bind 第一中学`,
      `/unbind ${UNIT_B_CHAT}`, `/chats`, `/audit`, `/retry 1`, `/questions`, `/problem@${'minyi_bot'} ${b}`,
    ];
    for (const command of commands) await h.send(groupText(UNIT_A_CHAT, principalA, command));
    const buttons = [
      `ua:acc:${b}`, `ua:ret:${b}`, `ua:ret:${b}:not_ours`, `ua:ret:${b}:wrong_unit`, `ua:ret:${b}:duplicate`, `ua:ret:${b}:bogus`, `ua:ext:${b}`,
      `ux:ok:${extendB}`, `ux:no:${extendB}`, `uv:ok:${reviewB}`, `uv:no:${reviewB}`, `pd:${b}`, `pr:${b}`, `pa:rs:${b}`, `pa:ip:${b}`,
      `pa:cl:${b}:duplicate`, `pm:${b}:${a}`, `pl:all:1`, `ua:acc:${b}0`, `ua:acc:-${b}`,
    ];
    for (const data of buttons) await h.send(callback(UNIT_A_CHAT, principalA, data));
    // A reply to a bot message that is not a prompt of this chat, naming B's problem.
    await h.send(replyTo(h, UNIT_A_CHAT, principalA, h.sent(UNIT_B_CHAT).at(-1)!, `2031-01-01 ${b}`));

    expect(snapshot(h)).toBe(before);
    const seen = h.sent(UNIT_A_CHAT).slice(sentBefore).map((c) => JSON.stringify(c.payload)).join('\n');
    for (const secret of [...SECRET_B, title]) expect(seen).not.toContain(secret);
    // Answers about B's problem read exactly as answers about a problem that does not exist.
    await h.send(groupText(UNIT_A_CHAT, principalA, `/problem ${b}`));
    const aboutB = h.texts(UNIT_A_CHAT).at(-1)!.replace(String(b), 'N');
    await h.send(groupText(UNIT_A_CHAT, principalA, '/problem 99999'));
    expect(h.texts(UNIT_A_CHAT).at(-1)!.replace('99999', 'N')).toBe(aboutB);
    await h.send(groupText(UNIT_A_CHAT, principalA, '/merge 1 2'));
    expect(h.texts(UNIT_A_CHAT).at(-1)).toBe('此命令在本群不可用。');
    // The bureau's open requests for B are still open and B's own chat still works.
    await h.send(callback(UNIT_B_CHAT, principalB, `ua:acc:${b}`));
    expect(h.texts(UNIT_B_CHAT).at(-1)).toContain('已签收');
  });

  it('a unit\'s private chat is scoped the same way, and its list shows its own problems only', async () => {
    const { a, b } = await twoUnits();
    await h.send(groupText(STAFF_CHAT, staffMember, '/bind 实验小学'));
    const code = /\/bind ([0-9a-f]{20})/.exec(h.texts(STAFF_CHAT).at(-1)!)![1]!;
    await h.send(privateText({ id: principalA.id, first_name: 'A' }, `/bind ${code}`));
    const before = snapshot(h);
    await h.send(privateText({ id: principalA.id }, '/problems'));
    const list = h.texts(principalA.id).at(-1)!;
    expect(list).toContain(`#${a}`);
    expect(list).not.toContain(`#${b}`);
    await h.send(privateText({ id: principalA.id }, `/done ${b} 办完了`));
    await h.send(callback(principalA.id, principalA, `ua:ret:${b}:not_ours`));
    await h.send(callback(principalA.id, principalA, `ua:acc:${b}`));
    expect(snapshot(h)).toBe(before);
    // The principal's own resident commands still work in that chat.
    await h.send(privateText({ id: principalA.id }, '/my'));
    expect(h.texts(principalA.id).at(-1)).not.toBe('此命令在本群不可用。');
    const seen = h.sent(principalA.id).map((c) => JSON.stringify(c.payload)).join('\n');
    for (const secret of SECRET_B) expect(seen).not.toContain(secret);
  });
});
