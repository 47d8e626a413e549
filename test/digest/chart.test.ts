import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { CHART_FONT_FAMILY, ensureCjkFont, renderCategoryChart } from '../../src/digest/chart.ts';

const input = {
  title: '各类别反映数量 · 2026-W47',
  labels: ['食堂餐饮', '校舍设施', '校车交通', '体育场馆与赛事', '收费问题'],
  current: { label: '本周 2026-W47', values: [6, 2, 2, 1, 0] },
  previous: { label: '上周 2026-W46', values: [0, 0, 0, 2, 2] },
};

/** Pixels of the image that are close to a colour. */
async function countColour(png: Buffer, [r, g, b]: [number, number, number]): Promise<{ matching: number; nonWhite: number; transparent: number; width: number; height: number }> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  let matching = 0;
  let nonWhite = 0;
  let transparent = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i]! - r) < 8 && Math.abs(data[i + 1]! - g) < 8 && Math.abs(data[i + 2]! - b) < 8) matching++;
    if (data[i]! < 245 || data[i + 1]! < 245 || data[i + 2]! < 245) nonWhite++;
    if (data[i + 3] !== 255) transparent++;
  }
  return { matching, nonWhite, transparent, width: image.width, height: image.height };
}

describe('the digest chart', () => {
  it('is a PNG with a bar per category and week, on a white background', async () => {
    const png = renderCategoryChart(input);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.length).toBeGreaterThan(10_000);
    const { matching, nonWhite, transparent, width, height } = await countColour(png, [0x2f, 0x6f, 0xdf]);
    // Opaque everywhere: Telegram's dark mode would otherwise show black behind the text.
    expect(transparent).toBe(0);
    expect(width).toBe(1000);
    expect(height).toBe(200 + 60 * 5);
    // This week's bars (blue): 6 + 2 + 2 + 1 units of length, thousands of pixels; text and grid besides.
    expect(matching).toBeGreaterThan(5_000);
    expect(nonWhite).toBeGreaterThan(matching);
  });

  it('grows with the number of categories', () => {
    const one = renderCategoryChart({ ...input, labels: ['食堂餐饮'], current: { label: 'a', values: [1] }, previous: { label: 'b', values: [0] } });
    expect(one.length).toBeLessThan(renderCategoryChart(input).length);
  });

  it('draws Chinese labels with the font shipped through npm, on a machine without any CJK font installed', () => {
    // .ci/run installs no font package: the chart's font comes from node_modules (noto-sans-sc).
    expect(ensureCjkFont()).toBe('bundled');
    // Characters a font lacks are all drawn as the same empty box (tofu); real glyphs differ from each other.
    const glyphs = [...'食堂餐饮校舍设施'].map((character) => {
      const canvas = createCanvas(48, 48);
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, 48, 48);
      ctx.fillStyle = '#000000';
      ctx.font = `40px "${CHART_FONT_FAMILY}", sans-serif`;
      ctx.textBaseline = 'top';
      ctx.fillText(character, 4, 4);
      const { data } = ctx.getImageData(0, 0, 48, 48);
      return Buffer.from(data.buffer).toString('base64');
    });
    expect(new Set(glyphs).size).toBe(glyphs.length);
  });
});
