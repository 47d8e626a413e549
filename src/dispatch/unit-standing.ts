import type { Db } from '../db/database.ts';
import type { Language } from '../domain/classification.ts';
import { redactPersonalData } from '../domain/redact.ts';
import { formatDate } from '../domain/time.ts';
import { lastFullPeriod, parsePeriodKey, periodDates, type Period } from '../digest/periods.ts';
import type { Ranking } from '../digest/rates.ts';
import type { DigestRenderer } from '../digest/render.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { ScheduledJob } from '../schedule/scheduler.ts';
import type { UnitChats } from '../units/unit-chats.ts';
import { createUnitDispatchStore } from '../units/unit-dispatch-store.ts';
import type { UnitWork } from './unit-work.ts';

/** Overdue problems listed in a unit's weekly line; the count says how many more there are. */
const OVERDUE_LINES = 10;
const TITLE_CHARS = 60;

/** What a unit's standing is built from: the district's ranking and every unit's handling, computed once. */
export interface StandingFigures {
  period: Period;
  ranking: Ranking;
  work: UnitWork[];
}

/**
 * A unit's own chat sees its own row of the ranking (its rank among the ranked units, its rates), its own handling
 * (sign-for, returns, extensions, results sent back) and, weekly, its own overdue problems: never another unit's.
 */
export interface UnitStanding {
  figures(period: Period, asOf: number): StandingFigures;
  /** `overdueAsOf`: also list the units' problems open past their deadline at that moment (the weekly line). */
  render(figures: StandingFigures, unitIds: readonly string[], language: Language, overdueAsOf?: number): string;
}

export interface UnitStandingDeps {
  db: Db;
  ranking: (period: Period, asOf: number) => Ranking;
  work: (period: Period) => UnitWork[];
  renderer: Pick<DigestRenderer, 'unitEntry'>;
  tr: Translator;
  unitName: (unitId: string) => string;
  timezone: string;
  late: (language: Language, ms: number) => string;
}

export function createUnitStanding(deps: UnitStandingDeps): UnitStanding {
  const { tr, timezone } = deps;
  const dispatches = createUnitDispatchStore(deps.db);
  // Titles come from residents' words: masked again, as on the dispatch card, and kept short.
  const title = (text: string) => {
    const chars = Array.from(redactPersonalData(text));
    return chars.length > TITLE_CHARS ? `${chars.slice(0, TITLE_CHARS).join('')}…` : chars.join('');
  };

  return {
    figures: (period, asOf) => ({ period, ranking: deps.ranking(period, asOf), work: deps.work(period) }),

    render({ period, ranking, work }, unitIds, language, overdueAsOf) {
      const { first, last } = periodDates(period, timezone);
      const ranked = ranking.units.filter((u) => u.rank !== null).length;
      const blocks = [tr.t(language, overdueAsOf === undefined ? 'unitrank.title' : 'unitrank.weekly_title', { period: period.key, first, last })];
      for (const unitId of unitIds) {
        const row = ranking.units.find((u) => u.unitId === unitId);
        const done = work.find((w) => w.unitId === unitId);
        const lines = [
          row ? deps.renderer.unitEntry(language, row) : tr.t(language, 'unitrank.no_problems', { unit: deps.unitName(unitId) }),
          row?.rank != null
            ? tr.t(language, 'unitrank.position', { rank: row.rank, ranked })
            : tr.t(language, 'unitrank.unranked', { min: ranking.settings.rankingMinProblems }),
          done
            ? tr.t(language, 'unitwork.line', {
                unit: deps.unitName(unitId),
                dispatched: done.dispatched,
                signed: done.signed,
                inTime: done.signedInTime,
                hours: done.medianSignHours === null ? '—' : done.medianSignHours.toFixed(1),
                returned: done.returned,
                extensions: done.extensions,
                rejected: done.reviewsRejected,
              })
            : tr.t(language, 'unitrank.no_dispatches'),
        ];
        blocks.push(lines.join('\n'));
      }
      if (overdueAsOf !== undefined) {
        const rows = dispatches.overdueOf(unitIds, overdueAsOf, OVERDUE_LINES);
        const total = rows[0]?.total ?? 0;
        blocks.push(
          [
            tr.t(language, 'unitrank.overdue_header', { n: total }),
            ...(rows.length === 0
              ? [tr.t(language, 'unitrank.overdue_none')]
              : rows.map((p) => tr.t(language, 'unitrank.overdue_line', { id: p.id, title: title(p.title), deadline: formatDate(p.deadlineAt, timezone), late: deps.late(language, overdueAsOf - p.deadlineAt) }))),
            ...(total > rows.length ? [tr.t(language, 'digest.more', { n: total - rows.length })] : []),
          ].join('\n'),
        );
      }
      return blocks.join('\n\n');
    },
  };
}

export const UNIT_WEEKLY_JOB = 'unit-weekly';

/**
 * When the weekly digest goes out (same cron, same week), each unit's own chat gets its line: its rank, rates,
 * handling and overdue problems. Exactly once per week per chat, by the scheduler's bookkeeping.
 */
export function createUnitWeeklyJob(deps: {
  cron: string;
  timezone: string;
  language: Language;
  unitChats: Pick<UnitChats, 'list' | 'unitsOf'>;
  standing: UnitStanding;
  outbox: Outbox;
}): ScheduledJob<StandingFigures> {
  return {
    name: UNIT_WEEKLY_JOB,
    cron: deps.cron,
    period: (scheduledAt) => lastFullPeriod('week', scheduledAt, deps.timezone).key,
    chats: () => deps.unitChats.list().map((c) => c.chatId),
    prepare: (run) => deps.standing.figures(parsePeriodKey(run.period, deps.timezone)!, run.now),
    commit(chatId, figures, run) {
      const unitIds = deps.unitChats.unitsOf(chatId);
      if (unitIds.length === 0) return;
      const html = deps.standing.render(figures, unitIds, deps.language, run.now);
      deps.outbox.enqueue({ dedupeKey: `unit-weekly:${run.period}:${chatId}`, chatId, kind: 'digest', message: { type: 'text', html } });
    },
  };
}
