import type { Language } from '../domain/classification.ts';
import { parseContact, type Contact } from './contact.ts';
import { MAX_COMMENT_CHARS, MAX_TEXT_CHARS, MAX_UNIT_CHARS } from './pages.ts';
import { sniffPhoto, stripPhotoMetadata, type PhotoType } from './photo.ts';
import type { FixedAnswer } from '../desk/problem-desk.ts';

/** Checks of what the page or the API sent, in pure functions: the same rules for both. */

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string; params?: Record<string, string | number> };

export interface RawSubmission {
  text?: unknown;
  unit?: unknown;
  contact?: unknown;
  language?: unknown;
  photo?: { bytes: Uint8Array } | undefined;
}

export interface CheckedSubmission {
  text: string;
  unit?: string;
  contact?: Contact;
  language: Language;
  photo?: { bytes: Uint8Array; type: PhotoType };
}

/** Newlines kept; other control characters (a NUL, a bell, a bidi override is not one of these) dropped. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const clean = (value: string) => value.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
const chars = (value: string) => Array.from(value).length;

export const languageOf = (value: unknown, fallback: Language): Language => (value === 'en' || value === 'zh' ? value : fallback);

export function checkSubmission(raw: RawSubmission, fallback: Language): Checked<CheckedSubmission> {
  if (raw.text !== undefined && typeof raw.text !== 'string') return { ok: false, error: 'bad_request' };
  for (const field of [raw.unit, raw.contact, raw.language]) if (field !== undefined && field !== null && typeof field !== 'string') return { ok: false, error: 'bad_request' };
  const text = clean(typeof raw.text === 'string' ? raw.text : '');
  if (text === '') return { ok: false, error: 'text_required' };
  if (chars(text) > MAX_TEXT_CHARS) return { ok: false, error: 'text_too_long', params: { max: MAX_TEXT_CHARS } };
  const unit = clean(typeof raw.unit === 'string' ? raw.unit : '').replace(/\s+/g, ' ');
  if (chars(unit) > MAX_UNIT_CHARS) return { ok: false, error: 'unit_too_long', params: { max: MAX_UNIT_CHARS } };
  const contact = parseContact(typeof raw.contact === 'string' ? raw.contact : undefined);
  if (contact === 'invalid') return { ok: false, error: 'contact_invalid' };
  let photo: CheckedSubmission['photo'];
  if (raw.photo && raw.photo.bytes.length > 0) {
    const type = sniffPhoto(raw.photo.bytes);
    if (!type) return { ok: false, error: 'photo_type' };
    // Kept without the camera's metadata (GPS position above all): nobody needs to know where the resident stood.
    photo = { bytes: stripPhotoMetadata(raw.photo.bytes, type), type };
  }
  return {
    ok: true,
    value: { text, ...(unit && { unit }), ...(contact && { contact }), language: languageOf(raw.language, fallback), ...(photo && { photo }) },
  };
}

export interface CheckedSurvey {
  fixed?: FixedAnswer;
  rating?: number;
  comment?: string;
}

/** The API's "not" and the page's "not_fixed" are the same answer. */
export function checkSurvey(raw: { fixed?: unknown; rating?: unknown; comment?: unknown }): Checked<CheckedSurvey> {
  const answer: CheckedSurvey = {};
  if (raw.fixed !== undefined && raw.fixed !== null && raw.fixed !== '') {
    if (raw.fixed === 'fixed' || raw.fixed === 'partly') answer.fixed = raw.fixed;
    else if (raw.fixed === 'not' || raw.fixed === 'not_fixed') answer.fixed = 'not_fixed';
    else return { ok: false, error: 'survey_invalid' };
  }
  if (raw.rating !== undefined && raw.rating !== null && raw.rating !== '') {
    const rating = typeof raw.rating === 'string' && /^[1-5]$/.test(raw.rating) ? Number(raw.rating) : raw.rating;
    if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < 1 || rating > 5) return { ok: false, error: 'survey_invalid' };
    answer.rating = rating;
  }
  if (raw.comment !== undefined && raw.comment !== null) {
    if (typeof raw.comment !== 'string') return { ok: false, error: 'survey_invalid' };
    const comment = clean(raw.comment);
    if (chars(comment) > MAX_COMMENT_CHARS) return { ok: false, error: 'text_too_long', params: { max: MAX_COMMENT_CHARS } };
    if (comment) answer.comment = comment;
  }
  if (answer.fixed === undefined && answer.rating === undefined && answer.comment === undefined) return { ok: false, error: 'survey_invalid' };
  return { ok: true, value: answer };
}
