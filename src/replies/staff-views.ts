import type { Catalogue } from '../domain/categories.ts';
import { clipLine } from '../domain/text.ts';
import type { SubtopicCatalogue } from '../domain/subtopics.ts';
import type { Language } from '../domain/classification.ts';
import { HOUR, formatDate, formatDateTime } from '../domain/time.ts';
import { html } from '../i18n/html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Button } from '../outbox/outbox.ts';
import { isOverdue, type Problem, type ProblemEvent } from '../problems/problem.ts';
import type { DeskRefusal } from '../desk/problem-desk.ts';
import type { ProblemFilter, ProblemPage, ReportLine, Summary } from '../problems/problem-queries.ts';
import type { UnitRegistry } from '../units/unit-registry.ts';
import { mediaMark, mediaSense } from '../media/media.ts';
import type { Channel } from '../domain/channel.ts';

/** How the problem list looks in staff chats: text (Telegram HTML) and buttons, nothing about sending. */
export interface StaffViews {
  filterName(language: Language, filter: ProblemFilter): string;
  /** Short, 64-byte-safe form of a filter for button data. */
  encodeFilter(filter: ProblemFilter): string;
  decodeFilter(code: string): ProblemFilter | undefined;
  problemList(language: Language, filter: ProblemFilter, page: ProblemPage, now: number): { html: string; buttons: Button[][] };
  /** `possiblySame`: open problems that may be the same matter, each offered with a merge button. */
  problemDetail(
    language: Language,
    problem: Problem,
    reports: { reports: ReportLine[]; total: number },
    history: ProblemEvent[],
    now: number,
    possiblySame?: ReadonlyArray<{ problem: Problem; score: number }>,
  ): { html: string; buttons: Button[][] };
  reportsPage(language: Language, problem: Problem, reports: { reports: ReportLine[]; total: number }): string;
  summary(language: Language, summary: Summary): string;
  overdue(language: Language, overdue: { total: number; problems: Problem[] }, now: number, header?: 'list' | 'reminder'): string;
  search(language: Language, words: string, problems: Problem[], now: number): string;
  unitsDirectory(language: Language): string;
  unmatched(language: Language, names: Array<{ written: string; reports: number }>): string;
  refusal(language: Language, refusal: DeskRefusal): string;
  late(language: Language, ms: number): string;
  unitOf(language: Language, problem: Pick<Problem, 'unitId' | 'unitWritten'>): string;
}

const MAX_TEXT = 300;

/** `channelOfReport`: how a report came in; web reports (issue 17) are marked 🌐 beside their words. */
// `subtopics`: names of the subtopics (议题), shown as category › subtopic; absent, only the category is shown.
export function createStaffViews(
  tr: Translator,
  catalogue: Catalogue,
  units: UnitRegistry,
  timezone: string,
  channelOfReport?: (reportId: number) => Channel,
  subtopics?: Pick<SubtopicCatalogue, 'get'>,
): StaffViews {
  const unitOf = (language: Language, p: Pick<Problem, 'unitId' | 'unitWritten'>) =>
    (p.unitId ? units.name(p.unitId) : undefined) ?? p.unitWritten ?? tr.t(language, 'unit.unknown');
  const status = (language: Language, s: string) => tr.t(language, `status.${s}`);
  /** 食堂餐饮 › 饭菜质量与温度: the subtopic only when it is one of the problem's category. */
  const categoryOf = (language: Language, p: Pick<Problem, 'category' | 'subtopic'>) => {
    const subtopic = p.subtopic ? subtopics?.get(p.subtopic) : undefined;
    const name = catalogue.name(p.category, language);
    return subtopic && subtopic.category === p.category ? `${name} › ${subtopic.name[language]}` : name;
  };
  const late = (language: Language, ms: number) =>
    ms >= 48 * HOUR ? tr.t(language, 'staff.late.days', { n: Math.floor(ms / (24 * HOUR)) }) : tr.t(language, 'staff.late.hours', { n: Math.max(1, Math.floor(ms / HOUR)) });
  const cut = (text: string, max = MAX_TEXT) => clipLine(text, max);

  /** A report's words for staff, marked 🎤/📷 when it came as a voice note or photo; a voice note alone shows its label. */
  function reportText(language: Language, r: ReportLine): string {
    const mark = `${channelOfReport?.(r.id) === 'web' ? '🌐' : ''}${mediaMark(r.mediaKind) || (r.mediaKind ? `[${r.mediaKind}]` : '')}`;
    if (r.text === null) return r.mediaFileId !== null ? cut(r.summary ?? mark) : tr.t(language, 'staff.detail.erased');
    return mark ? `${mark} ${cut(r.text)}` : cut(r.text);
  }

  function flags(language: Language, p: Problem, now: number): string {
    const marks = [
      p.kind !== 'complaint' && tr.t(language, `staff.flag.${p.kind}`),
      p.urgent && tr.t(language, 'staff.flag.urgent'),
      isOverdue(p, now) && tr.t(language, 'staff.flag.overdue'),
      p.recurring && tr.t(language, 'staff.flag.recurring'),
      p.widespread && tr.t(language, 'staff.flag.widespread'),
    ].filter(Boolean);
    return marks.length ? `${marks.join('')} ` : '';
  }

  function flagWords(language: Language, p: Problem, now: number): string {
    return [
      p.kind !== 'complaint' && tr.t(language, `staff.flags_words.${p.kind}`),
      p.urgent && tr.t(language, 'staff.flags_words.urgent'),
      isOverdue(p, now) && tr.t(language, 'staff.flags_words.overdue'),
      p.recurring && tr.t(language, 'staff.flags_words.recurring'),
      p.widespread && tr.t(language, 'staff.flags_words.widespread'),
    ]
      .filter(Boolean)
      .map((w) => `[${w}]`)
      .join(' ');
  }

  const line = (language: Language, p: Problem, now: number) =>
    tr.t(language, 'staff.list.line', {
      id: p.id,
      flags: html(flags(language, p, now)),
      unit: unitOf(language, p),
      title: cut(p.title, 60),
      status: status(language, p.status),
      reports: p.reportCount,
    });

  function filterName(language: Language, filter: ProblemFilter): string {
    switch (filter.type) {
      case 'category':
        return catalogue.name(filter.category, language);
      case 'subtopic': {
        const subtopic = subtopics?.get(filter.subtopic);
        return subtopic ? categoryOf(language, { category: subtopic.category, subtopic: subtopic.id }) : filter.subtopic;
      }
      case 'unit':
        return units.displayName(filter.unitId);
      case 'status':
        return status(language, filter.status);
      default:
        return tr.t(language, `staff.filter.${filter.type}`);
    }
  }

  function encodeFilter(filter: ProblemFilter): string {
    switch (filter.type) {
      case 'category':
        return `c.${filter.category}`;
      case 'subtopic':
        return `t.${filter.subtopic}`;
      case 'unit':
        return `u.${filter.unitId}`;
      case 'status':
        return `s.${filter.status}`;
      default:
        return filter.type;
    }
  }

  function decodeFilter(code: string): ProblemFilter | undefined {
    // A subtopic id has a dot of its own ("t.food.price"): everything after the first dot is the id.
    if (code.startsWith('t.')) {
      const id = code.slice(2);
      return subtopics?.get(id) ? { type: 'subtopic', subtopic: id } : undefined;
    }
    const [kind, value] = code.split('.', 2) as [string, string | undefined];
    if (value !== undefined) {
      if (kind === 'c' && catalogue.has(value)) return { type: 'category', category: value };
      if (kind === 'u' && units.get(value)) return { type: 'unit', unitId: value };
      if (kind === 's' && ['new', 'assigned', 'in_progress', 'resolved', 'closed'].includes(value)) return { type: 'status', status: value as never };
      return undefined;
    }
    return ['open', 'all', 'overdue', 'recurring', 'widespread', 'urgent'].includes(kind) ? ({ type: kind } as ProblemFilter) : undefined;
  }

  return {
    filterName,
    encodeFilter,
    decodeFilter,
    late,
    unitOf,

    problemList(language, filter, page, now) {
      const name = filterName(language, filter);
      if (page.total === 0) return { html: tr.t(language, 'staff.list.empty', { filter: name }), buttons: [] };
      const text = [
        tr.t(language, 'staff.list.header', { filter: name, total: page.total, page: page.page, pages: page.pages }),
        ...page.problems.map((p) => line(language, p, now)),
      ].join('\n');
      const code = encodeFilter(filter);
      const open = page.problems.map((p) => ({ text: `#${p.id}`, data: `pd:${p.id}` }));
      const buttons: Button[][] = [];
      for (let i = 0; i < open.length; i += 5) buttons.push(open.slice(i, i + 5));
      const nav: Button[] = [];
      if (page.page > 1) nav.push({ text: tr.t(language, 'staff.buttons.prev'), data: `pl:${code}:${page.page - 1}` });
      if (page.page < page.pages) nav.push({ text: tr.t(language, 'staff.buttons.next'), data: `pl:${code}:${page.page + 1}` });
      if (nav.length) buttons.push(nav);
      return { html: text, buttons };
    },

    problemDetail(language, p, reports, history, now, possiblySame = []) {
      const overdueNote = isOverdue(p, now) ? ` ${tr.t(language, 'staff.detail.overdue', { late: late(language, now - p.deadlineAt!) })}` : '';
      const parts = [
        tr.t(language, 'staff.detail.header', { id: p.id, flags: flagWords(language, p, now), title: p.title }),
        tr.t(language, 'staff.detail.fields', {
          category: categoryOf(language, p),
          unit: unitOf(language, p),
          status: status(language, p.status) + (p.closeReason ? ` (${tr.t(language, `reason.${p.closeReason}`)})` : ''),
          responsible: (p.responsibleUnitId ? units.name(p.responsibleUnitId) : undefined) ?? tr.t(language, 'staff.unassigned'),
          deadline: (p.deadlineAt ? formatDateTime(p.deadlineAt, timezone) : '—') + overdueNote,
          reports: p.reportCount,
          residents: p.residentCount,
          first: p.firstReportAt ? formatDateTime(p.firstReportAt, timezone) : '—',
          last: p.lastReportAt ? formatDateTime(p.lastReportAt, timezone) : '—',
        }),
        this.reportsPage(language, p, reports),
        [
          tr.t(language, 'staff.detail.history'),
          ...history.slice(-10).map((e) =>
            tr.t(language, 'staff.detail.history_line', {
              at: formatDateTime(e.at, timezone),
              who: e.actor.startsWith('staff:')
                ? tr.t(language, 'staff.who.staff', { id: e.actor.slice(6) })
                : e.actor.startsWith('resident:')
                  ? tr.t(language, 'staff.who.resident')
                  : tr.t(language, 'staff.who.system'),
              what: [
                tr.has(`staff.action.${e.action}`) ? tr.t(language, `staff.action.${e.action}`) : e.action,
                e.toStatus && e.fromStatus !== e.toStatus ? `→ ${status(language, e.toStatus)}` : '',
                e.note ? `${language === 'zh' ? '：' : ': '}${cut(e.note, 120)}` : '',
              ].filter(Boolean).join(' ').replace(/ (：|: )/, '$1'),
            }),
          ),
        ].join('\n'),
      ];
      if (possiblySame.length > 0) {
        parts.push(
          [
            tr.t(language, 'staff.detail.possibly_same'),
            ...possiblySame.map(({ problem: other }) =>
              tr.t(language, 'staff.detail.possibly_same_line', {
                id: other.id,
                title: cut(other.title, 60),
                status: status(language, other.status),
                reports: other.reportCount,
              }),
            ),
          ].join('\n'),
        );
      }
      const buttons: Button[][] = [
        [
          { text: tr.t(language, 'staff.buttons.in_progress'), data: `pa:ip:${p.id}` },
          { text: tr.t(language, 'staff.buttons.resolve'), data: `pa:rs:${p.id}` },
          { text: tr.t(language, 'staff.buttons.close'), data: `pa:cl:${p.id}` },
        ],
      ];
      if (reports.total > reports.reports.length) buttons.push([{ text: tr.t(language, 'staff.buttons.reports'), data: `pr:${p.id}` }]);
      // The original voice note or photo, re-sent to this chat by its file id (issue 16).
      const originals = reports.reports
        .filter((r) => r.mediaFileId !== null && mediaSense(r.mediaKind))
        .map((r) => ({ text: tr.t(language, 'staff.buttons.media', { mark: mediaMark(r.mediaKind), ticket: r.id }), data: `rm:${r.id}` }));
      for (let i = 0; i < originals.length; i += 3) buttons.push(originals.slice(i, i + 3));
      // The newer problem goes into the older one, as staff would with /merge: the older keeps its number and history.
      for (const { problem: other } of possiblySame) {
        const [from, into] = other.id < p.id ? [p.id, other.id] : [other.id, p.id];
        buttons.push([{ text: tr.t(language, 'staff.buttons.merge', { from, into }), data: `pm:${from}:${into}` }]);
      }
      return { html: parts.join('\n\n'), buttons };
    },

    reportsPage(language, p, reports) {
      return [
        tr.t(language, 'staff.detail.reports', { shown: reports.reports.length, total: reports.total }),
        ...reports.reports.map((r) =>
          tr.t(language, 'staff.detail.report_line', {
            id: r.id,
            at: formatDateTime(r.receivedAt, timezone),
            text: reportText(language, r),
          }),
        ),
      ].join('\n');
    },

    summary(language, s) {
      const blocks = [
        tr.t(language, 'staff.summary.header', {
          period: tr.t(language, `staff.period.${s.period.name}`),
          from: formatDate(s.period.start, timezone),
          to: formatDate(s.period.end - 1, timezone),
        }) + '\n' + tr.t(language, 'staff.summary.counts', { reports: s.newReports, problems: s.newProblems }),
      ];
      if (s.reportsByCategory.length) {
        blocks.push([tr.t(language, 'staff.summary.by_category'), ...s.reportsByCategory.map((c) => tr.t(language, 'staff.summary.category_line', { category: catalogue.name(c.category, language), n: c.reports }))].join('\n'));
      }
      const statuses = s.problemsByStatus.filter((x) => x.problems > 0);
      if (statuses.length) {
        blocks.push([tr.t(language, 'staff.summary.by_status'), ...statuses.map((x) => tr.t(language, 'staff.summary.status_line', { status: status(language, x.status), n: x.problems }))].join('\n'));
      }
      if (s.urgentOpen.length) {
        blocks.push([tr.t(language, 'staff.summary.urgent'), ...s.urgentOpen.map((p) => line(language, p, s.period.end))].join('\n'));
      }
      blocks.push([tr.t(language, 'staff.summary.overdue', { n: s.overdueCount }), ...s.overdue.map((p) => line(language, p, s.period.end))].join('\n'));
      if (s.top.length) {
        blocks.push([tr.t(language, 'staff.summary.top'), ...s.top.map((t) => tr.t(language, 'staff.summary.top_line', { id: t.problem.id, unit: unitOf(language, t.problem), title: cut(t.problem.title, 60), n: t.reportsInPeriod }))].join('\n'));
      }
      return blocks.join('\n\n');
    },

    overdue(language, overdue, now, header = 'list') {
      if (overdue.total === 0) return tr.t(language, 'staff.overdue.empty');
      const head = header === 'reminder' ? tr.t(language, 'staff.reminder.header', { total: overdue.total }) : tr.t(language, 'staff.overdue.header', { total: overdue.total });
      return [
        head,
        ...overdue.problems.map((p) =>
          tr.t(language, 'staff.overdue.line', {
            id: p.id,
            unit: unitOf(language, p),
            title: cut(p.title, 60),
            responsible: (p.responsibleUnitId ? units.name(p.responsibleUnitId) : undefined) ?? tr.t(language, 'staff.unassigned'),
            deadline: p.deadlineAt ? formatDate(p.deadlineAt, timezone) : '—',
            late: late(language, now - (p.deadlineAt ?? now)),
          }),
        ),
      ].join('\n');
    },

    search(language, words, problems, now) {
      if (problems.length === 0) return tr.t(language, 'staff.search.empty', { words });
      return [tr.t(language, 'staff.search.header', { words, n: problems.length }), ...problems.map((p) => line(language, p, now))].join('\n');
    },

    unitsDirectory(language) {
      const all = units.all();
      const types = [...new Set(all.map((u) => u.type))];
      return [
        tr.t(language, 'staff.units.header', { n: all.length }),
        ...types.map((type) =>
          tr.t(language, 'staff.units.type_line', {
            type: tr.t(language, `unit_type.${type}`),
            names: all.filter((u) => u.type === type).map((u) => u.name).join('、'),
          }),
        ),
      ].join('\n');
    },

    unmatched(language, names) {
      if (names.length === 0) return tr.t(language, 'staff.units.unmatched_empty');
      return [tr.t(language, 'staff.units.unmatched_header'), ...names.map((n) => tr.t(language, 'staff.units.unmatched_line', { written: n.written, n: n.reports }))].join('\n');
    },

    refusal(language, r) {
      switch (r.reason) {
        case 'no_such_problem':
          return tr.t(language, 'staff.no_problem', { id: r.problemId });
        case 'no_such_unit':
          return tr.t(language, 'staff.no_unit', { unit: r.unit });
        case 'no_such_report':
          return tr.t(language, 'staff.no_report', { id: r.reportId });
        case 'report_not_in_problem':
          return tr.t(language, 'staff.report_not_in_problem', { report: r.reportId, problem: r.problemId });
        case 'already':
          return tr.t(language, 'staff.already', { status: status(language, r.status) });
        case 'same_problem':
          return tr.t(language, 'staff.same_problem');
        case 'last_report':
          return tr.t(language, 'staff.last_report');
        case 'closed_problem':
          return tr.t(language, 'staff.closed_problem', { id: r.problemId });
        case 'not_a_suggestion':
          return tr.t(language, 'staff.not_a_suggestion', { id: r.problemId });
      }
    },
  };
}
