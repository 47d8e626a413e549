import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Photo types the page accepts, recognised by their first bytes (what the browser claims is not trusted). */
export interface PhotoType {
  mime: 'image/jpeg' | 'image/png' | 'image/webp' | 'image/heic';
  ext: 'jpg' | 'png' | 'webp' | 'heic';
}

export function sniffPhoto(bytes: Uint8Array): PhotoType | undefined {
  const ascii = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { mime: 'image/jpeg', ext: 'jpg' };
  if (bytes.length >= 8 && ascii(0, 8) === '\x89PNG\r\n\x1a\n') return { mime: 'image/png', ext: 'png' };
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return { mime: 'image/webp', ext: 'webp' };
  if (bytes.length >= 12 && ascii(4, 8) === 'ftyp' && ['heic', 'heix', 'mif1', 'msf1'].includes(ascii(8, 12))) return { mime: 'image/heic', ext: 'heic' };
  return undefined;
}

/**
 * The photo's bytes on disk, under the data folder, readable by the bot's user only; a random name, so nothing
 * about the report or the resident is in it. Written before the report's transaction (see web-intake.ts).
 */
export function savePhoto(dir: string, bytes: Uint8Array, type: PhotoType): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${randomBytes(16).toString('hex')}.${type.ext}`);
  writeFileSync(path, bytes, { mode: 0o600, flag: 'wx' });
  return path;
}
