import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitHtml } from '../../src/digest/split-html.ts';
import { parseTelegramHtml } from '../../src/emulator/telegram-html.ts';
import { visibleLength } from '../../src/i18n/html.ts';

const lines = (html: string) =>
  html
    .replace(/<[^>]*>/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '');

/** Every part within the limit, well-formed on its own, and made of whole lines of the original, in order, none lost. */
function expectClean(html: string, parts: string[], limit: number): void {
  for (const part of parts) {
    expect(visibleLength(part)).toBeLessThanOrEqual(limit);
    // Telegram's own parser (ported in the emulator) accepts it: tags balanced, nothing cut inside a tag or an entity.
    expect(parseTelegramHtml(part)).toMatchObject({ ok: true });
  }
  expect(parts.flatMap(lines)).toEqual(lines(html));
}

describe('splitting a digest into Telegram messages', () => {
  it('leaves a short text alone', () => {
    expect(splitHtml('<b>标题</b>\n一行\n\n第二段')).toEqual(['<b>标题</b>\n一行\n\n第二段']);
  });

  it('cuts between sections when a section fits a message of its own', () => {
    const section = (n: number) => [`<b>第 ${n} 节</b>`, ...Array.from({ length: 10 }, (_, i) => `第 ${n} 节第 ${i} 行，内容内容内容`)].join('\n');
    const html = [1, 2, 3, 4].map(section).join('\n\n');
    const parts = splitHtml(html, 400);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.startsWith('<b>第 ')).toBe(true);
    expectClean(html, parts, 400);
  });

  it('cuts a long section between lines, closing and reopening a table that spans the cut', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${String(i).padStart(3)}  ${i * 7}  食堂餐饮`);
    const html = `<b>表</b>\n<pre>${rows.join('\n')}</pre>\n尾注`;
    const parts = splitHtml(html, 300);
    expect(parts.length).toBeGreaterThan(2);
    expect(parts[0]).toMatch(/<\/pre>$/);
    expect(parts[1]).toMatch(/^<pre>/);
    expectClean(html, parts, 300);
  });

  it('counts an entity as one character, as Telegram does', () => {
    const line = 'A &amp; B &lt;ok&gt;';
    const html = Array.from({ length: 30 }, () => line).join('\n');
    const parts = splitHtml(html, visibleLength(line) * 10 + 9);
    expect(parts).toHaveLength(3);
    expectClean(html, parts, visibleLength(line) * 10 + 9);
  });

  it('cuts a single line longer than a message only where it must, outside tags and entities', () => {
    const html = `<b>${'长'.repeat(250)}&amp;${'字'.repeat(250)}</b>`;
    const parts = splitHtml(html, 200);
    expect(parts.length).toBe(3);
    for (const part of parts) {
      expect(visibleLength(part)).toBeLessThanOrEqual(200);
      expect(parseTelegramHtml(part)).toMatchObject({ ok: true });
    }
    expect(parts.join('').replace(/<\/?b>/g, '')).toBe(`${'长'.repeat(250)}&amp;${'字'.repeat(250)}`);
  });

  it('keeps every part well-formed and within the limit for any mix of sections, bold lines and tables', () => {
    const cell = fc.stringMatching(/^[a-z0-9一-龥 ,.&<>]{1,40}$/).map((s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').trim() || 'x');
    const line = fc.oneof(cell, cell.map((s) => `<b>${s}</b> ${s}`));
    const block = fc.oneof(
      fc.array(line, { minLength: 1, maxLength: 12 }).map((lines) => lines.join('\n')),
      fc.array(cell, { minLength: 1, maxLength: 30 }).map((lines) => `<pre>${lines.join('\n')}</pre>`),
    );
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 20 }), fc.integer({ min: 100, max: 600 }), (blocks, limit) => {
        const html = blocks.join('\n\n');
        expectClean(html, splitHtml(html, limit), limit);
      }),
      { numRuns: 200 },
    );
  });
});
