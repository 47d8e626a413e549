import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/bot-process.ts';
import { alive, BOT_TOKEN, createFaultWorld, outcome, plainModel, sleep, STAFF_CHAT, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * Floods through group chats (issue 14, items 4 and 5): a busy staff group must get every command answered,
 * one account spread over many groups may not stall anyone else, and a staff reply of any length arrives.
 */

const TELEGRAM_TEXT_LIMIT = 4096;
let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

const skippedLines = (output: string) => output.split('\n').filter((line) => line.includes('flooding chat was skipped')).length;

describe('flood through groups', () => {
  it('a busy staff group: six staff send 7 commands among 7 chat lines, and every command is answered', async () => {
    const { telegram } = world;
    const bot = await world.start({ llm: false });
    const staffers = [9001, 9002, 9003, 9004, 9005, 9006];
    const before = telegram.sentMessages(STAFF_CHAT).length;
    let commands = 0;
    for (let i = 0; i < 14; i++) {
      const from = { id: staffers[i % staffers.length]!, first_name: `staff${i}` };
      if (i % 2 === 0) {
        telegram.sendUserMessage({ chatId: STAFF_CHAT, from, text: i % 4 === 0 ? '/help' : '/problems' });
        commands++;
      } else telegram.sendUserMessage({ chatId: STAFF_CHAT, from, text: `收到，我去看看 ${i}` });
    }
    const answered = () => telegram.sentMessages(STAFF_CHAT).length - before;
    await eventually(() => answered() >= commands, 30_000, () => `${answered()} of ${commands} commands answered`).catch(() => undefined);
    await sleep(1000);
    outcome(`busy staff group: ${commands} commands among ${14 - commands} chat lines, ${answered()} answers, ${skippedLines(bot.output())} skipped`);
    expect(answered(), 'messages the staff group got for its commands').toBeGreaterThanOrEqual(commands);
    expect(skippedLines(bot.output())).toBe(0);
    expect(alive(bot)).toBe(true);
  }, 60_000);

  it('one account sending /help in 150 groups, 8 times each, does not hold up another resident: answered within 3 s', async () => {
    const { telegram } = world;
    const bot = await world.start({ llm: false });
    const groups = 150;
    const each = 8;
    const attacker = { id: 66_000, first_name: 'x' };
    const groupId = (g: number) => -200_000 - g;
    const title = (g: number) => `<b>group ${g}</b> ☎ 13800138000`;
    for (let g = 0; g < groups; g++) telegram.registerChat({ id: groupId(g), type: 'group', title: title(g) });
    // The bot is added to the first group: the operator's log line names the group by id only.
    const botUser = { id: Number(BOT_TOKEN.split(':')[0]), is_bot: true, first_name: 'Minyi' };
    telegram.deliverRaw({
      my_chat_member: {
        chat: { id: groupId(0), type: 'group', title: title(0) },
        from: attacker,
        date: Math.floor(Date.now() / 1000),
        old_chat_member: { user: botUser, status: 'left' },
        new_chat_member: { user: botUser, status: 'member' },
      },
    } as never);
    await eventually(() => bot.output().includes('not in STAFF_CHAT_IDS'), 10_000, () => bot.output().slice(-1500));
    const startedAt = Date.now();
    for (let k = 0; k < each; k++) for (let g = 0; g < groups; g++) telegram.sendUserMessage({ chatId: groupId(g), from: attacker, text: '/help' });
    await sleep(1500);
    const helpAt = Date.now();
    telegram.sendUserMessage({ from: zhResident(60_001), text: '/help' });
    const help = await telegram.waitFor((m) => m.chat_id === 60_001, 120_000, { includeExisting: true });
    const wait = (help.at - helpAt) / 1000;
    // Every update the attacker sent is stored all the same.
    await eventually(() => world.count('SELECT COUNT(*) FROM inbox WHERE handled_at IS NOT NULL AND chat_id < -199000') >= groups * each + 1, 60_000, () => 'handling the flood');
    const perGroup = Array.from({ length: groups }, (_, g) => telegram.sentMessages(groupId(g)).length);
    outcome(
      `${groups} groups × ${each} /help from one account (sent in ${((helpAt - startedAt) / 1000).toFixed(1)} s): another resident's /help answered in ${wait.toFixed(2)} s; ` +
        `the groups got ${perGroup.reduce((a, b) => a + b, 0)} messages (at most ${Math.max(...perGroup)} each)`,
    );
    expect(wait, 'seconds another resident waits while one account floods many groups').toBeLessThan(3);
    expect(Math.max(...perGroup), 'pointers to a private chat per group within the window').toBeLessThanOrEqual(1);
    // Logs carry ids, never a group's title.
    expect(bot.output()).not.toContain('13800138000');
    expect(alive(bot)).toBe(true);
  }, 240_000);

  it('a staff question whose LLM answer is 3,500 characters, many outside the BMP (over 4,096 as Telegram counts), arrives whole in parts Telegram accepts', async () => {
    const { telegram, llm } = world;
    // The answer is capped at 3,500 code points, but Telegram counts UTF-16 units: emoji and rare CJK count twice.
    const sentence = '📌 𠮷田中学😀食堂 3 条 <饭菜> & "价格" 😀𠀋😀\n';
    const long = sentence.repeat(Math.ceil(3500 / Array.from(sentence).length) + 1);
    const expected = `${Array.from(long).slice(0, 3499).join('')}…`;
    expect(expected.length, 'the capped answer is over the limit as Telegram counts').toBeGreaterThan(TELEGRAM_TEXT_LIMIT);
    llm.setResponder((request) => (request.schemaName ? plainModel(request) : long));
    const bot = await world.start();
    const before = telegram.sentMessages(STAFF_CHAT).length;
    telegram.sendUserMessage({ chatId: STAFF_CHAT, from: { id: 9001, first_name: '陈敏' }, text: '@minyi_test_bot 本周一中食堂有几条投诉？' });
    const got = () => telegram.sentMessages(STAFF_CHAT).slice(before);
    const flat = (text: string) => text.replace(/\n/g, '');
    const text = () => got().map((m) => m.text ?? '').join('');
    await eventually(() => flat(text()).length >= flat(expected).length, 20_000, () => `${got().length} messages, ${text().length} characters; ${bot.output().slice(-1500)}`);
    const lengths = got().map((m) => (m.text ?? '').length);
    outcome(`a ${expected.length}-unit LLM answer to a staff question arrived as ${lengths.length} messages of ${lengths.join(', ')} UTF-16 units`);
    expect(lengths.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(flat(text())).toBe(flat(expected));
  }, 60_000);

  it('/search with 4,080 characters is answered, its echo cut short', async () => {
    const { telegram } = world;
    const bot = await world.start({ llm: false });
    const before = telegram.sentMessages(STAFF_CHAT).length;
    telegram.sendUserMessage({ chatId: STAFF_CHAT, from: { id: 9001, first_name: '陈敏' }, text: `/search ${'学'.repeat(4080)}` });
    const reply = await telegram.waitFor((m) => m.chat_id === STAFF_CHAT && m.method === 'sendMessage', 10_000).catch(() => undefined);
    const got = telegram.sentMessages(STAFF_CHAT).slice(before);
    outcome(`/search with 4,080 characters: ${got.length} answer(s) of ${got.map((m) => (m.text ?? '').length).join(', ')} characters`);
    expect(reply, `no answer; ${bot.output().slice(-1500)}`).toBeDefined();
    expect((reply!.text ?? '').length).toBeLessThan(200);
  }, 30_000);
});
