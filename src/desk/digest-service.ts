/*
 * desk/: the staff's use cases on the problem list (跟踪督办) — they change problems, render notices and queue them
 * in the outbox, so they sit beside the pipeline; problems/ and digest/ keep the data types and pure rules they use.
 */
import type { Logger } from 'pino';
import type { Db } from '../db/database.ts';
import type { Catalogue } from '../domain/categories.ts';
import type { Language } from '../domain/classification.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { OutgoingMessage, Outbox } from '../outbox/outbox.ts';
import type { ScheduledJob } from '../schedule/scheduler.ts';
import { renderCategoryChart } from '../digest/chart.ts';
import { createDigestQuery, type DigestLimits, type WeeklyDigest } from '../digest/digest-data.ts';
import { lastFullPeriod, parsePeriodKey, type Period, type PeriodKind } from '../digest/periods.ts';
import { createRatesQuery, type Ranking, type RankingSettings } from '../digest/rates.ts';
import { createDigestRenderer } from '../digest/render.ts';
import { splitHtml } from '../digest/split-html.ts';

/**
 * The weekly digest and the units' ranking, from the database to outbox messages. Built once,
 * queued per chat: the scheduled digest through the scheduler (`job`), on-demand ones through `queue*`.
 */

export interface RenderedDigest {
  digest: WeeklyDigest;
  /** The chart as a photo with its caption (absent when neither week had a report), then the text parts in order. */
  messages: OutgoingMessage[];
  /** The whole text before splitting (for the CLI's HTML file). */
  html: string;
}

export interface DigestServiceDeps {
  db: Db;
  outbox: Outbox;
  tr: Translator;
  catalogue: Catalogue;
  /** A unit's display name (UnitRegistry.displayName: the id when the directory has none). */
  unitName: (unitId: string) => string;
  timezone: string;
  /** config.digest: cron, response window, minimum problems, weights. */
  settings: RankingSettings & { cron: string };
  staffChatIds: readonly number[];
  staffLanguage: Language;
  logger: Logger;
  /** Something was queued: wake the outbox sender. */
  onQueued: () => void;
  now?: () => number;
  /** Draw the chart (default true); off only where the canvas is not wanted. */
  chart?: boolean;
  limits?: DigestLimits;
  /** One line on questions answered from the knowledge base in the week (src/knowledge/); none when absent. */
  knowledgeLine?: (week: Period, language: Language) => string;
  /** The suggestions adopted in the week (采纳), the bureau's good news; null or absent: no such block. */
  adoptedLine?: (week: Period, language: Language) => string | null;
  /** Units' sign-for time, returns, extensions and rejected reviews (src/dispatch/unit-work.ts); in the digest and the ranking. */
  unitsLine?: (period: Period, language: Language) => string | null;
  /** The week's most reported subtopics and the district-wide themes (一类问题, issue 11); null or absent: no block. */
  themesLine?: (week: Period, language: Language) => string | null;
}

export interface DigestService {
  /** The ISO week a digest built at `at` covers: the last full one. */
  defaultWeek(at?: number): Period;
  /** Parse 'YYYY-Www'; undefined when it is not a week. */
  parseWeek(key: string): Period | undefined;
  /** '2026-W47', '2026-11', '2026-Q4', or 'week' / 'month' / 'quarter' for the last full one. */
  parsePeriod(text: string): Period | undefined;
  /** Figures of a week, as of `builtAt` (default now). */
  build(week: Period, builtAt?: number): WeeklyDigest;
  /** Figures, HTML and messages of a week's digest in `language` (default the staff's). */
  render(week: Period, options?: { builtAt?: number; language?: Language }): RenderedDigest;
  ranking(period: Period, asOf?: number): Ranking;
  /** The ranking table of a period, split into messages. */
  renderRanking(period: Period, options?: { asOf?: number; language?: Language }): string[];
  /**
   * Queue a digest to a chat outside the schedule (/digest). `requestKey` makes it idempotent (the
   * Telegram update id: a replayed update does not queue it twice); it does not count as the scheduled one.
   */
  queueDigest(chatId: number, week: Period, requestKey: string): number;
  queueRanking(chatId: number, period: Period, requestKey: string): number;
  /** Queue a text message (usage hints) through the outbox. */
  queueText(chatId: number, html: string, key: string): void;
  /** The scheduled weekly digest: register it on the scheduler. */
  readonly job: ScheduledJob<RenderedDigest>;
}

export const DIGEST_JOB = 'weekly-digest';

export function createDigestService(deps: DigestServiceDeps): DigestService {
  const { db, outbox, tr, timezone, settings, logger } = deps;
  const now = deps.now ?? Date.now;
  const language = deps.staffLanguage;
  const unitName = deps.unitName;
  const query = createDigestQuery(db, timezone, deps.limits);
  const rates = createRatesQuery(db);
  const renderer = createDigestRenderer({ tr, catalogue: deps.catalogue, unitName, timezone });

  const build = (week: Period, builtAt = now()) => query.build(week, builtAt, settings, unitName);

  function render(week: Period, options: { builtAt?: number; language?: Language } = {}): RenderedDigest {
    const lang = options.language ?? language;
    const digest = build(week, options.builtAt);
    const html = [renderer.digest(digest, lang), deps.themesLine?.(week, lang), deps.adoptedLine?.(week, lang), deps.knowledgeLine?.(week, lang), deps.unitsLine?.(week, lang)].filter(Boolean).join('\n\n');
    const messages: OutgoingMessage[] = [];
    const chart = deps.chart === false ? undefined : renderer.chart(digest, lang);
    if (chart) {
      try {
        messages.push({ type: 'photo', pngBase64: renderCategoryChart(chart.input, logger).toString('base64'), captionHtml: chart.captionHtml });
      } catch (error) {
        // The figures matter more than the picture: the digest goes out without it.
        logger.error({ err: error, week: week.key }, 'could not draw the digest chart; sending the digest without it');
      }
    }
    for (const part of splitHtml(html)) messages.push({ type: 'text', html: part });
    return { digest, messages, html };
  }

  function enqueueAll(chatId: number, keyPrefix: string, messages: readonly OutgoingMessage[]): number {
    let queued = 0;
    messages.forEach((message, i) => {
      if (outbox.enqueue({ dedupeKey: `${keyPrefix}:${i + 1}`, chatId, kind: 'digest', message })) queued++;
    });
    return queued;
  }

  const ranking = (period: Period, asOf = now()) => rates.ranking(period.start, period.end, asOf, settings, unitName);
  const renderRanking = (period: Period, options: { asOf?: number; language?: Language } = {}) =>
    splitHtml([renderer.ranking(ranking(period, options.asOf), period, options.language ?? language), deps.unitsLine?.(period, options.language ?? language)].filter(Boolean).join('\n\n'));

  const parsePeriod = (text: string): Period | undefined => {
    const word = text.trim().toLowerCase();
    if (word === '' || word === 'week' || word === 'month' || word === 'quarter') return lastFullPeriod((word || 'week') as PeriodKind, now(), timezone);
    return parsePeriodKey(text, timezone);
  };

  return {
    defaultWeek: (at = now()) => lastFullPeriod('week', at, timezone),
    parseWeek(key) {
      const period = parsePeriodKey(key, timezone);
      return period?.kind === 'week' ? period : undefined;
    },
    parsePeriod,
    build,
    render,
    ranking,
    renderRanking,
    queueDigest(chatId, week, requestKey) {
      const { messages } = render(week);
      const queued = db.transaction(() => enqueueAll(chatId, `digest:${week.key}:${chatId}:request-${requestKey}`, messages))();
      deps.onQueued();
      return queued;
    },
    queueRanking(chatId, period, requestKey) {
      const parts = renderRanking(period);
      const queued = db.transaction(() => enqueueAll(chatId, `ranking:${period.key}:${chatId}:request-${requestKey}`, parts.map((html) => ({ type: 'text', html }))))();
      deps.onQueued();
      return queued;
    },
    queueText(chatId, html, key) {
      outbox.enqueue({ dedupeKey: key, chatId, kind: 'notice', message: { type: 'text', html } });
      deps.onQueued();
    },
    job: {
      name: DIGEST_JOB,
      cron: settings.cron,
      // The last full week before the scheduled time (Monday 09:00 → the week that ended at midnight).
      period: (scheduledAt) => lastFullPeriod('week', scheduledAt, timezone).key,
      chats: () => deps.staffChatIds,
      prepare: (run) => render(parsePeriodKey(run.period, timezone)!, { builtAt: run.now }),
      commit: (chatId, prepared, run) => void enqueueAll(chatId, `digest:${run.period}:${chatId}`, prepared.messages),
    },
  };
}
