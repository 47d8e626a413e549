import type { Language } from '../domain/classification.ts';
import { formatDate } from '../domain/time.ts';
import { html } from '../i18n/html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Button, OutgoingMessage } from '../outbox/outbox.ts';
import type { CloseReason, ProblemStatus } from '../problems/problem.ts';

export interface StatusUpdate {
  ticket: number;
  status: Exclude<ProblemStatus, 'new' | 'resolved'>;
  unit: string | null;
  deadlineAt: number | null;
  note: string | null;
  closeReason?: CloseReason;
}

export interface SurveyState {
  fixed?: 'fixed' | 'partly' | 'not_fixed' | null;
  rating?: number | null;
}

/** Callback data of the survey buttons: sv:f:<report>:<answer> and sv:r:<report>:<1-5>. */
export const SURVEY_PATTERN = /^sv:(f|r):(\d{1,12}):(fixed|partly|not_fixed|[1-5])$/;

/** What residents are told as their problem moves, and the "is it fixed?" survey. */
export interface ResidentNotices {
  statusUpdate(language: Language, update: StatusUpdate): OutgoingMessage;
  survey(language: Language, about: { ticket: number; unit: string | null; note: string }, state?: SurveyState): OutgoingMessage & { type: 'text' };
  surveyButtons(language: Language, ticket: number, state?: SurveyState): Button[][];
}

export function createResidentNotices(tr: Translator, timezone: string): ResidentNotices {
  const noteLine = (language: Language, note: string | null) => (note ? `\n${tr.t(language, 'update.note', { note })}` : '');

  function surveyButtons(language: Language, ticket: number, state: SurveyState = {}): Button[][] {
    const mark = (on: boolean, text: string) => (on ? `✓ ${text}` : text);
    return [
      (['fixed', 'partly', 'not_fixed'] as const).map((answer) => ({
        text: mark(state.fixed === answer, tr.t(language, `survey.${answer}`)),
        data: `sv:f:${ticket}:${answer}`,
      })),
      [1, 2, 3, 4, 5].map((n) => ({ text: mark(state.rating === n, `${n}★`), data: `sv:r:${ticket}:${n}` })),
    ];
  }

  return {
    statusUpdate(language, update) {
      const key = `update.${update.status}`;
      const text = tr.t(language, key, {
        ticket: update.ticket,
        unit: update.unit ?? tr.t(language, 'unit.unknown'),
        deadline: update.deadlineAt ? formatDate(update.deadlineAt, timezone) : '—',
        reason: update.closeReason ? tr.t(language, `reason.${update.closeReason}`) : '',
      });
      return { type: 'text', html: text + noteLine(language, update.note) };
    },
    survey(language, about, state) {
      const text = [
        tr.t(language, 'update.resolved', { ticket: about.ticket, unit: about.unit ?? tr.t(language, 'unit.unknown') }) + noteLine(language, about.note),
        tr.t(language, 'survey.question'),
        html(tr.t(language, 'survey.comment_hint')).value,
      ].join('\n\n');
      return { type: 'text', html: text, buttons: surveyButtons(language, about.ticket, state) };
    },
    surveyButtons,
  };
}
