/**
 * `analyze-logs`: MMPretrain's `tools/analysis_tools/analyze_logs.py` (`plot_curve`, `cal_train_time`)
 * on mmengine `scalars.json` and MMClassification 0.x `*.log.json` logs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { calTrainTime, formatTrainTime } from '../../tools/analysis_tools/cal_train_time';
import { curveChart } from '../../tools/analysis_tools/curve_chart';
import { loadJsonLog, skippedCounts, type LoadedLog } from '../../tools/analysis_tools/load_json_log';
import { plotCurve } from '../../tools/analysis_tools/plot_curve';
import { chartToPng } from '../../tools/analysis_tools/render_png';
import { chartToSvg } from '../../tools/analysis_tools/render_svg';
import type { SmoothingOptions } from '../../tools/analysis_tools/smoothing';
import { X_AXIS_MODES, type XAxisMode } from '../../tools/analysis_tools/x_axis';

const usage = `Usage:
  mmpretrain-web analyze-logs plot-curve <logs...> [--keys K...] [--legend L...] [--title T]
                 [--out plot.svg|plot.png|curves.json] [--json] [--window-size 12*7]
                 [--x-axis tool|step|epoch|iter|relative|wall] [--smooth ema[:0.6]|window[:5]] [--log-y]
  mmpretrain-web analyze-logs cal-train-time <logs...> [--include-outliers]

Logs: mmengine vis_data/scalars.json (MMPretrain 1.x) or MMClassification 0.x *.log.json.
Malformed lines are skipped; their counts are reported on stderr.

plot-curve (as the tool): one curve per log x key; --keys default "loss"; --legend needs
  logs x keys entries (default {file}_{key}); train x in epochs when lines carry "epoch", else iters;
  validation x = step. Output by extension: .svg (labelled vector figure, preferred), .png (raster
  drawn without a canvas, with a 3x5 pixel font), .json (the series). --json prints the series.
  --window-size W*H in inches at 100 dpi (default 12*7 = 1200x700 px).
  Beyond the tool: --x-axis, --smooth (TensorBoard EMA weight, or a trailing window), --log-y.
  --style is accepted for compatibility and ignored (figures use one seaborn-like style).
cal-train-time (as the tool, same text): mean iteration time per epoch without each epoch's first
  record (unless --include-outliers), slowest/fastest epoch, std over epochs, average iteration time.`;

/** argparse's nargs='+': `--keys a b c` → `--keys a --keys b --keys c` for parseArgs. */
function expandMultiValue(args: string[], options: string[]): string[] {
  const out: string[] = [];
  let current: string | null = null;
  for (const a of args) {
    if (a.startsWith('-')) {
      current = options.includes(a) ? a : null;
      if (!current) out.push(a);
    } else if (current) {
      out.push(current, a);
    } else {
      out.push(a);
    }
  }
  return out;
}

function readLogs(paths: string[], io: CliIO): LoadedLog[] {
  if (paths.length === 0) throw new UsageError('give at least one log file');
  return paths.map((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const log = loadJsonLog(text, path);
    if (log.skipped.length > 0) {
      const counts = Object.entries(skippedCounts(log))
        .filter(([, n]) => n > 0)
        .map(([reason, n]) => `${n} ${reason}`)
        .join(', ');
      const first = log.skipped[0];
      io.err(`${path}: skipped ${log.skipped.length} malformed line(s) (${counts}); first: line ${first.line} (${first.detail})`);
    }
    warnMixedRuns(log, path, io);
    return log;
  });
}

/** Two runs written into one file (a resumed or restarted run appending): the training step goes back; say where. */
function warnMixedRuns(log: LoadedLog, path: string, io: CliIO): void {
  const stepOf = (r: LoadedLog['train'][number]): number | undefined => r.scalars.step ?? r.scalars.iter;
  for (let i = 1; i < log.train.length; i++) {
    const [before, now] = [stepOf(log.train[i - 1]), stepOf(log.train[i])];
    if (before !== undefined && now !== undefined && now < before) {
      io.err(`${path}: line ${log.train[i].line}: step goes back from ${before} to ${now}: the file holds more than one run; their curves and times are mixed`);
      return;
    }
  }
}

function parseSmoothing(text: string | undefined): SmoothingOptions {
  if (text === undefined) return { method: 'none' };
  const [method, value] = text.split(':');
  if (method === 'ema') {
    const weight = value === undefined ? 0.6 : Number(value);
    if (!(weight >= 0 && weight < 1)) throw new UsageError(`--smooth ema:W needs 0 <= W < 1, got "${value}"`);
    return { method: 'ema', weight };
  }
  if (method === 'window') {
    const window = value === undefined ? 5 : Number(value);
    if (!Number.isInteger(window) || window < 1) throw new UsageError(`--smooth window:N needs an integer N >= 1, got "${value}"`);
    return { method: 'window', window };
  }
  if (method === 'none') return { method: 'none' };
  throw new UsageError(`--smooth must be ema[:W], window[:N] or none, got "${text}"`);
}

function parseWindowSize(text: string): { width: number; height: number } {
  const m = /^(\d+)\*(\d+)$/.exec(text);
  if (!m) throw new UsageError(`'window-size' must be in format 'W*H', got "${text}"`);
  return { width: Number(m[1]) * 100, height: Number(m[2]) * 100 };
}

async function plotCurveCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: expandMultiValue(args, ['--keys', '--legend']),
    allowPositionals: true,
    options: {
      keys: { type: 'string', multiple: true },
      legend: { type: 'string', multiple: true },
      title: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      'window-size': { type: 'string', default: '12*7' },
      'x-axis': { type: 'string', default: 'tool' },
      smooth: { type: 'string' },
      'log-y': { type: 'boolean', default: false },
      style: { type: 'string' },
    },
  });
  const xAxis = values['x-axis'] as XAxisMode;
  if (!X_AXIS_MODES.includes(xAxis)) throw new UsageError(`--x-axis must be one of ${X_AXIS_MODES.join(', ')}, got "${xAxis}"`);
  const smoothing = parseSmoothing(values.smooth);
  const size = parseWindowSize(values['window-size']);
  const logs = readLogs(positionals, io);
  const result = plotCurve(logs, { keys: values.keys ?? ['loss'], legend: values.legend ?? null, title: values.title ?? null });
  if (values.json) {
    io.out(JSON.stringify(result));
    return 0;
  }
  for (const s of result.series) io.out(`plot curve of ${s.logName}, metric is ${s.key}`);
  const out = values.out;
  if (out === undefined) {
    for (const s of result.series) {
      const last = s.points[s.points.length - 1];
      io.out(`  ${s.label}: ${s.points.length} points (${s.phase}, x in ${s.xLabel})${last ? `, last ${s.xLabel.toLowerCase()} ${last.x} → ${last.y}` : ''}`);
    }
    io.out('no --out given: pass --out plot.svg, plot.png or curves.json to save the figure');
    return 0;
  }
  const chart = curveChart(result, { xAxis, smoothing, logY: values['log-y'], ...size });
  if (out.endsWith('.svg')) writeFileSync(out, chartToSvg(chart));
  else if (out.endsWith('.png')) writeFileSync(out, chartToPng(chart));
  else if (out.endsWith('.json')) writeFileSync(out, JSON.stringify(result));
  else throw new UsageError(`--out must end with .svg, .png or .json, got "${out}"`);
  io.out(`save curve to: ${out}`);
  return 0;
}

async function calTrainTimeCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'include-outliers': { type: 'boolean', default: false } },
  });
  const logs = readLogs(positionals, io);
  const text = logs.map((log) => formatTrainTime(calTrainTime(log, { includeOutliers: values['include-outliers'] }))).join('');
  io.out(text); // ends with the blank line the tool prints
  return 0;
}

const command: CliCommand = {
  summary: 'plot training curves and time training from scalars.json / .log.json logs (analyze_logs.py)',
  usage,
  async run(args, io) {
    const [task, ...rest] = args;
    switch (task?.replace(/_/g, '-')) {
      case 'plot-curve':
        return plotCurveCommand(rest, io);
      case 'cal-train-time':
        return calTrainTimeCommand(rest, io);
      default:
        throw new UsageError(task ? `unknown task "${task}": use plot-curve or cal-train-time` : 'give a task: plot-curve or cal-train-time');
    }
  },
};

export default command;
