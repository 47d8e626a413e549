/** Telegram's HTML parse mode understands only &lt; &gt; &amp; &quot;; everything a person typed goes through here. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** A fragment that is already valid Telegram HTML (built by us from escaped parts). */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export const html = (value: string): Html => new Html(value);

/** Telegram counts the length of the text after entities are parsed; this is what a message will count. */
export function visibleLength(htmlText: string): number {
  return htmlText
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|amp|quot);/g, '_').length;
}

/**
 * Split a message into parts Telegram accepts (4096 characters), only at line breaks. Every line we build
 * closes the tags it opens, so a part never ends inside a tag. A single over-long line is cut as plain text.
 */
export function splitMessage(htmlText: string, limit = 4000): string[] {
  const parts: string[] = [];
  let current = '';
  for (const line of htmlText.split('\n')) {
    // Cut the plain text, then escape: cutting escaped text could split an entity. Escaping grows text at most 6×.
    const piece = line.length > limit ? escapeHtml(Array.from(stripTags(line)).slice(0, Math.floor(limit / 6)).join('')) + '…' : line;
    if (current && current.length + 1 + piece.length > limit) {
      parts.push(current);
      current = piece;
    } else {
      current = current ? `${current}\n${piece}` : piece;
    }
  }
  if (current.trim()) parts.push(current);
  return parts;
}

function stripTags(htmlText: string): string {
  return htmlText
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
