import type { Logger } from 'pino';
import { createApp } from '../app.ts';
import type { Config } from '../config.ts';
import { installOfflineTelegram, SAMPLE_BOT_INFO } from '../sample/offline-telegram.ts';
import { createSimulationClock, simulateActivity, type SimulationSummary } from '../sample/sample-activity.ts';
import type { App } from '../app.ts';
import { createUnitChats } from '../units/unit-chats.ts';
import { PERSONAS, SANDBOX_BOT, SANDBOX_TOKEN, SEEDED_UNIT_GROUPS } from './personas.ts';
import { DAY } from '../domain/time.ts';

const WEEK = 7 * DAY;

export interface SeedOptions {
  /** The sandbox's config: its database is the one filled. */
  config: Config;
  logger: Logger;
  /** How many weeks of history, ending now (default 6: enough for a month's ranking and several digests). */
  weeks?: number;
  /** The same seed gives the same history (default 1). */
  seed?: number;
}

/** Binds each unit persona's group to its units through the real one-time code (issued by the staff persona). */
export function bindUnitPersonas(app: Pick<App, 'db' | 'units'>, at: number): void {
  const unitChats = createUnitChats(app.db);
  const staff = PERSONAS.find((p) => p.role === 'staff');
  for (const persona of PERSONAS) {
    if (persona.role !== 'unit' || !persona.group || unitChats.isUnitChat(persona.chatId)) continue;
    const unitIds = persona.group.units.map((name) => app.units.resolve(name)?.id).filter((id): id is string => id !== undefined);
    if (unitIds.length > 0) unitChats.redeem(unitChats.issueCode(unitIds, staff?.user.id ?? 0, at), persona.chatId, at);
  }
}

/**
 * Fills the sandbox database with weeks of simulated activity, played through the real app (real
 * intake, classification, grouping, staff desk, units' desk and survey) on a clock that starts `weeks` ago. No row
 * is written directly. Telegram is answered offline: the residents of the history are not on the page.
 */
export async function seedSandbox(options: SeedOptions): Promise<SimulationSummary> {
  const weeks = options.weeks ?? 6;
  const clock = createSimulationClock(Date.now() - weeks * WEEK);
  const started = Date.now();
  options.logger.info(`seeding the sandbox with ${weeks} weeks of sample activity…`);
  const app = createApp({
    // Offline classification even when an LLM is configured: a history is hundreds of reports.
    config: { ...options.config, llm: undefined },
    token: SANDBOX_TOKEN,
    // Per-report lines would bury the sandbox's own; problems still show.
    logger: options.logger.child({ module: 'seed' }, { level: 'warn' }),
    now: clock.now,
    botInfo: { ...SAMPLE_BOT_INFO, ...SANDBOX_BOT },
    throttle: false,
  });
  installOfflineTelegram(app.bot);
  try {
    await app.runner.startWorkers();
    const summary = await simulateActivity(app, {
      weeks,
      seed: options.seed ?? 1,
      clock,
      // 实验小学's group (the principal persona) and the other units' groups: the units' loop in the history (issue 13).
      unitChats: [
        ...PERSONAS.filter((p) => p.role === 'unit' && p.group).map((p) => ({ chatId: p.chatId, units: p.group!.units, userId: p.user.id })),
        ...SEEDED_UNIT_GROUPS.map((g) => ({ chatId: g.id, units: g.units, userId: g.principalId })),
      ],
      onDay: (day, days) => {
        if (day % 7 === 0) options.logger.info(`seeded week ${day / 7} of ${days / 7}`);
      },
    });
    await app.runner.settle();
    options.logger.info(
      { reports: summary.reports, problems: summary.problems, staffActions: summary.staffActions, unitActions: summary.unitActions, surveyAnswers: summary.surveyAnswers, seconds: Math.round((Date.now() - started) / 1000) },
      `seeded ${summary.reports} reports in ${summary.problems} problems`,
    );
    return summary;
  } finally {
    await app.runner.stop();
  }
}
