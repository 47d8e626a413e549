import { Bot } from 'grammy';
import OpenAI from 'openai';
import type { Update } from 'grammy/types';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BotContext } from '../../src/bot/context.ts';
import { createStaffQuestionsFeature } from '../../src/bot/features/staff-questions.ts';
import { createStaffQuestions, MAX_TOOL_ROUNDS, type StaffQuestions } from '../../src/questions/staff-questions.ts';
import { BOT_INFO, createHarness, STAFF_CHAT, type Harness, type SentCall } from '../support/harness.ts';
import { createOpenAiStandin, exampleFor, toolCalls, type OpenAiStandin, type StandinRequest } from '../support/openai-standin.ts';
import { groupText, privateText, resident } from '../support/updates.ts';

const PHONE = '13812345678';
const FOREIGN_GROUP = -100_999;
const staffMember = { id: 7001, first_name: 'Staff', language_code: 'zh-hans' };
const BOT = `@${BOT_INFO.username}`;

let standin: OpenAiStandin;
let h: Harness;

beforeAll(async () => {
  standin = createOpenAiStandin();
  await standin.start();
});
afterAll(async () => {
  await standin.stop();
});
afterEach(async () => {
  await h.close();
});

/** A stand-in "model" that classifies residents' reports (the pipeline asks too) and answers staff questions with `questions`. */
function model(questions: (request: StandinRequest) => object | string): (request: StandinRequest) => object | string {
  return (request) => {
    if (request.schemaName === 'report_classification') {
      const text = JSON.parse(request.lastUserText).report as string;
      const food = text.includes('食堂');
      return { category: food ? 'food' : 'transport', kind: 'complaint', urgent: false, unit: food ? '第一中学' : '实验小学', summary: text.split('，')[0]!, language: 'zh' };
    }
    if (request.schema) return exampleFor(request.schema) as object;
    return questions(request);
  };
}
const notAsked = () => 'not asked';

function questionsFor(app: Harness['app']): StaffQuestions {
  const llm = app.config.llm;
  return createStaffQuestions({
    client: llm ? new OpenAI({ baseURL: llm.baseURL, apiKey: llm.apiKey, maxRetries: 0 }) : undefined,
    model: llm?.model ?? '',
    queries: app.queries,
    problems: app.problems,
    units: app.units,
    catalogue: app.catalogue,
    timezone: app.config.timezone,
    now: Date.now,
    timeoutMs: llm?.timeoutMs ?? 15_000,
    maxRetries: llm?.maxRetries ?? 0,
  });
}

async function start(options: { llm?: boolean; timeoutMs?: number } = {}) {
  standin.reset();
  standin.setResponder(model(notAsked));
  const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: standin.baseURL, OPENAI_MAX_RETRIES: '0', OPENAI_TIMEOUT_MS: String(options.timeoutMs ?? 5000) };
  h = await createHarness(options.llm === false ? {} : { env });
  const { app } = h;
  // Installed here as app.ts installs it, from the same config: once app.ts has its own copy, that one
  // answers first and this one is never reached, with the same result.
  app.bot.use(
    createStaffQuestionsFeature({
      questions: questionsFor(app),
      tr: app.tr,
      isStaffChat: (chatId) => app.config.staffChatIds.includes(chatId),
      staffLanguage: app.config.staffLanguage,
    }),
  );
  await h.send(privateText(resident(31_337), `第一中学食堂饭菜里有虫子，请打我电话${PHONE}联系。孩子吃了肚子疼`));
  await h.send(privateText(resident(31_338), '实验小学门口放学时太堵了，希望安排交警'));
  standin.reset();
  standin.setResponder(model(notAsked));
}

/** Staff questions only: the requests that offer tools. */
const questionRequests = () => standin.requests.filter((r) => (r.body as { tools?: unknown }).tools !== undefined);
/** The tool results in a conversation (a responder's request, or a recorded request body). */
const toolResults = (request: { messages: Array<{ role: string; content?: unknown }> }) =>
  request.messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(String(m.content)) as Record<string, any>);
const bodies = () => questionRequests().map((r) => r.body as Record<string, any>);

/** Telegram marks @mentions with an entity; the update builders only mark commands. */
function withMentions(update: Update): Update {
  const message = update.message!;
  const text = message.text ?? '';
  const entities = [...(message.entities ?? [])];
  for (const match of text.matchAll(/@[A-Za-z0-9_]{5,32}/g)) entities.push({ type: 'mention', offset: match.index, length: match[0].length });
  return { ...update, message: { ...message, entities } } as Update;
}
const ask = (chatId: number, text: string) => h.send(withMentions(groupText(chatId, staffMember, text)));
const lastText = (chatId: number) => h.texts(chatId).at(-1) ?? '';
const replies = (chatId: number): SentCall[] => h.sent(chatId);

describe('a staff question that mentions the bot', () => {
  beforeEach(() => start());

  it('runs the tool the model asks for, with the unit and category resolved, and sends the escaped answer', async () => {
    standin.setResponder(model((request) => {
      const [result] = toolResults(request);
      if (!result) return toolCalls({ name: 'count_reports', arguments: { period: 'week', unit: '一中', category: '食堂' } });
      return `本周${result.unit}${result.category}共有 ${result.reports} 条反映 <b>&`;
    }));
    await ask(STAFF_CHAT, `${BOT} 本周一中食堂有几条投诉？`);

    expect(questionRequests()).toHaveLength(2);
    const [first, second] = bodies();
    expect(first!.tools.map((t: any) => t.function.name)).toEqual(expect.arrayContaining(['count_reports', 'list_problems', 'problem_details', 'overdue_by_unit', 'summary']));
    expect(first!.tools.every((t: any) => t.function.strict === true)).toBe(true);
    expect(JSON.parse(first!.messages[1].content)).toMatchObject({ question: '本周一中食堂有几条投诉？', answer_language: 'zh' });
    const toolMessage = second!.messages.find((m: any) => m.role === 'tool');
    expect(JSON.parse(toolMessage.content)).toMatchObject({ unit: '第一中学', category: '食堂餐饮', reports: 1, period: { name: 'week' } });

    const answer = replies(STAFF_CHAT).at(-1)!;
    expect(answer.payload.text).toBe('本周第一中学食堂餐饮共有 1 条反映 &lt;b&gt;&amp;');
    expect(answer.payload.parse_mode).toBe('HTML');
    expect(answer.payload.reply_parameters).toMatchObject({ allow_sending_without_reply: true });
  });

  it('never lets a resident phone number reach the model, from titles, report texts or the question', async () => {
    const { id: problemId, reportId } = h.app.db.prepare("SELECT problem_id AS id, id AS reportId FROM reports WHERE text LIKE '%食堂%'").get() as { id: number; reportId: number };
    // As after an offline classification (LLM down): no summary, and the title is the resident's first sentence.
    h.app.db.prepare('UPDATE reports SET summary = NULL WHERE id = ?').run(reportId);
    h.app.db.prepare('UPDATE problems SET title = ? WHERE id = ?').run(`第一中学食堂饭菜里有虫子，请打我电话${PHONE}联系`, problemId);
    standin.setResponder(model((request) =>
      toolResults(request).length === 0
        ? toolCalls(
            { name: 'list_problems', arguments: { filter: 'open', unit: null, category: null, limit: 10 } },
            { name: 'problem_details', arguments: { id: problemId } },
            { name: 'search_problems', arguments: { words: '虫子', limit: 5 } },
            { name: 'summary', arguments: { period: 'today' } },
          )
        : '第一中学食堂有 1 个待处理问题。',
    ));
    await ask(STAFF_CHAT, `${BOT} ${PHONE} 反映的食堂问题怎么样了？`);

    const seen = JSON.stringify(bodies());
    expect(questionRequests()).toHaveLength(2);
    expect(seen).not.toContain(PHONE);
    expect(seen).toContain('[PHONE]');
    const results = toolResults(bodies()[1] as { messages: Array<{ role: string; content: string }> });
    expect(results).toHaveLength(4);
    expect(results[0]!.problems.map((p: any) => p.title)).toContain('第一中学食堂饭菜里有虫子，请打我电话[PHONE]联系');
    expect(results[1]).toMatchObject({ id: problemId, status: 'new', reports_total: 1 });
    expect(results[1]!.latest_reports[0].summary).toContain('[PHONE]');
    expect(lastText(STAFF_CHAT)).toBe('第一中学食堂有 1 个待处理问题。');
  });

  it('tells the model when a unit is not in the directory, instead of counting something else', async () => {
    standin.setResponder(model((request) => {
      const [result] = toolResults(request);
      return result ? `没有找到：${result.error}` : toolCalls({ name: 'count_reports', arguments: { period: '7d', unit: '火星小学', category: null } });
    }));
    await ask(STAFF_CHAT, `${BOT} 火星小学最近几条反映？`);
    expect(lastText(STAFF_CHAT)).toContain('unit_not_found');
  });

  it('stops offering tools after a few rounds and takes the final answer', async () => {
    standin.setResponder(model((request) => (request.body.tool_choice === 'none' ? '汇总完毕。' : toolCalls({ name: 'overdue_by_unit', arguments: {} }))));
    await ask(STAFF_CHAT, `${BOT} which units have overdue problems?`);
    expect(questionRequests()).toHaveLength(MAX_TOOL_ROUNDS + 1);
    expect(bodies().at(-1)!.tool_choice).toBe('none');
    expect(JSON.parse(bodies()[0]!.messages[1].content).answer_language).toBe('en');
    expect(lastText(STAFF_CHAT)).toBe('汇总完毕。');
  });
});

describe('a staff member who replies to a bot message', () => {
  beforeEach(() => start());

  it('is answered like a mention', async () => {
    standin.setResponder(model((request) => (toolResults(request).length ? '有 0 个逾期问题。' : toolCalls({ name: 'overdue_by_unit', arguments: {} }))));
    await h.send(groupText(STAFF_CHAT, staffMember, '哪些单位有逾期问题？', { replyTo: { message_id: 5, from: { id: BOT_INFO.id, is_bot: true, first_name: 'Minyi' } } }));
    expect(lastText(STAFF_CHAT)).toBe('有 0 个逾期问题。');
  });

  it('who replies to someone else, or writes without a mention, or sends a command, gets nothing from this feature', async () => {
    const before = replies(STAFF_CHAT).length;
    await h.send(groupText(STAFF_CHAT, staffMember, '哪些单位有逾期问题？', { replyTo: { message_id: 5, from: { id: 9, is_bot: false, first_name: 'Colleague' } } }));
    await h.send(groupText(STAFF_CHAT, staffMember, '本周一中食堂有几条投诉？'));
    await ask(STAFF_CHAT, `/overdue ${BOT}`);
    expect(questionRequests()).toHaveLength(0);
    // Only the /overdue command is answered, by the staff feature.
    expect(replies(STAFF_CHAT).slice(before)).toHaveLength(1);
    expect(lastText(STAFF_CHAT)).not.toContain('暂时无法回答');
  });
});

describe('when the LLM cannot answer', () => {
  it('answers with the staff commands when the LLM fails', async () => {
    await start();
    standin.setMode('server_error');
    await ask(STAFF_CHAT, `${BOT} 本周一中食堂有几条投诉？`);
    const text = lastText(STAFF_CHAT);
    expect(text).toContain('暂时无法回答');
    expect(text).toContain('/summary');
    expect(text).toContain('/problems');
  });

  it('answers with the staff commands when the LLM times out', async () => {
    await start({ timeoutMs: 300 });
    standin.setMode('timeout');
    const started = Date.now();
    await ask(STAFF_CHAT, `${BOT} 本周一中食堂有几条投诉？`);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(lastText(STAFF_CHAT)).toContain('/summary');
  });

  it('answers with the staff commands when no LLM is configured, without calling anything', async () => {
    await start({ llm: false });
    await ask(STAFF_CHAT, `${BOT} 本周一中食堂有几条投诉？`);
    expect(questionRequests()).toHaveLength(0);
    expect(lastText(STAFF_CHAT)).toContain('OPENAI_API_KEY');
    expect(lastText(STAFF_CHAT)).toContain('/summary');
  });
});

describe('outside the staff chats', () => {
  it('a mention in a foreign group is not answered and reaches no model', async () => {
    await start();
    await ask(FOREIGN_GROUP, `${BOT} 本周一中食堂有几条投诉？`);
    expect(h.sent(FOREIGN_GROUP)).toHaveLength(0);
    expect(questionRequests()).toHaveLength(0);
  });

  it('the feature on its own ignores a foreign group and a private chat', async () => {
    await start();
    const calls: string[] = [];
    const bot = new Bot<BotContext>('123:test', { botInfo: BOT_INFO });
    bot.api.config.use(async (_prev, method) => {
      calls.push(method);
      return { ok: true, result: true } as never;
    });
    bot.use((ctx, next) => {
      ctx.logger = pino({ level: 'silent' });
      ctx.language = 'zh';
      return next();
    });
    bot.use(createStaffQuestionsFeature({ questions: questionsFor(h.app), tr: h.app.tr, isStaffChat: (id) => id === STAFF_CHAT, staffLanguage: 'zh' }));
    await bot.handleUpdate(withMentions(groupText(FOREIGN_GROUP, staffMember, `${BOT} 本周一中食堂有几条投诉？`)));
    await bot.handleUpdate(
      groupText(FOREIGN_GROUP, staffMember, '几条投诉？', { replyTo: { message_id: 5, from: { id: BOT_INFO.id, is_bot: true, first_name: 'Minyi' } } }),
    );
    await bot.handleUpdate(withMentions(privateText(staffMember, `${BOT} 本周一中食堂有几条投诉？`)));
    expect(calls).toEqual([]);
    expect(questionRequests()).toHaveLength(0);
  });
});
