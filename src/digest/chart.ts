import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import type { Logger } from 'pino';

/**
 * The digest's chart: reports by category, this week against last week, as a PNG drawn in-process
 * (chart.js on @napi-rs/canvas). Chinese labels need a CJK font and the canvas has none of its own, so
 * the chart uses Noto Sans SC from the `noto-sans-sc` npm package: it works without any system font
 * (`npm ci` is all an operator needs). A system CJK font is the fallback if the package is missing.
 */

// Google Fonts' slices of Noto Sans SC Regular, ~100 woff2 files by unicode range (2.4 MB together).
// Registered under one family, the canvas takes each character from the slice that has it.
const BUNDLED_FONT_DIR = 'noto_sans_sc_regular';

export const CJK_FONT_PATHS = [
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  '/System/Library/Fonts/PingFang.ttc',
];
/** The family every label of the chart is drawn in. */
export const CHART_FONT_FAMILY = 'Minyi CJK';

export type CjkFontSource = 'bundled' | 'system' | 'missing';
let fontSource: CjkFontSource | undefined;
let chartRegistered = false;

/** Register the CJK font once per process: the bundled one, else the first system font found; warn (once) when there is none. */
export function ensureCjkFont(logger?: Logger, paths: readonly string[] = CJK_FONT_PATHS): CjkFontSource {
  if (fontSource === undefined) {
    if (registerBundledFont() > 0) fontSource = 'bundled';
    else {
      const path = paths.find((p) => existsSync(p));
      fontSource = path && GlobalFonts.registerFromPath(path, CHART_FONT_FAMILY) ? 'system' : 'missing';
    }
    if (fontSource === 'missing') {
      logger?.warn({ tried: ['noto-sans-sc', ...paths] }, 'no CJK font found: Chinese labels in the digest chart will not render (run npm ci)');
    }
  }
  return fontSource;
}

function registerBundledFont(): number {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve('noto-sans-sc/package.json')), BUNDLED_FONT_DIR);
  } catch {
    return 0;
  }
  if (!existsSync(dir)) return 0;
  let registered = 0;
  for (const file of readdirSync(dir).sort()) {
    if (file.endsWith('.woff2') && GlobalFonts.registerFromPath(join(dir, file), CHART_FONT_FAMILY)) registered++;
  }
  return registered;
}

export interface CategoryChartInput {
  title: string;
  /** Category names in the order to draw them, top to bottom. */
  labels: string[];
  current: { label: string; values: number[] };
  previous: { label: string; values: number[] };
}

const WIDTH = 1000;
const BASE_HEIGHT = 200;
const ROW_HEIGHT = 60;

// Telegram shows a transparent PNG on the chat background (black in dark mode): paint it white first.
const whiteBackground: Plugin<'bar'> = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

// The counts at the end of each bar, so nobody has to read them off the axis.
const valueLabels: Plugin<'bar'> = {
  id: 'valueLabels',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.font = `22px "${CHART_FONT_FAMILY}", sans-serif`;
    ctx.textBaseline = 'middle';
    chart.data.datasets.forEach((dataset, i) => {
      const meta = chart.getDatasetMeta(i);
      ctx.fillStyle = i === 0 ? '#1f3f7a' : '#6b7785';
      meta.data.forEach((bar, j) => {
        const value = dataset.data[j];
        if (typeof value !== 'number') return;
        ctx.fillText(String(value), bar.x + 6, bar.y);
      });
    });
    ctx.restore();
  },
};

/** A horizontal bar chart, one row per category, as PNG bytes. */
export function renderCategoryChart(input: CategoryChartInput, logger?: Logger): Buffer {
  if (!chartRegistered) {
    Chart.register(...registerables);
    chartRegistered = true;
  }
  ensureCjkFont(logger);
  const height = BASE_HEIGHT + ROW_HEIGHT * Math.max(1, input.labels.length);
  const canvas = createCanvas(WIDTH, height);
  const font = (size: number, weight: 'normal' | 'bold' = 'normal') => ({ family: `"${CHART_FONT_FAMILY}", sans-serif`, size, weight });
  const max = Math.max(1, ...input.current.values, ...input.previous.values);

  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: input.labels,
      datasets: [
        { label: input.current.label, data: input.current.values, backgroundColor: '#2f6fdf', barPercentage: 0.9, categoryPercentage: 0.8 },
        { label: input.previous.label, data: input.previous.values, backgroundColor: '#c3ccd6', barPercentage: 0.9, categoryPercentage: 0.8 },
      ],
    },
    options: {
      indexAxis: 'y',
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      layout: { padding: { left: 16, right: 56, top: 12, bottom: 12 } },
      plugins: {
        title: { display: true, text: input.title, font: font(30, 'bold'), color: '#1b1f24', padding: { bottom: 12 } },
        legend: { position: 'top', labels: { font: font(24), color: '#1b1f24', boxWidth: 28, boxHeight: 18 } },
        tooltip: { enabled: false },
      },
      scales: {
        x: {
          beginAtZero: true,
          // Room for the value label after the longest bar.
          suggestedMax: max * 1.08,
          ticks: { font: font(20), color: '#4a5560', precision: 0 },
          grid: { color: '#e6e9ed' },
        },
        y: { ticks: { font: font(25), color: '#1b1f24' }, grid: { display: false } },
      },
    },
    plugins: [whiteBackground, valueLabels],
  };
  // chart.js accepts any 2D context; @napi-rs/canvas implements the one it uses.
  const chart = new Chart(canvas.getContext('2d') as unknown as ConstructorParameters<typeof Chart>[0], config);
  try {
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}
