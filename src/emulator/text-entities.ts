import type { MessageEntity } from 'grammy/types';

/** Telegram limits, in UTF-16 code units after entity parsing. */
export const MAX_TEXT_LENGTH = 4096;
export const MAX_CAPTION_LENGTH = 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Telegram answers "strings must be encoded in UTF-8" to text a UTF-8 encoder would have to mangle. */
export function isValidUtf8Text(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

export function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Strips leading and trailing whitespace the way Telegram does before storing a text, shifting the
 * entities with it and dropping any that end up empty.
 */
export function trimWithEntities(
  text: string,
  entities: MessageEntity[],
): { text: string; entities: MessageEntity[] } {
  const leading = /^\s*/u.exec(text)?.[0].length ?? 0;
  const trimmed = text.slice(leading).replace(/\s+$/u, '');
  const length = trimmed.length;
  const shifted: MessageEntity[] = [];
  for (const entity of entities) {
    const start = Math.max(0, entity.offset - leading);
    const end = Math.min(length, entity.offset + entity.length - leading);
    if (end > start) shifted.push({ ...entity, offset: start, length: end - start });
  }
  return { text: trimmed, entities: shifted };
}

/** Entities Telegram detects by itself in any message text: commands, mentions, hashtags, links, e-mails. */
export function detectEntities(text: string): MessageEntity[] {
  const found: MessageEntity[] = [];
  const patterns: Array<[MessageEntity['type'], RegExp]> = [
    ['bot_command', /(?<![\p{L}\p{N}_/])\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\p{L}\p{N}_])/gu],
    ['url', /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'"]/gu],
    ['email', /(?<![\p{L}\p{N}_.@-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\p{L}\p{N}_])/gu],
    ['mention', /(?<![\p{L}\p{N}_@])@[A-Za-z0-9_]{5,32}(?![\p{L}\p{N}_@])/gu],
    ['hashtag', /(?<![\p{L}\p{N}_#])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*/gu],
  ];
  for (const [type, pattern] of patterns) {
    for (const match of text.matchAll(pattern)) {
      const offset = match.index;
      const length = match[0].length;
      const overlaps = found.some((e) => offset < e.offset + e.length && e.offset < offset + length);
      if (!overlaps) found.push({ type, offset, length } as MessageEntity);
    }
  }
  return sortEntities(found);
}

/**
 * Adds the auto-detected entities to parsed ones, except inside code, pre and links, where Telegram
 * detects nothing.
 */
export function withDetectedEntities(text: string, parsed: MessageEntity[]): MessageEntity[] {
  const opaque = parsed.filter((e) => ['code', 'pre', 'text_link', 'text_mention'].includes(e.type));
  const detected = detectEntities(text).filter(
    (d) => !opaque.some((e) => d.offset < e.offset + e.length && e.offset < d.offset + d.length),
  );
  return sortEntities([...parsed, ...detected]);
}

export function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
}

/** Checks entities given explicitly by the bot (`entities` / `caption_entities`) against the text. */
export function validateExplicitEntities(text: string, raw: unknown): MessageEntity[] | string {
  if (!Array.isArray(raw)) return "can't parse entities JSON object";
  const entities: MessageEntity[] = [];
  for (const item of raw) {
    if (typeof item !== 'object' || item === null) return "can't parse MessageEntity: MessageEntity must be an Object";
    const e = item as Record<string, unknown>;
    if (typeof e.type !== 'string') return "can't parse MessageEntity: Field \"type\" must be of type String";
    if (!Number.isInteger(e.offset) || !Number.isInteger(e.length)) {
      return "can't parse MessageEntity: Field \"offset\" must be of type Number";
    }
    const offset = e.offset as number;
    const length = e.length as number;
    if (offset < 0 || length <= 0 || offset + length > text.length) continue; // Telegram silently drops these
    entities.push(e as unknown as MessageEntity);
  }
  return sortEntities(entities);
}
