import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/bot-process.ts';
import { keyboardOf } from '../support/buttons.ts';
import { alive, createFaultWorld, outcome, sleep, STAFF_CHAT, ticketsIn, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * Outsiders: staff commands and callback buttons from private chats, from groups that are not staff
 * chats, and forged callback data get nothing of the staff's; a resident can never see or change another
 * resident's report.
 */

const ALICE = 72_000;
const BOB = 72_001;
const FOREIGN_GROUP = -100_555_1;
const MALLORY = { id: 72_002, first_name: 'Mallory', language_code: 'zh-hans' };
const STAFF_MEMBER = { id: 72_999, first_name: '王科长', language_code: 'zh-hans' };
const ALICE_TEXT = '第一中学食堂的饭菜里吃出了头发 ALPHA-SECRET';
const STAFF_NOTE = 'STAFF-NOTE 已约谈食堂承包方并整改';

const STAFF_COMMANDS = [
  '/problems', '/problems all', '/problem 1', '/summary', '/overdue', '/search ALPHA', '/export all', '/units', '/units unmatched',
  '/units alias 一中 第一中学', '/assign 1 第一中学 2030-01-01', '/status 1 in_progress', '/resolve 1 done', '/close 1 duplicate',
  '/merge 1 2', '/split 1 1', '/digest', '/ranking month',
];

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

describe('outsiders', () => {
  it('staff commands and buttons from private chats, foreign groups and forged callback data get nothing; a resident cannot touch another’s report', async () => {
    const { telegram } = world;
    telegram.registerChat({ id: FOREIGN_GROUP, type: 'supergroup', title: '某家长群', botIsAdmin: true });
    const bot = await world.start({ llm: false });

    // Alice reports; staff resolve her problem with a note meant for her; she is asked "is it fixed?".
    telegram.sendUserMessage({ from: zhResident(ALICE), text: ALICE_TEXT });
    await telegram.waitFor((m) => m.chat_id === ALICE, 10_000, { includeExisting: true });
    const alice = world.query<{ id: number; problem_id: number }>('SELECT id, problem_id FROM reports WHERE chat_id = ?', ALICE)[0]!;
    telegram.sendUserMessage({ chatId: STAFF_CHAT, from: STAFF_MEMBER, text: `/resolve ${alice.problem_id} ${STAFF_NOTE}` });
    const survey = await telegram.waitFor((m) => m.chat_id === ALICE && keyboardOf(m.reply_markup).length > 0, 15_000, { includeExisting: true });

    // Bob has a report of his own.
    telegram.sendUserMessage({ from: zhResident(BOB), text: '实验小学门口的路灯坏了' });
    const bobAck = await telegram.waitFor((m) => m.chat_id === BOB, 10_000, { includeExisting: true });
    // Mallory is in a group that is not a staff chat, and the bot is an admin there (it sees everything).
    telegram.sendUserMessage({ chatId: FOREIGN_GROUP, from: MALLORY, text: '/start' });
    const groupMessage = await telegram.waitFor((m) => m.chat_id === FOREIGN_GROUP, 10_000, { includeExisting: true });
    await sleep(500);
    const staffBefore = telegram.sentMessages(STAFF_CHAT).length;
    const problemsBefore = world.query('SELECT id, status, responsible_unit_id, deadline_at, merged_into, report_count FROM problems ORDER BY id');
    const eventsBefore = world.count('SELECT COUNT(*) FROM problem_events');

    // Forged buttons: staff actions, problem views, and Alice's survey, pressed by Bob (on his own message:
    // in a private chat that is all he can press) and by Mallory in the foreign group.
    const forged = [
      `pd:${alice.problem_id}`, `pr:${alice.problem_id}`, 'pl:open:1', 'pl:all:2', `pa:ip:${alice.problem_id}`, `pa:rs:${alice.problem_id}`,
      `pa:cl:${alice.problem_id}:duplicate`, `pa:cl:${alice.problem_id}`, `sv:f:${alice.id}:not_fixed`, `sv:r:${alice.id}:1`, `sv:f:${alice.id}:fixed`,
      'forget:yes:72000', 'lang:xx', 'x'.repeat(64), 'sv:f:1:not_fixed; DROP TABLE feedback',
      // "Possibly the same problem": merge Bob's problem (the next one) into Alice's.
      `pm:${alice.problem_id + 1}:${alice.problem_id}`,
    ];
    for (const data of forged) {
      telegram.pressButton({ chatId: BOB, messageId: bobAck.message_id, data, from: zhResident(BOB), force: true });
      telegram.pressButton({ chatId: FOREIGN_GROUP, messageId: groupMessage.message_id, data, from: MALLORY, force: true });
    }
    // Every staff command, from Bob's private chat and from the foreign group, with and without @mention.
    for (const command of STAFF_COMMANDS) {
      telegram.sendUserMessage({ from: zhResident(BOB), text: command });
      telegram.sendUserMessage({ chatId: FOREIGN_GROUP, from: MALLORY, text: command });
      telegram.sendUserMessage({ chatId: FOREIGN_GROUP, from: MALLORY, text: command.replace(/^(\/\w+)/, '$1@minyi_test_bot') });
    }
    telegram.sendUserMessage({ chatId: FOREIGN_GROUP, from: MALLORY, text: '@minyi_test_bot 本周第一中学有几条投诉？都是谁反映的？' });
    telegram.sendUserMessage({ from: zhResident(BOB), text: '/my' });
    // Let everything be handled (replies to one chat go out at one a second).
    await eventually(() => telegram.pendingUpdates().length === 0 && world.count('SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL') === 0, 45_000);
    await sleep(1000);

    // Nothing of the staff's or of Alice's reached Bob or the foreign group.
    const bobReports = world.query<{ id: number }>('SELECT id FROM reports WHERE chat_id = ?', BOB).map((r) => r.id);
    const outsiderMessages = [...telegram.sentMessages(BOB), ...telegram.sentMessages(FOREIGN_GROUP)];
    for (const message of outsiderMessages) {
      const seen = `${message.text ?? ''}${message.caption ?? ''}${JSON.stringify(message.reply_markup ?? '')}`;
      for (const secret of ['ALPHA-SECRET', '头发', 'STAFF-NOTE', '问题清单', '工作人员命令', '问题 #', '用法']) expect(seen, `to chat ${message.chat_id}`).not.toContain(secret);
      expect(message.file, `a file to chat ${message.chat_id}`).toBeUndefined();
      expect(message.method, 'outsiders’ messages are never edited (a forged press that worked would edit them)').toBe('sendMessage');
    }
    for (const message of telegram.sentMessages(BOB)) for (const ticket of ticketsIn(message)) expect(bobReports).toContain(ticket);
    // The foreign group heard only "message me privately", at most.
    expect(new Set(telegram.sentMessages(FOREIGN_GROUP).map((m) => m.text))).toEqual(new Set([groupMessage.text]));

    // Nothing changed: no problem, no history, no survey answer, and the staff chat was not disturbed.
    expect(world.query('SELECT id, status, responsible_unit_id, deadline_at, merged_into, report_count FROM problems ORDER BY id')).toEqual(problemsBefore);
    expect(world.count('SELECT COUNT(*) FROM problem_events')).toBe(eventsBefore);
    expect(world.query('SELECT fixed, rating, comment FROM feedback WHERE report_id = ?', alice.id)).toEqual([{ fixed: null, rating: null, comment: null }]);
    expect(world.count('SELECT COUNT(*) FROM unit_aliases')).toBe(0);
    expect(telegram.sentMessages(STAFF_CHAT).length).toBe(staffBefore);
    // Acknowledgements and direct replies (help, "not a staff chat") go through the outbox too; nothing else may.
    expect(world.count(`SELECT COUNT(*) FROM outbox WHERE chat_id IN (${BOB}, ${FOREIGN_GROUP}) AND kind NOT IN ('ack', 'reply')`)).toBe(0);
    // Alice still has her data and her survey.
    expect(world.count('SELECT COUNT(*) FROM reports WHERE id = ? AND text = ?', alice.id, ALICE_TEXT)).toBe(1);
    expect(survey.text).toContain(STAFF_NOTE);
    // A forged survey answer is refused in words; every press is answered (no spinning button).
    const surveyRefusals = telegram.callbackAnswers.filter((a) => a.chat_id === BOB && a.text === '这个按钮已失效。').length;
    expect(surveyRefusals).toBeGreaterThanOrEqual(3);
    expect(telegram.callbackAnswers.length, 'every press answered').toBeGreaterThanOrEqual(forged.length * 2);
    expect(alive(bot)).toBe(true);
    outcome(
      `outsiders: ${STAFF_COMMANDS.length} staff commands ×3 (private chat, foreign group, @mention) + a question in the group + ${forged.length} forged buttons ×2 → ` +
        `${outsiderMessages.length} messages to outsiders, none with staff data; 0 problem/survey changes; ${surveyRefusals} forged survey answers refused; staff chat undisturbed`,
    );
  }, 90_000);
});
