import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Catalogue } from './categories.ts';
import { becomesProblem, type Kind, type ProblemKind } from './classification.ts';
import { addWorkingDays, loadWorkingCalendar, type WorkingCalendar } from './working-days.ts';
import { HOUR } from './time.ts';

/**
 * The one deadline rule (处理时限): how long a problem may stay open, by kind, category and urgency. The terms
 * are data (prompts/deadlines.json; a complaint takes its category's deadline from prompts/categories.json,
 * an urgent report the catalogue's urgent deadline); working days come from the holiday calendar.
 */
export type DeadlineTerm = { hours: number } | { workingDays: number };

export interface DeadlineRule {
  /** What a resident is promised; null for kinds that never become problems (praise, chit-chat). */
  term(kind: ProblemKind, category: string, urgent: boolean): DeadlineTerm;
  term(kind: Kind, category: string, urgent: boolean): DeadlineTerm | null;
  /** When a problem opened (or reopened) at `from` becomes overdue; null: never. */
  deadline(kind: ProblemKind, category: string, urgent: boolean, from: number): number;
  deadline(kind: Kind, category: string, urgent: boolean, from: number): number | null;
}

const TermSchema = z.union([
  z.literal('category'),
  z.object({ working_days: z.number().int().min(1).max(60) }).strict(),
  z.object({ hours: z.number().positive() }).strict(),
]);

const DeadlinesFileSchema = z.object({
  about: z.string().optional(),
  kinds: z.object({ complaint: TermSchema, suggestion: TermSchema, inquiry: TermSchema }).strict(),
});

export type DeadlinePolicy = z.infer<typeof DeadlinesFileSchema>;

export interface DeadlineRuleOptions {
  policy: unknown;
  catalogue: Catalogue;
  calendar: WorkingCalendar;
  timeZone: string;
}

export function createDeadlineRule(options: DeadlineRuleOptions): DeadlineRule {
  const policy = DeadlinesFileSchema.parse(options.policy);
  const { catalogue, calendar, timeZone } = options;

  function term(kind: Kind, category: string, urgent: boolean): DeadlineTerm | null {
    if (!becomesProblem(kind)) return null;
    if (urgent) return { hours: catalogue.urgentDeadlineHours };
    const configured = policy.kinds[kind satisfies ProblemKind];
    if (configured === 'category') return { hours: catalogue.get(category).deadline_hours };
    return 'working_days' in configured ? { workingDays: configured.working_days } : { hours: configured.hours };
  }

  function deadline(kind: Kind, category: string, urgent: boolean, from: number): number | null {
    const t = term(kind, category, urgent);
    if (!t) return null;
    return 'hours' in t ? from + t.hours * HOUR : addWorkingDays(from, t.workingDays, calendar, timeZone);
  }

  return { term, deadline } as DeadlineRule;
}

export const DEFAULT_DEADLINES_PATH = new URL('../../prompts/deadlines.json', import.meta.url);

export function loadDeadlinePolicy(path: string | URL = DEFAULT_DEADLINES_PATH): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The rule from the data files (prompts/deadlines.json and prompts/holidays-cn.json unless told otherwise). */
export function loadDeadlineRule(catalogue: Catalogue, timeZone: string, paths: { policy?: string | URL; calendar?: string | URL } = {}): DeadlineRule {
  return createDeadlineRule({ policy: loadDeadlinePolicy(paths.policy), catalogue, calendar: loadWorkingCalendar(paths.calendar), timeZone });
}
