import { Composer, InputFile } from 'grammy';
import type { Db } from '../../db/database.ts';
import type { Catalogue } from '../../domain/categories.ts';
import type { SubtopicCatalogue } from '../../domain/subtopics.ts';
import { formatDateTime } from '../../domain/time.ts';
import { buildLedger, LEDGER_PERIODS, ledgerPeriod, ledgerSize, MAX_LEDGER_REPORTS, type Ledger, type LedgerPeriodName } from '../../export/ledger.ts';
import type { UnitRegistry } from '../../units/unit-registry.ts';
import type { BotContext } from '../context.ts';
import type { StaffChatDeps } from './staff-common.ts';

export interface StaffExportFeatureDeps extends StaffChatDeps {
  db: Db;
  units: Pick<UnitRegistry, 'name'>;
  catalogue: Catalogue;
  /** Subtopic names for the ledger's 议题 column. */
  subtopics?: Pick<SubtopicCatalogue, 'name'>;
  timezone: string;
  now: () => number;
  /** Refuse ledgers with more reports than this (default MAX_LEDGER_REPORTS). */
  maxReports?: number;
  /** A unit's own chat: its units (empty for any other chat); it gets the ledger of those units' problems only. */
  unitScope?: (chatId: number) => readonly string[];
}

const DEFAULT_PERIOD: LedgerPeriodName = '7d';

/** `/export [7d|30d|all]`: the ledger (台账) as Excel plus the problem sheet as CSV, in staff chats only. */
export function createStaffExportFeature(deps: StaffExportFeatureDeps): Composer<BotContext> {
  const { tr, staffLanguage: lang } = deps;
  const maxReports = deps.maxReports ?? MAX_LEDGER_REPORTS;
  const composer = new Composer<BotContext>();
  // A unit's chat: its own units' ledger. Anywhere else the command falls through untouched, as if this feature did not exist.
  const unitsOf = (chatId: number) => (deps.isStaffChat(chatId) ? undefined : deps.unitScope?.(chatId));
  const staff = composer.filter((ctx) => ctx.chat !== undefined && (deps.isStaffChat(ctx.chat.id) || (unitsOf(ctx.chat.id)?.length ?? 0) > 0));

  staff.command('export', async (ctx) => {
    const unitIds = unitsOf(ctx.chat.id);
    const name = parsePeriod(ctx.match);
    if (!name) {
      await ctx.reply(tr.t(lang, 'export.usage'));
      return;
    }
    const now = deps.now();
    const period = ledgerPeriod(name, now, deps.timezone);
    const size = ledgerSize(deps.db, period);
    if (size > maxReports) {
      await ctx.reply(tr.t(lang, 'export.too_large', { reports: size, limit: maxReports }));
      return;
    }

    // A courtesy while the workbook is built; failing to show it changes nothing.
    await ctx.replyWithChatAction('upload_document').catch(() => undefined);
    let ledger: Ledger;
    try {
      ledger = await buildLedger(deps.db, { period: name, units: deps.units, catalogue: deps.catalogue, ...(deps.subtopics && { subtopics: deps.subtopics }), timezone: deps.timezone, now, maxReports, ...(unitIds && { unitIds }) });
    } catch (error) {
      ctx.logger.error({ err: error, period: name }, 'could not build the ledger');
      await ctx.reply(tr.t(lang, 'export.failed'));
      return;
    }
    ctx.logger.info({ period: name, problems: ledger.problems, reports: ledger.reports, bytes: ledger.xlsx.length, unitScope: unitIds !== undefined }, 'ledger exported');
    const caption = tr.t(lang, 'export.caption', {
      period: tr.t(lang, `export.period.${name}`),
      problems: ledger.problems,
      reports: ledger.reports,
      time: formatDateTime(now, deps.timezone),
    });
    await ctx.replyWithDocument(new InputFile(ledger.xlsx, `${ledger.filenameBase}.xlsx`), { caption, parse_mode: 'HTML' });
    await ctx.replyWithDocument(new InputFile(ledger.csv, `${ledger.filenameBase}.csv`), { caption: tr.t(lang, 'export.csv_caption'), parse_mode: 'HTML' });
  });

  return composer;
}

function parsePeriod(argument: string): LedgerPeriodName | undefined {
  const word = argument.trim().toLowerCase();
  if (word === '') return DEFAULT_PERIOD;
  if (word === '全部') return 'all';
  return LEDGER_PERIODS.find((p) => p === word);
}
