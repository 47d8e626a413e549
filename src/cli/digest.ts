import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import pino, { type Logger } from 'pino';
import { createApp } from '../app.ts';
import { createLogger, secretsOf } from '../logger.ts';
import { parseConfig, type Config } from '../config.ts';
import type { Language } from '../domain/classification.ts';
import type { RenderedDigest } from '../desk/digest-service.ts';
import { localMidnight } from '../digest/periods.ts';
import { escapeHtml, visibleLength } from '../i18n/html.ts';
import { installOfflineTelegram, SAMPLE_BOT_INFO } from '../sample/offline-telegram.ts';
import { createSimulationClock, simulateActivity } from '../sample/sample-activity.ts';
import { configFromEnv, fail } from './cli-config.ts';
import { HOUR } from '../domain/time.ts';

const USAGE = `usage: npm run digest -- [--week YYYY-Www] [--out FILE.html] [--chart FILE.png] [--lang zh|en] [--db FILE]
                         [--sample [--fresh] [--weeks N] [--seed N]]

Builds the weekly digest from the database without sending anything, and prints its messages.
  --week    the ISO week (default: the last full week, Monday to Sunday in TIMEZONE)
  --out     also write an HTML page showing the messages as a chat would
  --chart   also write the chart as a PNG file
  --lang    language of the digest (default STAFF_LANGUAGE)
  --db      the database (default DATABASE_PATH)
  --sample  use the sample district (./data/sample.sqlite): simulated through the real app the first
            time (under a minute), then reused; --fresh rebuilds it; --weeks (6) and --seed (7) shape it`;

/** Where the sample starts: the Monday the autumn term begins. Fixed, so the sample is the same everywhere. */
const SAMPLE_START = { year: 2026, month: 9, day: 7 };
const SAMPLE_DB = './data/sample.sqlite';

interface SampleMarker {
  start: number;
  end: number;
  weeks: number;
  seed: number;
}

async function main(): Promise<void> {
  // `npm run digest | head` closes the pipe early; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  let args;
  try {
    args = parseArgs({
      options: {
        week: { type: 'string' },
        out: { type: 'string' },
        chart: { type: 'string' },
        lang: { type: 'string' },
        db: { type: 'string' },
        sample: { type: 'boolean', default: false },
        fresh: { type: 'boolean', default: false },
        weeks: { type: 'string', default: '6' },
        seed: { type: 'string', default: '7' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (args.lang !== undefined && args.lang !== 'zh' && args.lang !== 'en') fail(`--lang: expected zh or en\n\n${USAGE}`);

  const config = configFromEnv();
  const logger = createLogger('warn', { secrets: secretsOf(config), destination: pino.destination(2) });

  let dbPath = args.db ?? config.databasePath;
  let now = Date.now();
  if (args.sample) {
    dbPath = args.db ?? SAMPLE_DB;
    const weeks = positive(args.weeks, '--weeks');
    const seed = positive(args.seed, '--seed');
    const marker = await ensureSample(dbPath, { weeks, seed, fresh: args.fresh, config, logger });
    // As if on the Monday morning after the simulated weeks, when the scheduled digest goes out.
    now = marker.end + 9 * HOUR;
  } else if (!existsSync(dbPath)) {
    fail(`no database at ${dbPath} (set DATABASE_PATH or --db; try --sample for the sample district)`);
  }

  // The app's own digest, wired once in app.ts: the same blocks (themes, knowledge, suggestions, units) as the weekly
  // message. Nothing is started, so nothing is sent.
  const app = createApp({ config: { ...config, databasePath: dbPath }, token: '1:digest', logger, botInfo: SAMPLE_BOT_INFO, throttle: false, now: () => now });
  try {
    const digest = app.digest;
    const week = args.week === undefined ? digest.defaultWeek() : digest.parseWeek(args.week);
    if (!week) fail(`--week: expected an ISO week such as ${digest.defaultWeek().key}`);

    const started = performance.now();
    const rendered = digest.render(week, { language: (args.lang as Language | undefined) ?? config.staffLanguage });
    const ms = performance.now() - started;

    printMessages(rendered);
    const photo = rendered.messages.find((m) => m.type === 'photo');
    if (args.chart) {
      if (photo?.type === 'photo') writeFileSync(args.chart, Buffer.from(photo.pngBase64, 'base64'));
      else process.stderr.write('no chart: neither week had a report\n');
    }
    if (args.out) writeFileSync(args.out, previewPage(rendered, week.key));
    const texts = rendered.messages.filter((m) => m.type === 'text').length;
    process.stderr.write(
      `digest ${week.key} from ${dbPath}: ${rendered.digest.reports.current} reports, ${rendered.digest.problems.current} new problems; ` +
        `${photo ? 'a chart and ' : ''}${texts} text message(s); built in ${Math.round(ms)} ms` +
        `${args.out ? `; page: ${args.out}` : ''}${args.chart && photo ? `; chart: ${args.chart}` : ''}\n`,
    );
  } finally {
    await app.runner.stop();
  }
}


function positive(value: string, name: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) fail(`${name}: expected a whole number of at least 1`);
  return Number(value);
}

/** The sample district's database: reused when it was built with the same options, else simulated anew. */
async function ensureSample(path: string, options: { weeks: number; seed: number; fresh: boolean; config: Config; logger: Logger }): Promise<SampleMarker> {
  const markerPath = join(dirname(path), `${path.split('/').pop()}.json`);
  const start = localMidnight(SAMPLE_START.year, SAMPLE_START.month, SAMPLE_START.day, options.config.timezone);
  if (!options.fresh && existsSync(path) && existsSync(markerPath)) {
    const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as SampleMarker;
    if (marker.weeks === options.weeks && marker.seed === options.seed && marker.start === start) return marker;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`, markerPath]) rmSync(file, { force: true });

  process.stderr.write(`simulating ${options.weeks} weeks of the sample district into ${path} (seed ${options.seed})…\n`);
  const clock = createSimulationClock(start);
  // Only what shapes the figures comes from the environment; the sample never reaches Telegram or an LLM.
  const env = process.env;
  const config = parseConfig({
    DATABASE_PATH: path,
    STAFF_CHAT_IDS: '-1000000000001',
    LOG_LEVEL: 'warn',
    TIMEZONE: options.config.timezone,
    ...(env.RESPONSE_WINDOW_HOURS && { RESPONSE_WINDOW_HOURS: env.RESPONSE_WINDOW_HOURS }),
    ...(env.RECURRING_WITHIN_DAYS && { RECURRING_WITHIN_DAYS: env.RECURRING_WITHIN_DAYS }),
    ...(env.WIDESPREAD_MIN_RESIDENTS && { WIDESPREAD_MIN_RESIDENTS: env.WIDESPREAD_MIN_RESIDENTS }),
    ...(env.WIDESPREAD_WITHIN_DAYS && { WIDESPREAD_WITHIN_DAYS: env.WIDESPREAD_WITHIN_DAYS }),
  });
  const app = createApp({ config, token: '1:sample', logger: options.logger, botInfo: SAMPLE_BOT_INFO, throttle: false, now: clock.now, pollIntervalMs: 20 });
  installOfflineTelegram(app.bot);
  await app.bot.init();
  app.pipeline.start();
  app.sender.start();
  try {
    const summary = await simulateActivity(app, {
      weeks: options.weeks,
      seed: options.seed,
      clock,
      onDay: (day, days) => {
        if (day % 7 === 0) process.stderr.write(`  week ${day / 7} of ${days / 7} done\n`);
      },
    });
    process.stderr.write(`  ${summary.reports} reports, ${summary.problems} problems, ${summary.staffActions} staff actions, ${summary.surveyAnswers} survey answers\n`);
    const marker: SampleMarker = { start, end: summary.to, weeks: options.weeks, seed: options.seed };
    await app.runner.stop();
    writeFileSync(markerPath, `${JSON.stringify(marker, null, 2)}\n`);
    return marker;
  } catch (error) {
    await app.runner.stop();
    throw error;
  }
}

function printMessages(rendered: RenderedDigest): void {
  const total = rendered.messages.length;
  rendered.messages.forEach((message, i) => {
    const body = message.type === 'photo' ? `[chart.png]\n${message.captionHtml}` : message.type === 'text' ? message.html : `[${'filename' in message ? message.filename : message.type}]`;
    const length = message.type === 'photo' ? visibleLength(message.captionHtml) : message.type === 'text' ? visibleLength(message.html) : 0;
    process.stdout.write(`── message ${i + 1}/${total}: ${message.type}, ${length} characters ──\n${body}\n\n`);
  });
}

/** The messages as a Telegram chat shows them: one bubble each, the chart as an image. */
function previewPage(rendered: RenderedDigest, week: string): string {
  // Our Telegram HTML uses only tags browsers know (b, i, u, s, pre, code, a); newlines are kept by CSS.
  const bubbles = rendered.messages
    .map((message, i) => {
      const count = message.type === 'photo' ? visibleLength(message.captionHtml) : message.type === 'text' ? visibleLength(message.html) : 0;
      const inner =
        message.type === 'photo'
          ? `<img src="data:image/png;base64,${message.pngBase64}" alt="chart"><div class="text">${message.captionHtml}</div>`
          : message.type === 'text'
            ? `<div class="text">${message.html}</div>`
            : '';
      return `<div class="bubble">${inner}<div class="meta">${i + 1}/${rendered.messages.length} · ${count} / ${message.type === 'photo' ? 1024 : 4096}</div></div>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>${escapeHtml(`Minyi digest ${week}`)}</title>
<style>
  body { margin: 0; background: #99b4c9; font: 15px/1.35 -apple-system, "Segoe UI", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; }
  .chat { max-width: 460px; margin: 0 auto; padding: 16px 10px; }
  .bubble { background: #fff; border-radius: 12px; padding: 8px 10px 4px; margin: 0 0 10px; box-shadow: 0 1px 1px rgba(0,0,0,.15); overflow: hidden; }
  .bubble img { display: block; width: calc(100% + 20px); margin: -8px -10px 6px; }
  .text { white-space: pre-wrap; word-wrap: break-word; }
  .text pre { margin: 4px 0; padding: 6px; background: #f1f3f5; border-radius: 6px; font: 13px/1.3 "WenQuanYi Micro Hei Mono", "Noto Sans Mono CJK SC", monospace; white-space: pre; overflow-x: auto; }
  .meta { text-align: right; color: #8a9aa9; font-size: 11px; margin-top: 2px; }
</style></head>
<body><div class="chat">
${bubbles}
</div></body></html>
`;
}

await main();
