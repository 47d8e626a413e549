import type { Catalogue } from '../domain/categories.ts';
import type { Language } from '../domain/classification.ts';
import { formatDate, formatDateTime } from '../domain/time.ts';
import { escapeHtml } from '../i18n/html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { TrackingView } from './web-tracking.ts';

/**
 * The page's HTML, rendered on the server: it works without JavaScript (the CSP allows none), on any phone.
 * Every value that came from a person goes through `esc`; translated texts are escaped by the translator.
 */

export const MAX_TEXT_CHARS = 4000;
export const MAX_UNIT_CHARS = 100;
export const MAX_COMMENT_CHARS = 1000;

/** HTML text and double- or single-quoted attribute values. */
export const esc = (text: string): string => escapeHtml(text).replace(/'/g, '&#39;');

export interface FormValues {
  text?: string;
  unit?: string;
  contact?: string;
}

export interface PageDeps {
  tr: Translator;
  catalogue: Catalogue;
  timezone: string;
  /** Unit names for the autocomplete list (a <datalist>: no script needed). */
  unitNames: () => readonly string[];
  maxPhotoMb: number;
  contactStored: boolean;
}

export interface Pages {
  form(language: Language, form: { token: string; submissionKey: string }, values?: FormValues, error?: string): string;
  tracking(language: Language, view: TrackingView, links: { self: string; trackingUrl: string }, form: { token: string }, flash?: 'saved' | 'thanks' | 'reopened' | string): string;
  /** A page with one message: an error (`role="alert"`), or news (`done`). */
  message(language: Language, title: string, text: string, kind?: 'error' | 'done'): string;
  forget(language: Language, ticket: number, links: { self: string }, form: { token: string }, error?: string): string;
}

export function createPages(deps: PageDeps): Pages {
  const { tr } = deps;
  const t = (language: Language, key: string, params?: Record<string, string | number>) => tr.t(language, key, params);

  function layout(language: Language, title: string, body: string, other: string): string {
    return `<!doctype html>
<html lang="${language === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title}</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<header><a class="home" href="/?lang=${language}">${t(language, 'web.title')}</a> <a class="lang" href="${esc(other)}" hreflang="${language === 'zh' ? 'en' : 'zh'}">${t(language, 'web.lang_switch')}</a></header>
<main>
${body}
</main>
<footer><p>${t(language, 'web.emergency')}</p></footer>
</body>
</html>`;
  }

  const other = (language: Language) => (language === 'zh' ? 'en' : 'zh');

  return {
    form(language, form, values = {}, error) {
      const units = deps.unitNames().map((name) => `<option value="${esc(name)}"></option>`).join('');
      const body = `<h1>${t(language, 'web.title')}</h1>
<p class="lead">${t(language, 'web.lead')}</p>
${error ? `<p class="error" role="alert" id="form-error">${error}</p>` : ''}
<form method="post" action="/report" enctype="multipart/form-data" novalidate>
<input type="hidden" name="form_token" value="${esc(form.token)}">
<input type="hidden" name="submission" value="${esc(form.submissionKey)}">
<input type="hidden" name="language" value="${language}">
<p class="field"><label for="text">${t(language, 'web.form.text')}</label>
<textarea id="text" name="text" rows="7" maxlength="${MAX_TEXT_CHARS}" required aria-describedby="text-hint"${error ? ' aria-invalid="true"' : ''}>${esc(values.text ?? '')}</textarea>
<span class="hint" id="text-hint">${t(language, 'web.form.text_hint', { max: MAX_TEXT_CHARS })}</span></p>
<p class="field"><label for="unit">${t(language, 'web.form.unit')}</label>
<input id="unit" name="unit" list="units" maxlength="${MAX_UNIT_CHARS}" autocomplete="off" value="${esc(values.unit ?? '')}" aria-describedby="unit-hint">
<datalist id="units">${units}</datalist>
<span class="hint" id="unit-hint">${t(language, 'web.form.unit_hint')}</span></p>
<p class="field"><label for="photo">${t(language, 'web.form.photo')}</label>
<input id="photo" name="photo" type="file" accept="image/jpeg,image/png,image/webp,image/heic" aria-describedby="photo-hint">
<span class="hint" id="photo-hint">${t(language, 'web.form.photo_hint', { mb: deps.maxPhotoMb })}</span></p>
<p class="field"><label for="contact">${t(language, 'web.form.contact')}</label>
<input id="contact" name="contact" maxlength="254" autocomplete="off" inputmode="email" value="${esc(values.contact ?? '')}" aria-describedby="contact-hint">
<span class="hint" id="contact-hint">${t(language, deps.contactStored ? 'web.form.contact_hint' : 'web.form.contact_off')}</span></p>
<p class="trap" aria-hidden="true"><label for="website">${t(language, 'web.form.honeypot')}</label><input id="website" name="website" tabindex="-1" autocomplete="off"></p>
<p class="field check"><input id="consent" name="consent" type="checkbox" value="yes" required> <label for="consent">${t(language, 'web.form.consent')}</label></p>
<p><button type="submit">${t(language, 'web.form.submit')}</button></p>
</form>
<p class="privacy" id="privacy">${t(language, 'web.privacy')}</p>`;
      return layout(language, t(language, 'web.title'), body, `/?lang=${other(language)}`);
    },

    tracking(language, view, links, form, flash) {
      const status = view.status === 'settled' ? t(language, 'web.status.settled') : t(language, `status.${view.status}`);
      const closed = view.closeReason ? ` · ${t(language, `reason.${view.closeReason}`)}` : '';
      const rows = [
        [t(language, 'web.track.status'), `<strong id="status" data-status="${esc(view.status)}">${status}${closed}</strong>`],
        ...(view.category ? [[t(language, 'web.track.category'), esc(deps.catalogue.name(view.category, language))]] : []),
        ...(view.deadlineAt ? [[t(language, 'web.track.deadline'), esc(formatDate(view.deadlineAt, deps.timezone))]] : []),
        [t(language, 'web.track.received_at'), esc(formatDateTime(view.receivedAt, deps.timezone))],
        ...(view.photo ? [['', t(language, 'web.track.photo')]] : []),
      ];
      const facts = rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('');
      const notices = view.notices.length
        ? `<ol class="notices">${view.notices.map((n) => `<li data-kind="${esc(n.kind)}"><time>${esc(formatDateTime(n.at, deps.timezone))}</time><p>${esc(n.text)}</p></li>`).join('')}</ol>`
        : `<p class="muted">${t(language, 'web.track.no_history')}</p>`;
      const flashText =
        flash === 'saved' ? t(language, 'web.track.saved')
        : flash === 'thanks' ? t(language, 'web.track.survey_thanks')
        : flash === 'reopened' ? t(language, 'web.track.survey_reopened')
        : flash;
      const survey = view.survey.asked ? surveyForm(language, view, links.self, form.token) : '';
      const body = `<h1>${t(language, 'web.track.title', { ticket: view.ticket })}</h1>
${flashText ? `<p class="flash" role="status">${flashText}</p>` : ''}
${flash === 'saved' ? `<p class="link">${t(language, 'web.track.link')} <a href="${esc(links.trackingUrl)}" id="tracking-url">${esc(links.trackingUrl)}</a></p>
<p class="muted">${t(language, view.contact === 'stored' ? 'web.track.contact_stored' : 'web.track.contact_not_stored')}</p>` : ''}
<dl class="facts">${facts}</dl>
<h2>${t(language, 'web.track.history')}</h2>
${notices}
<p><a href="${esc(links.self)}?lang=${language}" id="refresh">${t(language, 'web.track.refresh')}</a></p>
${survey}
<p><a href="/?lang=${language}">${t(language, 'web.track.new_report')}</a></p>
<p class="forget"><a href="${esc(links.self)}/forget?lang=${language}" id="forget">${t(language, 'web.forget.link')}</a></p>`;
      return layout(language, t(language, 'web.track.title', { ticket: view.ticket }), body, `${links.self}?lang=${other(language)}`);
    },

    message(language, title, text, kind = 'error') {
      const line = kind === 'error' ? `<p class="error" role="alert">${text}</p>` : `<p class="flash" role="status">${text}</p>`;
      return layout(language, title, `<h1>${title}</h1>${line}<p><a href="/?lang=${language}">${t(language, 'web.title')}</a></p>`, `/?lang=${other(language)}`);
    },

    forget(language, ticket, links, form, error) {
      const body = `<h1>${t(language, 'web.forget.title', { ticket })}</h1>
${error ? `<p class="error" role="alert">${error}</p>` : ''}
<p>${t(language, 'web.forget.explain')}</p>
<form method="post" action="${esc(links.self)}/forget" id="forget-form">
<input type="hidden" name="form_token" value="${esc(form.token)}">
<input type="hidden" name="language" value="${language}">
<input type="hidden" name="confirm" value="yes">
<p><button type="submit" class="danger">${t(language, 'web.forget.confirm')}</button></p>
</form>
<p><a href="${esc(links.self)}?lang=${language}" id="forget-cancel">${t(language, 'web.forget.cancel')}</a></p>`;
      return layout(language, t(language, 'web.forget.title', { ticket }), body, `${links.self}/forget?lang=${other(language)}`);
    },
  };

  function surveyForm(language: Language, view: TrackingView, self: string, token: string): string {
    const fixed = (['fixed', 'partly', 'not_fixed'] as const)
      .map((a) => `<label class="choice"><input type="radio" name="fixed" value="${a}"${view.survey.fixed === a ? ' checked' : ''}> ${t(language, `survey.${a}`)}</label>`)
      .join('');
    const rating = [1, 2, 3, 4, 5]
      .map((n) => `<label class="choice"><input type="radio" name="rating" value="${n}"${view.survey.rating === n ? ' checked' : ''}> ${n}★</label>`)
      .join('');
    return `<form method="post" action="${esc(self)}/survey" class="survey" id="survey">
<h2>${t(language, 'web.track.survey_title')}</h2>
<input type="hidden" name="form_token" value="${esc(token)}">
<input type="hidden" name="language" value="${language}">
<fieldset><legend>${t(language, 'web.track.survey_fixed')}</legend>${fixed}</fieldset>
<fieldset><legend>${t(language, 'web.track.survey_rating')}</legend>${rating}</fieldset>
<p class="field"><label for="comment">${t(language, 'web.track.survey_comment')}</label>
<textarea id="comment" name="comment" rows="3" maxlength="${MAX_COMMENT_CHARS}"></textarea></p>
<p><button type="submit">${t(language, 'web.track.survey_submit')}</button></p>
</form>`;
  }
}
