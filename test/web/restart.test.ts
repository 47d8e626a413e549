import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/bot-process.ts';
import { createFaultWorld, sleep, type FaultWorld } from '../faults/support/fault-world.ts';
import { freePort, tokenOf } from './kit.ts';

/**
 * Restart mid-submission: the bot as its own process (`tsx src/main.ts`) with the web page on, residents posting
 * reports while it is killed with SIGKILL. Every report that was answered 201 is in the database after the
 * restart and gets its acknowledgement on its tracking page; a submission cut off by the kill is retried with
 * its Idempotency-Key and becomes exactly one report.
 */

let world: FaultWorld;
beforeEach(async () => {
  world = await createFaultWorld();
});
afterEach(async () => {
  await world.close();
});

describe('restart mid-submission', () => {
  it('kill -9 while web reports arrive: nothing answered is lost, nothing retried is doubled, every report is acknowledged', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { WEB_PUBLIC_URL: base, WEB_PORT: String(port), WEB_REPORTS_PER_MINUTE: '100000', WEB_REPORTS_PER_IP_HOUR: '100000' };
    // A slow model, so the kill finds reports stored but not yet classified.
    world.llm.setLatency({ meanMs: 150, jitterMs: 50 });
    let bot = await world.start({ env });

    const TOTAL = 120;
    const answered = new Map<number, string>();
    const cut: number[] = [];
    const post = async (i: number) => {
      try {
        const res = await fetch(`${base}/api/reports`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `restart-test-${i}-abcdefgh`, 'x-forwarded-for': `203.0.113.${i}` },
          body: JSON.stringify({ text: `第${i}号：实验小学门口的路灯坏了，晚上很黑`, language: 'zh' }),
        });
        if (res.status !== 201 && res.status !== 200) throw new Error(String(res.status));
        const body = (await res.json()) as { ticket: number; trackingUrl: string };
        answered.set(i, tokenOf(body.trackingUrl));
      } catch {
        cut.push(i);
      }
    };
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < 80; i++) {
      inFlight.push(post(i));
      if (i % 10 === 9) await sleep(15);
    }
    await eventually(() => answered.size >= 60, 30_000, () => `answered ${answered.size}`);
    // The last 40 arrive as the process dies: some stored and answered, some stored with the answer lost, some never read.
    for (let i = 80; i < TOTAL; i++) inFlight.push(post(i));
    await sleep(25);
    await bot.kill9();
    await Promise.all(inFlight);
    const storedAtKill = world.count('SELECT COUNT(*) FROM reports');
    expect(cut.length).toBeGreaterThan(0);
    const answeredBeforeRestart = new Set(answered.keys());

    bot = await world.start({ env });
    // The resident whose page failed sends again (the form's submission key, the API's Idempotency-Key).
    const retried = cut.splice(0);
    for (const i of retried) await post(i);
    expect(cut).toEqual([]);

    const rows = () => world.query<{ id: number; text: string }>('SELECT id, text FROM reports');
    expect(rows()).toHaveLength(TOTAL);
    const texts = rows().map((r) => r.text);
    expect(new Set(texts).size).toBe(TOTAL);
    await eventually(
      () => world.count(`SELECT COUNT(DISTINCT report_id) FROM web_notices WHERE kind = 'ack'`) === TOTAL,
      60_000,
      () => `acknowledged ${world.count(`SELECT COUNT(DISTINCT report_id) FROM web_notices WHERE kind = 'ack'`)} of ${TOTAL}`,
    );
    // Exactly one acknowledgement each, and every token answered before the kill still opens its report.
    expect(world.count(`SELECT COUNT(*) FROM web_notices WHERE kind = 'ack'`)).toBe(TOTAL);
    for (const i of answeredBeforeRestart) {
      const token = answered.get(i)!;
      const res = await fetch(`${base}/api/reports/${token}`);
      if (res.status !== 200) {
        // A submission answered, then retried after the kill, holds the newer token; the first one stops working.
        expect(retried).not.toContain(i);
      }
      expect(res.status).toBe(200);
    }
    // Nothing for a web resident ever went to Telegram.
    expect(world.telegram.sentMessages().filter((m) => m.chat_id <= -(2 ** 52))).toHaveLength(0);
    console.log(`restart mid-submission: ${answeredBeforeRestart.size} answered before the kill, ${storedAtKill} stored at the kill, ${retried.length} cut off and retried, ${TOTAL} reports, ${TOTAL} acknowledgements`);
    expect(await bot.stop()).toBe(0);
  }, 120_000);
});
