import type { Catalogue } from '../domain/categories.ts';
import type { Language } from '../domain/classification.ts';
import { HOUR, MINUTE, formatDateTime } from '../domain/time.ts';
import { escapeHtml, html, type Html } from '../i18n/html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { CategoryChartInput } from './chart.ts';
import type { ProblemLine, UrgentOutcome, WeeklyDigest } from './digest-data.ts';
import { periodDates, type Period } from './periods.ts';
import type { RankedUnit, Ranking, UnitRates } from './rates.ts';

/** Turns digest and ranking data into Telegram HTML in the staff's language. Every word comes from the locale files. */
export interface DigestRenderer {
  /** The whole digest as one HTML text; split it with splitHtml before sending. */
  digest(digest: WeeklyDigest, language: Language): string;
  /** What the chart shows, or undefined when neither week had a report. */
  chart(digest: WeeklyDigest, language: Language): { input: CategoryChartInput; captionHtml: string } | undefined;
  /** The full ranking table of a period. */
  ranking(ranking: Ranking, period: Period, language: Language): string;
  /** One unit's entry of the ranking (rank, score, rates), as the table shows it: a unit's own chat sees only its own. */
  unitEntry(language: Language, unit: RankedUnit): string;
}

export interface DigestRendererDeps {
  tr: Translator;
  catalogue: Catalogue;
  unitName: (unitId: string) => string;
  timezone: string;
}

const BEST_AND_LAGGING = 3;

/** 0.8333 → "83.3%", 0.85 → "85%", null → "—". */
export function formatPercent(value: number | null): string {
  if (value === null) return '—';
  return `${formatNumber(value * 100)}%`;
}

/** One decimal, without a trailing ".0". */
export function formatNumber(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

/** "+18, +16.4%", "-5, -10%", "0"; without a percentage when last week had none. */
export function formatChange(current: number, previous: number, separator = ', '): string {
  const diff = current - previous;
  if (diff === 0 || previous === 0) return signed(diff);
  return `${signed(diff)}${separator}${diff > 0 ? '+' : ''}${formatNumber((diff / previous) * 100)}%`;
}

export function createDigestRenderer(deps: DigestRendererDeps): DigestRenderer {
  const { tr, catalogue, timezone } = deps;

  const categoryName = (language: Language, category: string | null) =>
    category === null ? tr.t(language, 'digest.unclassified') : catalogue.name(category, language);
  const unitOf = (language: Language, unitId: string | null, written: string | null) =>
    unitId ? deps.unitName(unitId) : (written ?? tr.t(language, 'unit.unknown'));

  function duration(language: Language, ms: number): string {
    if (ms < HOUR) return tr.t(language, 'digest.minutes', { n: Math.max(1, Math.floor(ms / MINUTE)) });
    if (ms < 48 * HOUR) return tr.t(language, 'digest.hours', { n: Math.floor(ms / HOUR) });
    return tr.t(language, 'digest.days', { n: Math.floor(ms / (24 * HOUR)) });
  }

  const problemLine = (language: Language, p: ProblemLine, extra: Html) =>
    tr.t(language, 'digest.problem_line', {
      problem: p.id,
      unit: unitOf(language, p.unitId, p.unitWritten),
      category: categoryName(language, p.category),
      title: p.title,
      extra,
    });

  const section = (language: Language, key: string, lines: string[], params: Record<string, string | number> = {}) =>
    [tr.t(language, key, params), ...(lines.length > 0 ? lines : [tr.t(language, 'digest.none')])].join('\n');

  const more = (language: Language, total: number, shown: number) => (total > shown ? [tr.t(language, 'digest.more', { n: total - shown })] : []);

  function rateLine(language: Language, rates: UnitRates): string {
    // Commendations sit beside the rates (never in them); a line without any stays as it was.
    const praise = rates.praise > 0 ? tr.t(language, 'ranking.praise', { n: rates.praise }) : '';
    return tr.t(language, 'ranking.rates', {
      response: formatPercent(rates.response.value),
      resolution: formatPercent(rates.resolution.value),
      satisfaction: formatPercent(rates.satisfaction.value),
      mean: rates.satisfaction.mean === null ? '—' : formatNumber(rates.satisfaction.mean),
      ratings: rates.satisfaction.denominator,
      problems: rates.problems,
    }) + praise;
  }

  function unitEntry(language: Language, unit: RankedUnit): string {
    const head =
      unit.rank === null
        ? tr.t(language, 'ranking.unranked_unit', { unit: unit.unitName })
        : tr.t(language, 'ranking.unit', { rank: unit.rank, unit: unit.unitName, composite: unit.composite === null ? '—' : formatNumber(unit.composite) });
    return `${head}\n${rateLine(language, unit)}`;
  }

  function overallRates(language: Language, ranking: Ranking): string[] {
    const o = ranking.overall;
    return [
      tr.t(language, 'digest.response_rate', {
        rate: formatPercent(o.response.value),
        responded: o.response.numerator,
        decided: o.response.denominator,
        hours: formatNumber(ranking.settings.responseWindowMs / HOUR),
      }) + (o.response.pending > 0 ? tr.t(language, 'digest.response_pending', { n: o.response.pending }) : ''),
      tr.t(language, 'digest.resolution_rate', { rate: formatPercent(o.resolution.value), fixed: formatNumber(o.resolution.numerator), answers: o.resolution.denominator }),
      tr.t(language, 'digest.satisfaction_rate', {
        rate: formatPercent(o.satisfaction.value),
        satisfied: o.satisfaction.numerator,
        ratings: o.satisfaction.denominator,
        mean: o.satisfaction.mean === null ? '—' : formatNumber(o.satisfaction.mean),
      }),
    ];
  }

  const weightsLine = (language: Language, ranking: Ranking) =>
    tr.t(language, 'ranking.rule', {
      response: formatNumber(ranking.settings.weights.response * 100),
      resolution: formatNumber(ranking.settings.weights.resolution * 100),
      satisfaction: formatNumber(ranking.settings.weights.satisfaction * 100),
      min: ranking.settings.rankingMinProblems,
    });

  /**
   * Counts first, the category last: CJK glyphs are not exactly two columns wide in every monospace font
   * (Telegram's apps differ), so only ASCII digits are trusted to line up. The section title names the columns.
   */
  function categoryTable(language: Language, digest: WeeklyDigest): string {
    const rows = digest.byCategory.map((c) => [String(c.current), String(c.previous), signed(c.current - c.previous), categoryName(language, c.category)]);
    rows.push([String(digest.reports.current), String(digest.reports.previous), signed(digest.reports.current - digest.reports.previous), tr.t(language, 'digest.col_total')]);
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => `${r.slice(0, 3).map((cell, i) => cell.padStart(widths[i]!)).join('  ')}  ${r[3]}`;
    return `<pre>${escapeHtml(rows.map(line).join('\n'))}</pre>`;
  }

  const urgentMark: Record<UrgentOutcome, string> = { in_time: '✅', late: '⚠️', missed: '❌', pending: '⏳' };

  return {
    unitEntry,

    digest(digest, language) {
      const { first, last } = periodDates(digest.week, timezone);
      const builtAt = formatDateTime(digest.builtAt, timezone);
      const blocks: string[] = [];

      blocks.push(tr.t(language, 'digest.title', { week: digest.week.key, first, last }));

      blocks.push(
        [
          tr.t(language, 'digest.overview'),
          tr.t(language, 'digest.reports', { n: digest.reports.current, previous: digest.reports.previous, change: formatChange(digest.reports.current, digest.reports.previous, tr.t(language, 'digest.change_separator')) }),
          tr.t(language, 'digest.problems', { n: digest.problems.current, previous: digest.problems.previous, change: formatChange(digest.problems.current, digest.problems.previous, tr.t(language, 'digest.change_separator')) }),
        ].join('\n'),
      );

      blocks.push(
        digest.byCategory.length === 0
          ? section(language, 'digest.by_category', [])
          : [tr.t(language, 'digest.by_category'), categoryTable(language, digest)].join('\n'),
      );

      blocks.push(
        section(
          language,
          'digest.top_problems',
          digest.topProblems.map((p, i) =>
            `${i + 1}. ${problemLine(language, p, html(tr.t(language, 'digest.top_extra', { n: p.reports, total: p.totalReports, status: tr.t(language, `status.${p.status}`) })))}`,
          ),
        ),
      );

      blocks.push(
        section(
          language,
          'digest.widespread',
          [
            ...digest.newWidespread.problems.map((p) => `• ${problemLine(language, p, html(tr.t(language, 'digest.widespread_extra', { residents: p.residents })))}`),
            ...more(language, digest.newWidespread.total, digest.newWidespread.problems.length),
          ],
          { n: digest.newWidespread.total },
        ),
      );

      blocks.push(
        section(
          language,
          'digest.recurring',
          [
            ...digest.newRecurring.problems.map((p) => `• ${problemLine(language, p, html(tr.t(language, `status.${p.status}`)))}`),
            ...more(language, digest.newRecurring.total, digest.newRecurring.problems.length),
          ],
          { n: digest.newRecurring.total },
        ),
      );

      const u = digest.urgent;
      blocks.push(
        [
          tr.t(language, 'digest.urgent', { n: u.total }),
          ...(u.total === 0
            ? [tr.t(language, 'digest.none')]
            : [
                tr.t(language, 'digest.urgent_counts', {
                  in_time: u.counts.in_time,
                  late: u.counts.late,
                  missed: u.counts.missed,
                  pending: u.counts.pending,
                  hours: formatNumber(digest.ranking.settings.responseWindowMs / HOUR),
                }),
                ...u.reports.map((r) => {
                  const outcome =
                    r.respondedAt === null || r.outcome === 'missed' || r.outcome === 'pending'
                      ? tr.t(language, `digest.urgent_${r.outcome}`)
                      : r.respondedAt <= r.receivedAt
                        ? tr.t(language, 'digest.urgent_in_time_before')
                        : tr.t(language, `digest.urgent_${r.outcome}_after`, { after: duration(language, r.respondedAt - r.receivedAt) });
                  return tr.t(language, 'digest.urgent_line', {
                    mark: urgentMark[r.outcome],
                    ticket: r.reportId,
                    at: formatDateTime(r.receivedAt, timezone).slice(5),
                    unit: unitOf(language, r.unitId, r.unitWritten),
                    category: r.category ? categoryName(language, r.category) : tr.t(language, 'digest.unclassified'),
                    problem: r.problemId === null ? '—' : `#${r.problemId}`,
                    outcome,
                  });
                }),
                ...more(language, u.total, u.reports.length),
              ]),
        ].join('\n'),
      );

      blocks.push(
        section(
          language,
          'digest.overdue',
          [
            ...digest.overdue.problems.map((p) =>
              `• ${problemLine(
                language,
                p,
                html(
                  tr.t(language, 'digest.overdue_extra', {
                    unit: p.responsibleUnitId ? deps.unitName(p.responsibleUnitId) : tr.t(language, 'digest.not_assigned'),
                    late: duration(language, digest.builtAt - p.deadlineAt),
                  }),
                ),
              )}`,
            ),
            ...more(language, digest.overdue.total, digest.overdue.problems.length),
          ],
          { n: digest.overdue.total, at: builtAt },
        ),
      );

      blocks.push([tr.t(language, 'digest.rates'), ...overallRates(language, digest.ranking)].join('\n'));

      const ranked = digest.ranking.units.filter((unit) => unit.rank !== null);
      const unranked = digest.ranking.units.filter((unit) => unit.rank === null);
      const bestCount = Math.min(BEST_AND_LAGGING, Math.ceil(ranked.length / 2));
      const best = ranked.slice(0, bestCount);
      const lagging = ranked.slice(Math.max(bestCount, ranked.length - BEST_AND_LAGGING));
      const rankingLines = [tr.t(language, 'digest.ranking'), weightsLine(language, digest.ranking)];
      if (ranked.length === 0) rankingLines.push(tr.t(language, 'ranking.empty'));
      else {
        rankingLines.push(tr.t(language, 'digest.best'), ...best.map((unit) => unitEntry(language, unit)));
        if (lagging.length > 0) rankingLines.push(tr.t(language, 'digest.lagging'), ...lagging.map((unit) => unitEntry(language, unit)));
      }
      if (unranked.length > 0) rankingLines.push(tr.t(language, 'digest.unranked', { n: unranked.length, min: digest.ranking.settings.rankingMinProblems }));
      rankingLines.push(tr.t(language, 'digest.full_ranking'));
      blocks.push(rankingLines.join('\n'));

      // Typical examples to hold up (典型引领): the units residents praised most, ranked or not.
      const praised = digest.ranking.units.filter((unit) => unit.praise > 0).sort((a, b) => b.praise - a.praise || a.unitName.localeCompare(b.unitName, 'zh'));
      if (praised.length > 0) {
        const total = praised.reduce((n, unit) => n + unit.praise, 0);
        const shown = praised.slice(0, BEST_AND_LAGGING).map((unit) => tr.t(language, 'digest.praise_unit', { unit: unit.unitName, n: unit.praise, problems: unit.problems }));
        blocks.push([tr.t(language, 'digest.praise', { n: total }), ...shown, ...more(language, praised.length, shown.length)].join('\n'));
      }

      return blocks.join('\n\n');
    },

    chart(digest, language) {
      if (digest.reports.current === 0 && digest.reports.previous === 0) return undefined;
      const { first, last } = periodDates(digest.week, timezone);
      return {
        input: {
          title: tr.t(language, 'digest.chart_title', { week: digest.week.key }),
          labels: digest.byCategory.map((c) => categoryName(language, c.category)),
          current: { label: tr.t(language, 'digest.chart_this_week', { week: digest.week.key }), values: digest.byCategory.map((c) => c.current) },
          previous: { label: tr.t(language, 'digest.chart_last_week', { week: digest.previousWeek.key }), values: digest.byCategory.map((c) => c.previous) },
        },
        captionHtml: tr.t(language, 'digest.chart_caption', { week: digest.week.key, first, last, n: digest.reports.current, previous: digest.reports.previous }),
      };
    },

    ranking(ranking, period, language) {
      const { first, last } = periodDates(period, timezone);
      const ranked = ranking.units.filter((unit) => unit.rank !== null);
      const unranked = ranking.units.filter((unit) => unit.rank === null);
      const blocks = [
        [
          tr.t(language, 'ranking.title', { period: period.key, first, last }),
          ...(ranking.asOf < period.end ? [tr.t(language, 'ranking.so_far', { at: formatDateTime(ranking.asOf, timezone) })] : []),
          weightsLine(language, ranking),
        ].join('\n'),
        [tr.t(language, 'ranking.overall'), rateLine(language, ranking.overall)].join('\n'),
        ranked.length === 0 ? tr.t(language, 'ranking.empty') : ranked.map((unit) => unitEntry(language, unit)).join('\n'),
      ];
      if (unranked.length > 0) {
        blocks.push([tr.t(language, 'ranking.unranked', { min: ranking.settings.rankingMinProblems }), ...unranked.map((unit) => unitEntry(language, unit))].join('\n'));
      }
      return blocks.join('\n\n');
    },
  };
}
