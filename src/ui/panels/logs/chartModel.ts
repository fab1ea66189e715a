/**
 * The Logs panel's view model, free of React: which series to draw, their merged rows for recharts,
 * zoom and y domains, hover read-outs, and exports (CSV, JSON, chart specs for SVG/PNG).
 */
import type { ChartSpec } from '../../../tools/analysis_tools/chart_layout';
import { linearTicks, logTicks, TAB10, timeTicks } from '../../../tools/analysis_tools/chart_layout';
import type { LoadedLog } from '../../../tools/analysis_tools/load_json_log';
import { curveSeries, logKeys, logPositions, type CurveSeries, type LogPositions } from '../../../tools/analysis_tools/plot_curve';
import { canonicalKey, matchKey } from '../../../tools/analysis_tools/metric_aliases';
import { smooth, type SmoothingOptions } from '../../../tools/analysis_tools/smoothing';
import { axisKind, axisTitle, xOf, type XAxisMode } from '../../../tools/analysis_tools/x_axis';
export { formatX } from '../../../tools/analysis_tools/x_axis';
import { keyId, parseKeyId, type KeyId, type LogRun } from './logsStore';

export interface PanelSeries {
  /** Unique within a chart: `${runId}|${keyId}`. */
  id: string;
  runId: string;
  runName: string;
  keyId: KeyId;
  label: string;
  color: string;
  curve: CurveSeries;
}

const positionsCache = new WeakMap<LoadedLog, LogPositions>();
function cachedPositions(log: LoadedLog): LogPositions {
  let p = positionsCache.get(log);
  if (!p) {
    p = logPositions(log);
    positionsCache.set(log, p);
  }
  return p;
}

/** The chart a selected key belongs to: with aliases matched, its 1.x name. */
export function chartKeyId(id: KeyId, matchAliases: boolean): KeyId {
  if (!matchAliases) return id;
  const { phase, key } = parseKeyId(id);
  return keyId(phase, canonicalKey(key));
}

/**
 * Visible runs × selected keys, for runs that have the key — or, with `matchAliases`, the same metric
 * under its other era's name (`accuracy_top-1` ↔ `accuracy/top1`); then `keyId` is the 1.x name and
 * each run appears once per metric.
 */
export function panelSeries(runs: readonly LogRun[], keys: readonly KeyId[], matchAliases = true): PanelSeries[] {
  const out: PanelSeries[] = [];
  runs.forEach((run, logIndex) => {
    if (!run.visible) return;
    const runKeys = logKeys(run.log);
    const done = new Set<KeyId>();
    for (const id of keys) {
      const { phase, key: wanted } = parseKeyId(id);
      const key = matchAliases ? matchKey(wanted, runKeys[phase]) : runKeys[phase].includes(wanted) ? wanted : undefined;
      const chartId = chartKeyId(id, matchAliases);
      if (key === undefined || done.has(chartId)) continue;
      done.add(chartId);
      const curve = curveSeries(run.log, key, phase, `${run.name}_${key}`, logIndex, cachedPositions(run.log));
      out.push({ id: `${run.id}|${chartId}`, runId: run.id, runName: run.name, keyId: chartId, label: run.name, color: run.color, curve });
    }
  });
  return out;
}

export interface ChartGroup {
  id: string;
  title: string;
  series: PanelSeries[];
}

/** One chart per key (labels = run names), or everything in one figure (labels `{run}_{key}`, tab10 colours). */
export function chartGroups(series: readonly PanelSeries[], keys: readonly KeyId[], combined: boolean, title: string, matchAliases = true): ChartGroup[] {
  if (combined) {
    const seen = new Map<string, number>();
    const all = series.map((s, i) => {
      const { phase } = parseKeyId(s.keyId);
      let label = `${s.runName}_${s.curve.key}`;
      const n = seen.get(label) ?? 0;
      seen.set(label, n + 1);
      if (n > 0) label += ` [${phase}]`;
      return { ...s, label, color: TAB10[i % TAB10.length] };
    });
    return all.length ? [{ id: 'combined', title: title || 'All curves', series: all }] : [];
  }
  const chartIds = [...new Set(keys.map((id) => chartKeyId(id, matchAliases)))];
  return chartIds
    .map((id) => {
      const { phase, key } = parseKeyId(id);
      return { id, title: `${key} (${phase})`, series: series.filter((s) => s.keyId === id) };
    })
    .filter((g) => g.series.length > 0);
}

export interface PlotOptions {
  xAxis: XAxisMode;
  smoothing: SmoothingOptions;
  logY: boolean;
  /** Visible x range, or null for all. */
  zoom: [number, number] | null;
  /** Y range from the 5th–95th percentile of the values, as TensorBoard's "Ignore outliers in chart scaling". Default: false. */
  ignoreOutliers?: boolean;
  /** Most points drawn per line; beyond, each bucket keeps its first, min, max and last point. Default: 2000. */
  maxPoints?: number;
}

/**
 * Thins a line for drawing (M4 decimation): the points split into buckets by position, each bucket keeps
 * its first, lowest, highest and last point, so spikes and the envelope survive. Read-outs and exports
 * use all points.
 */
export function decimate<T extends { x: number; value: number }>(points: readonly T[], maxPoints: number): T[] {
  if (points.length <= maxPoints) return [...points];
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const size = points.length / buckets;
  const out: T[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(points.length, Math.floor((b + 1) * size));
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let i = start; i < end; i++) {
      if (points[i].value < points[lo].value) lo = i;
      if (points[i].value > points[hi].value) hi = i;
    }
    for (const i of [...new Set([start, lo, hi, end - 1])].sort((a, c) => a - c)) out.push(points[i]);
  }
  return out;
}

export interface PlotLine {
  seriesId: string;
  /** Row key of the (smoothed) values. */
  dataKey: string;
  /** Row key of the raw values, drawn faintly when smoothing is on; null otherwise. */
  rawKey: string | null;
  label: string;
  color: string;
  /** (x, raw, smoothed) sorted by x, for read-outs. */
  points: { x: number; raw: number; value: number }[];
}

export type Row = { x: number } & Record<string, number>;

export interface PlotData {
  rows: Row[];
  lines: PlotLine[];
  xDomain: [number, number];
  yDomain: [number, number];
  /** Nice tick values inside the domains. */
  xTicks: number[];
  yTicks: number[];
  xTitle: string;
}

/** Merges the group's series into recharts rows (one per distinct x), smoothed, zoomed. */
export function plotData(group: ChartGroup, options: PlotOptions): PlotData {
  const byX = new Map<number, Row>();
  const smoothed = options.smoothing.method !== 'none';
  let yMin = Infinity;
  let yMax = -Infinity;
  let xMin = Infinity;
  let xMax = -Infinity;
  const inZoom = (x: number) => !options.zoom || (x >= options.zoom[0] && x <= options.zoom[1]);
  const usable = (y: number) => Number.isFinite(y) && (!options.logY || y > 0);
  const yValues: number[] = [];
  const lines = group.series.map((s, i): PlotLine => {
    const placed = s.curve.points.flatMap((p) => {
      const x = xOf(p, options.xAxis);
      return x === undefined ? [] : [{ x, raw: p.y }];
    });
    const values = smooth(
      placed.map((p) => p.raw),
      options.smoothing,
    );
    const points = placed.map((p, j) => ({ x: p.x, raw: p.raw, value: values[j] })).sort((a, b) => a.x - b.x);
    const dataKey = `s${i}`;
    const rawKey = smoothed ? `r${i}` : null;
    const drawn = decimate(
      points.filter((p) => inZoom(p.x)),
      options.maxPoints ?? 2000,
    );
    for (const p of drawn) {
      let row = byX.get(p.x);
      if (!row) byX.set(p.x, (row = { x: p.x } as Row));
      if (usable(p.value)) row[dataKey] = p.value;
      if (rawKey && usable(p.raw)) row[rawKey] = p.raw;
      for (const y of rawKey ? [p.value, p.raw] : [p.value]) {
        if (!usable(y)) continue;
        yMin = Math.min(yMin, y);
        yMax = Math.max(yMax, y);
        if (options.ignoreOutliers) yValues.push(y);
      }
      xMin = Math.min(xMin, p.x);
      xMax = Math.max(xMax, p.x);
    }
    return { seriesId: s.id, dataKey, rawKey, label: s.label, color: s.color, points };
  });
  const rows = [...byX.values()].sort((a, b) => a.x - b.x);
  if (options.ignoreOutliers && yValues.length > 2) {
    yValues.sort((a, b) => a - b);
    [yMin, yMax] = [quantileSorted(yValues, 0.05), quantileSorted(yValues, 0.95)];
  }
  if (!(xMax >= xMin)) [xMin, xMax] = [0, 1];
  if (!(yMax >= yMin)) [yMin, yMax] = options.logY ? [0.1, 1] : [0, 1];
  if (yMax === yMin) [yMin, yMax] = options.logY ? [yMin / 2, yMax * 2] : [yMin - 1, yMax + 1];
  const xDomain: [number, number] = options.zoom ? [options.zoom[0], options.zoom[1]] : [xMin, xMax];
  const xTicks = (options.xAxis === 'relative' || options.xAxis === 'wall' ? timeTicks(xDomain[0], xDomain[1], 8) : linearTicks(xDomain[0], xDomain[1], 8).values).filter(
    (v) => v >= xDomain[0] && v <= xDomain[1],
  );
  // y: widened to nice tick values, as matplotlib's autoscale does
  const yt = options.logY ? logTicks(yMin, yMax) : linearTicks(yMin, yMax, 6);
  return { rows, lines, xDomain, yDomain: yt.domain, xTicks, yTicks: yt.values, xTitle: axisTitle(options.xAxis, group.series.map((s) => s.curve)) };
}

/** `d3.quantile` of sorted values: linear interpolation at (n − 1)·p. */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = (sorted.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

/** For each line, its point nearest to `x` (TensorBoard's hover read-out across runs). */
export function nearestPoints(lines: readonly PlotLine[], x: number): { line: PlotLine; point: PlotLine['points'][number] }[] {
  const out: { line: PlotLine; point: PlotLine['points'][number] }[] = [];
  for (const line of lines) {
    const pts = line.points;
    if (!pts.length) continue;
    let lo = 0;
    let hi = pts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pts[mid].x < x) lo = mid + 1;
      else hi = mid;
    }
    const best = lo > 0 && Math.abs(pts[lo - 1].x - x) <= Math.abs(pts[lo].x - x) ? pts[lo - 1] : pts[lo];
    out.push({ line, point: best });
  }
  return out;
}

/** A zoom range from two dragged x values (either order); null when too narrow to mean anything. */
export function zoomRange(a: number | undefined, b: number | undefined): [number, number] | null {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || a === b) return null;
  return a < b ? [a, b] : [b, a];
}

const csvCell = (v: string | number | undefined) => {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Long-format CSV of a chart: one row per point, every axis, raw and smoothed value. */
export function toCsv(group: ChartGroup, smoothing: SmoothingOptions): string {
  const header = ['run', 'key', 'phase', 'label', 'step', 'epoch', 'iter', 'relative_time', 'wall_time', 'tool_x', 'value', 'smoothed'];
  const lines = [header.join(',')];
  for (const s of group.series) {
    const values = smooth(
      s.curve.points.map((p) => p.y),
      smoothing,
    );
    s.curve.points.forEach((p, i) => {
      lines.push(
        [s.runName, s.curve.key, s.curve.phase, s.label, p.step, p.epoch, p.iter, p.relTime, p.wallTime, p.x, p.y, values[i]].map(csvCell).join(','),
      );
    });
  }
  return lines.join('\n') + '\n';
}

/** JSON export: the chart's series as analyze-logs `--json` gives them, plus the view settings. */
export function toJson(group: ChartGroup, options: PlotOptions): string {
  return JSON.stringify(
    {
      title: group.title,
      xAxis: options.xAxis,
      smoothing: options.smoothing,
      logY: options.logY,
      series: group.series.map((s) => ({ ...s.curve, label: s.label, run: s.runName })),
    },
    null,
    1,
  );
}

/** The chart as the engine renderers draw it (SVG/PNG export), with the current axis, smoothing and zoom. */
export function exportSpec(group: ChartGroup, data: PlotData, logY: boolean, title: string, xAxis: XAxisMode = 'tool'): ChartSpec {
  return {
    title: title || group.title,
    xKind: axisKind(xAxis),
    xLabel: data.xTitle,
    logY,
    series: data.lines
      .map((l) => ({
        label: l.label,
        color: l.color,
        points: l.points.filter((p) => p.x >= data.xDomain[0] && p.x <= data.xDomain[1]).map((p) => ({ x: p.x, y: p.value })),
      }))
      .filter((s) => s.points.length > 0), // runs with nothing in the zoomed range stay out of the legend
  };
}
