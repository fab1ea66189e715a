/** Turns plot_curve series into a drawable chart: chosen x-axis, smoothing, y scale. */
import type { ChartSpec } from './chart_layout';
import type { PlotCurveResult, CurveSeries } from './plot_curve';
import { smooth, type SmoothingOptions } from './smoothing';
import { axisKind, axisTitle, xOf, type XAxisMode } from './x_axis';

export interface CurveChartOptions {
  /** Default: `tool` (the tool's own x values). */
  xAxis?: XAxisMode;
  /** Default: none. */
  smoothing?: SmoothingOptions;
  /** Default: false. */
  logY?: boolean;
  width?: number;
  height?: number;
}

/** The (x, y) points of one series on an axis, smoothed; points the axis cannot place are dropped. */
export function seriesXY(series: CurveSeries, xAxis: XAxisMode, smoothing: SmoothingOptions = { method: 'none' }): { x: number; y: number }[] {
  const placed = series.points.flatMap((p) => {
    const x = xOf(p, xAxis);
    return x === undefined ? [] : [{ x, y: p.y }];
  });
  const ys = smooth(
    placed.map((p) => p.y),
    smoothing,
  );
  return placed.map((p, i) => ({ x: p.x, y: ys[i] }));
}

/** A chart spec for the SVG/PNG renderers from a plot_curve result. */
export function curveChart(result: PlotCurveResult, options: CurveChartOptions = {}): ChartSpec {
  const xAxis = options.xAxis ?? 'tool';
  return {
    title: result.title,
    xLabel: axisTitle(xAxis, result.series),
    series: result.series.map((s) => ({ label: s.label, points: seriesXY(s, xAxis, options.smoothing) })),
    logY: options.logY,
    xKind: axisKind(xAxis),
    width: options.width,
    height: options.height,
  };
}
