import { afterEach, describe, expect, it } from 'vitest';
import type { BotMessageRecord, UserSpec } from '../../src/emulator/bot-api-emulator.ts';
import { createFaultWorld, STAFF_CHAT, zhResident, type FaultWorld } from '../faults/support/fault-world.ts';
import { keyboardOf } from '../support/buttons.ts';

/**
 * The units' loop (issue 13) as an operator runs it: the bot in its own process (`tsx src/main.ts`), talking over real
 * HTTP to the Bot API emulator, with a bureau staff group, a school's own group and a resident, and nothing mocked.
 * bureau assigns → unit signs → unit reports progress and its result → bureau approves → resident told and surveyed.
 */

const UNIT_CHAT = -100_200_501;
const staffMember: UserSpec = { id: 900, first_name: '陈敏', language_code: 'zh-hans' };
const principal: UserSpec = { id: 7001, first_name: '刘志强', language_code: 'zh-hans' };
const parent = zhResident(5001);
const PHONE = '13812345678';

let world: FaultWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const textOf = (m: BotMessageRecord) => m.text ?? m.caption ?? '';
const callbacks = (m: BotMessageRecord): string[] => keyboardOf(m.reply_markup).flat().map((b) => b.callback_data);

describe('the units’ loop end to end, through the Bot API emulator', () => {
  it('bureau assigns → unit signs → unit replies → bureau approves → the resident is told and surveyed', { timeout: 90_000 }, async () => {
    world = await createFaultWorld();
    const { telegram } = world;
    telegram.registerChat({ id: UNIT_CHAT, type: 'supergroup', title: '实验小学 · 校务工作群', botIsAdmin: true });
    await world.start({ llm: false });
    const next = (chatId: number, test: (m: BotMessageRecord) => boolean) =>
      telegram.waitFor((m) => m.chat_id === chatId && test(m), 15_000, { includeExisting: true });

    // The bureau binds the school's group with a one-time code.
    telegram.sendUserMessage({ chatId: STAFF_CHAT, from: staffMember, text: '/bind 实验小学' });
    const code = /\/bind ([0-9a-f]{20})/.exec(textOf(await next(STAFF_CHAT, (m) => /\/bind [0-9a-f]{20}/.test(textOf(m)))))![1]!;
    telegram.sendUserMessage({ chatId: UNIT_CHAT, from: principal, text: `/bind ${code}` });
    await next(UNIT_CHAT, (m) => textOf(m).includes('实验小学'));

    // A resident reports; the bureau assigns it to the school.
    telegram.sendUserMessage({ from: parent, text: `实验小学厕所的水龙头坏了一个月了，一直滴水，有事打我电话${PHONE}` });
    await next(parent.id, (m) => /#\d+/.test(textOf(m)));
    const problemId = world.query<{ id: number }>('SELECT problem_id AS id FROM reports WHERE chat_id = ?', parent.id)[0]!.id;
    telegram.sendUserMessage({ chatId: STAFF_CHAT, from: staffMember, text: `/assign ${problemId} 实验小学 2030-01-31` });

    // The dispatch card reaches the school's group: the matter and the deadline, without the resident's identity.
    const card = await next(UNIT_CHAT, (m) => callbacks(m).includes(`ua:acc:${problemId}`));
    expect(textOf(card)).toContain(`#${problemId}`);
    expect(textOf(card)).toContain('2030-01-31');
    expect(textOf(card)).toContain('水龙头');
    expect(textOf(card)).not.toContain(PHONE);
    expect(textOf(card)).not.toContain(parent.first_name);
    expect(callbacks(card)).toEqual([`ua:acc:${problemId}`, `ua:ret:${problemId}`, `ua:ext:${problemId}`]);

    // 签收: pressed in the school's group; the bureau is told.
    telegram.pressButton({ chatId: UNIT_CHAT, messageId: card.message_id, data: `ua:acc:${problemId}`, from: principal });
    await next(UNIT_CHAT, (m) => textOf(m).includes('已签收'));
    await next(STAFF_CHAT, (m) => textOf(m).includes(`#${problemId}`) && textOf(m).includes('签收'));

    // 办理: progress reaches the resident; the result goes to the bureau's review.
    telegram.sendUserMessage({ chatId: UNIT_CHAT, from: principal, text: `/progress ${problemId} 已联系维修师傅` });
    await next(parent.id, (m) => textOf(m).includes('已联系维修师傅'));
    telegram.sendUserMessage({ chatId: UNIT_CHAT, from: principal, text: `/done ${problemId} 已更换全部水龙头` });
    const review = await next(STAFF_CHAT, (m) => callbacks(m).some((d) => d.startsWith('uv:ok:')));
    expect(textOf(review)).toContain('已更换全部水龙头');
    expect(world.query<{ status: string }>('SELECT status FROM problems WHERE id = ?', problemId)[0]!.status).toBe('in_progress');

    // 审核: approved in the bureau's group; the resident gets the result and the survey; the school is told.
    telegram.pressButton({ chatId: STAFF_CHAT, messageId: review.message_id, data: callbacks(review).find((d) => d.startsWith('uv:ok:'))!, from: staffMember });
    const survey = await next(parent.id, (m) => callbacks(m).some((d) => d.endsWith(':fixed')));
    expect(textOf(survey)).toContain('已更换全部水龙头');
    await next(UNIT_CHAT, (m) => textOf(m).includes('审核通过'));

    // The resident answers: fixed, 5 stars.
    telegram.pressButton({ chatId: parent.id, messageId: survey.message_id, data: callbacks(survey).find((d) => d.endsWith(':fixed'))!, from: parent });
    telegram.pressButton({ chatId: parent.id, messageId: survey.message_id, data: callbacks(survey).find((d) => d.endsWith(':5'))!, from: parent });
    const answered = () => world!.query<{ fixed: string | null; rating: number | null }>('SELECT fixed, rating FROM feedback WHERE problem_id = ?', problemId)[0];
    await expect.poll(answered, { timeout: 15_000 }).toEqual({ fixed: 'fixed', rating: 5 });

    expect(world.query<{ status: string }>('SELECT status FROM problems WHERE id = ?', problemId)[0]!.status).toBe('resolved');
    const history = world.query<{ action: string; actor: string; to: string | null }>('SELECT action, actor, to_status AS "to" FROM problem_events WHERE problem_id = ? ORDER BY id', problemId);
    expect(history.map((e) => (e.to ? `${e.action}→${e.to}` : e.action))).toEqual(['created→new', 'assigned→assigned', 'signed', 'status→in_progress', 'submitted', 'status→resolved']);
    expect(history.find((e) => e.action === 'signed')!.actor).toBe(`staff:${principal.id}`);
    expect(world.query('SELECT signed_by FROM unit_dispatches WHERE problem_id = ?', problemId)).toEqual([{ signed_by: principal.id }]);
    // Nothing the bot sent in the whole loop carried the resident's phone number, and the bot never crashed.
    expect(telegram.sentMessages().filter((m) => m.chat_id !== parent.id && (m.raw ?? textOf(m)).includes(PHONE))).toEqual([]);
    expect(world.bot!.child.exitCode).toBeNull();
  });
});
