/**
 * The figure `vis_scheduler.py --save-path` writes: the parameter over iterations, titled
 * "<config file> <Param Name> curve", drawn by the analysis tools' chart renderer (SVG or PNG, no canvas needed).
 */
import type { ChartSpec } from '../analysis_tools/chart_layout';
import { downsampleCurve } from './downsample';
import { SCHEDULE_PARAM_LABELS, type ScheduleParam, type ScheduleSimulation } from './vis_scheduler';

/** Points drawn at most (extremes and steps kept). */
const FIGURE_POINTS = 4000;

export function scheduleChartSpec(sim: ScheduleSimulation, param: ScheduleParam, configPath: string, title?: string): ChartSpec {
  const label = SCHEDULE_PARAM_LABELS[param];
  const { x, y } = downsampleCurve(sim[param], FIGURE_POINTS);
  const base = configPath.replace(/^.*[\\/]/, '');
  return {
    title: title ?? `${base} ${label} curve`,
    xLabel: sim.by_epoch ? `Iters (${sim.iters_per_epoch} per epoch)` : 'Iters',
    yLabel: label,
    series: [{ label, points: x.map((xi, i) => ({ x: xi, y: y[i] })) }],
    width: 1200,
    height: 700,
  };
}
