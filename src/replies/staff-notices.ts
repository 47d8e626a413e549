import type { Catalogue } from '../domain/categories.ts';
import type { Language } from '../domain/classification.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Problem } from '../problems/problem.ts';

/** Messages the system itself posts to staff chats (besides urgent alerts): flags raised on problems. */
export interface StaffNotices {
  unitName(unitId: string | null): string | null;
  /** Where a problem is: the directory unit's name, else the name as residents wrote it. */
  problemUnit(language: Language, problem: Pick<Problem, 'unitId' | 'unitWritten'>): string;
  recurring(language: Language, problem: Problem, reportId: number): string;
  widespread(language: Language, problem: Problem): string;
  notFixed(language: Language, problem: Problem, reportId: number): string;
  /** A report the pipeline could not classify, with its text, so a person reads it now. */
  setAside(language: Language, report: { ticket: number; text: string; attempts: number }): string;
}

/** A set-aside report's text in the notice: enough to act on, well inside Telegram's 4,096 characters. */
const SET_ASIDE_TEXT_MAX = 2500;

/** `displayName`: a unit's display name (UnitRegistry.displayName: the id when the directory has none). */
export function createStaffNotices(tr: Translator, catalogue: Catalogue, displayName: (unitId: string) => string): StaffNotices {
  const unitName = (unitId: string | null) => (unitId ? displayName(unitId) : null);
  const problemUnit = (language: Language, problem: Pick<Problem, 'unitId' | 'unitWritten'>) =>
    unitName(problem.unitId) ?? problem.unitWritten ?? tr.t(language, 'unit.unknown');
  /** The lines every notice about a problem carries: its number, title, unit and category. */
  const aboutProblem = (language: Language, problem: Problem, key: string, extra: Record<string, number>) =>
    tr.t(language, key, {
      problem: problem.id,
      title: problem.title,
      unit: problemUnit(language, problem),
      category: catalogue.name(problem.category, language),
      ...extra,
    });
  return {
    unitName,
    problemUnit,
    recurring: (language, problem, reportId) => aboutProblem(language, problem, 'notice.recurring', { ticket: reportId }),
    widespread: (language, problem) => aboutProblem(language, problem, 'notice.widespread', { residents: problem.residentCount }),
    setAside: (language, report) => {
      const chars = Array.from(report.text);
      return tr.t(language, 'notice.set_aside', {
        ticket: report.ticket,
        attempts: report.attempts,
        text: chars.length > SET_ASIDE_TEXT_MAX ? `${chars.slice(0, SET_ASIDE_TEXT_MAX).join('')}…` : report.text,
      });
    },
    notFixed: (language, problem, reportId) => aboutProblem(language, problem, 'notice.not_fixed', { ticket: reportId }),
  };
}
