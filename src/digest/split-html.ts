/** Telegram counts the length of the text after entities are parsed; this is what a message will count. */
export function visibleLength(htmlText: string): number {
  return htmlText
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|amp|quot);/g, '_').length;
}

/** Telegram's limit on a message's text, counted after the HTML is parsed. */
export const TELEGRAM_TEXT_LIMIT = 4096;

interface OpenTag {
  name: string;
  /** The opening tag as written, to reopen it in the next part. */
  raw: string;
}

const TAG = /<(\/?)([a-zA-Z][\w-]*)[^>]*>/g;

/** The tags still open after `line`, given those open before it. */
function openAfter(stack: readonly OpenTag[], line: string): OpenTag[] {
  const open = [...stack];
  for (const match of line.matchAll(TAG)) {
    const name = match[2]!.toLowerCase();
    if (match[1] === '/') {
      const at = open.map((t) => t.name).lastIndexOf(name);
      if (at >= 0) open.splice(at, 1);
    } else {
      open.push({ name, raw: match[0] });
    }
  }
  return open;
}

const closing = (stack: readonly OpenTag[]) => [...stack].reverse().map((t) => `</${t.name}>`).join('');
const opening = (stack: readonly OpenTag[]) => stack.map((t) => t.raw).join('');

/**
 * Cuts Telegram HTML into messages of at most `limit` visible characters. Cuts fall between sections
 * (blank lines) where a section fits a message, else between lines — never inside a tag or a line.
 * A tag open across a cut (a <pre> table) is closed at the end of one part and reopened in the next,
 * so every part is well-formed on its own. Only a single line longer than the limit is cut inside,
 * at a character outside tags and entities.
 */
export function splitHtml(html: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  const lines = html.replace(/\r\n?/g, '\n').split('\n');
  // Sections: runs of lines between blank lines; a blank line inside an open tag (<pre>) does not end one.
  const sections: string[][] = [];
  let stack: OpenTag[] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (line.trim() === '' && stack.length === 0) {
      if (current.length > 0) sections.push(current);
      current = [];
      continue;
    }
    current.push(line);
    stack = openAfter(stack, line);
  }
  if (current.length > 0) sections.push(current);

  const parts: string[] = [];
  let part: string[] = [];
  let partStart: OpenTag[] = [];
  let open: OpenTag[] = [];

  const render = (body: string[], start: readonly OpenTag[], end: readonly OpenTag[]) => opening(start) + body.join('\n') + closing(end);
  // Tags are invisible and never span lines, so a part's length is its lines' lengths plus the line breaks:
  // kept as a running sum, or a long text would be re-measured once per line (quadratic).
  const widths = new Map<string, number>();
  const width = (line: string) => widths.get(line) ?? widths.set(line, visibleLength(line)).get(line)!;
  const measure = (body: string[]) => body.reduce((n, line) => n + width(line), Math.max(0, body.length - 1));
  let partWidth = 0;
  const flush = () => {
    if (part.length > 0) parts.push(render(part, partStart, open));
    part = [];
    partWidth = 0;
    partStart = open;
  };
  const add = (line: string) => {
    const after = openAfter(open, line);
    if (part.length > 0 && partWidth + 1 + width(line) > limit) flush();
    if (part.length === 0 && width(line) > limit) {
      for (const piece of cutLine(line, limit - visibleLength(opening(partStart)))) {
        part = [piece];
        open = openAfter(open, piece);
        flush();
      }
      return;
    }
    partWidth += (part.length > 0 ? 1 : 0) + width(line);
    part.push(line);
    open = after;
  };

  for (const section of sections) {
    let after = open;
    for (const line of section) after = openAfter(after, line);
    const sectionWidth = measure(section);
    const joinedWidth = part.length > 0 ? partWidth + 2 + sectionWidth : sectionWidth;
    if (joinedWidth <= limit) {
      part = part.length > 0 ? [...part, '', ...section] : [...section];
      partWidth = joinedWidth;
      open = after;
      continue;
    }
    // A section that fits a message of its own starts one; a longer one fills messages line by line.
    if (part.length > 0) flush();
    if (sectionWidth <= limit) {
      part = [...section];
      partWidth = sectionWidth;
      open = after;
    } else {
      for (const line of section) add(line);
    }
  }
  flush();
  return parts;
}

/** The last resort for a line longer than a message: cut at characters outside tags and entities. */
function cutLine(line: string, limit: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let visible = 0;
  // Sticky patterns read at position i: slicing the rest of the line at every character would be quadratic.
  const tag = /<[^>]*>/y;
  const entity = /&(lt|gt|amp|quot);/y;
  const at = (pattern: RegExp, i: number) => {
    pattern.lastIndex = i;
    return pattern.exec(line)?.[0];
  };
  for (let i = 0; i < line.length; ) {
    const token = at(tag, i) ?? at(entity, i) ?? String.fromCodePoint(line.codePointAt(i)!);
    const width = token.startsWith('<') ? 0 : token.startsWith('&') ? 1 : token.length;
    if (visible + width > limit && piece !== '') {
      pieces.push(piece);
      piece = '';
      visible = 0;
    }
    piece += token;
    visible += width;
    i += token.length;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}
