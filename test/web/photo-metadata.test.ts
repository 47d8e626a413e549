import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { sniffPhoto, stripPhotoMetadata } from '../../src/web/photo.ts';
import { createWebWorld, PNG, tokenOf, type WebWorld } from './kit.ts';

// What a phone writes into a photo: a position and a device, as text the test can look for in the bytes.
const SECRET = 'GPS 31.2304N 121.4737E iPhone-SN-F2LXK9';

const segment = (code: number, body: Buffer) => {
  const head = Buffer.from([0xff, code, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
};
/** A JPEG's structure: SOI, APP0 JFIF, APP1 Exif, APP2 ICC, COM, DQT, SOS with "scan data", EOI. */
function jpeg(): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    segment(0xe1, Buffer.from(`Exif\0\0${SECRET}`, 'latin1')),
    segment(0xe2, Buffer.from('ICC_PROFILE\0colour', 'latin1')),
    segment(0xfe, Buffer.from(`comment ${SECRET}`, 'latin1')),
    segment(0xdb, Buffer.alloc(65, 1)),
    segment(0xda, Buffer.from([1, 1, 0, 0, 63, 0])),
    Buffer.from('scan-data-ff\xff\x00-more', 'latin1'),
    Buffer.from([0xff, 0xd9]),
  ]);
}
const chunk = (kind: string, data: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, Buffer.from(kind, 'latin1'), data, Buffer.alloc(4)]);
};
/** The test PNG with a tEXt and an eXIf chunk put in before IDAT. */
function png(): Buffer {
  const ihdrEnd = 8 + 12 + 13;
  return Buffer.concat([PNG.subarray(0, ihdrEnd), chunk('tEXt', Buffer.from(`Location\0${SECRET}`, 'latin1')), chunk('eXIf', Buffer.from(SECRET, 'latin1')), PNG.subarray(ihdrEnd)]);
}
function webp(): Buffer {
  const riffChunk = (kind: string, data: Buffer) => {
    const size = Buffer.alloc(4);
    size.writeUInt32LE(data.length);
    return Buffer.concat([Buffer.from(kind, 'latin1'), size, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const body = Buffer.concat([riffChunk('VP8X', Buffer.from([0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0])), riffChunk('VP8 ', Buffer.alloc(11, 7)), riffChunk('EXIF', Buffer.from(SECRET, 'latin1')), riffChunk('XMP ', Buffer.from(`<x>${SECRET}</x>`, 'latin1'))]);
  const head = Buffer.from('RIFF\0\0\0\0WEBP', 'latin1');
  head.writeUInt32LE(body.length + 4, 4);
  return Buffer.concat([head, body]);
}

const has = (bytes: Uint8Array, text: string) => Buffer.from(bytes).includes(Buffer.from(text, 'latin1'));

describe('web photos lose the camera’s metadata', () => {
  it('JPEG: EXIF and comments go, JFIF, the colour profile, the tables and the scan stay byte for byte', () => {
    const out = Buffer.from(stripPhotoMetadata(jpeg(), sniffPhoto(jpeg())!));
    expect(has(out, SECRET)).toBe(false);
    expect(has(out, 'JFIF')).toBe(true);
    expect(has(out, 'ICC_PROFILE')).toBe(true);
    expect(out.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(out.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    expect(has(out, 'scan-data-ff\xff\x00-more')).toBe(true);
    expect(out.length).toBe(jpeg().length - (4 + 6 + SECRET.length) - (4 + 8 + SECRET.length));
  });

  it('PNG and WebP: text, eXIf, EXIF and XMP chunks go; the image chunks stay; the WebP header is recounted', () => {
    const p = Buffer.from(stripPhotoMetadata(png(), sniffPhoto(png())!));
    expect(has(p, SECRET)).toBe(false);
    expect(p.equals(PNG)).toBe(true);
    const w = Buffer.from(stripPhotoMetadata(webp(), sniffPhoto(webp())!));
    expect(has(w, SECRET)).toBe(false);
    expect(w.readUInt32LE(4)).toBe(w.length - 8);
    expect(w[20]! & 0x0c).toBe(0);
    expect(has(w, 'VP8 ')).toBe(true);
  });

  it('a file whose structure does not parse is kept as it is, and never read past its end', () => {
    const cut = jpeg().subarray(0, 30);
    expect(Buffer.from(stripPhotoMetadata(cut, sniffPhoto(cut)!)).equals(cut)).toBe(true);
    const lying = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]), Buffer.from(SECRET)]);
    expect(Buffer.from(stripPhotoMetadata(lying, sniffPhoto(lying)!)).equals(lying)).toBe(true);
  });
});

let w: WebWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('through the page', () => {
  it('a JPEG filed on the web is stored without its GPS position; its size is what was kept', async () => {
    w = await createWebWorld();
    const form = new FormData();
    form.set('text', '学校门口的栏杆倒了');
    form.set('photo', new Blob([jpeg()], { type: 'image/jpeg' }), 'gate.jpg');
    const response = await fetch(`${w.base}/api/reports`, { method: 'POST', body: form, headers: { 'x-minyi-client': 'kiosk' } });
    expect(response.status).toBe(201);
    const { ticket, trackingUrl } = (await response.json()) as { ticket: number; trackingUrl: string };
    expect(tokenOf(trackingUrl)).toBeTruthy();
    const path = w.h.app.db.prepare('SELECT photo_path FROM web_reports WHERE report_id = ?').pluck().get(ticket) as string;
    const stored = readFileSync(path);
    expect(has(stored, SECRET)).toBe(false);
    expect(has(stored, 'scan-data')).toBe(true);
    expect(w.h.app.db.prepare('SELECT size FROM report_media WHERE report_id = ?').pluck().get(ticket)).toBe(stored.length);
  });
});
