import { Composer } from 'grammy';
import { endOfDate } from '../../domain/periods.ts';
import { formatDate } from '../../domain/time.ts';
import { CLOSE_REASONS, type CloseReason, type Problem } from '../../problems/problem.ts';
import type { DeskResult, ProblemDesk } from '../../desk/problem-desk.ts';
import type { Button } from '../../outbox/outbox.ts';
import type { StaffViews } from '../../replies/staff-views.ts';
import type { UnitRegistry } from '../../units/unit-registry.ts';
import type { BotContext } from '../context.ts';
import { echoOf } from '../reply-fitted.ts';
import { problemNumber, replyToStaff, staffActor, staffChatsOnly, usageLine, type StaffChatDeps } from './staff-common.ts';

export interface StaffActionsDeps extends StaffChatDeps {
  desk: Pick<ProblemDesk, 'assign' | 'setStatus' | 'resolve' | 'close' | 'merge' | 'split'>;
  units: Pick<UnitRegistry, 'name'>;
  views: Pick<StaffViews, 'refusal'>;
  timezone: string;
  /** Residents who will be told about a change (shown in the confirmation). */
  residentsOf: (problemId: number) => number;
  /** Buttons under the "resolved" confirmation (📥 a resolved inquiry into the knowledge base); absent: none. */
  resolvedButtons?: (problemId: number) => Button[][];
}

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
 * Staff act on problems: `/assign`, `/status`, `/resolve`, `/close`, `/merge` (and its one-press button under
 * `/problem N`), `/split`, the action buttons under `/problem N` and the reply to "write the resolution note".
 * Each goes through the problem desk, which tells the residents.
 */
export function createStaffActionsFeature(deps: StaffActionsDeps): Composer<BotContext> {
  const { tr, desk, views, units } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();
  const staff = staffChatsOnly(composer, deps.isStaffChat);
  // Prompts waiting for a reply ("reply with the resolution note"), by chat and prompt message.
  const resolvePrompts = new Map<string, number>();
  const usage = (text: string) => usageLine(deps, text);
  const resolvedButtons = (p: Problem) => deps.resolvedButtons?.(p.id);

  async function answer(ctx: BotContext, result: DeskResult, done: (p: Problem) => string, buttons?: (p: Problem) => Button[][] | undefined): Promise<void> {
    if (result.ok) return replyToStaff(ctx, done(result.value), buttons?.(result.value));
    // A unit name we do not know is echoed back: cut short, a 4,000-character "unit" makes no reply too long.
    await replyToStaff(ctx, views.refusal(lang, result.reason === 'no_such_unit' ? { ...result, unit: echoOf(result.unit) } : result));
  }

  staff.command('assign', async (ctx) => {
    const words = ctx.match.trim().split(/\s+/);
    const id = problemNumber(words.shift());
    let deadline: number | null = null;
    if (words.length > 1 && /^\d{4}-\d{2}-\d{2}$/.test(words.at(-1)!)) {
      const parsed = endOfDate(words.pop()!, deps.timezone);
      if (parsed === undefined) return replyToStaff(ctx, tr.t(lang, 'staff.bad_date'));
      deadline = parsed;
    }
    const unit = words.join(' ');
    if (id === undefined || !unit) return replyToStaff(ctx, usage('/assign N unit [YYYY-MM-DD]'));
    await answer(ctx, desk.assign(id, unit, deadline, staffActor(ctx)), (p) =>
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
    if (id === undefined || !statusWord) return replyToStaff(ctx, usage('/status N new|assigned|in_progress [note]'));
    const lower = statusWord.toLowerCase();
    if (lower === 'resolved' || statusWord === '已解决') {
      if (note.length === 0) return replyToStaff(ctx, usage('/resolve N note'));
      return answer(ctx, desk.resolve(id, note.join(' '), staffActor(ctx)), (p) => tr.t(lang, 'staff.done.resolved', { id: p.id }), resolvedButtons);
    }
    const status = STATUS_WORDS[lower] ?? STATUS_WORDS[statusWord];
    if (!status) return replyToStaff(ctx, tr.t(lang, 'staff.bad_status'));
    await answer(ctx, desk.setStatus(id, status, staffActor(ctx), note.join(' ') || undefined), (p) =>
      tr.t(lang, 'staff.done.status', { id: p.id, status: tr.t(lang, `status.${p.status}`) }),
    );
  });

  staff.command('resolve', async (ctx) => {
    const [idText, ...note] = ctx.match.trim().split(/\s+/);
    const id = problemNumber(idText);
    if (id === undefined || note.length === 0) return replyToStaff(ctx, usage('/resolve N note'));
    await answer(ctx, desk.resolve(id, note.join(' '), staffActor(ctx)), (p) => tr.t(lang, 'staff.done.resolved', { id: p.id }), resolvedButtons);
  });

  staff.command('close', async (ctx) => {
    const [idText, reasonWord, ...note] = ctx.match.trim().split(/\s+/);
    const id = problemNumber(idText);
    if (id === undefined || !reasonWord) return replyToStaff(ctx, usage('/close N duplicate|not_our_responsibility|no_action_possible|adopted|noted [note]'));
    const reason = REASON_WORDS[reasonWord.toLowerCase()] ?? REASON_WORDS[reasonWord];
    if (!reason) return replyToStaff(ctx, tr.t(lang, 'staff.bad_reason'));
    await answer(ctx, desk.close(id, reason, staffActor(ctx), note.join(' ') || undefined), (p) =>
      tr.t(lang, 'staff.done.closed', { id: p.id, reason: tr.t(lang, `reason.${reason}`) }),
    );
  });

  staff.command('merge', async (ctx) => {
    const [a, b] = ctx.match.trim().split(/\s+/).map(problemNumber);
    if (a === undefined || b === undefined) return replyToStaff(ctx, usage('/merge N M'));
    await answer(ctx, desk.merge(a, b, staffActor(ctx)), (p) => tr.t(lang, 'staff.done.merged', { from: a, into: p.id, reports: p.reportCount }));
  });

  // "Possibly the same problem" under /problem N: one press merges, exactly like /merge N M.
  staff.callbackQuery(/^pm:(\d{1,12}):(\d{1,12})$/, async (ctx) => {
    const from = Number(ctx.match[1]);
    const into = Number(ctx.match[2]);
    await ctx.answerCallbackQuery();
    await answer(ctx, desk.merge(from, into, staffActor(ctx)), (p) => tr.t(lang, 'staff.done.merged', { from, into: p.id, reports: p.reportCount }));
  });

  staff.command('split', async (ctx) => {
    const [a, b] = ctx.match.trim().split(/\s+/).map(problemNumber);
    if (a === undefined || b === undefined) return replyToStaff(ctx, usage('/split N report'));
    await answer(ctx, desk.split(a, b, staffActor(ctx)), (p) => tr.t(lang, 'staff.done.split', { report: b, id: p.id }));
  });

  // Buttons under /problem N.
  staff.callbackQuery(/^pa:(ip|rs|cl):(\d{1,12})(?::([a-z_]+))?$/, async (ctx) => {
    const [, action, idText, reasonText] = ctx.match;
    const id = Number(idText);
    await ctx.answerCallbackQuery();
    if (action === 'ip') {
      return answer(ctx, desk.setStatus(id, 'in_progress', staffActor(ctx)), (p) => tr.t(lang, 'staff.done.status', { id: p.id, status: tr.t(lang, `status.${p.status}`) }));
    }
    if (action === 'rs') {
      const prompt = await ctx.reply(tr.t(lang, 'staff.resolve_prompt', { id }), { parse_mode: 'HTML', reply_markup: { force_reply: true, selective: true } });
      resolvePrompts.set(`${prompt.chat.id}:${prompt.message_id}`, id);
      return;
    }
    const reason = CLOSE_REASONS.find((r) => r === reasonText);
    if (!reason) {
      const buttons = CLOSE_REASONS.map((r) => [{ text: tr.t(lang, `reason.${r}`), data: `pa:cl:${id}:${r}` }]);
      return replyToStaff(ctx, tr.t(lang, 'staff.close_choose', { id }), buttons);
    }
    await answer(ctx, desk.close(id, reason, staffActor(ctx)), (p) => tr.t(lang, 'staff.done.closed', { id: p.id, reason: tr.t(lang, `reason.${reason}`) }));
  });

  // The reply to a "write the resolution note" prompt. Wired after the other staff commands (a command sent as a reply
  // to the prompt stays a command) and before staff questions, which would take the reply for a question.
  staff.on('message:text', async (ctx, next) => {
    const replyTo = ctx.message.reply_to_message;
    if (!replyTo || replyTo.from?.id !== ctx.me.id) return next();
    const key = `${ctx.chat.id}:${replyTo.message_id}`;
    const id = resolvePrompts.get(key);
    if (id === undefined) {
      const match = /#(\d+)/.exec(replyTo.text ?? '');
      // A prompt from before a restart: say how to do it instead of guessing.
      if (match && replyTo.text?.includes('✍️')) return replyToStaff(ctx, tr.t(lang, 'staff.resolve_prompt_expired', { id: Number(match[1]) }));
      return next();
    }
    resolvePrompts.delete(key);
    await answer(ctx, desk.resolve(id, ctx.message.text, staffActor(ctx)), (p) => tr.t(lang, 'staff.done.resolved', { id: p.id }), resolvedButtons);
  });

  return composer;
}
