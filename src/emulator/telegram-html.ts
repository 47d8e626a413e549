import type { MessageEntity } from 'grammy/types';

/**
 * Telegram's `parse_mode: 'HTML'`, ported from the parser in TDLib (MessageEntity.cpp, parse_html) so
 * that the emulator refuses what Telegram refuses, with the same error text.
 *
 * One deliberate difference, on by default (`strictEntities`): Telegram copies a `&` that does not
 * start one of its five entities through literally and accepts `&lt` without the semicolon. The
 * emulator rejects both, because in a bot that builds HTML from resident text they almost always
 * mean the text was not escaped (the next resident writes `&lt;script&gt;` and it renders as a tag).
 */

export type HtmlParseResult =
  | { ok: true; text: string; entities: MessageEntity[] }
  | { ok: false; error: string };

export interface HtmlParseOptions {
  /** Reject a bare `&` and entities without `;` (default true). False copies them through like Telegram. */
  strictEntities?: boolean;
}

const SUPPORTED_TAGS = new Set([
  'a', 'b', 'strong', 'i', 'em', 's', 'strike', 'del', 'u', 'ins',
  'tg-spoiler', 'tg-emoji', 'span', 'pre', 'code', 'blockquote',
]);

interface OpenTag {
  name: string;
  argument: string;
  /** UTF-16 offset in the output text where the tag's content starts. */
  offset: number;
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\0' || c === '\v';
const isAlpha = (c: string): boolean => /^[A-Za-z]$/.test(c);
const isAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);

/** A decoded entity and the index just past it, or undefined where `&` starts no entity TDLib knows. */
function decodeEntity(text: string, pos: number, strict: boolean): { char: string; end: number } | undefined {
  const at = (i: number): string => text[i] ?? '\0';
  let end = pos + 1;
  let codePoint = 0;
  if (at(end) === '#') {
    end++;
    const hex = at(end) === 'x';
    if (hex) end++;
    const digitsStart = end;
    while (hex ? /^[0-9A-Fa-f]$/.test(at(end)) : /^[0-9]$/.test(at(end))) {
      codePoint = codePoint * (hex ? 16 : 10) + Number.parseInt(at(end), hex ? 16 : 10);
      end++;
      if (codePoint >= 0x10ffff) return undefined;
    }
    if (end === digitsStart || codePoint === 0 || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return undefined;
  } else {
    while (isAlpha(at(end))) end++;
    const decoded = NAMED_ENTITIES[text.slice(pos + 1, end)];
    if (decoded === undefined) return undefined;
    codePoint = decoded.codePointAt(0)!;
  }
  if (at(end) === ';') return { char: String.fromCodePoint(codePoint), end: end + 1 };
  if (strict) return undefined;
  return { char: String.fromCodePoint(codePoint), end };
}

export function parseTelegramHtml(input: string, options: HtmlParseOptions = {}): HtmlParseResult {
  const strict = options.strictEntities ?? true;
  const at = (i: number): string => input[i] ?? '\0';
  const byteOffset = (i: number): number => Buffer.byteLength(input.slice(0, i), 'utf8');
  const fail = (message: string): HtmlParseResult => ({ ok: false, error: message });

  let out = '';
  const open: OpenTag[] = [];
  const entities: MessageEntity[] = [];

  const badAmpersand = (i: number): HtmlParseResult => {
    const shown = /^&#?[A-Za-z0-9]*;?/.exec(input.slice(i))?.[0] ?? '&';
    return fail(
      `Unsupported HTML entity "${shown}" at byte offset ${byteOffset(i)}; ` +
        'only &lt; &gt; &amp; &quot; and &#NNN; are allowed (emulator: escape a literal "&" as &amp;)',
    );
  };

  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === '&') {
      const decoded = decodeEntity(input, i, strict);
      if (decoded) {
        out += decoded.char;
        i = decoded.end;
        continue;
      }
      if (strict) return badAmpersand(i);
    }
    if (c !== '<') {
      out += c;
      i++;
      continue;
    }

    const begin = i;
    i++;
    if (at(i) !== '/') {
      // A start tag.
      while (!isSpace(at(i)) && at(i) !== '>') i++;
      if (i >= input.length) return fail(`Unclosed start tag at byte offset ${byteOffset(begin)}`);
      const name = input.slice(begin + 1, i).toLowerCase();
      if (!SUPPORTED_TAGS.has(name)) {
        return fail(`Unsupported start tag "${name}" at byte offset ${byteOffset(begin)}`);
      }

      let argument = '';
      while (at(i) !== '>') {
        while (i < input.length && isSpace(at(i))) i++;
        if (at(i) === '>') break;
        const attributeBegin = i;
        while (!isSpace(at(i)) && at(i) !== '=' && at(i) !== '>') i++;
        const attribute = input.slice(attributeBegin, i);
        if (attribute.length === 0) {
          return fail(`Empty attribute name in the tag "${name}" at byte offset ${byteOffset(begin)}`);
        }
        while (i < input.length && isSpace(at(i))) i++;
        if (at(i) !== '=') {
          if (name === 'blockquote' && attribute === 'expandable') {
            argument = '1';
            continue;
          }
          return fail(
            `Expected equal sign in declaration of an attribute of the tag "${name}" at byte offset ${byteOffset(begin)}`,
          );
        }
        i++;
        while (i < input.length && isSpace(at(i))) i++;
        if (i >= input.length) return fail(`Unclosed start tag "${name}" at byte offset ${byteOffset(begin)}`);

        let value = '';
        const quote = at(i);
        if (quote !== '"' && quote !== "'") {
          const tokenBegin = i;
          while (isAlnum(at(i)) || at(i) === '.' || at(i) === '-') i++;
          value = input.slice(tokenBegin, i).toLowerCase();
          if (!isSpace(at(i)) && at(i) !== '>') {
            return fail(`Unexpected end of name token at byte offset ${byteOffset(tokenBegin)}`);
          }
        } else {
          i++;
          while (i < input.length && at(i) !== quote) {
            if (at(i) === '&') {
              const decoded = decodeEntity(input, i, strict);
              if (decoded) {
                value += decoded.char;
                i = decoded.end;
                continue;
              }
              if (strict) return badAmpersand(i);
            }
            value += at(i);
            i++;
          }
          if (at(i) === quote) i++;
        }
        if (i >= input.length) return fail(`Unclosed start tag at byte offset ${byteOffset(begin)}`);

        if (name === 'a' && attribute === 'href') argument = value;
        else if (name === 'code' && attribute === 'class' && value.startsWith('language-')) argument = value.slice(9);
        else if (name === 'span' && attribute === 'class' && value.startsWith('tg-')) argument = value.slice(3);
        else if (name === 'tg-emoji' && attribute === 'emoji-id') argument = value;
        else if (name === 'blockquote' && attribute === 'expandable') argument = '1';
      }

      if (name === 'span' && argument !== 'spoiler') {
        return fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(begin)}`);
      }
      open.push({ name, argument, offset: out.length });
      i++; // past '>'
      continue;
    }

    // An end tag.
    const top = open.at(-1);
    if (!top) return fail(`Unexpected end tag at byte offset ${byteOffset(begin)}`);
    while (!isSpace(at(i)) && at(i) !== '>') i++;
    const endName = input.slice(begin + 2, i).toLowerCase();
    while (i < input.length && isSpace(at(i))) i++;
    if (at(i) !== '>') return fail(`Unclosed end tag at byte offset ${byteOffset(begin)}`);
    if (endName.length > 0 && endName !== top.name) {
      return fail(
        `Unmatched end tag at byte offset ${byteOffset(begin)}, expected "</${top.name}>", found "</${endName}>"`,
      );
    }
    i++;
    open.pop();

    const offset = top.offset;
    const length = out.length - offset;
    if (length <= 0) continue;
    const error = closeTag(top, offset, length, out, entities);
    if (error) return fail(error);
  }

  const unclosed = open.at(-1);
  if (unclosed) return fail(`Can't find end tag corresponding to start tag "${unclosed.name}"`);

  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { ok: true, text: out, entities: finalizeEntities(entities) };
}

function closeTag(tag: OpenTag, offset: number, length: number, out: string, entities: MessageEntity[]): string | undefined {
  const push = (entity: MessageEntity): void => void entities.push(entity);
  switch (tag.name) {
    case 'b':
    case 'strong':
      push({ type: 'bold', offset, length });
      return undefined;
    case 'i':
    case 'em':
      push({ type: 'italic', offset, length });
      return undefined;
    case 'u':
    case 'ins':
      push({ type: 'underline', offset, length });
      return undefined;
    case 's':
    case 'strike':
    case 'del':
      push({ type: 'strikethrough', offset, length });
      return undefined;
    case 'tg-spoiler':
    case 'span':
      push({ type: 'spoiler', offset, length });
      return undefined;
    case 'blockquote':
      push({ type: tag.argument ? 'expandable_blockquote' : 'blockquote', offset, length });
      return undefined;
    case 'tg-emoji': {
      if (!/^[1-9][0-9]{0,18}$/.test(tag.argument)) return 'Invalid custom emoji identifier specified';
      push({ type: 'custom_emoji', offset, length, custom_emoji_id: tag.argument });
      return undefined;
    }
    case 'a': {
      // Like Telegram: a link whose URL is not acceptable is dropped silently, the text stays.
      const url = tag.argument || out.slice(offset, offset + length);
      const checked = checkLink(url);
      if (checked) push({ type: 'text_link', offset, length, url: checked });
      return undefined;
    }
    case 'pre': {
      const last = entities.at(-1);
      if (last && last.type === 'code' && last.offset === offset && last.length === length && 'language' in last) {
        entities[entities.length - 1] = { type: 'pre', offset, length, language: String(last.language) };
      } else {
        push({ type: 'pre', offset, length });
      }
      return undefined;
    }
    case 'code': {
      const last = entities.at(-1);
      if (last && last.type === 'pre' && last.offset === offset && last.length === length && tag.argument) {
        entities[entities.length - 1] = { type: 'pre', offset, length, language: tag.argument };
      } else if (tag.argument) {
        // Kept until the enclosing <pre> closes; a lone <code class="language-x"> is plain code.
        push({ type: 'code', offset, length, language: tag.argument } as unknown as MessageEntity);
      } else {
        push({ type: 'code', offset, length });
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Telegram's link check, simplified: http(s), tg:// and bare domains are accepted. */
export function checkLink(url: string): string | undefined {
  const trimmed = url.trim();
  if (/^(https?|tg|ton):\/\/\S+$/i.test(trimmed)) return trimmed;
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(\/\S*)?$/i.test(trimmed)) {
    return `http://${trimmed}${trimmed.includes('/') ? '' : '/'}`;
  }
  return undefined;
}

/** Removes the `language` kept on a plain code entity while waiting for an enclosing <pre>. */
function finalizeEntities(entities: MessageEntity[]): MessageEntity[] {
  return entities.map((e) => {
    if (e.type === 'code' && 'language' in e) {
      const { language: _language, ...rest } = e as MessageEntity & { language: string };
      return rest as MessageEntity;
    }
    return e;
  });
}
