import { Bot } from 'grammy';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BotContext } from '../../src/bot/context.ts';
import { createDigestFeature, type DigestFeatureDeps } from '../../src/bot/features/digest.ts';
import { createDigestService } from '../../src/desk/digest-service.ts';
import { createTranslator } from '../../src/i18n/i18n.ts';
import { BOT_INFO, createHarness, STAFF_CHAT, type Harness } from '../support/harness.ts';
import { groupText, privateText, resident } from '../support/updates.ts';
import { local } from './fixture.ts';
import { BUILT_AT, buildScenario } from './scenario.ts';

const staffMember = { id: 555, first_name: 'Staff', language_code: 'zh-hans' };
const FOREIGN_GROUP = -100_999;

let h: Harness;
beforeEach(async () => {
  h = await createHarness({ now: () => BUILT_AT });
  const { app } = h;
  // Wired as app.ts will wire it (see docs/DIGEST.md).
  const digest = createDigestService({
    db: app.db,
    outbox: app.outbox,
    tr: app.tr,
    catalogue: app.catalogue,
    unitName: (id) => app.units.displayName(id),
    timezone: app.config.timezone,
    settings: app.config.digest,
    staffChatIds: app.config.staffChatIds,
    staffLanguage: app.config.staffLanguage,
    logger: pino({ level: 'silent' }),
    onQueued: () => app.sender.wake(),
    now: () => BUILT_AT,
  });
  app.bot.use(createDigestFeature({ digest, tr: app.tr, isStaffChat: (id) => app.config.staffChatIds.includes(id), staffLanguage: app.config.staffLanguage }));
  buildScenario(app.db);
});
afterEach(async () => {
  await h.close();
});

const digestRows = () => h.app.db.prepare(`SELECT COUNT(*) FROM outbox WHERE kind = 'digest'`).pluck().get() as number;

describe('/digest in a staff chat', () => {
  it('sends last week’s digest: the chart as a photo with a caption, then the text', async () => {
    await h.send(groupText(STAFF_CHAT, staffMember, '/digest'));
    const sent = h.sent(STAFF_CHAT);
    expect(sent[0]!.method).toBe('sendPhoto');
    expect(String(sent[0]!.payload.caption)).toContain('每周简报 · 2026-W47');
    expect(sent.slice(1).every((c) => c.method === 'sendMessage' && c.payload.parse_mode === 'HTML')).toBe(true);
    const text = sent.slice(1).map((c) => String(c.payload.text)).join('\n');
    expect(text).toContain('新反映：<b>13</b> 条（上周 4 条，+9，+225%）');
    expect(text).toContain('<b>1. 实验小学</b> — 综合 <b>100</b>');
  });

  it('sends the week asked for', async () => {
    await h.send(groupText(STAFF_CHAT, staffMember, '/digest 2026-W46'));
    const text = h.texts(STAFF_CHAT).join('\n');
    expect(text).toContain('每周简报 · 2026-W46');
    expect(text).toContain('新反映：<b>4</b> 条（上周 2 条，+2，+100%）');
  });

  it('explains itself when the week is not one', async () => {
    await h.send(groupText(STAFF_CHAT, staffMember, '/digest last'));
    expect(h.texts(STAFF_CHAT)).toEqual(['用法：/digest [YYYY-Www]，例如 /digest 2026-W47。不写周次时为上一个完整的周（周一至周日）。']);
  });
});

describe('/ranking in a staff chat', () => {
  it('shows the last full week by default, and a month or quarter on request', async () => {
    await h.send(groupText(STAFF_CHAT, staffMember, '/ranking'));
    await h.send(groupText(STAFF_CHAT, staffMember, '/ranking month'));
    await h.send(groupText(STAFF_CHAT, staffMember, '/ranking 2026-11'));
    const [week, month, november] = h.texts(STAFF_CHAT);
    expect(week).toContain('🏆 <b>单位排名 · 2026-W47</b>');
    expect(week).toContain('<b>2. 第一中学</b> — 综合 <b>69.6</b>');
    expect(month).toContain('单位排名 · 2026-10');
    expect(november).toContain('本期尚未结束，数据截至 2026-11-23 09:00。');
  });

  it('explains itself when the period is not one', async () => {
    await h.send(groupText(STAFF_CHAT, staffMember, '/ranking year'));
    expect(h.texts(STAFF_CHAT)[0]).toContain('用法：/ranking [week|month|quarter]');
    expect(h.texts(STAFF_CHAT)[0]).toContain('2026-W47、2026-10、2026-Q3');
  });
});

describe('outside staff chats', () => {
  it('a resident who sends /digest or /ranking learns nothing about them', async () => {
    await h.send(privateText(resident(71), '/digest'));
    await h.send(privateText(resident(71), '/ranking'));
    const texts = h.texts(71).join('\n');
    expect(texts).not.toMatch(/简报|排名|响应率|2026-W47/);
    expect(h.sent().some((c) => c.method === 'sendPhoto')).toBe(false);
    expect(digestRows()).toBe(0);
  });

  it('a group that is not a staff chat gets no answer at all', async () => {
    await h.send(groupText(FOREIGN_GROUP, staffMember, '/digest'));
    await h.send(groupText(FOREIGN_GROUP, staffMember, '/ranking week'));
    expect(h.sent(FOREIGN_GROUP)).toEqual([]);
    expect(digestRows()).toBe(0);
  });
});

describe('the feature on its own', () => {
  it('passes everything outside staff chats on untouched', async () => {
    const calls: string[] = [];
    const digest: DigestFeatureDeps['digest'] = {
      defaultWeek: () => ({ kind: 'week', key: '2026-W47', start: local('2026-11-16 00:00'), end: local('2026-11-23 00:00') }),
      parseWeek: () => undefined,
      parsePeriod: () => undefined,
      queueDigest: () => (calls.push('digest'), 1),
      queueRanking: () => (calls.push('ranking'), 1),
      queueText: () => void calls.push('text'),
    };
    const bot = new Bot<BotContext>('123:test', { botInfo: BOT_INFO });
    bot.use((ctx, next) => ((ctx.logger = pino({ level: 'silent' })), next()));
    bot.use(createDigestFeature({ digest, tr: createTranslator(), isStaffChat: (id) => id === STAFF_CHAT, staffLanguage: 'zh' }));
    let passedOn = 0;
    bot.use(() => void passedOn++);
    await bot.handleUpdate(privateText(resident(72), '/digest') as never);
    await bot.handleUpdate(groupText(FOREIGN_GROUP, staffMember, '/ranking') as never);
    expect(calls).toEqual([]);
    expect(passedOn).toBe(2);
    await bot.handleUpdate(groupText(STAFF_CHAT, staffMember, '/digest') as never);
    expect(calls).toEqual(['digest']);
  });
});
