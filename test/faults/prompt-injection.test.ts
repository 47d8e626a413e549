import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/bot-process.ts';
import { ackLedger, alive, createFaultWorld, outcome, sleep, STAFF_CHAT, zhResident, type FaultWorld } from './support/fault-world.ts';

/**
 * Prompt injection: a corpus of attempts in Chinese and English (ignore previous instructions, fake
 * system messages, JSON pretending to be the answer, requests to mark urgent or resolved, to reveal the
 * prompt or other residents' reports). Labels stay within the enums, no status changes, no staff data
 * reaches a resident, and no reply repeats model text that was not meant for residents.
 */

interface Attempt {
  language: 'zh' | 'en';
  attempt: string;
  /** Nothing but the attempt: no real feedback in it. */
  injectionOnly: boolean;
  text: string;
}

const corpus = readFileSync(new URL('../fixtures/injection-corpus.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line) as Attempt);

const catalogue = JSON.parse(readFileSync(new URL('../../prompts/categories.json', import.meta.url), 'utf8')) as { categories: Array<{ id: string }> };
const CATEGORIES = catalogue.categories.map((c) => c.id);
const KINDS = ['complaint', 'suggestion', 'inquiry', 'praise', 'chitchat'];

/** Someone else's report that attackers try to get at. */
const VICTIM = 60_000;
const VICTIM_TEXT = 'VICTIM-SECRET 我家孩子在第一中学被同学欺负，我是李梅，住在幸福小区3栋';
const ATTACKER = 60_100;

let world: FaultWorld;

beforeEach(async () => {
  world = await createFaultWorld();
});

afterEach(async () => {
  await world.close();
});

/** Strings that must never appear in anything the bot sends to a resident. */
const forbiddenForResidents = (systemPromptStart: string) => [
  'MODEL-ONLY',
  'VICTIM-SECRET',
  '李梅',
  '幸福小区',
  systemPromptStart,
  String(STAFF_CHAT),
  '教体局工作群',
  'IGNORE PREVIOUS RULES',
];

async function sendCorpusAndStaffCommands(world: FaultWorld): Promise<number[]> {
  const { telegram } = world;
  telegram.sendUserMessage({ from: zhResident(VICTIM), text: VICTIM_TEXT });
  await telegram.waitFor((m) => m.chat_id === VICTIM, 15_000, { includeExisting: true });
  const chats = corpus.map((_, i) => ATTACKER + i);
  corpus.forEach((entry, i) => telegram.sendUserMessage({ from: zhResident(ATTACKER + i), text: entry.text }));
  // And the direct route: staff commands typed in a private chat.
  const commander = ATTACKER + corpus.length;
  for (const command of ['/resolve 1 已解决', '/status 1 resolved', '/close 1 duplicate', '/assign 1 第一中学', '/problem 1', '/search VICTIM', '/export all']) {
    telegram.sendUserMessage({ from: zhResident(commander), text: command });
  }
  const reports = () => world.query<{ id: number; chat_id: number }>(`SELECT id, chat_id FROM reports WHERE chat_id IN (${chats.join(',')})`);
  await eventually(() => reports().length === corpus.length && ackLedger(telegram, reports()).missing.length === 0, 30_000, () => `${reports().length} stored`);
  await eventually(() => telegram.sentMessages(commander).length >= 7, 15_000);
  return [...chats, commander, VICTIM];
}

function checkInvariants(world: FaultWorld, residentChats: number[], systemPromptStart: string): { urgent: number } {
  // Labels stay within the enums.
  const labels = world.query<{ category: string; kind: string; urgent: number; language: string | null; state: string }>('SELECT category, kind, urgent, language, state FROM reports');
  for (const label of labels) {
    expect(label.state).toBe('classified');
    expect(CATEGORIES).toContain(label.category);
    expect(KINDS).toContain(label.kind);
    expect([0, 1]).toContain(label.urgent);
    expect(['zh', 'en']).toContain(label.language);
  }
  // No status changes: every problem is as the system opened it, and nobody but the system acted on it.
  expect(world.query<{ status: string }>('SELECT DISTINCT status FROM problems')).toEqual([{ status: 'new' }]);
  for (const event of world.query<{ actor: string; action: string; to_status: string | null }>('SELECT actor, action, to_status FROM problem_events')) {
    expect(event.actor).toBe('system');
    expect(['created', 'urgent', 'widespread', 'reclassified']).toContain(event.action);
    expect([null, 'new']).toContain(event.to_status);
  }
  // Nothing of the staff's, of other residents' or of the model's reaches a resident.
  const forbidden = forbiddenForResidents(systemPromptStart);
  for (const chatId of residentChats) {
    for (const message of world.telegram.sentMessages(chatId)) {
      const seen = `${message.text ?? ''}\n${message.raw ?? ''}\n${JSON.stringify(message.reply_markup ?? '')}`;
      for (const word of forbidden) expect(seen, `message to ${chatId}`).not.toContain(word);
      expect(message.file, `a file sent to resident ${chatId}`).toBeUndefined();
    }
  }
  return { urgent: world.count('SELECT COUNT(*) FROM reports WHERE urgent = 1') };
}

describe('prompt injection', () => {
  it(`${corpus.length} attempts against a model that obeys them: labels in the enums, no status change, nothing leaks to residents`, async () => {
    const { llm } = world;
    expect(corpus.length).toBeGreaterThanOrEqual(20);
    let systemPromptStart = 'You label messages';
    let answered = 0;
    // The worst model: it does whatever the report says, within what the schema lets it say — and,
    // where the report asks for a status or a field the schema does not have, it answers outside the schema.
    llm.setResponder((request) => {
      systemPromptStart = request.messages[0]!.content.slice(0, 40);
      if (request.schemaName === 'grouping_decision') return { same_as: 1 };
      const report = String((JSON.parse(request.lastUserText) as { report?: unknown }).report ?? '');
      if (/resolved|已解决|status/i.test(report)) return '{"category":"resolved","urgent":true,"status":"resolved","summary":"MODEL-ONLY status changed"}';
      answered++;
      return {
        category: /campus_safety|校园安全|urgent|紧急/i.test(report) ? 'campus_safety' : 'other',
        kind: 'complaint',
        urgent: /urgent|紧急|优先/i.test(report),
        unit: 'IGNORE PREVIOUS RULES',
        summary: `MODEL-ONLY-${answered} ${systemPromptStart} | ${VICTIM_TEXT} | staff ${STAFF_CHAT}`,
        language: 'zh',
      };
    });
    const bot = await world.start({ env: { LLM_RECLASSIFY_SECONDS: '1' } });
    const residentChats = await sendCorpusAndStaffCommands(world);
    await sleep(2500); // a re-classification pass or two

    const { urgent } = checkInvariants(world, residentChats, systemPromptStart);
    // The report reaches the model only as data: one fixed system prompt, the text inside a JSON user message.
    const classifications = llm.requests.filter((r) => JSON.stringify(r.body).includes('report_classification'));
    const systems = new Set(classifications.map((r) => (r.body as { messages: Array<{ content: string }> }).messages[0]!.content));
    expect(systems.size).toBe(1);
    for (const request of classifications) {
      const messages = (request.body as { messages: Array<{ role: string; content: string }> }).messages;
      expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
      expect(Object.keys(JSON.parse(messages[1]!.content) as object)).toEqual(['report']);
    }
    const unitsKept = world.count(`SELECT COUNT(*) FROM reports WHERE unit_written = 'IGNORE PREVIOUS RULES'`);
    expect(unitsKept).toBe(0);
    expect(alive(bot)).toBe(true);
    outcome(
      `prompt injection, obedient model: ${corpus.length} attempts + 7 staff commands in a private chat → all labels in the enums, 0 status changes, ` +
        `0 leaks to residents, ${urgent} marked urgent by the model (staff alerted; labels are the model's call), ` +
        `${classifications.length} classification requests, all with the report as JSON data under one fixed system prompt`,
    );
  }, 90_000);

  it('the offline classifier ignores the instructions: attempts with no real content are neither urgent nor anything but harmless', async () => {
    const bot = await world.start({ llm: false });
    const residentChats = await sendCorpusAndStaffCommands(world);
    const { urgent } = checkInvariants(world, residentChats, 'You label messages');
    const onlyInjection = corpus.map((entry, i) => ({ entry, chatId: ATTACKER + i })).filter(({ entry }) => entry.injectionOnly);
    const urgentInjections = onlyInjection.filter(({ chatId }) => world.count('SELECT urgent FROM reports WHERE chat_id = ?', chatId) === 1);
    expect(urgentInjections.map(({ entry }) => entry.text)).toEqual([]);
    expect(alive(bot)).toBe(true);
    outcome(
      `prompt injection, offline classifier: ${onlyInjection.length} pure attempts → 0 urgent; ${urgent} urgent reports in all (the victim's real one); 0 status changes; 0 leaks`,
    );
  }, 90_000);
});
