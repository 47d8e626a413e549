import { Composer } from 'grammy';
import type { Catalogue } from '../../domain/categories.ts';
import type { SubtopicCatalogue } from '../../domain/subtopics.ts';
import { PERIOD_NAMES, recentPeriod, type PeriodName } from '../../domain/periods.ts';
import type { Problem } from '../../problems/problem.ts';
import type { ProblemStore } from '../../problems/problem-store.ts';
import type { ProblemFilter, ProblemQueries } from '../../problems/problem-queries.ts';
import type { StaffViews } from '../../replies/staff-views.ts';
import type { UnitRegistry } from '../../units/unit-registry.ts';
import type { BotContext } from '../context.ts';
import { echoOf } from '../reply-fitted.ts';
import { keyboard } from '../telegram-transport.ts';
import { problemNumber, replyToStaff, staffChatsOnly, usageLine, type StaffChatDeps } from './staff-common.ts';

export interface StaffProblemsDeps extends StaffChatDeps {
  queries: ProblemQueries;
  problems: Pick<ProblemStore, 'get' | 'resolveId' | 'history'>;
  units: Pick<UnitRegistry, 'resolve'>;
  catalogue: Catalogue;
  /** The subtopics (议题) `/problems <subtopic>` filters by, by id or zh/en name. */
  subtopics?: Pick<SubtopicCatalogue, 'subtopics'>;
  views: StaffViews;
  timezone: string;
  now: () => number;
  /** Open problems that may be the same matter as this one (grouping.possiblySame). */
  possiblySame: (problem: Problem) => ReadonlyArray<{ problem: Problem; score: number }>;
}

const PAGE_SIZE = 10;

/**
 * Staff read the problem list in their group chats: `/help`, `/summary`, `/problems` (paged with buttons),
 * `/problem N` with its reports, `/overdue`, `/search`. Reading changes nothing.
 */
export function createStaffProblemsFeature(deps: StaffProblemsDeps): Composer<BotContext> {
  const { tr, queries, views, units, catalogue } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();
  const staff = staffChatsOnly(composer, deps.isStaffChat);
  const usage = (text: string) => usageLine(deps, text);

  function parseFilter(arg: string): ProblemFilter | undefined {
    const word = arg.trim();
    if (!word) return { type: 'open' };
    const lower = word.toLowerCase();
    if (['open', 'all', 'overdue', 'recurring', 'widespread', 'urgent'].includes(lower)) return { type: lower } as ProblemFilter;
    const zh: Record<string, ProblemFilter> = { 未办结: { type: 'open' }, 全部: { type: 'all' }, 逾期: { type: 'overdue' }, 反复: { type: 'recurring' }, 普遍: { type: 'widespread' }, 紧急: { type: 'urgent' } };
    if (zh[word]) return zh[word];
    if (['new', 'assigned', 'in_progress', 'resolved', 'closed'].includes(lower)) return { type: 'status', status: lower as never };
    const byStatusName = ['new', 'assigned', 'in_progress', 'resolved', 'closed'].find((s) => tr.t('zh', `status.${s}`) === word || tr.t('en', `status.${s}`).toLowerCase() === lower);
    if (byStatusName) return { type: 'status', status: byStatusName as never };
    const category = catalogue.categories.find((c) => c.id === lower || c.name.zh === word || c.name.en.toLowerCase() === lower);
    if (category) return { type: 'category', category: category.id };
    const subtopic = deps.subtopics?.subtopics.find((s) => s.id === lower || s.name.zh === word || s.name.en.toLowerCase() === lower);
    if (subtopic) return { type: 'subtopic', subtopic: subtopic.id };
    const unit = units.resolve(word);
    if (unit) return { type: 'unit', unitId: unit.id };
    return undefined;
  }

  async function showList(ctx: BotContext, filter: ProblemFilter, page: number, edit: boolean): Promise<void> {
    const now = deps.now();
    const view = views.problemList(lang, filter, queries.list(filter, page, PAGE_SIZE, now), now);
    if (edit) {
      await ctx.editMessageText(view.html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, reply_markup: keyboard(view.buttons) });
    } else {
      await replyToStaff(ctx, view.html, view.buttons);
    }
  }

  async function showProblem(ctx: BotContext, id: number): Promise<void> {
    const resolved = deps.problems.resolveId(id);
    const problem = resolved === undefined ? undefined : deps.problems.get(resolved);
    if (!problem) {
      await replyToStaff(ctx, tr.t(lang, 'staff.no_problem', { id }));
      return;
    }
    const view = views.problemDetail(lang, problem, queries.reportsOf(problem.id, 10), deps.problems.history(problem.id), deps.now(), deps.possiblySame(problem));
    await replyToStaff(ctx, view.html, view.buttons);
  }

  staff.command(['start', 'help'], (ctx) => replyToStaff(ctx, tr.t(lang, 'staff.help')));

  staff.command('summary', async (ctx) => {
    const name = (ctx.match.trim().toLowerCase() || '7d') as PeriodName;
    if (!PERIOD_NAMES.includes(name)) return replyToStaff(ctx, usage('/summary [today|7d|30d|week|month]'));
    const now = deps.now();
    await replyToStaff(ctx, views.summary(lang, queries.summary(recentPeriod(name, now, deps.timezone), now)));
  });

  staff.command('problems', async (ctx) => {
    const filter = parseFilter(ctx.match);
    if (!filter) return replyToStaff(ctx, usage('/problems [category|subtopic|unit|status|overdue|recurring|widespread|urgent|all]'));
    await showList(ctx, filter, 1, false);
  });

  staff.callbackQuery(/^pl:([a-z_.]+(?:\.[a-z0-9_]+)?):(\d{1,6})$/, async (ctx) => {
    const filter = views.decodeFilter(ctx.match[1]!);
    await ctx.answerCallbackQuery();
    if (filter) await showList(ctx, filter, Number(ctx.match[2]), true);
  });

  staff.command('problem', async (ctx) => {
    const id = problemNumber(ctx.match.trim());
    if (id === undefined) return replyToStaff(ctx, usage('/problem N'));
    await showProblem(ctx, id);
  });

  staff.callbackQuery(/^pd:(\d{1,12})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showProblem(ctx, Number(ctx.match[1]));
  });

  staff.callbackQuery(/^pr:(\d{1,12})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const problem = deps.problems.get(Number(ctx.match[1]));
    if (problem) await replyToStaff(ctx, views.reportsPage(lang, problem, queries.reportsOf(problem.id, 50)));
  });

  staff.command('overdue', async (ctx) => {
    const now = deps.now();
    await replyToStaff(ctx, views.overdue(lang, queries.overdue(now, 30), now));
  });

  staff.command('search', async (ctx) => {
    const words = ctx.match.trim();
    if (!words) return replyToStaff(ctx, usage('/search words'));
    await replyToStaff(ctx, views.search(lang, echoOf(words), queries.search(words, 20), deps.now()));
  });

  return composer;
}
