import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBotApiEmulator, type BotApiEmulator } from '../../src/emulator/bot-api-emulator.ts';
import { startBotProcess, eventually, type BotProcess } from '../support/bot-process.ts';
import { tempDir } from '../support/harness.ts';
import { createOpenAiStandin, type OpenAiStandin } from '../support/openai-standin.ts';

/**
 * The bot as an operator runs it (`tsx src/main.ts` in its own process), talking over real HTTP to the
 * local Bot API emulator and the local OpenAI-compatible stand-in. Nothing else is reachable.
 */

const STAFF = -1001;
const zh = (id: number) => ({ id, first_name: `居民${id}`, language_code: 'zh-hans' });
const en = (id: number) => ({ id, first_name: `Resident ${id}`, language_code: 'en' });

let telegram: BotApiEmulator;
let llm: OpenAiStandin;
let dir: { dir: string; cleanup: () => void };
let bot: BotProcess | undefined;

beforeEach(async () => {
  telegram = createBotApiEmulator();
  await telegram.start();
  telegram.registerChat({ id: STAFF, type: 'supergroup', title: '教体局工作群' });
  llm = createOpenAiStandin();
  await llm.start();
  dir = tempDir();
});

afterEach(async () => {
  await bot?.kill9();
  bot = undefined;
  await telegram.stop();
  await llm.stop();
  dir.cleanup();
});

function env(withLlm: boolean, extra: Record<string, string> = {}): Record<string, string> {
  return {
    BOT_TOKEN: '123456:e2e-test-token',
    TELEGRAM_API_ROOT: telegram.apiRoot,
    DATABASE_PATH: join(dir.dir, 'minyi.sqlite'),
    STAFF_CHAT_IDS: String(STAFF),
    ...(withLlm && { OPENAI_API_KEY: 'sk-test-secret', OPENAI_BASE_URL: llm.baseURL, OPENAI_MODEL: 'test-model', OPENAI_TIMEOUT_MS: '2000', OPENAI_MAX_RETRIES: '0', LLM_RECLASSIFY_SECONDS: '1' }),
    ...extra,
  };
}

async function startBot(withLlm: boolean, extra: Record<string, string> = {}): Promise<BotProcess> {
  const started = startBotProcess(env(withLlm, extra));
  await eventually(() => started.output().includes('receiving updates by long polling'), 20_000, () => started.output());
  return started;
}

const repliesTo = (chatId: number) => telegram.sentMessages(chatId);
const db = () => new Database(join(dir.dir, 'minyi.sqlite'), { readonly: true });

describe('end to end, through the Bot API emulator', () => {
  it('welcomes a resident in their language', async () => {
    bot = await startBot(false);
    telegram.sendUserMessage({ from: zh(1), text: '/start' });
    telegram.sendUserMessage({ from: en(2), text: '/start' });
    const chinese = await telegram.waitFor((m) => m.chat_id === 1, 10_000, { includeExisting: true });
    const english = await telegram.waitFor((m) => m.chat_id === 2, 10_000, { includeExisting: true });
    expect(chinese.text).toContain('隐私说明');
    expect(english.text).toContain('Privacy');
  });

  it('a report classified by the LLM gets a reply naming the LLM’s category', async () => {
    llm.setResponder((request) => request.schemaName === 'grouping_decision' ? { same_as: null } : ({
      category: request.lastUserText.includes('羽毛球') ? 'sports' : 'other',
      kind: 'suggestion',
      urgent: false,
      unit: null,
      summary: '建议增加羽毛球场',
      language: 'zh',
    }));
    bot = await startBot(true);
    telegram.sendUserMessage({ from: zh(3), text: '希望全民健身中心多开几片羽毛球场' });
    const reply = await telegram.waitFor((m) => m.chat_id === 3, 10_000, { includeExisting: true });
    expect(reply.text).toMatch(/#\d+/);
    expect(reply.text).toContain('体育场馆与赛事');
    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0]!.headers.authorization).toBe('Bearer sk-test-secret');
    const row = db().prepare('SELECT classified_by, category FROM reports').get();
    expect(row).toEqual({ classified_by: 'llm', category: 'sports' });
    expect(bot.output()).not.toContain('sk-test-secret');
  });

  it('without an LLM the offline classifier answers, in English for an English resident', async () => {
    bot = await startBot(false);
    telegram.sendUserMessage({ from: en(4), text: 'The canteen food at No. 1 Middle School made my daughter sick, it smelled rotten' });
    const reply = await telegram.waitFor((m) => m.chat_id === 4, 10_000, { includeExisting: true });
    expect(reply.text).toContain('Canteen & meals');
    expect(reply.text).toContain('ticket number');
  });

  it('an urgent report alerts the staff chat at once, with the text as sent', async () => {
    bot = await startBot(false);
    telegram.sendUserMessage({ from: zh(5), text: '实验小学有个男老师把我孩子打得流鼻血 <b>快管管</b>' });
    const alert = await telegram.waitFor((m) => m.chat_id === STAFF, 10_000, { includeExisting: true });
    expect(alert.text).toContain('紧急反映');
    expect(alert.text).toContain('<b>快管管</b>');
    const reply = await telegram.waitFor((m) => m.chat_id === 5, 10_000, { includeExisting: true });
    expect(reply.text).toContain('值班工作人员已收到提醒');
  });

  it('when the LLM is down the resident still gets a reply, and the report is re-classified when it is back', async () => {
    llm.setMode('server_error');
    llm.setResponder(() => ({ category: 'facilities', kind: 'complaint', urgent: false, unit: '第二中学', summary: '二中教室漏雨', language: 'zh' }));
    bot = await startBot(true);
    const sentAt = Date.now();
    telegram.sendUserMessage({ from: zh(6), text: '第二中学教室屋顶漏水，下雨天桌子都湿了' });
    const reply = await telegram.waitFor((m) => m.chat_id === 6, 10_000, { includeExisting: true });
    expect(Date.now() - sentAt).toBeLessThan(2000 + 5000);
    expect(reply.text).toMatch(/#\d+/);
    expect(db().prepare('SELECT classified_by, needs_reclassify FROM reports').get()).toEqual({ classified_by: 'offline', needs_reclassify: 1 });
    llm.setMode('ok');
    await eventually(() => (db().prepare('SELECT classified_by FROM reports').get() as { classified_by: string }).classified_by === 'llm', 20_000);
    expect(db().prepare('SELECT needs_reclassify, unit_written FROM reports').get()).toEqual({ needs_reclassify: 0, unit_written: '第二中学' });
    expect(repliesTo(6)).toHaveLength(1);
  });

  it('an LLM answering garbage is survived the same way', async () => {
    llm.setMode('invalid_json');
    bot = await startBot(true);
    telegram.sendUserMessage({ from: zh(7), text: '城关二小放学时门口堵得水泄不通' });
    const reply = await telegram.waitFor((m) => m.chat_id === 7, 10_000, { includeExisting: true });
    expect(reply.text).toContain('校车交通');
    expect(llm.counts.invalid_json ?? 0).toBeGreaterThan(0);
  });

  it('a message delivered twice under a new update id is one report and one reply', async () => {
    bot = await startBot(false);
    const { update } = telegram.sendUserMessage({ from: zh(8), text: '一中食堂太贵了' });
    await telegram.waitFor((m) => m.chat_id === 8, 10_000, { includeExisting: true });
    const copy = structuredClone(update!) as unknown as Record<string, unknown>;
    delete copy.update_id;
    telegram.deliverRaw(copy as never);
    telegram.sendUserMessage({ from: zh(8), text: '/my' });
    await telegram.waitFor((m) => m.chat_id === 8 && (m.text ?? '').includes('我的反映'), 10_000, { includeExisting: true });
    expect(repliesTo(8).filter((m) => (m.text ?? '').includes('已收到'))).toHaveLength(1);
    expect(db().prepare('SELECT COUNT(*) AS n FROM reports').get()).toEqual({ n: 1 });
  });

  it('after kill -9 with reports still pending, a restart answers every one exactly once', async () => {
    llm.setLatency(4000);
    llm.setResponder((request) =>
      request.schemaName === 'grouping_decision' ? { same_as: null } : { category: 'fees', kind: 'complaint', urgent: false, unit: null, summary: '乱收费', language: 'zh' },
    );
    bot = await startBot(true, { OPENAI_TIMEOUT_MS: '10000' });
    for (let i = 0; i < 5; i++) telegram.sendUserMessage({ from: zh(20 + i), text: `第${i + 1}个：学校强制收取${100 + i}元资料费` });
    await eventually(() => (db().prepare('SELECT COUNT(*) AS n FROM reports').get() as { n: number }).n === 5, 10_000);
    expect(telegram.sentMessages().filter((m) => m.chat_id >= 20 && m.chat_id < 25)).toHaveLength(0);
    await bot.kill9();
    llm.setLatency(0);
    bot = await startBot(true);
    for (let i = 0; i < 5; i++) await telegram.waitFor((m) => m.chat_id === 20 + i, 15_000, { includeExisting: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let i = 0; i < 5; i++) expect(repliesTo(20 + i)).toHaveLength(1);
    expect(db().prepare(`SELECT COUNT(*) AS n FROM reports WHERE state = 'classified'`).get()).toEqual({ n: 5 });
  });
});
