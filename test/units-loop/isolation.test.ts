import { Composer, InputFile } from 'grammy';
import { afterEach, describe, expect, it, vi } from 'vitest';
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

/**
 * Every command the bot registers, and what a unit's chat may do with it. A command added without a decision here
 * fails the sweep: each one is a choice about what a school may see.
 *   unit: answered in a unit chat, about its own units' problems only;  code: /bind CODE, a one-time code only;
 *   bureau: refused in a unit chat with one neutral line;  resident: a resident's command (a principal's private chat).
 */
const DECISIONS: Record<string, 'unit' | 'code' | 'bureau' | 'resident'> = {
  start: 'unit', help: 'unit', problems: 'unit', problem: 'unit', progress: 'unit', done: 'unit', ranking: 'unit', export: 'unit',
  bind: 'code',
  my: 'resident', lang: 'resident', forget: 'resident',
  unbind: 'bureau', chats: 'bureau', audit: 'bureau', merge: 'bureau', close: 'bureau', search: 'bureau', digest: 'bureau', inbox: 'bureau',
  kb: 'bureau', questions: 'bureau', praise: 'bureau', retry: 'bureau', summary: 'bureau', assign: 'bureau', status: 'bureau', resolve: 'bureau',
  split: 'bureau', overdue: 'bureau', units: 'bureau', themes: 'bureau',
};

/** How each command is tried from unit A's chat: aimed at unit B's problem wherever it takes one. */
const attempts = (command: string, ids: { a: number; b: number }): string[] => {
  const { a, b } = ids;
  const byCommand: Record<string, string[]> = {
    problem: [`${b}`, `#${b}`, `${b}0`, `-${b}`, `${b} ${a}`],
    progress: [`${b} 我来处理`],
    done: [`${b} 办完了`],
    problems: ['', 'all', '第一中学', 'overdue', `${b}`],
    export: ['', 'all', '30d'],
    ranking: ['', 'month', '2026-W45'],
    bind: ['第一中学', '0123456789abcdef0123'],
    assign: [`${b} 实验小学`],
    status: [`${b} in_progress`],
    resolve: [`${b} 好了`],
    close: [`${b} duplicate`],
    merge: [`${b} ${a}`],
    split: [`${b} 1`],
    search: ['跑道'],
    unbind: [`${UNIT_B_CHAT}`],
    units: ['alias 跑道 实验小学'],
    retry: ['1'],
  };
  return (byCommand[command] ?? ['', `${b}`]).map((args) => `/${command}${args ? ` ${args}` : ''}`);
};

/** Forged button data aimed at unit B's problem and requests; every button family the bot registers must be tried. */
const forgedButtons = (ids: { a: number; b: number; extendB: number; reviewB: number }): string[] => {
  const { a, b, extendB, reviewB } = ids;
  return [
    `ua:acc:${b}`, `ua:ret:${b}`, `ua:ret:${b}:not_ours`, `ua:ret:${b}:wrong_unit`, `ua:ret:${b}:duplicate`, `ua:ret:${b}:bogus`, `ua:ext:${b}`,
    `ua:acc:${b}0`, `ua:acc:-${b}`, `ux:ok:${extendB}`, `ux:no:${extendB}`, `uv:ok:${reviewB}`, `uv:no:${reviewB}`, `pd:${b}`, `pr:${b}`,
    `pa:rs:${b}`, `pa:ip:${b}`, `pa:cl:${b}:duplicate`, `pm:${b}:${a}`, `pl:all:1`, `pl:unit.yz:1`, `rm:1`, `ib:p:1`, `kb:y:1`, `kbs:1:0`, `kbs:1:x`, `kbadd:1`,
    `sv:f:${b}:fixed`, `sv:r:${b}:5`, `lang:en`, `forget:yes`,
  ];
};

/** What grammY was told to listen for while the app was built: every command name and every button pattern. */
function recordRegistrations() {
  const commands = vi.spyOn(Composer.prototype, 'command');
  const buttons = vi.spyOn(Composer.prototype, 'callbackQuery');
  return () => {
    const names = new Set(commands.mock.calls.flatMap((call) => [call[0]].flat().map(String)));
    const triggers = buttons.mock.calls.flatMap((call) => [call[0]].flat());
    commands.mockRestore();
    buttons.mockRestore();
    return { names: [...names].sort(), triggers };
  };
}

const matchesTrigger = (trigger: unknown, data: string) => (trigger instanceof RegExp ? new RegExp(trigger.source, trigger.flags).test(data) : trigger === data);

describe('a unit chat sees and acts on its own units\' problems only', () => {
  it('every registered command and button family, from unit A on unit B\'s problem: nothing revealed, nothing changed', async () => {
    const registered = recordRegistrations();
    const ids = await twoUnits();
    const { a, b } = ids;
    const { names, triggers } = registered();

    // A command or a button family nobody decided about fails here, before anything else.
    expect(names.filter((name) => !(name in DECISIONS))).toEqual([]);
    expect(names).toEqual(Object.keys(DECISIONS).sort());
    expect(triggers.length).toBeGreaterThanOrEqual(14);
    const forged = forgedButtons(ids);
    expect(triggers.filter((trigger) => !forged.some((data) => matchesTrigger(trigger, data))).map(String)).toEqual([]);

    const title = h.app.problems.get(b)!.title;
    const before = snapshot(h);
    const callsBefore = h.calls.length;
    const sentBefore = h.sent(UNIT_A_CHAT).length;
    const refused = '此命令在本群不可用。';

    for (const name of names) {
      for (const command of attempts(name, ids)) {
        const count = h.sent(UNIT_A_CHAT).length;
        await h.send(groupText(UNIT_A_CHAT, principalA, command));
        const answers = h.texts(UNIT_A_CHAT).slice(count);
        // Exactly one answer each (an export: the workbook and the CSV).
        expect({ command, answers: answers.length }).toEqual({ command, answers: name === 'export' ? 2 : 1 });
        if (DECISIONS[name] === 'bureau' || DECISIONS[name] === 'resident') expect({ command, answer: answers[0] }).toEqual({ command, answer: refused });
      }
    }
    // A command about B's problem answers word for word like one about a problem that does not exist.
    for (const command of ['problem', 'progress', 'done']) {
      await h.send(groupText(UNIT_A_CHAT, principalA, attempts(command, ids)[0]!));
      const aboutB = h.texts(UNIT_A_CHAT).at(-1)!.replaceAll(String(b), 'N');
      await h.send(groupText(UNIT_A_CHAT, principalA, attempts(command, ids)[0]!.replace(String(b), '99999')));
      expect(h.texts(UNIT_A_CHAT).at(-1)!.replaceAll('99999', 'N')).toBe(aboutB);
    }
    for (const data of forged) await h.send(callback(UNIT_A_CHAT, principalA, data));
    // A reply to a bot message that is not a prompt of this chat, naming B's problem.
    await h.send(replyTo(h, UNIT_A_CHAT, principalA, h.sent(UNIT_B_CHAT).at(-1)!, `2031-01-01 ${b}`));

    expect(snapshot(h)).toBe(before);
    const sweep = h.calls.slice(callsBefore);
    // Nothing went to the bureau or to unit B, and nothing anywhere carries B's words.
    expect(sweep.filter((c) => c.payload.chat_id === STAFF_CHAT || c.payload.chat_id === UNIT_B_CHAT)).toEqual([]);
    // Files are read below; JSON.stringify of one throws.
    const seen = sweep.map((c) => JSON.stringify({ ...c.payload, ...(c.payload.document instanceof InputFile && { document: '[file]' }) })).join('\n');
    for (const secret of [...SECRET_B, title]) expect(seen).not.toContain(secret);
    // The ledgers unit A took hold its own problem and none of B's.
    const files = await Promise.all(h.sent(UNIT_A_CHAT).slice(sentBefore).filter((c) => c.method === 'sendDocument').map(async (c) => Buffer.from((await (c.payload.document as InputFile).toRaw()) as Uint8Array)));
    const csv = files.map((f) => f.toString('utf8')).filter((text) => text.startsWith('\uFEFF'));
    expect(csv.length).toBeGreaterThan(0);
    for (const text of csv) {
      expect(text).toContain(`\r\n${a},`);
      expect(text).not.toContain(`\r\n${b},`);
      for (const secret of SECRET_B) expect(text).not.toContain(secret);
    }
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
