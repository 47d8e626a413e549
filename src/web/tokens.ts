import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tracking tokens: the only key to a web report. 24 random bytes (192 bits) as 32 base64url characters; only a
 * SHA-256 of the token is stored, so a copy of the database opens nobody's tracking page.
 */
export const TOKEN_BYTES = 24;

export const newToken = (): string => randomBytes(TOKEN_BYTES).toString('base64url');

export const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Two hashes compared in constant time (both are 64 hex digits; anything else is unequal). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
