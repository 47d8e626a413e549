import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';

/** A resident's optional contact on the web page: a phone number or an e-mail address. */
export interface Contact {
  kind: 'phone' | 'email';
  value: string;
}

/** Linear-time shapes: the character classes exclude the separators that follow them. */
const EMAIL = /^[^\s@]{1,64}@[^\s@.]{1,63}(\.[^\s@.]{1,63}){1,8}$/;
const PHONE_CHARS = /^\+?[\d\s()-]{5,30}$/;

/** The contact as given, recognised; undefined when empty; 'invalid' when it is neither a phone nor an e-mail. */
export function parseContact(input: string | undefined): Contact | undefined | 'invalid' {
  const value = (input ?? '').trim();
  if (value === '') return undefined;
  if (value.length > 254) return 'invalid';
  if (EMAIL.test(value)) return { kind: 'email', value };
  if (PHONE_CHARS.test(value)) {
    const digits = value.replace(/\D/g, '');
    if (digits.length >= 5 && digits.length <= 20) return { kind: 'phone', value: `${value.startsWith('+') ? '+' : ''}${digits}` };
  }
  return 'invalid';
}

/** AES-256-GCM, a fresh 96-bit IV each time: "v1.<iv>.<tag>.<ciphertext>" in base64url. */
export function sealContact(key: Buffer, contact: Contact): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(contact), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), sealed.toString('base64url')].join('.');
}

/** For a future e-mail/SMS adapter (and the tests): the contact back, or undefined if the key does not open it. */
export function openContact(key: Buffer, sealed: string): Contact | undefined {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return JSON.parse(Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8')) as Contact;
  } catch {
    return undefined;
  }
}

/**
 * Where a notice for a web resident who left a contact goes, for a future e-mail/SMS adapter. The adapter reads
 * the sealed contact itself; this interface carries ids only.
 */
export interface ContactNotifier {
  noticeQueued(notice: { reportId: number; noticeId: number; kind: string }): void;
}

/** No sending service yet: one log line per notice, with ids and never the contact. */
export function createLogContactNotifier(logger: Logger): ContactNotifier {
  return {
    noticeQueued({ reportId, noticeId, kind }) {
      logger.info({ reportId, noticeId, kind }, 'web: a notice awaits an e-mail/SMS adapter (none configured)');
    },
  };
}
