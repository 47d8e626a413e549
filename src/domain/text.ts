/**
 * Text on one line (every run of white space one space, trimmed), at most `max` characters counted as code points,
 * with an ellipsis when cut: for quotes and buttons that must stay short. Not escaped.
 */
export function clipLine(text: string, max: number): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}
