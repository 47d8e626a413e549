import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buttonsOf, createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { callback, groupText, privateText, resident } from '../support/updates.ts';
import { bindUnit, lastWithButtons, principalA, staffMember, UNIT_A_CHAT } from '../units-loop/kit.ts';

// Issue 15: when a unit's result resolves an inquiry, the bureau's chat is offered the 📥 button; only its press writes.
const TODAY = Date.parse('2026-12-04T02:00:00Z');
const realStart = Date.now();
const clock = () => TODAY + (Date.now() - realStart);

let h: Harness;
let folder: string;
afterEach(async () => {
  await h.close();
  rmSync(folder, { recursive: true, force: true });
});
const drafts = () => (existsSync(join(folder, '_pending')) ? readdirSync(join(folder, '_pending')) : []);
const kbButtons = (chatId: number) => h.sent(chatId).filter((c) => buttonsOf(c).flat().some((b) => b.callback_data.startsWith('kbadd:')));

async function start(review: 'on' | 'off'): Promise<void> {
  folder = mkdtempSync(join(tmpdir(), 'minyi-kb-unit-'));
  cpSync('prompts/knowledge', folder, { recursive: true });
  h = await createHarness({ now: clock, env: { KNOWLEDGE_DIR: folder, UNIT_REVIEW: review } });
  await bindUnit(h, '实验小学', UNIT_A_CHAT, principalA);
}

/** A resident's question the base does not hold, as a problem of kind inquiry assigned to 实验小学. */
async function inquiryAtUnit(chatId: number, text: string): Promise<number> {
  await h.send(privateText(resident(chatId), text));
  const { problem_id: problemId } = h.app.db.prepare('SELECT problem_id FROM reports WHERE chat_id = ? ORDER BY id DESC').get(chatId) as { problem_id: number };
  h.app.db.prepare(`UPDATE problems SET kind = ? WHERE id = ?`).run('inquiry', problemId);
  await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${problemId} 实验小学 2030-01-31`));
  return problemId;
}

describe('📥 for an inquiry a unit resolved', () => {
  it('review on: once the bureau approves the unit\'s answer, its chat gets the button; the unit\'s chat never does; the press writes the draft', async () => {
    await start('on');
    const problemId = await inquiryAtUnit(71, '实验小学明年的校服在哪里订？');
    await h.send(groupText(UNIT_A_CHAT, principalA, `/done ${problemId} 校服由家委会统一征订，2027年8月在学校门口登记。`));
    expect(kbButtons(STAFF_CHAT)).toHaveLength(0);
    const review = buttonsOf(lastWithButtons(h, STAFF_CHAT)).flat()[0]!.callback_data;
    await h.send(callback(STAFF_CHAT, staffMember, review));
    const offered = kbButtons(STAFF_CHAT);
    expect(offered).toHaveLength(1);
    expect(buttonsOf(offered[0]!)).toEqual([[{ text: '📥 加入知识库', callback_data: `kbadd:${problemId}` }]]);
    expect(kbButtons(UNIT_A_CHAT)).toHaveLength(0);
    // The same press rules: from the unit's chat it writes nothing; from the bureau's it writes the draft.
    await h.send(callback(UNIT_A_CHAT, principalA, `kbadd:${problemId}`));
    expect(drafts()).toEqual([]);
    await h.press(STAFF_CHAT, staffMember, `kbadd:${problemId}`);
    expect(drafts()).toHaveLength(1);
    expect(readFileSync(join(folder, '_pending', drafts()[0]!), 'utf8')).toContain('校服由家委会统一征订');
  });

  it('review off: the unit\'s answer resolves at once and the bureau\'s chat gets the button; a complaint gets none', async () => {
    await start('off');
    const problemId = await inquiryAtUnit(72, '实验小学明年的校服在哪里订？');
    await h.send(groupText(UNIT_A_CHAT, principalA, `/done ${problemId} 校服由家委会统一征订。`));
    expect(kbButtons(STAFF_CHAT).map((c) => buttonsOf(c).flat()[0]!.callback_data)).toEqual([`kbadd:${problemId}`]);
    const complaint = await inquiryAtUnit(73, '实验小学厕所的水龙头坏了一个月了');
    h.app.db.prepare(`UPDATE problems SET kind = 'complaint' WHERE id = ?`).run(complaint);
    await h.send(groupText(UNIT_A_CHAT, principalA, `/done ${complaint} 已更换水龙头。`));
    expect(kbButtons(STAFF_CHAT)).toHaveLength(1);
  });
});
