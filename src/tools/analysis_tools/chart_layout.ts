/**
 * Layout of a line chart (scales, ticks, pixel paths, legend) shared by the SVG and PNG renderers.
 * No DOM: runs in Node for the CLI and in the page for exports.
 */

export interface ChartSeriesSpec {
  label: string;
  /** CSS colour; default: matplotlib's tab10 cycle by position. */
  color?: string;
  points: readonly { x: number; y: number }[];
}

export interface ChartSpec {
  title?: string | null;
  xLabel?: string;
  yLabel?: string;
  series: readonly ChartSeriesSpec[];
  /** Pixels. Default: 1200 × 700 (the tool's `--window-size 12*7` at matplotlib's 100 dpi). */
  width?: number;
  height?: number;
  /** Logarithmic y axis (values ≤ 0 are left out). Default: false. */
  logY?: boolean;
  /** x values are numbers, durations in seconds, or unix times. Default: `number`. */
  xKind?: 'number' | 'duration' | 'clock';
}

/** matplotlib's default colour cycle ("tab10"), so figures look like the tool's. */
export const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export interface Tick {
  value: number;
  /** Pixel position along its axis. */
  pos: number;
  text: string;
}

export interface LaidOutSeries {
  label: string;
  color: string;
  /** Runs of pixel points; a gap (non-finite or log-invalid value) starts a new run. */
  runs: [number, number][][];
}

export interface ChartLayout {
  width: number;
  height: number;
  plot: { left: number; top: number; width: number; height: number };
  title: string | null;
  xLabel: string;
  yLabel: string;
  xTicks: Tick[];
  yTicks: Tick[];
  series: LaidOutSeries[];
  legend: { x: number; y: number; width: number; rowHeight: number } | null;
  /** Size of the text the renderers use, in pixels. */
  fontSize: number;
}

/** Step of "nice" ticks (1, 2 or 5 × 10^k): the smallest not below (hi − lo) / count. */
function niceStep(lo: number, hi: number, count: number): number {
  const raw = (hi - lo) / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

/** Nice linear ticks covering [lo, hi] (the domain is widened to the outer ticks). */
export function linearTicks(lo: number, hi: number, count = 8): { domain: [number, number]; values: number[]; step: number } {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(lo, hi, count);
  const start = Math.floor(lo / step + 1e-9) * step;
  const stop = Math.ceil(hi / step - 1e-9) * step;
  const values: number[] = [];
  for (let i = 0; start + i * step <= stop + step * 1e-9; i++) values.push(Number((start + i * step).toPrecision(12)));
  return { domain: [start, stop], values, step };
}

/** Tick label with as many decimals as the step needs. */
export function formatTick(value: number, step: number): string {
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  const text = value.toFixed(decimals);
  return text === '-0' || /^-0\.0*$/.test(text) ? text.slice(1) : text;
}

/** Decade ticks covering [lo, hi] (both > 0). */
export function logTicks(lo: number, hi: number): { domain: [number, number]; values: number[] } {
  const a = Math.floor(Math.log10(lo));
  let b = Math.ceil(Math.log10(hi));
  if (b === a) b = a + 1;
  const values: number[] = [];
  for (let k = a; k <= b; k++) values.push(Math.pow(10, k));
  return { domain: [Math.pow(10, a), Math.pow(10, b)], values };
}

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** Clock-friendly steps in seconds: 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, days. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** Ticks in seconds on whole clock steps, about `count` of them over [lo, hi]. */
export function timeTicks(lo: number, hi: number, count = 8): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  if (!(raw > 0)) return [lo];
  const step = TIME_STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 86400) * 86400;
  if (raw < 1) return linearTicks(lo, hi, count).values;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(v);
  return out;
}

/** A duration in seconds as `1h02m`, `1m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Unix seconds as a UTC clock time `HH:MM:SS`. */
export function formatClock(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(11, 19);
}

/** Approximate text width for the renderers' fonts (average glyph ≈ 0.6 em). */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.6;
}

/**
 * matplotlib's `loc='best'` in spirit: the plot corner (upper right, upper left, lower left, lower
 * right, in that order of preference) whose legend box covers the fewest data points.
 */
function bestLegendCorner(
  plot: ChartLayout['plot'],
  w: number,
  h: number,
  pad: number,
  series: LaidOutSeries[],
): { x: number; y: number } {
  const right = plot.left + plot.width - w - pad;
  const bottom = plot.top + plot.height - h - pad;
  const corners = [
    { x: right, y: plot.top + pad },
    { x: plot.left + pad, y: plot.top + pad },
    { x: plot.left + pad, y: bottom },
    { x: right, y: bottom },
  ];
  let best = corners[0];
  let bestCount = Infinity;
  for (const c of corners) {
    let count = 0;
    for (const s of series) for (const run of s.runs) for (const [x, y] of run) if (x >= c.x && x <= c.x + w && y >= c.y && y <= c.y + h) count++;
    if (count < bestCount) {
      best = c;
      bestCount = count;
    }
  }
  return best;
}

/** Lays out a chart: domains from the data, nice ticks, pixel paths, legend box. */
export function layoutChart(spec: ChartSpec): ChartLayout {
  const width = spec.width ?? 1200;
  const height = spec.height ?? 700;
  const logY = spec.logY ?? false;
  const fontSize = Math.max(10, Math.round(Math.min(width, height) / 50));
  const usable = (y: number) => Number.isFinite(y) && (!logY || y > 0);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) {
    for (const p of s.points) {
      if (Number.isFinite(p.x) && usable(p.y)) {
        xs.push(p.x);
        ys.push(p.y);
      }
    }
  }
  const [x0, x1] = extent(xs);
  const [y0, y1] = extent(ys);
  const xKind = spec.xKind ?? 'number';
  const xt = linearTicks(x0, x1);
  const xTickValues = xKind === 'number' ? xt.values : timeTicks(x0, x1).filter((v) => v >= xt.domain[0] && v <= xt.domain[1]);
  const xText = (v: number) => (xKind === 'duration' ? formatDuration(v) : xKind === 'clock' ? formatClock(v) : formatTick(v, xt.step));
  const yt: { domain: [number, number]; values: number[]; step?: number } = logY ? logTicks(y0 > 0 ? y0 : 1e-3, y1 > 0 ? y1 : 1) : linearTicks(y0, y1);
  const yStep = yt.step ?? 1;
  const yTexts = yt.values.map((v) => (logY ? `1e${Math.round(Math.log10(v))}` : formatTick(v, yStep)));
  const left = Math.round(fontSize * 2.2 + Math.max(...yTexts.map((t) => textWidth(t, fontSize))));
  const top = Math.round(spec.title ? fontSize * 3 : fontSize * 1.5);
  const plot = { left, top, width: width - left - fontSize * 1.5, height: height - top - fontSize * 4 };
  const px = (x: number) => plot.left + ((x - xt.domain[0]) / (xt.domain[1] - xt.domain[0])) * plot.width;
  const yNorm = logY
    ? (y: number) => (Math.log10(y) - Math.log10(yt.domain[0])) / (Math.log10(yt.domain[1]) - Math.log10(yt.domain[0]))
    : (y: number) => (y - yt.domain[0]) / (yt.domain[1] - yt.domain[0]);
  const py = (y: number) => plot.top + (1 - yNorm(y)) * plot.height;
  const series = spec.series.map((s, i): LaidOutSeries => {
    const runs: [number, number][][] = [];
    let run: [number, number][] = [];
    for (const p of s.points) {
      if (Number.isFinite(p.x) && usable(p.y)) {
        run.push([px(p.x), py(p.y)]);
      } else if (run.length) {
        runs.push(run);
        run = [];
      }
    }
    if (run.length) runs.push(run);
    return { label: s.label, color: s.color ?? TAB10[i % TAB10.length], runs };
  });
  const rowHeight = Math.round(fontSize * 1.5);
  const legendWidth = Math.round(fontSize * 3.5 + Math.max(0, ...spec.series.map((s) => textWidth(s.label, fontSize))));
  const legendHeight = rowHeight * spec.series.length + fontSize * 0.5;
  const legend = spec.series.length ? { ...bestLegendCorner(plot, legendWidth, legendHeight, fontSize * 0.5, series), width: legendWidth, rowHeight } : null;
  return {
    width,
    height,
    plot,
    title: spec.title ?? null,
    xLabel: spec.xLabel ?? '',
    yLabel: spec.yLabel ?? '',
    xTicks: xTickValues.map((v) => ({ value: v, pos: px(v), text: xText(v) })),
    yTicks: yt.values.map((v, i) => ({ value: v, pos: py(v), text: yTexts[i] })),
    series,
    legend,
    fontSize,
  };
}
