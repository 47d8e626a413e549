import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { installOfflineTelegram } from '../../src/sample/offline-telegram.ts';
import { createThemeStore } from '../../src/problems/theme-store.ts';
import { themesFrom } from '../../src/problems/themes.ts';
import { BOT_INFO, STAFF_CHAT, tempDir, testConfig } from '../support/harness.ts';
import { groupText, privateText, resident } from '../support/updates.ts';

const apps: App[] = [];
let dir: ReturnType<typeof tempDir> | undefined;
afterEach(async () => {
  for (const app of apps.splice(0)) await app.runner.stop();
  dir?.cleanup();
  dir = undefined;
});

const staffMember = { id: 900, first_name: 'Wang', language_code: 'zh-hans' };
const DAY = 86_400_000;

/** The real app on `path`, on a clock the test moves; started like main.ts starts it. */
async function boot(path: string, clock: { at: number }, env: Record<string, string> = {}) {
  const app = createApp({ config: testConfig(path, env), token: '123:test', logger: pino({ level: 'silent' }), botInfo: BOT_INFO, throttle: false, pollIntervalMs: 50, now: () => clock.at });
  apps.push(app);
  const { calls } = installOfflineTelegram(app.bot, { keep: true });
  await app.bot.init();
  app.pipeline.start();
  app.sender.start();
  const send = async (update: Parameters<App['bot']['handleUpdate']>[0]) => {
    await app.bot.handleUpdate(update);
    await app.runner.settle();
  };
  const texts = (chatId: number) => calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === chatId).map((c) => String(c.payload.text));
  return { app, send, texts };
}

// The same matter (课业负担 › 作业过多) at four schools, worded differently.
const HOMEWORK = [
  '第一中学作业太多了，孩子每天写到晚上十一点',
  '实验小学作业太多，孩子每天写到半夜',
  '东城小学每天作业要写三个小时，双减是不是只是说说',
  '第二中学的作业量太大了，孩子天天熬夜写作业',
];
const themeAlerts = (texts: string[]) => texts.filter((t) => t.includes('一类问题'));

describe('district-wide themes (一类问题)', () => {
  it('staff are told once when one subtopic reaches three units, and not again after a restart', async () => {
    dir = tempDir();
    const clock = { at: Date.UTC(2026, 10, 2, 2) };
    let bot = await boot(dir.dir, clock);
    for (const [i, text] of HOMEWORK.slice(0, 2).entries()) {
      clock.at += 3_600_000;
      await bot.send(privateText(resident(10 + i), text));
    }
    expect(themeAlerts(bot.texts(STAFF_CHAT))).toEqual([]);
    clock.at += DAY;
    await bot.send(privateText(resident(12), HOMEWORK[2]!));
    const [alert, ...more] = themeAlerts(bot.texts(STAFF_CHAT));
    expect(more).toEqual([]);
    expect(alert).toContain('课业负担 › 作业过多');
    expect(alert).toContain('3 个单位');
    for (const unit of ['第一中学', '实验小学', '东城小学']) expect(alert).toContain(unit);
    // Ids and counts only: no resident's words in the alert.
    expect(alert).not.toContain('十一点');

    await bot.app.runner.stop();
    apps.pop();
    bot = await boot(dir.dir, clock);
    clock.at += DAY;
    await bot.send(privateText(resident(13), HOMEWORK[3]!));
    await bot.send(privateText(resident(14), '第一中学作业太多了，孩子每天写到凌晨'));
    expect(themeAlerts(bot.texts(STAFF_CHAT))).toEqual([]);
    expect(bot.app.db.prepare('SELECT COUNT(*) FROM theme_alerts').pluck().get()).toBe(1);

    // After the window the theme is news again.
    clock.at += 15 * DAY;
    for (const [i, text] of HOMEWORK.slice(0, 3).entries()) await bot.send(privateText(resident(20 + i), text.replace('孩子', '我家孩子')));
    expect(themeAlerts(bot.texts(STAFF_CHAT))).toHaveLength(1);
  });

  it('/themes lists themes with their units and report counts, in the staff chat only; THEME_MIN_UNITS decides', async () => {
    dir = tempDir();
    const clock = { at: Date.UTC(2026, 10, 2, 2) };
    const bot = await boot(dir.dir, clock, { THEME_MIN_UNITS: '4', THEME_WINDOW_DAYS: '10', STAFF_LANGUAGE: 'en' });
    for (const [i, text] of HOMEWORK.slice(0, 3).entries()) {
      clock.at += 3_600_000;
      await bot.send(privateText(resident(10 + i), text));
    }
    await bot.send(privateText(resident(15), '第一中学作业太多，孩子写到晚上十二点，每天如此'));
    // A bureau office is not a place where the matter happened: it does not make the fourth unit.
    await bot.send(privateText(resident(16), '基础教育科作业布置太多了，孩子每天写到半夜'));
    expect(bot.app.db.prepare('SELECT p.unit_id, p.subtopic FROM problems p JOIN reports r ON r.problem_id = p.id WHERE r.chat_id = 16').get()).toEqual({ unit_id: 'jjk', subtopic: 'study_burden.homework' });
    await bot.send(groupText(STAFF_CHAT, staffMember, '/themes'));
    expect(bot.texts(STAFF_CHAT).at(-1)).toContain('No district-wide themes in the last 10 days (one subtopic at ≥ 4 units)');
    await bot.send(privateText(resident(13), HOMEWORK[3]!));
    expect(bot.texts(STAFF_CHAT).filter((t) => t.includes('District-wide theme'))).toHaveLength(1);

    await bot.send(groupText(STAFF_CHAT, staffMember, '/themes 7d'));
    const list = bot.texts(STAFF_CHAT).at(-1)!;
    expect(list).toContain('Study burden › Too much homework');
    expect(list).toContain('4 units, 5 reports');
    expect(list).toContain('第一中学 (2)');
    for (const unit of ['实验小学 (1)', '东城小学 (1)', '第二中学 (1)']) expect(list).toContain(unit);

    // A month later the 7-day list is empty, the 30-day one still has it.
    clock.at += 20 * DAY;
    await bot.send(groupText(STAFF_CHAT, staffMember, '/themes 7d'));
    expect(bot.texts(STAFF_CHAT).at(-1)).toContain('No district-wide themes in the last 7 days');
    await bot.send(groupText(STAFF_CHAT, staffMember, '/themes 30d'));
    expect(bot.texts(STAFF_CHAT).at(-1)).toContain('Too much homework');
    await bot.send(groupText(STAFF_CHAT, staffMember, '/themes <b>x</b>'));
    expect(bot.texts(STAFF_CHAT).at(-1)).toBe('Usage: /themes [7d|30d]');

    // Outside staff chats it reveals nothing.
    const before = bot.texts(-100_999).length;
    await bot.send(groupText(-100_999, staffMember, '/themes 30d'));
    expect(bot.texts(-100_999).slice(before).join('\n')).not.toContain('homework');
  });

  it('the weekly digest gets the top subtopics and the themes', async () => {
    dir = tempDir();
    const clock = { at: Date.UTC(2026, 10, 2, 2) }; // Monday 10:00 in Shanghai
    const bot = await boot(dir.dir, clock);
    for (const [i, text] of HOMEWORK.entries()) {
      clock.at += 3_600_000;
      await bot.send(privateText(resident(10 + i), text));
    }
    const week = bot.app.digest.parseWeek('2026-W45')!;
    const html = bot.app.digest.render(week, { builtAt: week.end + 3_600_000 }).html;
    expect(html).toContain('反映最多的议题');
    expect(html).toContain('课业负担 › 作业过多：4 条，4 个单位');
    expect(html).toContain('一类问题');
    // One store and one rule serve /themes, the alert and the digest.
    const store = createThemeStore(bot.app.db);
    expect(themesFrom(store.activity(week.start, week.end), 3).map((t) => [t.subtopic, t.units.length, t.reports])).toEqual([['study_burden.homework', 4, 4]]);
  });
});

describe('themesFrom', () => {
  it('needs distinct units, adds a unit’s reports up, and puts the widest first', () => {
    const row = (subtopic: string, unitId: string, reports: number) => ({ subtopic, unitId, reports, lastAt: 1 });
    expect(themesFrom([row('a.x', 'u1', 5), row('a.x', 'u2', 5)], 3)).toEqual([]);
    const themes = themesFrom([row('a.x', 'u1', 1), row('a.x', 'u2', 1), row('a.x', 'u3', 1), row('b.y', 'u1', 2), row('b.y', 'u2', 1), row('b.y', 'u3', 1), row('b.y', 'u4', 1), row('a.x', 'u3', 2)], 3);
    expect(themes.map((t) => [t.subtopic, t.units.length, t.reports])).toEqual([['b.y', 4, 5], ['a.x', 3, 5]]);
    expect(themes[1]!.units[0]).toEqual({ unitId: 'u3', reports: 3 });
  });
});
