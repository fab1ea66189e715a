/** The x-axes a curve can be drawn against, and how each reads a point. */
import { formatClock, formatDuration } from './chart_layout';
import type { CurvePoint, CurveSeries } from './plot_curve';

/**
 * - `tool`: as analyze_logs (train in epochs or iterations, validation at its step);
 * - `step`: the raw `step` (mmengine) or in-epoch `iter` (mmcls 0.x);
 * - `epoch`: fractional epochs for both phases (epoch-based runs);
 * - `iter`: global iterations for both phases (validation at the end of its epoch);
 * - `relative`: seconds since the log's first record;
 * - `wall`: unix time in seconds (logs with per-line `timestamp`).
 */
export type XAxisMode = 'tool' | 'step' | 'epoch' | 'iter' | 'relative' | 'wall';

export const X_AXIS_MODES: readonly XAxisMode[] = ['tool', 'step', 'epoch', 'iter', 'relative', 'wall'];

/** The point's x on that axis; undefined where the log cannot place it. */
export function xOf(point: CurvePoint, mode: XAxisMode): number | undefined {
  switch (mode) {
    case 'tool':
      return point.x;
    case 'step':
      return point.step;
    case 'epoch':
      return point.epoch;
    case 'iter':
      return point.iter;
    case 'relative':
      return point.relTime;
    case 'wall':
      return point.wallTime;
  }
}

/** Whether every point of the series has an x on that axis. */
export function seriesSupportsAxis(series: CurveSeries, mode: XAxisMode): boolean {
  return series.points.every((p) => xOf(p, mode) !== undefined);
}

/** Axis title; for `tool`, the tool's own label (the last series' wins, as with `plt.xlabel`). */
export function axisTitle(mode: XAxisMode, series: CurveSeries[]): string {
  switch (mode) {
    case 'tool':
      return series.length ? series[series.length - 1].xLabel : 'Iters';
    case 'step':
      return 'Step';
    case 'epoch':
      return 'Epochs';
    case 'iter':
      return 'Iters';
    case 'relative':
      return series.some((s) => s.timeSource === 'estimated') ? 'Relative time (s, estimated from iteration times)' : 'Relative time (s)';
    case 'wall':
      return 'Wall time';
  }
}

/** What kind of values an axis holds, for tick placement and text. */
export function axisKind(mode: XAxisMode): 'number' | 'duration' | 'clock' {
  return mode === 'relative' ? 'duration' : mode === 'wall' ? 'clock' : 'number';
}

/** Tick text for an x value on the given axis. */
export function formatX(mode: XAxisMode, v: number): string {
  const kind = axisKind(mode);
  if (kind === 'clock') return formatClock(v);
  if (kind === 'duration') return formatDuration(v);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}
