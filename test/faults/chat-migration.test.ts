import { join } from 'node:path';
import pino from 'pino';
import type { Update } from 'grammy/types';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import { installOfflineTelegram, type RecordedCall } from '../../src/sample/offline-telegram.ts';
import { BOT_INFO, tempDir } from '../support/harness.ts';
import { groupMessage, groupText, privateText, resident } from '../support/updates.ts';

/**
 * A staff group upgraded to a supergroup gets a new id for good. The bot learns it from the service message (either
 * side of it) or from Telegram's 400 "group chat was upgraded to a supergroup chat", and from then on — also after a
 * restart, with STAFF_CHAT_IDS still naming the old group — serves the new chat: staff commands work there, and
 * alerts queued for the old id are delivered to the new one instead of being dropped.
 */

const OLD_GROUP = -4_001;
const SUPERGROUP = -100_400_1;
const staffMember = { id: 7_001, first_name: 'Staff', language_code: 'zh-hans' };
const URGENT = '实验小学有老师把我孩子打得流鼻血了，请马上处理';

interface Booted {
  app: App;
  /** Every message the bot tried to send, refused or not. */
  attempts: RecordedCall[];
  /** Messages Telegram accepted. */
  delivered: RecordedCall[];
  send(update: Update): Promise<void>;
}

let dir: ReturnType<typeof tempDir> | undefined;
const running: App[] = [];

afterEach(async () => {
  for (const app of running.splice(0)) await app.runner.stop();
  dir?.cleanup();
  dir = undefined;
});

/** The real app on a database that outlives it; Telegram refuses anything sent to the old group, as it does. */
async function boot(path: string): Promise<Booted> {
  const config = parseConfig({ BOT_TOKEN: '123:test', DATABASE_PATH: path, STAFF_CHAT_IDS: String(OLD_GROUP), LOG_LEVEL: 'silent' });
  const app = createApp({ config, token: '123:test', logger: pino({ level: 'silent' }), botInfo: BOT_INFO, throttle: false, pollIntervalMs: 50 });
  running.push(app);
  const { calls: delivered } = installOfflineTelegram(app.bot, { keep: true, firstMessageId: 20_000 });
  const attempts: RecordedCall[] = [];
  // Installed after the offline API, so it sees each call first.
  app.bot.api.config.use(async (prev, method, payload, signal) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    if (method.startsWith('send')) attempts.push({ method, payload: p });
    if (p.chat_id === OLD_GROUP) {
      return { ok: false, error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: SUPERGROUP } } as never;
    }
    return prev(method, payload, signal);
  });
  await app.bot.init();
  app.pipeline.start();
  app.sender.start();
  return {
    app,
    attempts,
    delivered,
    async send(update) {
      await app.bot.handleUpdate(update);
      await app.runner.settle();
    },
  };
}

const serviceMessage = (chat: { id: number; type: 'group' | 'supergroup' }, fields: Record<string, number>): Update =>
  groupMessage({ ...chat, title: '教体局工作群' }, staffMember, fields);

const textsTo = (calls: RecordedCall[], chatId: number) => calls.filter((c) => c.payload.chat_id === chatId).map((c) => String(c.payload.text ?? ''));

describe('a staff group upgraded to a supergroup', () => {
  it('"migrated to" in the old group: commands from the new id work, and keep working after a restart', async () => {
    dir = tempDir();
    const path = join(dir.dir, 'minyi.sqlite');
    let bot = await boot(path);
    await bot.send(privateText(resident(41_001), '第一中学食堂的饭菜太咸了'));

    // Before Telegram says anything, the supergroup is an outsider: it learns nothing.
    await bot.send(groupText(SUPERGROUP, staffMember, '/problems'));
    expect(textsTo(bot.delivered, SUPERGROUP)).toEqual([]);

    await bot.send(serviceMessage({ id: OLD_GROUP, type: 'group' }, { migrate_to_chat_id: SUPERGROUP }));
    await bot.send(groupText(SUPERGROUP, staffMember, '/problems'));
    expect(textsTo(bot.delivered, SUPERGROUP).join('\n')).toContain('#1');
    expect(bot.app.staffChats.ids()).toEqual([SUPERGROUP]);

    // A restart with STAFF_CHAT_IDS unchanged (still the old group).
    await bot.app.runner.stop();
    bot = await boot(path);
    await bot.send(groupText(SUPERGROUP, staffMember, '/problems'));
    expect(textsTo(bot.delivered, SUPERGROUP).join('\n')).toContain('#1');
    // An urgent report goes straight to the supergroup: nothing is even tried at the old id.
    await bot.send(privateText(resident(41_002), URGENT));
    expect(textsTo(bot.delivered, SUPERGROUP).some((t) => t.includes('流鼻血'))).toBe(true);
    expect(textsTo(bot.attempts, OLD_GROUP)).toEqual([]);
  });

  it('"migrated from" in the new supergroup alone is enough', async () => {
    dir = tempDir();
    const bot = await boot(join(dir.dir, 'minyi.sqlite'));
    await bot.send(privateText(resident(41_003), '第一中学食堂的饭菜太咸了'));
    await bot.send(serviceMessage({ id: SUPERGROUP, type: 'supergroup' }, { migrate_from_chat_id: OLD_GROUP }));
    await bot.send(groupText(SUPERGROUP, staffMember, '/problems'));
    expect(textsTo(bot.delivered, SUPERGROUP).join('\n')).toContain('#1');
    // Someone else's group cannot claim to be the staff chat's successor unless it was the staff chat.
    await bot.send(serviceMessage({ id: -100_666, type: 'supergroup' }, { migrate_from_chat_id: -4_666 }));
    expect(bot.app.staffChats.ids()).toEqual([SUPERGROUP]);
  });

  it('an alert queued for the old id is delivered to the new one when Telegram answers 400 with migrate_to_chat_id', async () => {
    dir = tempDir();
    const path = join(dir.dir, 'minyi.sqlite');
    let bot = await boot(path);
    await bot.send(privateText(resident(41_004), URGENT));

    // Telegram refused the old id once; the alert went to the supergroup, and the outbox lost nothing.
    expect(textsTo(bot.attempts, OLD_GROUP)).toHaveLength(1);
    const alerts = textsTo(bot.delivered, SUPERGROUP).filter((t) => t.includes('流鼻血'));
    expect(alerts).toHaveLength(1);
    expect(bot.app.db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE state <> 'sent'`).get()).toEqual({ n: 0 });
    // The staff chat moved with it: commands from the supergroup work, and after a restart too.
    await bot.send(groupText(SUPERGROUP, staffMember, '/problems'));
    expect(textsTo(bot.delivered, SUPERGROUP).join('\n')).toContain('#1');
    await bot.app.runner.stop();
    bot = await boot(path);
    await bot.send(groupText(SUPERGROUP, staffMember, '/problems'));
    expect(textsTo(bot.delivered, SUPERGROUP).join('\n')).toContain('#1');
  });
});
