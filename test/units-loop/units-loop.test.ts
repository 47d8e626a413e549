import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { callback, groupText } from '../support/updates.ts';
import { bindUnit, buttonsOf, lastWithButtons, principalA, replyTo, report, staffMember, UNIT_A_CHAT } from './kit.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const RESIDENT = 555_123;
const PHONE = '13812345678';

async function assignedToA(text = `实验小学厕所的水龙头坏了一个月了，有事打我电话${PHONE}`): Promise<number> {
  await bindUnit(h, '实验小学', UNIT_A_CHAT);
  const id = await report(h, RESIDENT, text);
  await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${id} 实验小学 2030-01-31`));
  return id;
}

const events = (id: number) => h.app.problems.history(id).map((e) => e.action);

describe('binding a unit chat', () => {
  it('a one-time code binds the unit chat, the bureau is told, and the code cannot be used again or elsewhere', async () => {
    h = await createHarness();
    const code = await bindUnit(h, '实验小学,第一中学', UNIT_A_CHAT);
    expect(code).toMatch(/^[0-9a-f]{20}$/);
    expect(h.texts(UNIT_A_CHAT).at(-1)).toContain('实验小学');
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`chat ${UNIT_A_CHAT}`);
    const bound = h.app.db.prepare('SELECT unit_id FROM unit_chats WHERE chat_id = ? ORDER BY unit_id').pluck().all(UNIT_A_CHAT);
    expect(bound).toEqual(['sx', 'yz']);
    // Only the hash is stored.
    expect(JSON.stringify(h.app.db.prepare('SELECT * FROM unit_bind_codes').all())).not.toContain(code);

    await h.send(groupText(-100_999, principalA, `/bind ${code}`));
    expect(h.texts(-100_999).at(-1)).toContain('无效');
    expect(h.app.db.prepare('SELECT COUNT(*) FROM unit_chats WHERE chat_id = -100999').pluck().get()).toBe(0);

    await h.send(groupText(STAFF_CHAT, staffMember, '/chats'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(String(UNIT_A_CHAT));
    await h.send(groupText(STAFF_CHAT, staffMember, `/unbind ${UNIT_A_CHAT}`));
    expect(h.app.db.prepare('SELECT COUNT(*) FROM unit_chats').pluck().get()).toBe(0);
  });

  it('an expired code binds nothing', async () => {
    let now = Date.UTC(2026, 0, 5, 2);
    h = await createHarness({ now: () => now });
    await h.send(groupText(STAFF_CHAT, staffMember, '/bind 实验小学'));
    const code = /\/bind ([0-9a-f]{20})/.exec(h.texts(STAFF_CHAT).at(-1)!)![1]!;
    now += 24 * 3_600_000 + 1;
    await h.send(groupText(UNIT_A_CHAT, principalA, `/bind ${code}`));
    expect(h.app.db.prepare('SELECT COUNT(*) FROM unit_chats').pluck().get()).toBe(0);
  });

  it('a unit group upgraded to a supergroup keeps its binding and gets the next dispatch', async () => {
    h = await createHarness();
    await bindUnit(h, '实验小学', UNIT_A_CHAT);
    const upgraded = -100_888_501;
    await h.send({
      update_id: 77_001,
      message: { message_id: 1, date: 0, chat: { id: UNIT_A_CHAT, type: 'group', title: '实验小学' }, from: principalA, migrate_to_chat_id: upgraded },
    } as never);
    const id = await report(h, RESIDENT, '实验小学操场的篮球架倒了');
    await h.send(groupText(STAFF_CHAT, staffMember, `/assign ${id} 实验小学`));
    expect(h.texts(upgraded).join('\n')).toContain(`#${id}`);
    expect(h.texts(UNIT_A_CHAT).join('\n')).not.toContain(`#${id}`);
  });

  it('with STAFF_ADMIN_IDS set, other staff may not bind, merge or close', async () => {
    h = await createHarness({ env: { STAFF_ADMIN_IDS: '900' } });
    const other = { id: 901, first_name: 'Li' };
    await h.send(groupText(STAFF_CHAT, other, '/bind 实验小学'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('仅限管理员');
    const a = await report(h, 1, '实验小学厕所的水龙头坏了');
    await h.send(groupText(STAFF_CHAT, other, `/close ${a} duplicate`));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('仅限管理员');
    expect(h.app.problems.get(a)!.status).toBe('new');
    await h.send(groupText(STAFF_CHAT, staffMember, `/close ${a} duplicate`));
    expect(h.app.problems.get(a)!.status).toBe('closed');
  });
});

describe('the loop: dispatch, sign, handle, review', () => {
  it('bureau assigns → unit signs → unit reports progress and result → bureau approves → residents told and surveyed', async () => {
    h = await createHarness();
    const id = await assignedToA();

    // The dispatch card: number, category, title, deadline, reports with identities removed.
    const card = lastWithButtons(h, UNIT_A_CHAT);
    const text = String(card.payload.text);
    expect(text).toContain(`#${id}`);
    expect(text).toContain('2030-01-31');
    expect(text).toContain('水龙头');
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain(String(RESIDENT));
    expect(text).not.toContain(`Resident ${RESIDENT}`);
    const data = buttonsOf(card).flat().map((b) => b.callback_data);
    expect(data).toEqual([`ua:acc:${id}`, `ua:ret:${id}`, `ua:ext:${id}`]);

    await h.send(callback(UNIT_A_CHAT, principalA, `ua:acc:${id}`));
    expect(h.texts(UNIT_A_CHAT).at(-1)).toContain('已签收');
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(`#${id}`);
    expect(events(id)).toContain('signed');
    expect(h.app.db.prepare('SELECT signed_by FROM unit_dispatches WHERE problem_id = ?').pluck().get(id)).toBe(principalA.id);
    // A second press signs nothing twice.
    await h.send(callback(UNIT_A_CHAT, principalA, `ua:acc:${id}`));
    expect(events(id).filter((e) => e === 'signed')).toHaveLength(1);

    await h.send(groupText(UNIT_A_CHAT, principalA, `/progress ${id} 已联系维修师傅`));
    expect(h.app.problems.get(id)!.status).toBe('in_progress');
    expect(h.texts(RESIDENT).at(-1)).toContain('已联系维修师傅');

    await h.send(groupText(UNIT_A_CHAT, principalA, `/problems`));
    expect(h.texts(UNIT_A_CHAT).at(-1)).toContain(`#${id}`);

    await h.send(groupText(UNIT_A_CHAT, principalA, `/done ${id} 已更换全部水龙头`));
    expect(h.app.problems.get(id)!.status).toBe('in_progress');
    const review = lastWithButtons(h, STAFF_CHAT);
    expect(String(review.payload.text)).toContain('已更换全部水龙头');
    const approve = buttonsOf(review).flat().find((b) => b.callback_data.startsWith('uv:ok:'))!;
    await h.send(callback(STAFF_CHAT, staffMember, approve.callback_data));

    expect(h.app.problems.get(id)!.status).toBe('resolved');
    const survey = h.sent(RESIDENT).at(-1)!;
    expect(String(survey.payload.text)).toContain('已更换全部水龙头');
    expect(buttonsOf(survey).flat().some((b) => b.callback_data.endsWith(':fixed'))).toBe(true);
    expect(h.app.db.prepare('SELECT COUNT(*) FROM feedback WHERE problem_id = ?').pluck().get(id)).toBe(1);
    expect(h.texts(UNIT_A_CHAT).at(-1)).toContain('审核通过');
    // Pressed again: decided once.
    await h.send(callback(STAFF_CHAT, staffMember, approve.callback_data));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('已处理');
  });

  it('the bureau sends a result back with a note: the unit is told, the problem stays open', async () => {
    h = await createHarness();
    const id = await assignedToA();
    await h.send(groupText(UNIT_A_CHAT, principalA, `/done ${id} 修好了`));
    const reject = buttonsOf(lastWithButtons(h, STAFF_CHAT)).flat().find((b) => b.callback_data.startsWith('uv:no:'))!;
    await h.send(callback(STAFF_CHAT, staffMember, reject.callback_data));
    const prompt = h.sent(STAFF_CHAT).at(-1)!;
    expect(prompt.payload.reply_markup).toMatchObject({ force_reply: true });
    await h.send(replyTo(h, STAFF_CHAT, staffMember, prompt, '群众反映二楼的还没修'));
    expect(h.texts(UNIT_A_CHAT).at(-1)).toContain('群众反映二楼的还没修');
    expect(h.app.problems.get(id)!.status).toBe('assigned');
    expect(events(id)).toContain('review_rejected');
    expect(h.app.db.prepare('SELECT COUNT(*) FROM feedback').pluck().get()).toBe(0);
  });

  it('with UNIT_REVIEW=off the unit result resolves at once and residents are surveyed', async () => {
    h = await createHarness({ env: { UNIT_REVIEW: 'off' } });
    const id = await assignedToA();
    await h.send(groupText(UNIT_A_CHAT, principalA, `/done ${id} 已更换`));
    expect(h.app.problems.get(id)!.status).toBe('resolved');
    expect(h.texts(RESIDENT).at(-1)).toContain('已更换');
  });

  it('return: the unit gives a reason and details; the bureau is told; the problem is unassigned again', async () => {
    h = await createHarness();
    const id = await assignedToA();
    await h.send(callback(UNIT_A_CHAT, principalA, `ua:ret:${id}`));
    const reasons = buttonsOf(lastWithButtons(h, UNIT_A_CHAT)).flat().map((b) => b.callback_data);
    expect(reasons).toEqual([`ua:ret:${id}:not_ours`, `ua:ret:${id}:wrong_unit`, `ua:ret:${id}:duplicate`]);
    expect(h.app.problems.get(id)!.responsibleUnitId).toBe('sx');

    await h.send(callback(UNIT_A_CHAT, principalA, `ua:ret:${id}:wrong_unit`));
    const problem = h.app.problems.get(id)!;
    expect(problem.status).toBe('new');
    expect(problem.responsibleUnitId).toBeNull();
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('派错单位');
    expect(h.app.db.prepare('SELECT return_reason FROM unit_dispatches WHERE problem_id = ?').pluck().get(id)).toBe('wrong_unit');

    const prompt = h.sent(UNIT_A_CHAT).at(-1)!;
    await h.send(replyTo(h, UNIT_A_CHAT, principalA, prompt, '这是城关第一小学的事'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain('这是城关第一小学的事');
    // No longer the unit's: further actions answer as for a problem that does not exist.
    await h.send(groupText(UNIT_A_CHAT, principalA, `/problem ${id}`));
    expect(h.texts(UNIT_A_CHAT).at(-1)).toBe(`没有编号为 #${id} 的问题。`);
  });

  it('extension: the unit asks for a date with a reason; the bureau approves with one press; the deadline moves', async () => {
    h = await createHarness();
    const id = await assignedToA();
    const before = h.app.problems.get(id)!.deadlineAt;
    await h.send(callback(UNIT_A_CHAT, principalA, `ua:ext:${id}`));
    const prompt = h.sent(UNIT_A_CHAT).at(-1)!;
    expect(prompt.payload.reply_markup).toMatchObject({ force_reply: true });
    // A date before the deadline is refused and the prompt stays open.
    await h.send(replyTo(h, UNIT_A_CHAT, principalA, prompt, '2029-01-01 太忙'));
    expect(h.texts(UNIT_A_CHAT).at(-1)).toContain('晚于当前期限');
    await h.send(replyTo(h, UNIT_A_CHAT, principalA, prompt, '2030-03-15 需要采购配件'));
    expect(h.texts(UNIT_A_CHAT).at(-1)).toContain('2030-03-15');
    const request = lastWithButtons(h, STAFF_CHAT);
    expect(String(request.payload.text)).toContain('需要采购配件');
    expect(h.app.problems.get(id)!.deadlineAt).toBe(before);

    await h.send(callback(STAFF_CHAT, staffMember, buttonsOf(request).flat().find((b) => b.callback_data.startsWith('ux:ok:'))!.callback_data));
    expect(h.app.problems.get(id)!.deadlineAt).toBeGreaterThan(before!);
    expect(h.texts(UNIT_A_CHAT).at(-1)).toContain('同意');
    expect(h.texts(UNIT_A_CHAT).at(-1)).toContain('2030-03-15');
    expect(events(id)).toEqual(expect.arrayContaining(['extension_requested', 'extension_approved']));
  });

  it('extension refused: the deadline stays and the unit is told', async () => {
    h = await createHarness();
    const id = await assignedToA();
    const before = h.app.problems.get(id)!.deadlineAt;
    await h.send(callback(UNIT_A_CHAT, principalA, `ua:ext:${id}`));
    await h.send(replyTo(h, UNIT_A_CHAT, principalA, h.sent(UNIT_A_CHAT).at(-1)!, '2030-06-01 等经费'));
    await h.send(callback(STAFF_CHAT, staffMember, buttonsOf(lastWithButtons(h, STAFF_CHAT)).flat().find((b) => b.callback_data.startsWith('ux:no:'))!.callback_data));
    expect(h.app.problems.get(id)!.deadlineAt).toBe(before);
    expect(h.texts(UNIT_A_CHAT).at(-1)).toContain('未同意');
  });

  it('views of residents\' texts are audited and listed with /audit', async () => {
    h = await createHarness();
    const id = await assignedToA();
    await h.send(groupText(STAFF_CHAT, staffMember, `/problem ${id}`));
    await h.send(groupText(UNIT_A_CHAT, principalA, `/problem ${id}`));
    const rows = h.app.db.prepare('SELECT user_id, chat_id, action, subject FROM access_audit ORDER BY id').all();
    expect(rows).toEqual([
      { user_id: 0, chat_id: UNIT_A_CHAT, action: 'dispatch', subject: String(id) },
      { user_id: staffMember.id, chat_id: STAFF_CHAT, action: '/problem', subject: String(id) },
      { user_id: principalA.id, chat_id: UNIT_A_CHAT, action: '/problem', subject: String(id) },
    ]);
    await h.send(groupText(STAFF_CHAT, staffMember, '/audit 5'));
    expect(h.texts(STAFF_CHAT).at(-1)).toContain(String(principalA.id));
  });
});
