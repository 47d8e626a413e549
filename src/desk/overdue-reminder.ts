/*
 * desk/: the staff's use cases on the problem list (跟踪督办) — they change problems, render notices and queue them
 * in the outbox, so they sit beside the pipeline; problems/ and digest/ keep the data types and pure rules they use.
 */
import type { Language } from '../domain/classification.ts';
import { formatDate } from '../domain/time.ts';
import { splitMessage } from '../i18n/html.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { StaffViews } from '../replies/staff-views.ts';
import type { ScheduledJob } from '../schedule/scheduler.ts';
import type { ProblemQueries } from '../problems/problem-queries.ts';

/**
 * 督办: once a day, at OVERDUE_REMINDER_TIME, every staff chat gets the list of open problems past their
 * deadline, with who is responsible and how late. Nothing overdue, nothing sent.
 */
export function createOverdueReminderJob(deps: {
  queries: ProblemQueries;
  views: StaffViews;
  outbox: Outbox;
  staffChatIds: () => readonly number[];
  staffLanguage: Language;
  timezone: string;
  /** HH:MM in the time zone. */
  time: string;
}): ScheduledJob<string[]> {
  const [hour, minute] = deps.time.split(':').map(Number) as [number, number];
  return {
    name: 'overdue-reminder',
    cron: `${minute} ${hour} * * *`,
    period: (scheduledAt) => formatDate(scheduledAt, deps.timezone),
    chats: deps.staffChatIds,
    prepare: ({ now }) => {
      const overdue = deps.queries.overdue(now, 50);
      return overdue.total === 0 ? [] : splitMessage(deps.views.overdue(deps.staffLanguage, overdue, now, 'reminder'));
    },
    commit(chatId, parts, run) {
      parts.forEach((html, i) =>
        deps.outbox.enqueue({ dedupeKey: `reminder:${run.period}:${chatId}:${i}`, chatId, kind: 'reminder', message: { type: 'text', html } }),
      );
    },
  };
}
