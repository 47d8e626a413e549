import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { DAY, MINUTE } from '../domain/time.ts';
import { createMetaStore } from '../db/meta-store.ts';

/**
 * CSRF protection for the page's forms: a signed double-submit token. The page sets a random cookie
 * (SameSite=Strict, HttpOnly) and puts `<issued>.<hmac(cookie.issued)>` in a hidden field; a post is accepted
 * only with both, matching, within a day. Another site can make a browser post, but cannot read the field nor
 * set our cookie. The key lives in the database (meta), so a restart does not invalidate an open form.
 */
export const FORM_COOKIE = 'minyi_form';
const MAX_AGE_MS = DAY;

export interface FormTokens {
  /** A fresh cookie value for a browser that has none. */
  newCookie(): string;
  issue(cookie: string, at: number): string;
  valid(cookie: string | undefined, token: string | undefined, at: number): boolean;
}

export function loadFormKey(db: Db): Buffer {
  return Buffer.from(createMetaStore(db).keepFirst('web_form_key', () => randomBytes(32).toString('hex')), 'hex');
}

export function createFormTokens(key: Buffer): FormTokens {
  const sign = (cookie: string, issued: string) => createHmac('sha256', key).update(`${cookie}.${issued}`).digest('base64url');
  return {
    newCookie: () => randomBytes(18).toString('base64url'),
    issue: (cookie, at) => `${at}.${sign(cookie, String(at))}`,
    valid(cookie, token, at) {
      if (!cookie || !token || cookie.length > 64 || token.length > 128) return false;
      const dot = token.indexOf('.');
      const issued = token.slice(0, dot);
      if (dot <= 0 || !/^\d{1,15}$/.test(issued)) return false;
      const age = at - Number(issued);
      if (age < -MINUTE || age > MAX_AGE_MS) return false;
      const given = Buffer.from(token.slice(dot + 1));
      const expected = Buffer.from(sign(cookie, issued));
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
