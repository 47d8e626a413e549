import type { Catalogue } from '../domain/categories.ts';
import type { Language } from '../domain/classification.ts';
import { redactPersonalData } from '../domain/redact.ts';
import { formatDate } from '../domain/time.ts';
import { escapeHtml, html } from '../i18n/html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Button } from '../outbox/outbox.ts';
import type { Problem } from '../problems/problem.ts';
import type { ReportLine } from '../problems/problem-queries.ts';

export const RETURN_REASONS = ['not_ours', 'wrong_unit', 'duplicate'] as const;
export type ReturnReason = (typeof RETURN_REASONS)[number];

const MAX_TEXT = 300;

/** What a unit's chat is shown. Residents' identities never appear: report texts only, with personal data masked. */
export interface UnitViews {
  card(language: Language, problem: Problem, unitName: string, reports: ReportLine[]): { html: string; buttons: Button[][] };
  list(language: Language, problems: Array<Problem & { signedAt: number | null }>): string;
}

export function createUnitViews(tr: Translator, catalogue: Catalogue, timezone: string): UnitViews {
  const date = (ms: number | null) => (ms === null ? '—' : formatDate(ms, timezone));
  // Whatever a resident wrote, masked again for a reader outside the bureau: phone numbers, ids, cards, e-mail.
  const clean = (text: string) => {
    const masked = redactPersonalData(text);
    return masked.length > MAX_TEXT ? `${masked.slice(0, MAX_TEXT)}…` : masked;
  };
  return {
    card(language, problem, unitName, reports) {
      const lines = reports.map((r) => `• ${escapeHtml(clean(r.text ?? r.summary ?? tr.t(language, 'unit.media_only')))}`);
      return {
        html: tr.t(language, 'unit.card', {
          id: problem.id,
          unit: unitName,
          category: catalogue.name(problem.category, language),
          title: clean(problem.title),
          deadline: date(problem.deadlineAt),
          status: tr.t(language, `status.${problem.status}`),
          reports: html(lines.join('\n') || '—'),
        }),
        buttons: [
          [
            { text: tr.t(language, 'unit.buttons.accept'), data: `ua:acc:${problem.id}` },
            { text: tr.t(language, 'unit.buttons.return'), data: `ua:ret:${problem.id}` },
            { text: tr.t(language, 'unit.buttons.extend'), data: `ua:ext:${problem.id}` },
          ],
        ],
      };
    },
    list(language, problems) {
      if (problems.length === 0) return tr.t(language, 'unit.list_empty');
      const lines = problems.map((p) =>
        tr.t(language, 'unit.list_line', {
          id: p.id,
          title: clean(p.title),
          status: tr.t(language, `status.${p.status}`),
          deadline: date(p.deadlineAt),
          signed: tr.t(language, p.signedAt === null ? 'unit.not_signed' : 'unit.signed_mark'),
        }),
      );
      return `${tr.t(language, 'unit.list_header', { count: problems.length })}\n${lines.join('\n')}`;
    },
  };
}
