import { zodFunction } from 'openai/helpers/zod';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { Catalogue } from '../domain/categories.ts';
import { clampSummary, type Language } from '../domain/classification.ts';
import { recentPeriod, startOfDay, startOfMonth, startOfWeek, type Period } from '../domain/periods.ts';
import { redactPersonalData } from '../domain/redact.ts';
import { formatDate } from '../domain/time.ts';
import { isOpen, isOverdue, STATUSES, type Problem } from '../problems/problem.ts';
import type { ProblemFilter, ProblemQueries } from '../problems/problem-queries.ts';
import type { ProblemStore } from '../problems/problem-store.ts';
import type { UnitRegistry } from '../units/unit-registry.ts';
import type { UnitScopeQueries } from './unit-scope-queries.ts';

/**
 * The fixed set of questions the model may ask the database, each a function with a zod schema. The
 * model chooses which to call and with what; the code decides what runs: there is no SQL from the model,
 * and every answer is compact JSON with no resident identity and resident texts redacted.
 */

export const QUESTION_PERIODS = ['today', 'yesterday', '7d', '30d', 'week', 'last_week', 'month', 'last_month'] as const;
export type QuestionPeriod = (typeof QUESTION_PERIODS)[number];

export const LIST_FILTERS = ['open', 'overdue', 'urgent', 'recurring', 'widespread', 'all', ...STATUSES] as const;
export type ListFilter = (typeof LIST_FILTERS)[number];

const period = z.enum(QUESTION_PERIODS).describe('today, yesterday, the last 7 or 30 days, this week (from Monday), last week, this month, last month');
const unit = z.string().nullable().describe('A school, kindergarten, venue or office exactly as the staff member wrote it (e.g. 一中, 第一中学); null for all units');
const category = z.string().nullable().describe('A category id or its Chinese/English name (e.g. food, 食堂餐饮, 食堂); null for all categories');

const SCHEMAS = {
  count_reports: z.object({ period, unit, category }),
  list_problems: z.object({
    filter: z.enum(LIST_FILTERS).describe('open = still being worked on; overdue = open past its deadline; urgent = urgent and open; a status; all'),
    unit,
    category,
    limit: z.number().int().min(1).max(10),
  }),
  problem_details: z.object({ id: z.number().int().min(1).describe('The problem number, as in #123') }),
  search_problems: z.object({ words: z.string().min(1).max(100).describe('Words to look for in problem titles and report texts'), limit: z.number().int().min(1).max(10) }),
  overdue_by_unit: z.object({}),
  summary: z.object({ period }),
};
export type ToolName = keyof typeof SCHEMAS;

const DESCRIPTIONS: Record<ToolName, string> = {
  count_reports: 'Count reports (every kind: complaints, suggestions, inquiries, praise) received in a period, optionally for one unit and/or one category.',
  list_problems: 'List problems (a problem groups the reports about one matter at one unit), most pressing first, optionally for one unit and/or category. Returns the total and up to `limit` problems.',
  problem_details: 'One problem: status, deadline, units, counts, dates and summaries of its latest reports.',
  search_problems: 'Find problems whose title or reports contain all the given words.',
  overdue_by_unit: 'Open problems past their deadline, counted per responsible unit (or the unit concerned when unassigned).',
  summary: 'An overview of a period: new reports and problems, reports per category, statuses, urgent and overdue problems, the problems with most reports.',
};

export interface QuestionToolsDeps {
  queries: ProblemQueries;
  problems: Pick<ProblemStore, 'get'>;
  units: Pick<UnitRegistry, 'resolve' | 'displayName'>;
  catalogue: Catalogue;
  timezone: string;
  now: () => number;
  /** What a unit's own chat may read; without it every question asked with a scope is refused. */
  scopeQueries?: UnitScopeQueries;
}

/**
 * A unit's own chat asks with the scope of its units: every tool then reads only the live problems those units are
 * responsible for, and another unit's problem answers exactly like one that does not exist.
 */
export type UnitScope = readonly string[];

export interface QuestionTools {
  /** Tool definitions for the Chat Completions API (strict JSON schemas from the zod schemas). */
  readonly definitions: ChatCompletionFunctionTool[];
  /** Run one tool call as the model sent it (raw JSON arguments). Never throws: problems come back as `{ error }`. */
  run(name: string, rawArguments: string, language: Language, scope?: UnitScope): { ok: boolean; result: unknown };
}

/** How many problems of one unit or category are looked at when a list combines filters. */
const SCAN_LIMIT = 1000;
/** Search matches read before a unit chat's scope is applied. */
const SCOPED_SEARCH = 200;
const OUT_OF_SCOPE = "out_of_scope: this chat sees only its own unit's problems; ask the bureau about other units";

export function createQuestionTools(deps: QuestionToolsDeps): QuestionTools {
  const { queries, units, catalogue, timezone } = deps;

  const definitions = (Object.keys(SCHEMAS) as ToolName[]).map(
    (name) => zodFunction({ name, description: DESCRIPTIONS[name], parameters: SCHEMAS[name] }) as ChatCompletionFunctionTool,
  );

  const date = (ms: number | null) => (ms === null ? null : formatDate(ms, timezone));
  const periodOut = (p: Period) => ({ name: p.name, from: date(p.start), to: date(p.end - 1) });
  // Residents wrote titles (from summaries), unit names as written and report texts: masked before they leave.
  const residentText = (text: string | null) => (text === null ? null : clampSummary(redactPersonalData(text)));
  const unitLabel = (id: string | null, written: string | null) => (id ? units.displayName(id) : residentText(written));

  function resolveCategory(input: string): string | undefined {
    const wanted = input.trim().toLowerCase();
    if (catalogue.has(wanted)) return wanted;
    const byName = catalogue.categories.find((c) => c.name.zh === wanted || c.name.en.toLowerCase() === wanted);
    if (byName) return byName.id;
    // 食堂 → 食堂餐饮, but only when one category fits.
    const partial = catalogue.categories.filter((c) => c.name.zh.includes(wanted) || (wanted.length >= 3 && c.name.en.toLowerCase().includes(wanted)));
    return partial.length === 1 ? partial[0]!.id : undefined;
  }

  type Filters = { unitId: string | null; categoryId: string | null; unit: string | null; category: string | null };
  /** Resolve the unit and category as staff wrote them, or say what went wrong so the model can tell them. */
  function resolveFilters(args: { unit: string | null; category: string | null }, language: Language, scope?: UnitScope): Filters | { error: string } {
    let unitId: string | null = null;
    if (args.unit?.trim()) {
      const found = units.resolve(args.unit);
      if (!found) return { error: `unit_not_found: no unit in the directory matches "${redactPersonalData(args.unit.trim())}"` };
      if (scope && !scope.includes(found.id)) return { error: OUT_OF_SCOPE };
      unitId = found.id;
    }
    let categoryId: string | null = null;
    if (args.category?.trim()) {
      const found = resolveCategory(args.category);
      if (!found) {
        const known = catalogue.categories.map((c) => `${c.id} (${c.name.zh} / ${c.name.en})`).join(', ');
        return { error: `category_not_found: "${args.category.trim()}" is none of: ${known}` };
      }
      categoryId = found;
    }
    return {
      unitId,
      categoryId,
      unit: unitId ? units.displayName(unitId) : null,
      category: categoryId ? catalogue.name(categoryId, language) : null,
    };
  }

  function periodFor(name: QuestionPeriod): Period {
    const now = deps.now();
    switch (name) {
      case 'yesterday': {
        const end = startOfDay(now, timezone);
        return { name, start: startOfDay(end - 1, timezone), end };
      }
      case 'last_week': {
        const end = startOfWeek(now, timezone);
        return { name, start: startOfWeek(end - 1, timezone), end };
      }
      case 'last_month': {
        const end = startOfMonth(now, timezone);
        return { name, start: startOfMonth(end - 1, timezone), end };
      }
      default:
        return recentPeriod(name, now, timezone);
    }
  }

  function brief(problem: Problem, language: Language, now: number) {
    return {
      id: problem.id,
      title: residentText(problem.title),
      category: catalogue.name(problem.category, language),
      unit: unitLabel(problem.unitId, problem.unitWritten),
      responsible_unit: problem.responsibleUnitId ? unitLabel(problem.responsibleUnitId, null) : null,
      status: problem.status,
      urgent: problem.urgent,
      recurring: problem.recurring,
      widespread: problem.widespread,
      reports: problem.reportCount,
      residents: problem.residentCount,
      last_report: date(problem.lastReportAt),
      deadline: date(problem.deadlineAt),
      overdue: isOverdue(problem, now),
    };
  }

  const matches = (filter: ListFilter, p: Problem, now: number): boolean => {
    switch (filter) {
      case 'open':
        return isOpen(p.status);
      case 'overdue':
        return isOverdue(p, now);
      case 'urgent':
        return p.urgent && isOpen(p.status);
      case 'recurring':
        return p.recurring && p.mergedInto === null;
      case 'widespread':
        return p.widespread && p.mergedInto === null;
      case 'all':
        return p.mergedInto === null;
      default:
        return p.status === filter && p.mergedInto === null;
    }
  };
  const toProblemFilter = (filter: ListFilter): ProblemFilter =>
    filter === 'open' || filter === 'overdue' || filter === 'urgent' || filter === 'recurring' || filter === 'widespread' || filter === 'all'
      ? { type: filter }
      : { type: 'status', status: filter };
  const pressing = (a: Problem, b: Problem) =>
    Number(b.urgent) - Number(a.urgent) || (a.deadlineAt ?? Infinity) - (b.deadlineAt ?? Infinity) || b.id - a.id;

  /** A unit chat's problems, or undefined when scoped reading is not wired: then nothing is answered. */
  const scopedPool = (unitIds: UnitScope) => deps.scopeQueries?.problems(unitIds, SCAN_LIMIT);
  const inScope = (p: Problem, scope: UnitScope) => p.mergedInto === null && p.responsibleUnitId !== null && scope.includes(p.responsibleUnitId);
  const UNAVAILABLE = { error: 'unavailable: this question cannot be answered here' };

  const handlers: { [K in ToolName]: (args: z.infer<(typeof SCHEMAS)[K]>, language: Language, scope: UnitScope | undefined) => unknown } = {
    count_reports(args, language, scope) {
      const filters = resolveFilters(args, language, scope);
      if ('error' in filters) return filters;
      const p = periodFor(args.period);
      if (scope) {
        if (!deps.scopeQueries) return UNAVAILABLE;
        const reports = deps.scopeQueries.countReports(filters.unitId ? [filters.unitId] : scope, { period: p, ...(filters.categoryId && { category: filters.categoryId }) });
        return { period: periodOut(p), unit: filters.unit, category: filters.category, counted: "reports on this chat's unit's problems", reports };
      }
      const reports = queries.countReports({ period: p, ...(filters.unitId && { unitId: filters.unitId }), ...(filters.categoryId && { category: filters.categoryId }) });
      return { period: periodOut(p), unit: filters.unit, category: filters.category, reports };
    },

    list_problems(args, language, scope) {
      const filters = resolveFilters(args, language, scope);
      if ('error' in filters) return filters;
      const now = deps.now();
      if (!scope && !filters.unitId && !filters.categoryId) {
        const page = queries.list(toProblemFilter(args.filter), 1, args.limit, now);
        return { filter: args.filter, unit: null, category: null, total: page.total, problems: page.problems.map((p) => brief(p, language, now)) };
      }
      // ProblemQueries filters by one thing at a time: take the unit's (or category's) problems, then narrow.
      // A unit chat starts from its own units' problems, whatever it asked for.
      let pool: Problem[];
      let cut: boolean;
      if (scope) {
        const own = scopedPool(filters.unitId ? [filters.unitId] : scope);
        if (!own) return UNAVAILABLE;
        pool = own;
        cut = own.length >= SCAN_LIMIT;
      } else {
        const base: ProblemFilter = filters.unitId ? { type: 'unit', unitId: filters.unitId } : { type: 'category', category: filters.categoryId! };
        const page = queries.list(base, 1, SCAN_LIMIT, now);
        pool = page.problems;
        cut = page.total > page.problems.length;
      }
      const found = pool
        .filter((p) => matches(args.filter, p, now) && (!filters.categoryId || p.category === filters.categoryId))
        .sort(args.filter === 'open' || args.filter === 'overdue' || args.filter === 'urgent' ? pressing : (a, b) => b.id - a.id);
      return {
        filter: args.filter,
        unit: filters.unit,
        category: filters.category,
        total: found.length,
        ...(cut && { note: `counted among the ${SCAN_LIMIT} most recent problems only` }),
        problems: found.slice(0, args.limit).map((p) => brief(p, language, now)),
      };
    },

    problem_details({ id }, language, scope) {
      const problem = deps.problems.get(id);
      // Another unit's problem reads exactly like one that does not exist.
      if (!problem || (scope && !inScope(problem, scope))) return { error: `not_found: there is no problem #${id}` };
      const now = deps.now();
      const { reports, total } = queries.reportsOf(problem.id, 5);
      return {
        ...brief(problem, language, now),
        close_reason: problem.closeReason,
        merged_into: problem.mergedInto,
        first_report: date(problem.firstReportAt),
        first_response: date(problem.firstResponseAt),
        resolved: date(problem.resolvedAt),
        closed: date(problem.closedAt),
        reports_total: total,
        // Summaries first; a text only where there is no summary, masked (whole, so no number is cut in
        // half and left unmasked) and then cut short. Erased texts stay null.
        latest_reports: reports.map((r) => ({
          id: r.id,
          received: date(r.receivedAt),
          urgent: r.urgent,
          summary: residentText(r.summary ?? r.text),
          ...(r.mediaKind && { attachment: r.mediaKind }),
        })),
      };
    },

    search_problems({ words, limit }, language, scope) {
      const now = deps.now();
      const found = scope ? queries.search(words, SCOPED_SEARCH).filter((p) => inScope(p, scope)).slice(0, limit) : queries.search(words, limit);
      return { words, found: found.length, problems: found.map((p) => brief(p, language, now)) };
    },

    overdue_by_unit(_args, _language, scope) {
      const now = deps.now();
      let rows = queries.overdueByUnit(now);
      if (scope) {
        const own = scopedPool(scope);
        if (!own) return UNAVAILABLE;
        const late = own.filter((p) => isOverdue(p, now));
        rows = scope
          .map((unitId) => {
            const mine = late.filter((p) => p.responsibleUnitId === unitId);
            return { unitId, unitWritten: null, problems: mine.length, oldestDeadline: Math.min(...mine.map((p) => p.deadlineAt!)) };
          })
          .filter((r) => r.problems > 0);
      }
      return {
        units: rows.length,
        problems: rows.reduce((sum, r) => sum + r.problems, 0),
        by_unit: rows.slice(0, 20).map((r) => ({ unit: unitLabel(r.unitId, r.unitWritten) ?? 'unknown', problems: r.problems, oldest_deadline: date(r.oldestDeadline) })),
      };
    },

    summary({ period: name }, language, scope) {
      const now = deps.now();
      if (scope && !deps.scopeQueries) return UNAVAILABLE;
      const s = scope ? deps.scopeQueries!.summary(scope, periodFor(name), now) : queries.summary(periodFor(name), now);
      const short = (p: Problem) => ({ id: p.id, title: residentText(p.title), unit: unitLabel(p.unitId, p.unitWritten) });
      return {
        period: periodOut(s.period),
        ...(scope && { scope: "this chat's unit's problems only" }),
        new_reports: s.newReports,
        new_problems: s.newProblems,
        reports_by_category: s.reportsByCategory.map((c) => ({ category: catalogue.name(c.category, language), reports: c.reports })),
        new_problems_by_status_now: Object.fromEntries(s.problemsByStatus.map((x) => [x.status, x.problems])),
        urgent_open: s.urgentOpen.map(short),
        overdue_total: s.overdueCount,
        overdue_oldest: s.overdue.map((p) => ({ ...short(p), deadline: date(p.deadlineAt) })),
        most_reported: s.top.map((t) => ({ ...short(t.problem), reports_in_period: t.reportsInPeriod })),
      };
    },
  };

  return {
    definitions,
    run(name, rawArguments, language, scope) {
      if (!(name in SCHEMAS)) return { ok: false, result: { error: `unknown_tool: ${name}` } };
      const tool = name as ToolName;
      let raw: unknown;
      try {
        raw = JSON.parse(rawArguments || '{}');
      } catch {
        return { ok: false, result: { error: 'invalid_arguments: not JSON' } };
      }
      const parsed = SCHEMAS[tool].safeParse(raw);
      if (!parsed.success) {
        return { ok: false, result: { error: `invalid_arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` } };
      }
      try {
        const result = (handlers[tool] as (args: unknown, language: Language, scope: UnitScope | undefined) => unknown)(parsed.data, language, scope);
        return { ok: !(typeof result === 'object' && result !== null && 'error' in result), result };
      } catch (error) {
        // A database error is not the model's to see in detail.
        return { ok: false, result: { error: `failed: ${error instanceof Error ? error.name : 'error'}` } };
      }
    },
  };
}
