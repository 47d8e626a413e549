import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createBotApiEmulator } from '../src/emulator/bot-api-emulator.ts';
import { startBot, until } from './intake.ts';
import { stopGroup } from './lib/proc.ts';
import type { ResultSet } from './lib/results.ts';
import { median, sleep } from './lib/stats.ts';

/**
 * The residents' web page (issue 17), end to end: the real bot as its own process (offline classifier, the Bot API
 * emulator for staff), web reports posted over HTTP by many clients at once. Measures how many web reports a
 * second are stored, classified and acknowledged on their pages, the time from pressing "send" to the ticket page,
 * and whether a forged token answers in a different time from a real one. Leaves nothing running.
 */

const TOKEN = '123456:bench-web-token';
const STAFF_CHAT = -100_200_300;
const ROOT = join(import.meta.dirname, '..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function benchWeb(results: ResultSet, options: { quick: boolean; log: (line: string) => void }): Promise<void> {
  const { quick, log } = options;
  const section = 'web';
  const total = quick ? 200 : 2000;
  const clients = 16;
  const texts = readFileSync(join(ROOT, 'test/fixtures/holdout.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => (JSON.parse(line) as { text: string }).text);

  const telegram = createBotApiEmulator({ token: TOKEN });
  await telegram.start();
  telegram.registerChat({ id: STAFF_CHAT, type: 'supergroup', title: '教体局工作群' });
  const dir = mkdtempSync(join(tmpdir(), 'minyi-bench-web-'));
  const dbPath = join(dir, 'minyi.sqlite');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const bot = startBot({
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    DATABASE_PATH: dbPath,
    STAFF_CHAT_IDS: String(STAFF_CHAT),
    LOG_LEVEL: 'warn',
    WEB_PUBLIC_URL: base,
    WEB_PORT: String(port),
    // The limits are for abuse, not for this load: raised so that the bench measures the page, not the limiter.
    WEB_REPORTS_PER_IP_HOUR: '100000',
    WEB_REPORTS_PER_MINUTE: '1000000',
  });
  try {
    await until(() => telegram.requestLog.some((r) => r.method === 'deleteWebhook'), 60_000, () => bot.output());
    await sleep(1000);

    // Many residents at once (each its own address behind the proxy): submit, then load the ticket page.
    const toPage: number[] = [];
    const tokens: string[] = [];
    let next = 0;
    let failures = 0;
    const failureStatuses = new Map<number, number>();
    const started = performance.now();
    let lastAccepted = started;
    const client = async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = performance.now();
        const resident = { 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
        const res = await fetch(`${base}/api/reports`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...resident },
          body: JSON.stringify({ text: texts[i % texts.length], language: 'zh' }),
        });
        if (res.status !== 201) {
          failures++;
          failureStatuses.set(res.status, (failureStatuses.get(res.status) ?? 0) + 1);
          continue;
        }
        lastAccepted = performance.now();
        const { trackingUrl } = (await res.json()) as { trackingUrl: string };
        const page = await fetch(trackingUrl, { headers: resident });
        await page.text();
        if (page.status !== 200) {
          failures++;
          failureStatuses.set(page.status, (failureStatuses.get(page.status) ?? 0) + 1);
        }
        toPage.push(performance.now() - t0);
        tokens.push(trackingUrl.slice(trackingUrl.lastIndexOf('/') + 1));
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    const db = new Database(dbPath, { readonly: true });
    // Answered on the page: an acknowledgement with a ticket, or (a question the knowledge base answers, praise,
    // small talk) the answer itself.
    const acked = () => db.prepare(`SELECT COUNT(DISTINCT report_id) FROM web_notices`).pluck().get() as number;
    await until(() => acked() >= total - failures, 300_000, () => `acknowledged ${acked()} of ${total}`);
    const finished = performance.now();
    const ackLatency = db
      .prepare(`SELECT MIN(n.at) - r.received_at FROM web_notices n JOIN reports r ON r.id = n.report_id GROUP BY r.id`)
      .pluck()
      .all() as number[];
    const telegramForWeb = telegram.sentMessages().filter((m) => m.chat_id <= -(2 ** 52)).length;
    db.close();
    log(`web: ${total} reports from ${clients} clients, ${failures} failed ${JSON.stringify(Object.fromEntries(failureStatuses))}; all acknowledged in ${((finished - started) / 1000).toFixed(1)} s`);

    results.add({ id: 'web.reports-per-second', section, name: `Web reports stored, classified (offline) and acknowledged on their pages per second (${total} reports, ${clients} clients)`, unit: 'reports/s', samples: [(total - failures) / ((finished - started) / 1000)] });
    results.add({ id: 'web.accepted-per-second', section, name: 'Web reports answered 201 (stored) per second', unit: 'reports/s', samples: [(total - failures) / ((lastAccepted - started) / 1000)] });
    results.add({ id: 'web.time-to-ticket-page', section, name: 'Send → ticket page loaded (POST 201 + GET tracking page), under load', unit: 'ms', samples: toPage, judgedOn: 'p95' });
    results.add({ id: 'web.stored-to-ack', section, name: 'Stored → first answer on the tracking page (server clock)', unit: 'ms', samples: ackLatency, judgedOn: 'p95' });
    results.fact(section, 'failedRequests', failures);
    results.fact(section, 'failedStatuses', Object.fromEntries(failureStatuses));
    results.fact(section, 'telegramMessagesToWebAddresses', telegramForWeb);

    // Forged tokens: the same path as a real one (hash, one indexed lookup, constant-time compare). Interleaved.
    const real = tokens[0]!;
    const kinds = {
      real: () => real,
      nearMiss: () => `${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`,
      random: () => Buffer.from(Array.from({ length: 24 }, () => Math.floor(Math.random() * 256))).toString('base64url'),
      short: () => 'abc',
    };
    const times: Record<string, number[]> = { real: [], nearMiss: [], random: [], short: [] };
    const rounds = quick ? 100 : 400;
    for (let round = 0; round < rounds; round++) {
      for (const [kind, token] of Object.entries(kinds)) {
        const t0 = performance.now();
        const res = await fetch(`${base}/api/reports/${token()}`);
        await res.arrayBuffer();
        times[kind]!.push(performance.now() - t0);
      }
    }
    for (const [kind, samples] of Object.entries(times)) {
      results.add({ id: `web.token-lookup.${kind}`, section, name: `GET /api/reports/{token}: ${kind === 'real' ? 'the real token (200)' : `${kind} forged token (404)`}`, unit: 'ms', samples });
    }
    log(`web: token lookup medians ${Object.entries(times).map(([k, s]) => `${k} ${median(s).toFixed(2)} ms`).join(', ')}`);
  } finally {
    await stopGroup(bot.child);
    await telegram.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
