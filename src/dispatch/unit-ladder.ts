import type { Db } from '../db/database.ts';
import type { Language } from '../domain/classification.ts';
import { DAY, HOUR, formatDate } from '../domain/time.ts';
import type { Translator } from '../i18n/i18n.ts';
import { queueForEach } from '../outbox/broadcast.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { ProblemStore } from '../problems/problem-store.ts';
import type { ScheduledJob } from '../schedule/scheduler.ts';
import type { UnitChats } from '../units/unit-chats.ts';
import { createUnitDispatchStore } from '../units/unit-dispatch-store.ts';
import type { UnitRegistry } from '../units/unit-registry.ts';

/**
 * The ladder is one run for the whole district, not one per chat: the scheduler's exactly-once bookkeeping is kept
 * under this pseudo chat id, and every message is deduplicated per problem and step in the outbox.
 */
const DISTRICT = 0;

export interface LadderSettings {
  signWithinMs: number;
  signWithinUrgentMs: number;
  /** Days overdue after which the leaders' chats are told; none when `leaderChatIds` is empty. */
  leaderAfterDays: number;
  leaderChatIds: readonly number[];
}

/**
 * 督办 for units, hourly: not signed for in time → a reminder to the unit's chats; a day before the deadline → a
 * reminder; overdue → a daily 催办 to the unit (the bureau already gets the daily overdue list); N days overdue →
 * the leaders' chats, once. Each step is in the problem's history.
 */
export function createUnitLadderJob(deps: {
  db: Db;
  problems: ProblemStore;
  outbox: Outbox;
  unitChats: UnitChats;
  units: UnitRegistry;
  tr: Translator;
  language: Language;
  timezone: string;
  late: (language: Language, ms: number) => string;
  settings: LadderSettings;
}): ScheduledJob<null> {
  const { db, outbox, tr, unitChats, problems } = deps;
  const lang = deps.language;
  const s = deps.settings;
  const dispatches = createUnitDispatchStore(db);
  const system = { type: 'system' as const };

  /** Queue `html` to `chats`; the step goes into the history only when something new was queued. */
  function step(problemId: number, chats: readonly number[], key: string, html: string, action: string, at: number, note: string | null = null): void {
    if (queueForEach(outbox, chats, { key, kind: 'reminder', message: { type: 'text', html } }, at)) problems.record(problemId, { at, actor: system, action, note });
  }

  return {
    name: 'unit-ladder',
    cron: '0 * * * *',
    period: (scheduledAt) => String(scheduledAt),
    chats: () => [DISTRICT],
    prepare: () => null,
    commit(_chat, _prepared, run) {
      const now = run.now;
      const shortest = Math.min(s.signWithinMs, s.signWithinUrgentMs);
      for (const d of dispatches.unsigned(now - shortest)) {
        const window = d.urgent ? s.signWithinUrgentMs : s.signWithinMs;
        if (d.dispatchedAt + window > now) continue;
        const hours = Math.floor((now - d.dispatchedAt) / HOUR);
        step(d.problemId, unitChats.chatsOf(d.unitId), `ladder:sign:${d.id}`, tr.t(lang, 'ladder.sign', { id: d.problemId, hours }), 'sign_reminder', now);
      }
      for (const p of dispatches.dueBy(now + DAY)) {
        const chats = unitChats.chatsOf(p.unitId);
        if (p.deadlineAt > now) {
          step(p.id, chats, `ladder:due:${p.id}:${p.deadlineAt}`, tr.t(lang, 'ladder.due', { id: p.id, deadline: formatDate(p.deadlineAt, deps.timezone) }), 'deadline_reminder', now);
          continue;
        }
        const late = deps.late(lang, now - p.deadlineAt);
        step(p.id, chats, `ladder:overdue:${p.id}:${formatDate(now, deps.timezone)}`, tr.t(lang, 'ladder.overdue', { id: p.id, late }), 'urged', now, late);
        if (s.leaderChatIds.length > 0 && now - p.deadlineAt >= s.leaderAfterDays * DAY) {
          const unit = deps.units.displayName(p.unitId);
          step(p.id, s.leaderChatIds, `ladder:leader:${p.id}:${p.deadlineAt}`, tr.t(lang, 'ladder.leader', { id: p.id, unit, late, title: p.title }), 'escalated', now, late);
        }
      }
    },
  };
}
