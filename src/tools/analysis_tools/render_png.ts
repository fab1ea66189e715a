/**
 * A chart as a PNG without a canvas (Node CLI): the same layout as the SVG, drawn into an RGBA buffer
 * (aliased lines 2 px wide, the built-in 3 × 5 pixel font for text) and encoded with fast-png.
 * The SVG output is the one to prefer for figures; this PNG is a faithful, plainer raster.
 */
import { encode } from 'fast-png';
import { layoutChart, type ChartLayout, type ChartSpec } from './chart_layout';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, glyphPixels, pixelTextWidth } from './pixel_font';

type RGB = [number, number, number];

function parseColor(css: string): RGB {
  const m = /^#([0-9a-f]{6})$/i.exec(css.trim());
  if (!m) throw new Error(`render_png: colours must be #rrggbb, got "${css}"`);
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

class Raster {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 4).fill(255);
  }
  set(x: number, y: number, c: RGB): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
    this.data[i + 3] = 255;
  }
  rect(x: number, y: number, w: number, h: number, c: RGB): void {
    for (let j = Math.round(y); j < Math.round(y + h); j++) for (let i = Math.round(x); i < Math.round(x + w); i++) this.set(i, j, c);
  }
  /** A line `thickness` px wide, stamped every half pixel. */
  line(x0: number, y0: number, x1: number, y1: number, c: RGB, thickness = 1): void {
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2));
    const half = (thickness - 1) / 2;
    for (let k = 0; k <= n; k++) {
      const x = x0 + ((x1 - x0) * k) / n;
      const y = y0 + ((y1 - y0) * k) / n;
      for (let dy = -half; dy <= half; dy++) for (let dx = -half; dx <= half; dx++) this.set(x + dx, y + dy, c);
    }
  }
  text(text: string, x: number, y: number, scale: number, c: RGB, anchor: 'start' | 'middle' | 'end' = 'start'): void {
    const w = pixelTextWidth(text, scale);
    const x0 = Math.round(anchor === 'middle' ? x - w / 2 : anchor === 'end' ? x - w : x);
    const y0 = Math.round(y - (GLYPH_HEIGHT * scale) / 2);
    [...text].forEach((ch, i) => {
      for (const [gx, gy] of glyphPixels(ch)) this.rect(x0 + (i * GLYPH_ADVANCE + gx) * scale, y0 + gy * scale, scale, scale, c);
    });
  }
}

const INK: RGB = [38, 38, 38];
const PANEL: RGB = [234, 234, 242];
const WHITE: RGB = [255, 255, 255];

/** Draws a laid-out chart into RGBA pixels. */
export function rasterizeLayout(l: ChartLayout): { width: number; height: number; data: Uint8Array } {
  const img = new Raster(l.width, l.height);
  const { plot } = l;
  const scale = Math.max(1, Math.round(l.fontSize / 7));
  img.rect(plot.left, plot.top, plot.width, plot.height, PANEL);
  for (const t of l.xTicks) {
    img.line(t.pos, plot.top, t.pos, plot.top + plot.height, WHITE);
    img.text(t.text, t.pos, plot.top + plot.height + l.fontSize, scale, INK, 'middle');
  }
  for (const t of l.yTicks) {
    img.line(plot.left, t.pos, plot.left + plot.width, t.pos, WHITE);
    img.text(t.text, plot.left - l.fontSize * 0.5, t.pos, scale, INK, 'end');
  }
  for (const s of l.series) {
    const c = parseColor(s.color);
    for (const run of s.runs) {
      if (run.length === 1) img.line(run[0][0], run[0][1], run[0][0], run[0][1], c, 2);
      for (let i = 1; i < run.length; i++) img.line(run[i - 1][0], run[i - 1][1], run[i][0], run[i][1], c, 2);
    }
  }
  if (l.title) img.text(l.title, plot.left + plot.width / 2, l.fontSize * 1.5, scale + 1, INK, 'middle');
  if (l.xLabel) img.text(l.xLabel, plot.left + plot.width / 2, plot.top + plot.height + l.fontSize * 2.8, scale, INK, 'middle');
  if (l.legend) {
    const g = l.legend;
    const x = g.x;
    img.rect(x, g.y, g.width, g.rowHeight * l.series.length + l.fontSize * 0.5, WHITE);
    l.series.forEach((s, i) => {
      const y = g.y + l.fontSize * 0.25 + g.rowHeight * (i + 0.5);
      img.line(x + l.fontSize * 0.5, y, x + l.fontSize * 2.3, y, parseColor(s.color), 2);
      img.text(s.label, x + l.fontSize * 2.6, y, scale, INK);
    });
  }
  return { width: img.width, height: img.height, data: img.data };
}

/** Lays out, draws and PNG-encodes a chart. */
export function chartToPng(spec: ChartSpec): Uint8Array {
  const { width, height, data } = rasterizeLayout(layoutChart(spec));
  return encode({ width, height, data, channels: 4, depth: 8 });
}
