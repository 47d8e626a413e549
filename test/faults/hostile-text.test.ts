import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/bot-process.ts';
import { ackLedger, alive, createFaultWorld, outcome, sleep, STAFF_CHAT, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * Hostile text: HTML, Markdown, zero-width and RTL control characters, 4,096-character messages,
 * emoji-only, SQL fragments, NUL and other control characters. Every message the bot sends is valid for
 * Telegram (the emulator parses HTML as strictly as Telegram and refuses what Telegram refuses), and the
 * database holds each text exactly as sent. The model echoes the hostile text into its summary and unit,
 * so it also reaches every staff view.
 */

const hostile = readFileSync(new URL('../fixtures/hostile-texts.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line) as { name: string; text: string });

const STAFF_MEMBER = { id: 70_999, first_name: '王科长', language_code: 'zh-hans' };
const FIRST_RESIDENT = 70_000;

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

describe('hostile text', () => {
  it(`${hostile.length} hostile texts: every reply and staff view is valid Telegram HTML, and the database holds each text as sent`, async () => {
    const { telegram, llm } = world;
    // An echoing model: the hostile text comes back as the summary (problem title) and the unit.
    llm.setResponder((request) => {
      if (request.schemaName === 'grouping_decision') return { same_as: null };
      const report = String((JSON.parse(request.lastUserText) as { report: string }).report);
      return {
        category: report.includes('流鼻血') ? 'teacher_conduct' : 'other',
        kind: 'complaint',
        urgent: report.includes('流鼻血'),
        unit: Array.from(report).slice(0, 12).join(''),
        summary: Array.from(report).slice(0, 80).join(''),
        language: 'zh',
      };
    });
    const bot = await world.start();

    const sent = hostile.map((entry, i) => {
      const { message } = telegram.sendUserMessage({ from: zhResident(FIRST_RESIDENT + i), text: entry.text });
      // The emulator delivers the text untouched: what the bot gets is what the resident typed.
      expect(message.text, entry.name).toBe(entry.text);
      return { ...entry, chatId: FIRST_RESIDENT + i };
    });
    const reports = () => world.query<{ id: number; chat_id: number; text: string; problem_id: number }>(`SELECT id, chat_id, text, problem_id FROM reports WHERE chat_id >= ${FIRST_RESIDENT} AND chat_id < ${FIRST_RESIDENT + hostile.length}`);
    await eventually(() => reports().length === hostile.length && ackLedger(telegram, reports()).missing.length === 0, 30_000, () => `${reports().length} stored`);

    // The database holds every text exactly as sent (NUL and all).
    const stored = new Map(reports().map((r) => [r.chat_id, r]));
    for (const entry of sent) expect(stored.get(entry.chatId)?.text, entry.name).toBe(entry.text);

    // Staff look at everything: the list, the nastiest problems, the summary, unmatched unit names, a search.
    // (Staff chats are throttled to 20 messages a minute, so not every problem.)
    const nastiest = ['html-entities', 'html-unclosed', 'long-4096-specials', 'long-4096-urgent-html', 'long-no-spaces', 'rtl-controls', 'nul', 'placeholders'];
    const problemIds = [...new Set(sent.filter((s) => nastiest.includes(s.name)).map((s) => stored.get(s.chatId)!.problem_id))];
    const staffAttempts = () => telegram.requestLog.filter((r) => /^send/i.test(r.method) && Number(r.params.chat_id) === STAFF_CHAT).length;
    const before = staffAttempts();
    const commands = ['/problems all', '/summary 7d', '/units unmatched', '/search 一中', ...problemIds.map((id) => `/problem ${id}`)];
    for (const command of commands) {
      telegram.sendUserMessage({ chatId: STAFF_CHAT, from: STAFF_MEMBER, text: command });
      await sleep(50);
    }
    // Answered, or at least attempted (a refused answer is what the assertions below are about).
    await eventually(() => staffAttempts() >= before + commands.length, 60_000, () => `${staffAttempts() - before} staff answers`);
    await sleep(1500);

    // Every call the bot made was accepted: no "can't parse entities", no "message is too long", no fallback.
    const messageCalls = telegram.requestLog.filter((r) => /^(send|edit)/i.test(r.method) && r.method !== 'sendChatAction');
    const refused = messageCalls.filter((r) => !r.ok).map((r) => `${r.method} → ${r.status} ${r.description ?? ''}`);
    expect(refused).toEqual([]);
    expect(bot.output()).not.toMatch(/can't parse entities|Telegram refused/);

    // Escaped, not stripped: staff see the hostile text literally.
    const urgentHtml = sent.find((s) => s.name === 'urgent-html')!;
    const alert = telegram.sentMessages(STAFF_CHAT).find((m) => (m.text ?? '').includes('快管管'));
    expect(alert?.text).toContain('<b>快管管</b> <script>x</script> & &nbsp; </i>');
    expect(urgentHtml.text).toContain('<b>快管管</b>');
    const details = telegram.sentMessages(STAFF_CHAT).map((m) => m.text ?? '').join('\n');
    expect(details).toContain("'; DROP TABLE problems; --");
    expect(details).toContain('&lt;not an entity&gt; &amp; &nbsp;');

    const ledger = ackLedger(telegram, reports());
    expect(ledger.duplicated).toEqual([]);
    expect(world.count('SELECT COUNT(*) FROM residents')).toBe(hostile.length);
    expect(alive(bot)).toBe(true);
    outcome(
      `hostile text: ${hostile.length} texts (HTML, Markdown, zero-width, RTL, 4096 chars, emoji, SQL, NUL…) → ${hostile.length} stored byte-exact, ` +
        `${hostile.length} acknowledged; ${messageCalls.length} messages sent to residents and staff (${commands.length} staff views), ${refused.length} refused by the strict HTML parser`,
    );
  }, 120_000);
});
