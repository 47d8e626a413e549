import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { installOfflineTelegram } from '../../src/sample/offline-telegram.ts';
import { BOT_INFO, STAFF_CHAT, tempDir, testConfig } from '../support/harness.ts';
import { callback, groupText, privateText, resident } from '../support/updates.ts';
import { principalA, staffMember, UNIT_A_CHAT } from './kit.ts';

const apps: App[] = [];
let dir: ReturnType<typeof tempDir> | undefined;
afterEach(async () => {
  for (const app of apps.splice(0)) await app.runner.stop();
  dir?.cleanup();
});

async function boot(path: string) {
  const app = createApp({ config: testConfig(path), token: '123:test', logger: pino({ level: 'silent' }), botInfo: BOT_INFO, throttle: false, pollIntervalMs: 50 });
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

describe('a unit chat after a restart', () => {
  it('keeps its binding: the next dispatch reaches it and its buttons work', async () => {
    dir = tempDir();
    let bot = await boot(dir.dir);
    await bot.send(groupText(STAFF_CHAT, staffMember, '/bind 实验小学'));
    const code = /\/bind ([0-9a-f]{20})/.exec(bot.texts(STAFF_CHAT).at(-1)!)![1]!;
    await bot.send(groupText(UNIT_A_CHAT, principalA, `/bind ${code}`));
    await bot.app.runner.stop();
    apps.pop();

    bot = await boot(dir.dir);
    await bot.send(privateText(resident(1), '实验小学厕所的水龙头坏了一个月了'));
    const id = (bot.app.db.prepare('SELECT problem_id FROM reports WHERE chat_id = 1').pluck().get() as number);
    await bot.send(groupText(STAFF_CHAT, staffMember, `/assign ${id} 实验小学`));
    expect(bot.texts(UNIT_A_CHAT).join('\n')).toContain(`#${id}`);
    await bot.send(callback(UNIT_A_CHAT, principalA, `ua:acc:${id}`));
    expect(bot.app.problems.history(id).map((e) => e.action)).toContain('signed');
  });
});
