import type { Db } from '../db/database.ts';
import type { Language } from '../domain/classification.ts';
import { formatDate } from '../domain/time.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { ProblemStore } from '../problems/problem-store.ts';
import type { ScheduledJob } from '../schedule/scheduler.ts';
import type { UnitChats } from '../units/unit-chats.ts';
import type { UnitRegistry } from '../units/unit-registry.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
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
  const unsigned = db.prepare(
    `SELECT d.id, d.problem_id AS problemId, d.unit_id AS unitId, d.dispatched_at AS dispatchedAt, p.urgent
     FROM unit_dispatches d JOIN problems p ON p.id = d.problem_id
     WHERE d.signed_at IS NULL AND d.returned_at IS NULL AND p.responsible_unit_id = d.unit_id
       AND p.merged_into IS NULL AND p.status NOT IN ('resolved', 'closed') AND d.dispatched_at <= ?`,
  );
  const dueSoonOrLate = db.prepare(
    `SELECT id, responsible_unit_id AS unitId, deadline_at AS deadlineAt, title FROM problems
     WHERE status NOT IN ('resolved', 'closed') AND merged_into IS NULL AND responsible_unit_id IS NOT NULL AND deadline_at <= ?`,
  );
  const system = { type: 'system' as const };

  /** Queue `html` to `chats`; the step goes into the history only when something new was queued. */
  function step(problemId: number, chats: readonly number[], key: string, html: string, action: string, at: number, note: string | null = null): void {
    let queued = false;
    for (const chatId of chats) queued = outbox.enqueue({ dedupeKey: `${key}:${chatId}`, chatId, kind: 'reminder', message: { type: 'text', html } }, at) || queued;
    if (queued) problems.record(problemId, { at, actor: system, action, note });
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
      for (const d of unsigned.all(now - shortest) as Array<{ id: number; problemId: number; unitId: string; dispatchedAt: number; urgent: number }>) {
        const window = d.urgent ? s.signWithinUrgentMs : s.signWithinMs;
        if (d.dispatchedAt + window > now) continue;
        const hours = Math.floor((now - d.dispatchedAt) / HOUR);
        step(d.problemId, unitChats.chatsOf(d.unitId), `ladder:sign:${d.id}`, tr.t(lang, 'ladder.sign', { id: d.problemId, hours }), 'sign_reminder', now);
      }
      for (const p of dueSoonOrLate.all(now + DAY) as Array<{ id: number; unitId: string; deadlineAt: number; title: string }>) {
        const chats = unitChats.chatsOf(p.unitId);
        if (p.deadlineAt > now) {
          step(p.id, chats, `ladder:due:${p.id}:${p.deadlineAt}`, tr.t(lang, 'ladder.due', { id: p.id, deadline: formatDate(p.deadlineAt, deps.timezone) }), 'deadline_reminder', now);
          continue;
        }
        const late = deps.late(lang, now - p.deadlineAt);
        step(p.id, chats, `ladder:overdue:${p.id}:${formatDate(now, deps.timezone)}`, tr.t(lang, 'ladder.overdue', { id: p.id, late }), 'urged', now, late);
        if (s.leaderChatIds.length > 0 && now - p.deadlineAt >= s.leaderAfterDays * DAY) {
          const unit = deps.units.name(p.unitId) ?? p.unitId;
          step(p.id, s.leaderChatIds, `ladder:leader:${p.id}:${p.deadlineAt}`, tr.t(lang, 'ladder.leader', { id: p.id, unit, late, title: p.title }), 'escalated', now, late);
        }
      }
    },
  };
}
