import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { privateText, resident } from '../support/updates.ts';

/**
 * A full disk. The resident's update reached the inbox (it is written before anything else), but the report
 * could not be written. They must not be told "saved"; the update must stay in the inbox, and once the disk takes
 * writes again it is handled while the bot runs — the report registered and acknowledged — without a restart.
 * The full disk is SQLite's own: PRAGMA max_page_count on the real database stops it from growing.
 */

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function until(condition: () => boolean, what: string, ms = 15_000): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

describe('a full disk', () => {
  it('tells the resident the report is not registered yet, keeps the update, and registers it once there is room again', async () => {
    h = await createHarness();
    const { app } = h;
    const db = app.db;
    const count = (sql: string, ...params: unknown[]) => (db.prepare(sql).get(...params) as { n: number }).n;
    // A first report, so that the tables have their pages.
    await h.send(privateText(resident(61_001, 'en'), 'The gym showers at the sports centre are cold'));

    const someone = resident(61_002, 'en');
    // A long text needs new pages wherever it goes (the report, its search index).
    const text = `The canteen at No. 1 Middle School served spoiled rice today. ${'Details follow. '.repeat(300)}`;
    const update = privateText(someone, text);
    // Stored when Telegram handed it over (the getUpdates path), while there was still room.
    app.inbox.save([update as never]);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);

    await app.bot.handleUpdate(update);
    await app.runner.settle();
    const told = h.texts(someone.id);
    // Not "saved", and not asked to send it again (that would make a duplicate once it is registered).
    expect(told).toHaveLength(1);
    expect(told[0]).toBe(app.tr.t('en', 'error.not_saved'));
    expect(told[0]).not.toMatch(/has been saved/);
    expect(count('SELECT COUNT(*) AS n FROM reports WHERE chat_id = ?', someone.id)).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM inbox WHERE update_id = ? AND handled_at IS NULL', update.update_id)).toBe(1);

    // Still full a while later: tried again, still not registered, and the resident is not told twice.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(h.texts(someone.id)).toHaveLength(1);

    // Room again (the operator freed space): no restart, the report is registered and acknowledged.
    db.pragma('max_page_count = 1073741823');
    const waited = await until(() => count('SELECT COUNT(*) AS n FROM reports WHERE chat_id = ?', someone.id) === 1, 'the report to be registered');
    await app.runner.settle();
    await until(() => h!.texts(someone.id).length === 2, 'the acknowledgement');
    expect(h.texts(someone.id)[1]).toMatch(/#\d+/);
    expect(count('SELECT COUNT(*) AS n FROM inbox WHERE update_id = ? AND handled_at IS NULL', update.update_id)).toBe(0);
    console.log(`[full-disk] resident told "not registered yet" once; registered ${waited} ms after the disk took writes again, without a restart`);
  }, 30_000);
});
