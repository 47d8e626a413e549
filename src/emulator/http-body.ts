import type { IncomingMessage } from 'node:http';

/** Telegram's limit for a multipart upload to the Bot API. */
export const MAX_BODY_BYTES = 50 * 1024 * 1024;

export interface UploadedFile {
  /** The form field the bytes came in (grammY uses a random id referenced as `attach://<id>`). */
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface ParsedBody {
  params: Record<string, unknown>;
  /** Uploaded files by form field name. */
  files: Map<string, UploadedFile>;
}

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new BodyError(413, 'Request Entity Too Large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads a Bot API request the ways Telegram accepts one: query string, JSON, urlencoded form or
 * multipart form. Values from forms stay strings; the methods coerce them.
 */
export async function parseBotApiRequest(req: IncomingMessage, url: URL): Promise<ParsedBody> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const files = new Map<string, UploadedFile>();
  if (req.method !== 'POST' && req.method !== 'PUT') return { params, files };

  const body = await readBody(req);
  if (body.length === 0) return { params, files };
  const contentType = req.headers['content-type'] ?? '';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();

  if (mediaType === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new BodyError(400, "Bad Request: can't parse JSON object");
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new BodyError(400, "Bad Request: can't parse JSON object");
    }
    // Telegram treats a JSON null like an absent parameter.
    for (const [key, value] of Object.entries(parsed)) if (value !== null) params[key] = value;
  } else if (mediaType === 'application/x-www-form-urlencoded') {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params[key] = value;
  } else if (mediaType === 'multipart/form-data') {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    const value = boundary?.[1] ?? boundary?.[2];
    if (!value) throw new BodyError(400, 'Bad Request: multipart boundary is missing');
    for (const part of parseMultipart(body, value)) {
      if (part.filename === undefined) params[part.name] = part.data.toString('utf8');
      else {
        files.set(part.name, {
          field: part.name,
          filename: part.filename,
          contentType: part.contentType,
          data: part.data,
        });
      }
    }
  }
  return { params, files };
}

interface MultipartPart {
  name: string;
  filename: string | undefined;
  contentType: string;
  data: Buffer;
}

/**
 * A multipart/form-data parser that accepts what grammY writes: lower-case headers without a space
 * after the colon and an unquoted `filename=`.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let position = body.indexOf(delimiter);
  if (position < 0) throw new BodyError(400, 'Bad Request: malformed multipart body');
  while (true) {
    position += delimiter.length;
    if (body[position] === 0x2d && body[position + 1] === 0x2d) break; // closing "--"
    if (body[position] === 0x0d && body[position + 1] === 0x0a) position += 2;
    const headerEnd = body.indexOf('\r\n\r\n', position);
    if (headerEnd < 0) throw new BodyError(400, 'Bad Request: malformed multipart body');
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4);
    if (next < 0) throw new BodyError(400, 'Bad Request: malformed multipart body');
    const headers = parseHeaders(body.subarray(position, headerEnd).toString('utf8'));
    const disposition = headers.get('content-disposition') ?? '';
    const dispositionParams = parseDisposition(disposition);
    const name = dispositionParams.get('name');
    if (name !== undefined) {
      parts.push({
        name,
        filename: dispositionParams.get('filename*') ?? dispositionParams.get('filename'),
        contentType: headers.get('content-type') ?? 'application/octet-stream',
        data: Buffer.from(body.subarray(headerEnd + 4, next)),
      });
    }
    position = next + 2;
  }
  return parts;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function parseDisposition(value: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const piece of value.split(';').slice(1)) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const key = piece.slice(0, eq).trim().toLowerCase();
    let raw = piece.slice(eq + 1).trim();
    if (raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2) raw = raw.slice(1, -1).replace(/\\"/g, '"');
    if (key === 'filename*') {
      const encoded = /^[^']*'[^']*'(.*)$/.exec(raw);
      raw = encoded ? decodeURIComponent(encoded[1]!) : raw;
    }
    result.set(key, raw);
  }
  return result;
}
