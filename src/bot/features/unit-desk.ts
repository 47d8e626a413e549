import { Composer } from 'grammy';
import type { Language } from '../../domain/classification.ts';
import { endOfDate } from '../../domain/periods.ts';
import { formatDate } from '../../domain/time.ts';
import { splitMessage } from '../../i18n/html.ts';
import type { Translator } from '../../i18n/i18n.ts';
import type { UnitDesk, UnitResult } from '../../dispatch/unit-desk.ts';
import type { UnitStanding } from '../../dispatch/unit-standing.ts';
import type { Period } from '../../digest/periods.ts';
import type { ProblemQueries } from '../../problems/problem-queries.ts';
import { RETURN_REASONS, type UnitViews } from '../../replies/unit-views.ts';
import type { AccessAudit } from '../../units/access-audit.ts';
import type { UnitChats } from '../../units/unit-chats.ts';
import type { UnitRegistry } from '../../units/unit-registry.ts';
import type { BotContext } from '../context.ts';
import { keyboard } from '../telegram-transport.ts';

export interface UnitDeskFeatureDeps {
  tr: Translator;
  staffLanguage: Language;
  unitChats: UnitChats;
  unitDesk: UnitDesk;
  units: UnitRegistry;
  queries: ProblemQueries;
  views: UnitViews;
  audit: AccessAudit;
  /** `/ranking` here: the chat's own units' rows only. */
  standing: UnitStanding;
  parsePeriod: (text: string) => Period | undefined;
  timezone: string;
  now: () => number;
}

/**
 * Commands a unit's chat may use, each scoped to its own units; every other command is the bureau's and is refused
 * with one neutral line. `/export` is answered by the export feature with the unit's own ledger.
 */
export const UNIT_COMMANDS = ['start', 'help', 'problems', 'problem', 'progress', 'done', 'ranking', 'export'];
/** A principal's private chat stays their own resident chat too. */
export const RESIDENT_COMMANDS = ['my', 'lang', 'forget'];

/**
 * A unit's own chat (bound with /bind CODE): its dispatch cards' buttons and its commands, on its own units'
 * problems only. Anything about another problem is answered as if that problem did not exist.
 */
export function createUnitDeskFeature(deps: UnitDeskFeatureDeps): Composer<BotContext> {
  const { tr, unitDesk, views } = deps;
  const lang = deps.staffLanguage;
  const composer = new Composer<BotContext>();
  const unit = composer.filter((ctx) => ctx.chat !== undefined && deps.unitChats.isUnitChat(ctx.chat.id));
  // Prompts waiting for a reply, by chat and prompt message: a return's details or an extension's date and reason.
  const prompts = new Map<string, { kind: 'return' | 'extend'; problemId: number }>();

  const number = (s: string | undefined) => (s && /^#?\d{1,12}$/.test(s) ? Number(s.replace('#', '')) : undefined);
  const usage = (text: string) => tr.t(lang, 'staff.usage', { usage: text });
  const noSuch = (id: number) => tr.t(lang, 'staff.no_problem', { id });
  async function send(ctx: BotContext, html: string, buttons?: Array<Array<{ text: string; data: string }>>): Promise<void> {
    const parts = splitMessage(html);
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      await ctx.reply(part, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...(last && buttons?.length && { reply_markup: keyboard(buttons) }) });
    }
  }
  const refusal = (id: number, result: UnitResult<unknown> & { ok: false }) =>
    result.reason === 'already' ? tr.t(lang, 'unit.already', { id }) : result.reason === 'bad_date' ? tr.t(lang, 'unit.extend_bad', { deadline: '—' }) : noSuch(id);
  async function prompt(ctx: BotContext, html: string, kind: 'return' | 'extend', problemId: number): Promise<void> {
    const message = await ctx.reply(html, { parse_mode: 'HTML', reply_markup: { force_reply: true, selective: true } });
    prompts.set(`${message.chat.id}:${message.message_id}`, { kind, problemId });
  }
  const userId = (ctx: BotContext) => ctx.from?.id ?? 0;

  unit.command(['start', 'help'], (ctx) => send(ctx, tr.t(lang, 'unit.help')));

  unit.command('problems', (ctx) => send(ctx, views.list(lang, unitDesk.listOf(ctx.chat.id, 30))));

  unit.command('problem', async (ctx) => {
    const id = number(ctx.match.trim());
    if (id === undefined) return send(ctx, usage('/problem N'));
    const problem = unitDesk.scoped(id, ctx.chat.id);
    if (!problem) return send(ctx, noSuch(id));
    deps.audit.record({ at: deps.now(), userId: userId(ctx), chatId: ctx.chat.id, action: '/problem', subject: String(id) });
    const card = views.card(lang, problem, deps.units.displayName(problem.responsibleUnitId!), deps.queries.reportsOf(problem.id, 10).reports);
    await send(ctx, card.html, card.buttons);
  });

  unit.command('ranking', async (ctx) => {
    const period = deps.parsePeriod(ctx.match);
    if (!period) return send(ctx, usage('/ranking [week|month|quarter]'));
    const standing = deps.standing;
    await send(ctx, standing.render(standing.figures(period, deps.now()), deps.unitChats.unitsOf(ctx.chat.id), lang));
  });

  // The unit's own ledger carries its residents' (masked) texts: recorded like a view, then built by the export feature.
  unit.command('export', async (ctx, next) => {
    const period = ctx.match.trim();
    deps.audit.record({ at: deps.now(), userId: userId(ctx), chatId: ctx.chat.id, action: '/export', subject: /^\w{1,10}$/.test(period) ? period : null });
    await next();
  });

  unit.command('progress', async (ctx) => {
    const [idText, ...note] = ctx.match.trim().split(/\s+/);
    const id = number(idText);
    if (id === undefined || note.length === 0) return send(ctx, usage('/progress N note'));
    const result = unitDesk.progress(id, ctx.chat.id, userId(ctx), note.join(' '));
    await send(ctx, result.ok ? tr.t(lang, 'unit.progress_done', { id }) : refusal(id, result));
  });

  unit.command('done', async (ctx) => {
    const [idText, ...note] = ctx.match.trim().split(/\s+/);
    const id = number(idText);
    if (id === undefined || note.length === 0) return send(ctx, usage('/done N note'));
    const result = unitDesk.submit(id, ctx.chat.id, userId(ctx), note.join(' '));
    await send(ctx, result.ok ? tr.t(lang, result.value === 'review' ? 'unit.submitted' : 'unit.resolved', { id }) : refusal(id, result));
  });

  // Everything else that looks like a command is the bureau's: one neutral line, nothing revealed.
  unit.on('message:entities:bot_command', async (ctx, next) => {
    const command = /^\/([A-Za-z0-9_]+)/.exec(ctx.message.text ?? '')?.[1]?.toLowerCase();
    if (!command || UNIT_COMMANDS.includes(command) || ctx.message.entities?.[0]?.offset !== 0) return next();
    if (ctx.chat.type === 'private' && RESIDENT_COMMANDS.includes(command)) return next();
    await send(ctx, tr.t(lang, 'unit.not_here'));
  });

  unit.callbackQuery(/^ua:(acc|ret|ext):(\d{1,12})(?::([a-z_]{1,20}))?$/, async (ctx) => {
    const [, action, idText, reasonText] = ctx.match;
    const id = Number(idText);
    const chatId = ctx.chat!.id;
    await ctx.answerCallbackQuery();
    if (action === 'acc') {
      const result = unitDesk.sign(id, chatId, userId(ctx));
      return send(ctx, result.ok ? tr.t(lang, 'unit.signed', { id, deadline: result.value.deadlineAt ? formatDate(result.value.deadlineAt, deps.timezone) : '—' }) : refusal(id, result));
    }
    if (action === 'ext') {
      const problem = unitDesk.scoped(id, chatId);
      if (!problem) return send(ctx, noSuch(id));
      return prompt(ctx, tr.t(lang, 'unit.extend_prompt', { id }), 'extend', id);
    }
    const reason = RETURN_REASONS.find((r) => r === reasonText);
    if (!reason) {
      if (!unitDesk.scoped(id, chatId)) return send(ctx, noSuch(id));
      return send(ctx, tr.t(lang, 'unit.return_choose', { id }), RETURN_REASONS.map((r) => [{ text: tr.t(lang, `unit.return_reason.${r}`), data: `ua:ret:${id}:${r}` }]));
    }
    const result = unitDesk.giveBack(id, chatId, userId(ctx), reason);
    if (!result.ok) return send(ctx, refusal(id, result));
    await prompt(ctx, tr.t(lang, 'unit.returned', { id, reason: tr.t(lang, `unit.return_reason.${reason}`) }), 'return', id);
  });

  // Replies to this feature's prompts; any other text goes on (a private unit chat may still report as a resident).
  unit.on('message:text', async (ctx, next) => {
    const replyTo = ctx.message.reply_to_message;
    const key = replyTo && replyTo.from?.id === ctx.me.id ? `${ctx.chat.id}:${replyTo.message_id}` : undefined;
    const waiting = key ? prompts.get(key) : undefined;
    if (!key || !waiting) return next();
    const text = ctx.message.text.trim();
    if (waiting.kind === 'return') {
      prompts.delete(key);
      const result = unitDesk.returnNote(waiting.problemId, ctx.chat.id, userId(ctx), text);
      return send(ctx, result.ok ? tr.t(lang, 'unit.return_note_done') : noSuch(waiting.problemId));
    }
    const match = /^(\d{4}-\d{2}-\d{2})\s+(\S[\s\S]*)$/.exec(text);
    const deadline = match ? endOfDate(match[1]!, deps.timezone) : undefined;
    const problem = unitDesk.scoped(waiting.problemId, ctx.chat.id);
    if (!problem) {
      prompts.delete(key);
      return send(ctx, noSuch(waiting.problemId));
    }
    const current = problem.deadlineAt ? formatDate(problem.deadlineAt, deps.timezone) : '—';
    if (!match || deadline === undefined) return send(ctx, tr.t(lang, 'unit.extend_bad', { deadline: current }));
    const result = unitDesk.requestExtension(waiting.problemId, ctx.chat.id, userId(ctx), deadline, match[2]!.trim());
    if (!result.ok) return send(ctx, result.reason === 'bad_date' ? tr.t(lang, 'unit.extend_bad', { deadline: current }) : refusal(waiting.problemId, result));
    prompts.delete(key);
    await send(ctx, tr.t(lang, 'unit.extend_sent', { id: waiting.problemId, deadline: formatDate(deadline, deps.timezone) }));
  });

  return composer;
}
