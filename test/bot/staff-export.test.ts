import ExcelJS from 'exceljs';
import { Bot, InputFile } from 'grammy';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BotContext } from '../../src/bot/context.ts';
import { createStaffExportFeature } from '../../src/bot/features/staff-export.ts';
import { BOT_INFO, createHarness, STAFF_CHAT, type Harness, type SentCall } from '../support/harness.ts';
import { groupText, privateText, resident } from '../support/updates.ts';

const FOREIGN_GROUP = -100_999;
const RESIDENT = 31_337;
const staffMember = { id: 7001, first_name: 'Staff', language_code: 'zh-hans' };

let h: Harness;

const exportFeature = (app: Harness['app'], options: { maxReports?: number } = {}) =>
  createStaffExportFeature({
    db: app.db,
    units: app.units,
    catalogue: app.catalogue,
    tr: app.tr,
    timezone: app.config.timezone,
    isStaffChat: (chatId) => app.config.staffChatIds.includes(chatId),
    staffLanguage: app.config.staffLanguage,
    now: Date.now,
    ...options,
  });

async function start() {
  h = await createHarness();
  // Installed here as app.ts installs it; once app.ts has its own copy, that one answers first, the same way.
  h.app.bot.use(exportFeature(h.app));
  await h.send(privateText(resident(RESIDENT), '第一中学食堂的饭菜经常有头发，孩子都不敢吃了'));
  await h.send(privateText(resident(RESIDENT), '=1+1 实验小学门口放学时太堵了'));
}

afterEach(async () => {
  await h.close();
});

const documents = (chatId?: number) => h.sent(chatId).filter((c) => c.method === 'sendDocument');

async function contents(call: { payload: Record<string, unknown> }): Promise<{ filename: string | undefined; data: Buffer }> {
  const file = call.payload.document;
  expect(file).toBeInstanceOf(InputFile);
  const raw = await (file as InputFile).toRaw();
  return { filename: (file as InputFile).filename, data: Buffer.from(raw as Uint8Array) };
}

describe('/export in the staff chat', () => {
  beforeEach(() => start());

  it('sends the ledger as an Excel workbook and the problem list as CSV, with a caption that counts them', async () => {
    await h.send(groupText(STAFF_CHAT, staffMember, '/export'));
    const sent = documents(STAFF_CHAT);
    expect(sent).toHaveLength(2);
    const [xlsx, csv] = await Promise.all(sent.map(contents));
    expect(xlsx!.filename).toMatch(/^minyi-ledger-\d{4}-\d{2}-\d{2}\.xlsx$/);
    expect(csv!.filename).toMatch(/^minyi-ledger-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(String(sent[0]!.payload.caption)).toMatch(/问题台账（近 7 天）：2 个问题，2 条反映/);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx!.data as never);
    const reports = workbook.getWorksheet('反映记录')!;
    expect(reports.rowCount).toBe(3);
    const texts = reports.getColumn(9).values.filter((v): v is string => typeof v === 'string');
    expect(texts).toContain('第一中学食堂的饭菜经常有头发，孩子都不敢吃了');
    const everything = JSON.stringify(workbook.worksheets.map((s) => s.getSheetValues())) + csv!.data.toString('utf8');
    expect(everything).not.toContain(String(RESIDENT));
    expect(csv!.data.toString('utf8').startsWith('\uFEFF编号,标题')).toBe(true);
  });

  it('takes 30d and all, and answers a wrong period with one line of usage', async () => {
    await h.send(groupText(STAFF_CHAT, staffMember, '/export 30d'));
    await h.send(groupText(STAFF_CHAT, staffMember, '/export@minyi_test_bot all'));
    expect(documents(STAFF_CHAT)).toHaveLength(4);
    expect(String(documents(STAFF_CHAT)[2]!.payload.caption)).toContain('全部');

    const before = h.sent(STAFF_CHAT).length;
    await h.send(groupText(STAFF_CHAT, staffMember, '/export yesterday'));
    const answer = h.sent(STAFF_CHAT).slice(before);
    expect(answer.map((c) => c.method)).toEqual(['sendMessage']);
    expect(String(answer[0]!.payload.text)).toMatch(/^用法：\/export \[7d\|30d\|all\]/);
    expect(String(answer[0]!.payload.text)).not.toContain('\n');
  });

  it('does nothing in a private chat or in a group that is not a staff chat', async () => {
    await h.send(privateText(resident(RESIDENT), '/export all'));
    await h.send(groupText(FOREIGN_GROUP, staffMember, '/export all'));
    expect(documents()).toHaveLength(0);
    expect(h.sent(FOREIGN_GROUP)).toHaveLength(0);
    expect(h.texts(RESIDENT).join('\n')).not.toMatch(/台账|ledger|export/i);
  });
});

describe('/export over the size limit', () => {
  beforeEach(() => start());

  it('sends no file and suggests a shorter period', async () => {
    // The feature alone, with a limit of one report, on the same data.
    const calls: SentCall[] = [];
    const bot = new Bot<BotContext>('123:test', { botInfo: BOT_INFO });
    bot.api.config.use(async (_prev, method, payload) => {
      calls.push({ method, payload: payload as Record<string, unknown> });
      return { ok: true, result: { message_id: 1, date: 0, chat: { id: STAFF_CHAT, type: 'supergroup' } } } as never;
    });
    bot.use((ctx, next) => {
      ctx.logger = pino({ level: 'silent' });
      return next();
    });
    bot.use(exportFeature(h.app, { maxReports: 1 }));
    await bot.handleUpdate(groupText(STAFF_CHAT, staffMember, '/export all'));
    expect(calls.map((c) => c.method)).toEqual(['sendMessage']);
    expect(String(calls[0]!.payload.text)).toContain('2 条反映');
    expect(String(calls[0]!.payload.text)).toContain('/export 30d');
  });
});
