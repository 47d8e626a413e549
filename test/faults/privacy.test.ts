import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/bot-process.ts';
import { toolCalls } from '../support/openai-standin.ts';
import { ackLedger, alive, createFaultWorld, outcome, sleep, STAFF_CHAT, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * Privacy. Personal data is masked before text goes to the LLM (mobile and landline numbers, 18-digit ID
 * numbers, e-mail addresses, bank cards): the stand-in never receives any of a set of planted numbers, on
 * any path (classification, re-classification after an outage, grouping decisions). Residents can delete
 * their data with /forget after a confirmation; their reports stay in the statistics without text or identity.
 */

/** Reports with personal data planted in every way people write it. `secret` is what must never reach the LLM. */
const PLANTED: Array<{ text: string; secret: string }> = [
  { text: '我的手机号是13812345678，第一中学食堂的饭太贵了', secret: '13812345678' },
  { text: '请打 138 2345 6789 联系我，实验小学门口每天堵车', secret: '13823456789' },
  { text: '+86-139-1234-5678 是我电话，第二中学乱收资料费', secret: '13912345678' },
  { text: '0086 135 7777 8888，城关二小的操场跑道坏了', secret: '13577778888' },
  { text: '家长电话 010-87654321，第一中学周末补课收费', secret: '87654321' },
  { text: '(0371)6123456转8008，体育馆游泳池水太脏', secret: '6123456' },
  { text: '座机 021 6432 1234，东关中学的校车晚点', secret: '64321234' },
  { text: '身份证号11010519491231002X，孩子学籍转不过来', secret: '11010519491231002X' },
  { text: '身份证 110105 19491231 0038 办入学被拒', secret: '110105194912310038' },
  { text: '我是330106200001011234的家长，育才小学不给报名', secret: '330106200001011234' },
  { text: '邮箱 zhang.san+school@example.com，实验小学作业太多', secret: 'zhang.san+school@example.com' },
  { text: '退款请打到 6222 0212 3456 7890 123，培训机构不退费', secret: '6222021234567890123' },
  { text: '银行卡6217002870001234567，校服费多收了', secret: '6217002870001234567' },
  { text: '电话１３９８７６５４３２１（全角），第三中学食堂有虫', secret: '13987654321' },
  { text: '手机 137\u200b0000\u200b1111，第一中学宿舍漏水', secret: '13700001111' },
  { text: '手机 136.1111.2222，全民健身中心停车难', secret: '13611112222' },
];

const normalizeDigits = (s: string) => s.normalize('NFKC').replace(/[^0-9A-Za-z@.+]/g, '');

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

describe('privacy', () => {
  it(`none of ${PLANTED.length} planted numbers reaches the LLM, on any path, nor the logs`, async () => {
    const { telegram, llm } = world;
    // The model echoes what it was given as the summary (so titles, later sent with grouping questions, carry it too),
    // and the first requests fail so that re-classification after an outage is covered as well.
    llm.setResponder((request) => {
      // A staff question: the model looks the reports up with a query tool, then answers.
      if (request.tools) {
        return request.messages.some((m) => m.role === 'tool') ? '第一中学本周有几条反映。' : toolCalls({ name: 'search_problems', arguments: { words: '第一中学', limit: 10 } }, ...[1, 2, 3].map((id) => ({ name: 'problem_details', arguments: { id } })));
      }
      if (request.schemaName === 'grouping_decision') return { same_as: null };
      const report = String((JSON.parse(request.lastUserText) as { report: string }).report);
      return { category: 'other', kind: 'complaint', urgent: false, unit: null, summary: report.slice(0, 80), language: 'zh' };
    });
    llm.queueModes(['server_error', 'server_error', 'server_error', 'server_error']);
    const bot = await world.start({ env: { OPENAI_MAX_RETRIES: '0' } });
    PLANTED.forEach(({ text }, i) => telegram.sendUserMessage({ from: zhResident(73_000 + i), text }));
    // A second wave about the same matters: grouping decisions send the first wave's titles and texts.
    PLANTED.forEach(({ text }, i) => telegram.sendUserMessage({ from: zhResident(73_100 + i), text: `我也要反映：${text.split('，')[1] ?? text}，还有联系电话${text.split('，')[0]}` }));
    const reports = () => world.query<{ id: number; chat_id: number }>('SELECT id, chat_id FROM reports');
    await eventually(() => reports().length === PLANTED.length * 2 && ackLedger(telegram, reports()).missing.length === 0, 30_000);
    await eventually(() => world.count(`SELECT COUNT(*) FROM reports WHERE needs_reclassify = 1`) === 0, 30_000);
    // Staff ask a question in plain words; the tool results (reports' texts) go to the LLM too.
    telegram.sendUserMessage({ chatId: STAFF_CHAT, from: { id: 73_999, first_name: '王科长', language_code: 'zh-hans' }, text: '@minyi_test_bot 第一中学有哪些反映？' });
    await telegram.waitFor((m) => m.chat_id === STAFF_CHAT && (m.text ?? '').includes('第一中学本周'), 15_000, { includeExisting: true });
    const toolMessages = llm.requests.flatMap((r) => ((r.body as { messages?: Array<{ role: string; content: string }> }).messages ?? []).filter((m) => m.role === 'tool'));
    const toolResults = toolMessages.length;
    // The tool results did carry residents' words (the reports' summaries in problem_details), masked.
    expect(toolMessages.map((m) => m.content).join('\n')).toMatch(/\[(PHONE|ID|CARD|EMAIL|NUMBER)\]/);
    await sleep(1000);

    const bodies = llm.requests.map((r) => (r.body as { messages?: Array<{ content: string }> }).messages?.map((m) => m.content).join('\n') ?? '');
    const leaks = PLANTED.filter(({ secret }) => bodies.some((body) => normalizeDigits(body).includes(normalizeDigits(secret)) || body.includes(secret)));
    const kinds = {
      classification: llm.requests.filter((r) => JSON.stringify(r.body).includes('report_classification')).length,
      grouping: llm.requests.filter((r) => JSON.stringify(r.body).includes('grouping_decision')).length,
      failed: llm.requests.filter((r) => r.outcome === 'server_error').length,
    };
    // The database keeps each text exactly as sent.
    for (const [i, { text }] of PLANTED.entries()) expect(world.query('SELECT text FROM reports WHERE chat_id = ?', 73_000 + i)).toEqual([{ text }]);
    const inLogs = PLANTED.filter(({ secret }) => bot.output().includes(secret));
    outcome(
      `privacy: ${PLANTED.length * 2} reports carrying ${PLANTED.length} planted numbers → ${llm.requests.length} LLM requests ` +
        `(${kinds.classification} classification incl. ${kinds.failed} failed then re-classified, ${kinds.grouping} grouping decisions, ${toolResults} staff-question tool results): ` +
        `${leaks.length} leaked${leaks.length ? ` (${leaks.map((l) => l.secret).join(', ')})` : ''}; ${inLogs.length} in the bot's logs`,
    );
    expect(kinds.grouping).toBeGreaterThan(0);
    expect(leaks.map((l) => l.secret)).toEqual([]);
    expect(inLogs.map((l) => l.secret)).toEqual([]);
    expect(alive(bot)).toBe(true);
  }, 90_000);

  it('/forget asks first, then erases the resident’s words and identity everywhere; the reports stay in the statistics', async () => {
    const { telegram } = world;
    const bot = await world.start({ llm: false });
    const me = { id: 74_000, first_name: '张秀兰', username: 'zhangxiulan', language_code: 'zh-hans' };
    const texts = [
      '我是张秀兰 FORGET-ME-7731，第一中学食堂的饭菜里有头发，电话13812345678',
      '实验小学有老师把我孩子打得流鼻血了 FORGET-ME-7731 张秀兰',
    ];
    for (const text of texts) {
      telegram.sendUserMessage({ from: me, text });
      await sleep(300);
    }
    const mine = () => world.query<{ id: number; chat_id: number }>('SELECT id, chat_id FROM reports WHERE chat_id = ?', me.id);
    await eventually(() => mine().length === 2 && ackLedger(telegram, mine()).missing.length === 0, 20_000);
    // The urgent one reached the staff chat, with the text.
    await telegram.waitFor((m) => m.chat_id === STAFF_CHAT && (m.text ?? '').includes('FORGET-ME-7731'), 10_000, { includeExisting: true });
    // Someone else's report stays untouched.
    telegram.sendUserMessage({ from: zhResident(74_001), text: '第一中学食堂的饭菜太咸了 KEEP-ME-1' });
    await telegram.waitFor((m) => m.chat_id === 74_001, 10_000, { includeExisting: true });
    const before = world.query<{ id: number; category: string; received_at: number; problem_id: number }>('SELECT id, category, received_at, problem_id FROM reports WHERE chat_id = ? ORDER BY id', me.id);

    // First a confirmation; "cancel" deletes nothing.
    telegram.sendUserMessage({ from: me, text: '/forget' });
    const confirm = await telegram.waitFor((m) => m.chat_id === me.id && (m.text ?? '').includes('删除'), 10_000, { includeExisting: true });
    telegram.pressButton({ chatId: me.id, messageId: confirm.message_id, data: 'forget:no', from: me });
    await telegram.waitFor((m) => m.chat_id === me.id && m.method === 'editMessageText', 10_000, { includeExisting: true });
    expect(world.count('SELECT COUNT(*) FROM reports WHERE chat_id = ? AND text IS NOT NULL', me.id)).toBe(2);

    telegram.sendUserMessage({ from: me, text: '/forget' });
    const confirmAgain = await telegram.waitFor((m) => m.chat_id === me.id && m.message_id > confirm.message_id && (m.text ?? '').includes('删除'), 10_000, { includeExisting: true });
    telegram.pressButton({ chatId: me.id, messageId: confirmAgain.message_id, data: 'forget:yes', from: me });
    const done = await telegram.waitFor((m) => m.chat_id === me.id && m.method === 'editMessageText' && m.message_id === confirmAgain.message_id, 10_000, { includeExisting: true });
    expect(done.text).toContain('2');
    await sleep(1000);

    // The reports are still counted, with what statistics need, and nothing of who or what.
    const after = world.query<{ id: number; category: string; received_at: number; problem_id: number; text: string | null; chat_id: number; resident_id: number }>(
      `SELECT id, category, received_at, problem_id, text, chat_id, resident_id FROM reports WHERE id IN (${before.map((r) => r.id).join(',')}) ORDER BY id`,
    );
    expect(after.map(({ id, category, received_at, problem_id }) => ({ id, category, received_at, problem_id }))).toEqual(before);
    expect(after.every((r) => r.text === null && r.chat_id === 0)).toBe(true);
    expect(world.query('SELECT text FROM reports WHERE chat_id = ?', 74_001)).toEqual([{ text: '第一中学食堂的饭菜太咸了 KEEP-ME-1' }]);

    // Nowhere in the database: not the words, not the name, not the account, not the phone number.
    const traces = ['FORGET-ME-7731', '张秀兰', 'zhangxiulan', '13812345678', String(me.id)];
    const found: string[] = [];
    for (const { name } of world.query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)) {
      for (const { name: column } of world.query<{ name: string }>(`SELECT name FROM pragma_table_info('${name}')`)) {
        for (const trace of traces) {
          const n = world.count(`SELECT COUNT(*) FROM "${name}" WHERE CAST("${column}" AS TEXT) LIKE ?`, `%${trace}%`);
          if (n > 0) found.push(`${name}.${column} ∋ ${trace} (${n})`);
        }
      }
    }
    expect(alive(bot)).toBe(true);
    outcome(`/forget: confirmation first, cancel kept everything; after "delete": 2 reports still counted (category, date, problem), ${found.length ? `traces left: ${found.join('; ')}` : 'no trace of text or identity in any table'}`);
    expect(found).toEqual([]);
  }, 60_000);
});
