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
 * The photo without what a camera writes about the person who took it: EXIF (GPS position, time, phone model and
 * serial), XMP, IPTC and comments in JPEG; eXIf and text chunks in PNG; EXIF and XMP in WebP. Pixels, colour
 * profile and structure are kept. One pass over the segment headers (linear, bounds-checked); a file whose structure
 * does not parse is kept as it is (it only harms its own sender). HEIC is kept as is (ISO-BMFF; see docs/WEB.md).
 * Stripping EXIF also drops its orientation flag: a phone photo may show rotated to staff.
 */
export function stripPhotoMetadata(bytes: Uint8Array, type: PhotoType): Uint8Array {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stripped = type.mime === 'image/jpeg' ? stripJpeg(buffer) : type.mime === 'image/png' ? stripPng(buffer) : type.mime === 'image/webp' ? stripWebp(buffer) : undefined;
  return stripped ?? bytes;
}

/** APP1 (EXIF, XMP), APP13 (IPTC/Photoshop) and COM go; APP0 (JFIF), APP2 (ICC profile), APP14 (Adobe) and the rest stay. */
const JPEG_DROP = new Set([0xe1, 0xed, 0xfe]);

function stripJpeg(b: Buffer): Buffer | undefined {
  const parts: Buffer[] = [b.subarray(0, 2)];
  let at = 2;
  while (at < b.length) {
    if (b[at] !== 0xff) return undefined;
    // Fill bytes (0xFF repeated) may pad before a marker.
    let marker = at + 1;
    while (marker < b.length && b[marker] === 0xff) marker++;
    if (marker >= b.length) return undefined;
    const code = b[marker]!;
    if (code === 0xd9) return Buffer.concat([...parts, b.subarray(at)]);
    if ((code >= 0xd0 && code <= 0xd7) || code === 0x01) {
      parts.push(b.subarray(at, marker + 1));
      at = marker + 1;
      continue;
    }
    if (marker + 2 >= b.length) return undefined;
    const end = marker + 1 + b.readUInt16BE(marker + 1);
    if (end > b.length || end < marker + 3) return undefined;
    // Start of scan: the compressed image follows, to the end of the file, untouched.
    if (code === 0xda) return Buffer.concat([...parts, b.subarray(at)]);
    if (!JPEG_DROP.has(code)) parts.push(b.subarray(at, end));
    at = end;
  }
  return undefined;
}

const PNG_DROP = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt']);

function stripPng(b: Buffer): Buffer | undefined {
  const parts: Buffer[] = [b.subarray(0, 8)];
  let at = 8;
  while (at + 12 <= b.length) {
    const length = b.readUInt32BE(at);
    const end = at + 12 + length;
    if (end > b.length) return undefined;
    const kind = b.toString('latin1', at + 4, at + 8);
    if (!PNG_DROP.has(kind)) parts.push(b.subarray(at, end));
    at = end;
    if (kind === 'IEND') return Buffer.concat(parts);
  }
  return undefined;
}

function stripWebp(b: Buffer): Buffer | undefined {
  if (b.length < 12) return undefined;
  const parts: Buffer[] = [];
  let at = 12;
  while (at + 8 <= b.length) {
    const kind = b.toString('latin1', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    const end = at + 8 + size + (size % 2);
    if (end > b.length + (size % 2)) return undefined;
    const chunk = Buffer.from(b.subarray(at, Math.min(end, b.length)));
    // VP8X announces EXIF (0x08) and XMP (0x04) in its flags: clear them with the chunks.
    if (kind === 'VP8X' && chunk.length > 8) chunk[8] = chunk[8]! & ~0x0c;
    if (kind !== 'EXIF' && kind !== 'XMP ') parts.push(chunk);
    at = end;
  }
  if (at < b.length) return undefined;
  const body = Buffer.concat(parts);
  const header = Buffer.from(b.subarray(0, 12));
  header.writeUInt32LE(body.length + 4, 4);
  return Buffer.concat([header, body]);
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
