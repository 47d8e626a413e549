import { splitHtml } from '../digest/split-html.ts';

// Lives with the splitter that needs it, so the two modules do not import each other.
export { visibleLength } from '../digest/split-html.ts';

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


/** Split a message into parts Telegram accepts, with the one splitter the outbox uses (tags stay balanced in each part). */
export function splitMessage(htmlText: string, limit = 4000): string[] {
  return splitHtml(htmlText, limit).filter((part) => part.trim() !== '');
}
