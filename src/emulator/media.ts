/** What the emulator needs to know about uploaded bytes: their type and, for images, their size. */

const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  html: 'text/html',
  zip: 'application/zip',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  xls: 'application/vnd.ms-excel',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  doc: 'application/msword',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  webm: 'video/webm',
  tgs: 'application/x-tgsticker',
};

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'bmp';

export function imageFormat(data: Uint8Array): ImageFormat | undefined {
  const b = (i: number): number => data[i] ?? -1;
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpeg';
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return 'png';
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x38) return 'gif';
  if (b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 && b(8) === 0x57 && b(9) === 0x45) return 'webp';
  if (b(0) === 0x42 && b(1) === 0x4d) return 'bmp';
  return undefined;
}

/** The MIME type for a file: the part's own type if it says more than octet-stream, else by extension, else sniffed. */
export function mimeTypeFor(filename: string, declared: string | undefined, data: Uint8Array): string {
  if (declared && declared !== 'application/octet-stream') return declared;
  const extension = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
  const byExtension = extension ? MIME_BY_EXTENSION[extension] : undefined;
  if (byExtension) return byExtension;
  const image = imageFormat(data);
  return image ? `image/${image}` : 'application/octet-stream';
}

export function extensionFor(mimeType: string): string {
  for (const [extension, mime] of Object.entries(MIME_BY_EXTENSION)) if (mime === mimeType) return extension;
  return 'dat';
}

/** Pixel size of a PNG, GIF or JPEG, or undefined where the header cannot be read. */
export function imageSize(data: Uint8Array): { width: number; height: number } | undefined {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const format = imageFormat(data);
  if (format === 'png' && view.length >= 24) return { width: view.readUInt32BE(16), height: view.readUInt32BE(20) };
  if (format === 'gif' && view.length >= 10) return { width: view.readUInt16LE(6), height: view.readUInt16LE(8) };
  if (format === 'jpeg') {
    let offset = 2;
    while (offset + 9 < view.length) {
      if (view[offset] !== 0xff) return undefined;
      const marker = view[offset + 1]!;
      const length = view.readUInt16BE(offset + 2);
      const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame) return { height: view.readUInt16BE(offset + 5), width: view.readUInt16BE(offset + 7) };
      offset += 2 + length;
    }
  }
  return undefined;
}
