import { Composer } from 'grammy';
import type { Catalogue } from '../../domain/categories.ts';
import type { SubtopicCatalogue } from '../../domain/subtopics.ts';
import type { Language } from '../../domain/classification.ts';
import { endOfDate, PERIOD_NAMES, recentPeriod, type PeriodName } from '../../domain/periods.ts';
import { formatDate } from '../../domain/time.ts';
import type { Translator } from '../../i18n/i18n.ts';
import type { Button } from '../../outbox/outbox.ts';
import { CLOSE_REASONS, type Actor, type CloseReason, type Problem } from '../../problems/problem.ts';
import type { DeskResult, ProblemDesk } from '../../problems/problem-desk.ts';
import type { ProblemStore } from '../../problems/problem-store.ts';
import type { ProblemFilter, ProblemQueries } from '../../problems/problem-queries.ts';
import type { StaffViews } from '../../replies/staff-views.ts';
import type { UnitRegistry } from '../../units/unit-registry.ts';
import type { BotContext } from '../context.ts';
import { echoOf, replyFitted } from '../reply-fitted.ts';
import { keyboard } from '../telegram-transport.ts';

export interface StaffFeatureDeps {
  tr: Translator;
  isStaffChat: (chatId: number) => boolean;
  staffLanguage: Language;
  desk: ProblemDesk;
  queries: ProblemQueries;
  problems: ProblemStore;
  units: UnitRegistry;
  catalogue: Catalogue;
  /** The subtopics (议题) `/problems <subtopic>` filters by, by id or zh/en name. */
  subtopics?: Pick<SubtopicCatalogue, 'subtopics'>;
  views: StaffViews;
  timezone: string;
  now: () => number;
  /** Residents who will be told about a change (shown in the confirmation). */
  residentsOf: (problemId: number) => number;
  /** Open problems that may be the same matter as this one (grouping.possiblySame). */
  possiblySame: (problem: Problem) => ReadonlyArray<{ problem: Problem; score: number }>;
}

const PAGE_SIZE = 10;

const STATUS_WORDS: Record<string, 'new' | 'assigned' | 'in_progress'> = {
  new: 'new',
  assigned: 'assigned',
  in_progress: 'in_progress',
  inprogress: 'in_progress',
  待处理: 'new',
  已交办: 'assigned',
  处理中: 'in_progress',
};

const REASON_WORDS: Record<string, CloseReason> = {
  duplicate: 'duplicate',
  not_our_responsibility: 'not_our_responsibility',
  no_action_possible: 'no_action_possible',
  重复: 'duplicate',
  非本局职责: 'not_our_responsibility',
  无法处理: 'no_action_possible',
  // Suggestions only (the desk refuses them for other problems).
  adopted: 'adopted',
  noted: 'noted',
  采纳: 'adopted',
  已阅: 'noted',
};

/**
 * Staff work on the problem list in their group chats. Only chats in STAFF_CHAT_IDS reach these handlers;
 * every action is the staff member's (their Telegram id goes into the problem's history).
 */
export function createStaffFeature(deps: StaffFeatureDeps): Composer<BotContext> {
  const { tr, desk, queries, views, units, catalogue } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();
  const staff = composer.filter((ctx) => ctx.chat !== undefined && deps.isStaffChat(ctx.chat.id));
  // Prompts waiting for a reply ("reply with the resolution note"), by chat and prompt message.
  const resolvePrompts = new Map<string, number>();

  const actor = (ctx: BotContext): Actor => ({ type: 'staff', userId: ctx.from?.id ?? 0 });
  const usage = (text: string) => tr.t(lang, 'staff.usage', { usage: text });

  async function send(ctx: BotContext, html: string, buttons?: Button[][]): Promise<void> {
    await replyFitted(ctx, html, { link_preview_options: { is_disabled: true }, ...(buttons?.length && { reply_markup: keyboard(buttons) }) });
  }

  async function answer(ctx: BotContext, result: DeskResult, done: (p: Problem) => string): Promise<void> {
    if (result.ok) return send(ctx, done(result.value));
    // A unit name we do not know is echoed back: cut short, a 4,000-character "unit" makes no reply too long.
    await send(ctx, views.refusal(lang, result.reason === 'no_such_unit' ? { ...result, unit: echoOf(result.unit) } : result));
  }

  const problemNumber = (s: string | undefined) => (s && /^#?\d{1,12}$/.test(s) ? Number(s.replace('#', '')) : undefined);

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
      await send(ctx, view.html, view.buttons);
    }
  }

  async function showProblem(ctx: BotContext, id: number): Promise<void> {
    const resolved = deps.problems.resolveId(id);
    const problem = resolved === undefined ? undefined : deps.problems.get(resolved);
    if (!problem) {
      await send(ctx, tr.t(lang, 'staff.no_problem', { id }));
      return;
    }
    const view = views.problemDetail(lang, problem, queries.reportsOf(problem.id, 10), deps.problems.history(problem.id), deps.now(), deps.possiblySame(problem));
    await send(ctx, view.html, view.buttons);
  }

  staff.command(['start', 'help'], (ctx) => send(ctx, tr.t(lang, 'staff.help')));

  staff.command('summary', async (ctx) => {
    const name = (ctx.match.trim().toLowerCase() || '7d') as PeriodName;
    if (!PERIOD_NAMES.includes(name)) return send(ctx, usage('/summary [today|7d|30d|week|month]'));
    const now = deps.now();
    await send(ctx, views.summary(lang, queries.summary(recentPeriod(name, now, deps.timezone), now)));
  });

  staff.command('problems', async (ctx) => {
    const filter = parseFilter(ctx.match);
    if (!filter) return send(ctx, usage('/problems [category|subtopic|unit|status|overdue|recurring|widespread|urgent|all]'));
    await showList(ctx, filter, 1, false);
  });

  staff.callbackQuery(/^pl:([a-z_.]+(?:\.[a-z0-9_]+)?):(\d{1,6})$/, async (ctx) => {
    const filter = views.decodeFilter(ctx.match[1]!);
    await ctx.answerCallbackQuery();
    if (filter) await showList(ctx, filter, Number(ctx.match[2]), true);
  });

  staff.command('problem', async (ctx) => {
    const id = problemNumber(ctx.match.trim());
    if (id === undefined) return send(ctx, usage('/problem N'));
    await showProblem(ctx, id);
  });

  staff.callbackQuery(/^pd:(\d{1,12})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showProblem(ctx, Number(ctx.match[1]));
  });

  staff.callbackQuery(/^pr:(\d{1,12})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const problem = deps.problems.get(Number(ctx.match[1]));
    if (problem) await send(ctx, views.reportsPage(lang, problem, queries.reportsOf(problem.id, 50)));
  });

  staff.command('assign', async (ctx) => {
    const words = ctx.match.trim().split(/\s+/);
    const id = problemNumber(words.shift());
    let deadline: number | null = null;
    if (words.length > 1 && /^\d{4}-\d{2}-\d{2}$/.test(words.at(-1)!)) {
      const parsed = endOfDate(words.pop()!, deps.timezone);
      if (parsed === undefined) return send(ctx, tr.t(lang, 'staff.bad_date'));
      deadline = parsed;
    }
    const unit = words.join(' ');
    if (id === undefined || !unit) return send(ctx, usage('/assign N unit [YYYY-MM-DD]'));
    await answer(ctx, desk.assign(id, unit, deadline, actor(ctx)), (p) =>
      tr.t(lang, 'staff.done.assigned', {
        id: p.id,
        unit: units.name(p.responsibleUnitId ?? '') ?? unit,
        deadline: p.deadlineAt ? formatDate(p.deadlineAt, deps.timezone) : '—',
        residents: deps.residentsOf(p.id),
      }),
    );
  });

  staff.command('status', async (ctx) => {
    const [idText, statusWord, ...note] = ctx.match.trim().split(/\s+/);
    const id = problemNumber(idText);
    if (id === undefined || !statusWord) return send(ctx, usage('/status N new|assigned|in_progress [note]'));
    const lower = statusWord.toLowerCase();
    if (lower === 'resolved' || statusWord === '已解决') {
      if (note.length === 0) return send(ctx, usage('/resolve N note'));
      return answer(ctx, desk.resolve(id, note.join(' '), actor(ctx)), (p) => tr.t(lang, 'staff.done.resolved', { id: p.id }));
    }
    const status = STATUS_WORDS[lower] ?? STATUS_WORDS[statusWord];
    if (!status) return send(ctx, tr.t(lang, 'staff.bad_status'));
    await answer(ctx, desk.setStatus(id, status, actor(ctx), note.join(' ') || undefined), (p) =>
      tr.t(lang, 'staff.done.status', { id: p.id, status: tr.t(lang, `status.${p.status}`) }),
    );
  });

  staff.command('resolve', async (ctx) => {
    const [idText, ...note] = ctx.match.trim().split(/\s+/);
    const id = problemNumber(idText);
    if (id === undefined || note.length === 0) return send(ctx, usage('/resolve N note'));
    await answer(ctx, desk.resolve(id, note.join(' '), actor(ctx)), (p) => tr.t(lang, 'staff.done.resolved', { id: p.id }));
  });

  staff.command('close', async (ctx) => {
    const [idText, reasonWord, ...note] = ctx.match.trim().split(/\s+/);
    const id = problemNumber(idText);
    if (id === undefined || !reasonWord) return send(ctx, usage('/close N duplicate|not_our_responsibility|no_action_possible|adopted|noted [note]'));
    const reason = REASON_WORDS[reasonWord.toLowerCase()] ?? REASON_WORDS[reasonWord];
    if (!reason) return send(ctx, tr.t(lang, 'staff.bad_reason'));
    await answer(ctx, desk.close(id, reason, actor(ctx), note.join(' ') || undefined), (p) =>
      tr.t(lang, 'staff.done.closed', { id: p.id, reason: tr.t(lang, `reason.${reason}`) }),
    );
  });

  staff.command('merge', async (ctx) => {
    const [a, b] = ctx.match.trim().split(/\s+/).map(problemNumber);
    if (a === undefined || b === undefined) return send(ctx, usage('/merge N M'));
    await answer(ctx, desk.merge(a, b, actor(ctx)), (p) => tr.t(lang, 'staff.done.merged', { from: a, into: p.id, reports: p.reportCount }));
  });

  // "Possibly the same problem" under /problem N: one press merges, exactly like /merge N M.
  staff.callbackQuery(/^pm:(\d{1,12}):(\d{1,12})$/, async (ctx) => {
    const from = Number(ctx.match[1]);
    const into = Number(ctx.match[2]);
    await ctx.answerCallbackQuery();
    await answer(ctx, desk.merge(from, into, actor(ctx)), (p) => tr.t(lang, 'staff.done.merged', { from, into: p.id, reports: p.reportCount }));
  });

  staff.command('split', async (ctx) => {
    const [a, b] = ctx.match.trim().split(/\s+/).map(problemNumber);
    if (a === undefined || b === undefined) return send(ctx, usage('/split N report'));
    await answer(ctx, desk.split(a, b, actor(ctx)), (p) => tr.t(lang, 'staff.done.split', { report: b, id: p.id }));
  });

  staff.command('overdue', async (ctx) => {
    const now = deps.now();
    await send(ctx, views.overdue(lang, queries.overdue(now, 30), now));
  });

  staff.command('search', async (ctx) => {
    const words = ctx.match.trim();
    if (!words) return send(ctx, usage('/search words'));
    await send(ctx, views.search(lang, echoOf(words), queries.search(words, 20), deps.now()));
  });

  staff.command('units', async (ctx) => {
    const [sub, ...rest] = ctx.match.trim().split(/\s+/);
    if (!sub) return send(ctx, views.unitsDirectory(lang));
    if (sub === 'unmatched') return send(ctx, views.unmatched(lang, units.unmatched(30)));
    if (sub === 'alias' && rest.length >= 2) {
      const [alias, ...unitWords] = rest;
      try {
        const unit = units.addAlias(alias!, unitWords.join(' '), ctx.from?.id ?? null);
        return send(ctx, tr.t(lang, 'staff.units.alias_done', { alias: alias!, unit: unit.name }));
      } catch (error) {
        return send(ctx, tr.t(lang, 'staff.units.alias_failed', { reason: error instanceof Error ? error.message : String(error) }));
      }
    }
    await send(ctx, usage('/units [unmatched|alias alias unit]'));
  });

  // Buttons under /problem N.
  staff.callbackQuery(/^pa:(ip|rs|cl):(\d{1,12})(?::([a-z_]+))?$/, async (ctx) => {
    const [, action, idText, reasonText] = ctx.match;
    const id = Number(idText);
    await ctx.answerCallbackQuery();
    if (action === 'ip') {
      return answer(ctx, desk.setStatus(id, 'in_progress', actor(ctx)), (p) => tr.t(lang, 'staff.done.status', { id: p.id, status: tr.t(lang, `status.${p.status}`) }));
    }
    if (action === 'rs') {
      const prompt = await ctx.reply(tr.t(lang, 'staff.resolve_prompt', { id }), { parse_mode: 'HTML', reply_markup: { force_reply: true, selective: true } });
      resolvePrompts.set(`${prompt.chat.id}:${prompt.message_id}`, id);
      return;
    }
    const reason = CLOSE_REASONS.find((r) => r === reasonText);
    if (!reason) {
      const buttons = CLOSE_REASONS.map((r) => [{ text: tr.t(lang, `reason.${r}`), data: `pa:cl:${id}:${r}` }]);
      return send(ctx, tr.t(lang, 'staff.close_choose', { id }), buttons);
    }
    await answer(ctx, desk.close(id, reason, actor(ctx)), (p) => tr.t(lang, 'staff.done.closed', { id: p.id, reason: tr.t(lang, `reason.${reason}`) }));
  });

  // The reply to a "write the resolution note" prompt.
  staff.on('message:text', async (ctx, next) => {
    const replyTo = ctx.message.reply_to_message;
    if (!replyTo || replyTo.from?.id !== ctx.me.id) return next();
    const key = `${ctx.chat.id}:${replyTo.message_id}`;
    const id = resolvePrompts.get(key);
    if (id === undefined) {
      const match = /#(\d+)/.exec(replyTo.text ?? '');
      // A prompt from before a restart: say how to do it instead of guessing.
      if (match && replyTo.text?.includes('✍️')) return send(ctx, tr.t(lang, 'staff.resolve_prompt_expired', { id: Number(match[1]) }));
      return next();
    }
    resolvePrompts.delete(key);
    await answer(ctx, desk.resolve(id, ctx.message.text, actor(ctx)), (p) => tr.t(lang, 'staff.done.resolved', { id: p.id }));
  });

  return composer;
}
