/**
 * `plot_curve` of MMPretrain's `tools/analysis_tools/analyze_logs.py` as data: one series per
 * (log, key), with the tool's x values and legend, plus the other x-axes the studio offers
 * (raw step, epochs, iterations, relative and wall time).
 *
 * Tool semantics (mmengine logs): a key found in validation lines is plotted from them (x = `step`,
 * "Steps"), otherwise from train lines, whose x is in epochs when they carry `epoch`
 * (`step / (last_step / last_epoch)`, "Epochs"), else in iterations ("Iters"). mmcls 0.x logs follow
 * the 0.x tool: train x = `iter / last_iter_of_epoch + epoch − 1`, val x = `epoch`, both "Epochs".
 * One difference: the valid keys are the union over all records of a phase, not only the first.
 */
import type { LoadedLog, LogRecord, Phase } from './load_json_log';
import { toolBasename } from './load_json_log';

/** Keys never offered as curves: positions, and the optional per-line `timestamp` (unix seconds). */
const POSITION_KEYS: Record<Phase, Set<string>> = {
  train: new Set(['step', 'epoch', 'timestamp']),
  val: new Set(['step', 'timestamp']),
};
/** mmcls 0.x validation lines repeat the train position and lr; they are not validation metrics. */
const MMCLS0X_VAL_NON_METRICS = new Set(['epoch', 'iter', 'lr', 'timestamp']);

export type XLabel = 'Epochs' | 'Iters' | 'Steps';

/** Where each point's time came from: per-line timestamps, or `time` × iterations summed. */
export type TimeSource = 'timestamp' | 'estimated' | null;

export interface CurvePoint {
  /** The tool's x value. */
  x: number;
  y: number;
  /** The line's raw position: `step` (mmengine) or `iter` within the epoch (mmcls 0.x). */
  step: number;
  /** Position in (fractional) epochs, when the run is epoch-based. */
  epoch?: number;
  /** Position in global iterations (for epoch-based validation: the end of that epoch). */
  iter?: number;
  /** Seconds since the first record (see {@link CurveSeries.timeSource}). */
  relTime?: number;
  /** Unix time in seconds, only when the log has timestamps. */
  wallTime?: number;
  /** 1-based line in the log file. */
  line: number;
}

export interface CurveSeries {
  /** Legend label (`{file}_{key}` unless given). */
  label: string;
  /** Index of the log in the input list. */
  logIndex: number;
  logName: string;
  key: string;
  phase: Phase;
  /** The tool's x-axis label for this series. */
  xLabel: XLabel;
  timeSource: TimeSource;
  points: CurvePoint[];
}

export interface PlotCurveOptions {
  /** Metrics to plot (the tool's `--keys`). Default: `['loss']`. */
  keys?: string[];
  /** One label per (log, key), log-major (the tool's `--legend`). Default: `{file}_{key}`. */
  legend?: string[] | null;
  /** Figure title (the tool's `--title`). Default: none. */
  title?: string | null;
}

export interface PlotCurveResult {
  title: string | null;
  series: CurveSeries[];
  /** The x label the tool ends with (matplotlib keeps the last `plt.xlabel`). */
  xLabel: XLabel;
}

const keysCache = new WeakMap<LoadedLog, Record<Phase, string[]>>();

/** Keys a log offers per phase, sorted (the valid `--keys`). Cached per log object (logs are not mutated). */
export function logKeys(log: LoadedLog): Record<Phase, string[]> {
  let keys = keysCache.get(log);
  if (!keys) keysCache.set(log, (keys = collectKeys(log)));
  return { train: [...keys.train], val: [...keys.val] };
}

function collectKeys(log: LoadedLog): Record<Phase, string[]> {
  const collect = (records: LogRecord[], exclude: Set<string>) => {
    const keys = new Set<string>();
    for (const r of records) for (const k of Object.keys(r.scalars)) if (!exclude.has(k)) keys.add(k);
    return [...keys].sort();
  };
  return {
    train: collect(log.train, POSITION_KEYS.train),
    val: collect(log.val, log.format === 'mmcls0x' ? MMCLS0X_VAL_NON_METRICS : POSITION_KEYS.val),
  };
}

/** The phase the tool plots `key` from (validation first); throws listing the valid keys. */
export function resolveKeyPhase(log: LoadedLog, key: string): Phase {
  const keys = logKeys(log);
  if (keys.val.includes(key)) return 'val';
  if (keys.train.includes(key)) return 'train';
  const all = [...new Set([...keys.train, ...keys.val])].sort();
  throw new Error(`Invalid key "${key}" for ${log.name}, please choose from {${all.map((k) => `'${k}'`).join(', ')}}.`);
}

/** The tool's default legend: `{basename}_{key}` for every log, then every key. */
export function defaultLegend(logNames: string[], keys: string[]): string[] {
  return logNames.flatMap((name) => keys.map((key) => `${toolBasename(name)}_${key}`));
}

interface Positioned {
  record: LogRecord;
  phase: Phase;
  x: number;
  epoch?: number;
  iter?: number;
  relTime?: number;
  wallTime?: number;
}

/** Positions of every kept record of a log on every axis, and the log's time source. */
export interface LogPositions {
  train: Positioned[];
  val: Positioned[];
  trainXLabel: XLabel;
  valXLabel: XLabel;
  timeSource: TimeSource;
}

function mmenginePositions(log: LoadedLog): Omit<LogPositions, 'timeSource'> {
  const last = log.train[log.train.length - 1];
  const byEpoch = log.train.length > 0 && 'epoch' in log.train[0].scalars;
  const itersPerEpoch = byEpoch ? last.scalars.step / last.scalars.epoch : NaN;
  const train = log.train.map((record): Positioned => {
    const step = record.scalars.step;
    const epoch = byEpoch ? step / itersPerEpoch : undefined;
    return { record, phase: 'train', x: byEpoch ? (epoch as number) : step, epoch, iter: step };
  });
  // mmengine logs validation at step = epoch (`log_metric_by_epoch=True`, the default) or at the
  // iteration; steps beyond the last train epoch can only be iterations.
  const valByEpoch = byEpoch && log.val.every((r) => r.scalars.step <= last.scalars.epoch);
  const val = log.val.map((record): Positioned => {
    const step = record.scalars.step;
    if (valByEpoch) return { record, phase: 'val', x: step, epoch: step, iter: step * itersPerEpoch };
    return { record, phase: 'val', x: step, iter: step, epoch: byEpoch ? step / itersPerEpoch : undefined };
  });
  return { train, val, trainXLabel: byEpoch ? 'Epochs' : 'Iters', valXLabel: 'Steps' };
}

function mmcls0xPositions(log: LoadedLog): Omit<LogPositions, 'timeSource'> {
  const epochs: number[] = [];
  const trainByEpoch = new Map<number, LogRecord[]>();
  for (const r of [...log.train, ...log.val].sort((a, b) => a.line - b.line)) {
    if (!trainByEpoch.has(r.scalars.epoch)) {
      trainByEpoch.set(r.scalars.epoch, []);
      epochs.push(r.scalars.epoch);
    }
  }
  for (const r of log.train) trainByEpoch.get(r.scalars.epoch)!.push(r);
  const train: Positioned[] = [];
  const epochEndIter = new Map<number, number>();
  let itersBefore = 0;
  for (const epoch of epochs) {
    const records = trainByEpoch.get(epoch)!;
    const itersInEpoch = records.length ? records[records.length - 1].scalars.iter : 0;
    for (const record of records) {
      const x = record.scalars.iter / itersInEpoch + (epoch - 1);
      train.push({ record, phase: 'train', x, epoch: x, iter: itersBefore + record.scalars.iter });
    }
    itersBefore += itersInEpoch;
    epochEndIter.set(epoch, itersBefore);
  }
  const val = log.val.map(
    (record): Positioned => ({ record, phase: 'val', x: record.scalars.epoch, epoch: record.scalars.epoch, iter: epochEndIter.get(record.scalars.epoch) }),
  );
  return { train, val, trainXLabel: 'Epochs', valXLabel: 'Epochs' };
}

/**
 * Adds times: from `timestamp` when every record has one, else estimated by summing each train
 * line's `time` (mean s/iter) × the iterations since the previous train line; a validation line is
 * placed at the end of the training before it (its own duration is not in the log). Estimated times
 * get wall times too when the log's `meta.start_time` (unix seconds, e.g. set by the studio for its
 * own runs) says when the run started.
 */
function addTimes(all: Positioned[], startTime: number | undefined): TimeSource {
  const ordered = [...all].sort((a, b) => a.record.line - b.record.line);
  if (ordered.length > 0 && ordered.every((p) => 'timestamp' in p.record.scalars)) {
    const t0 = ordered[0].record.scalars.timestamp;
    for (const p of ordered) {
      p.wallTime = p.record.scalars.timestamp;
      p.relTime = p.wallTime - t0;
    }
    return 'timestamp';
  }
  if (!ordered.some((p) => p.phase === 'train' && 'time' in p.record.scalars && p.iter !== undefined)) return null;
  let clock = 0;
  let lastIter = 0;
  for (const p of ordered) {
    const time = p.record.scalars.time;
    if (p.phase === 'train' && time !== undefined && p.iter !== undefined) {
      clock += time * Math.max(0, p.iter - lastIter);
      lastIter = p.iter;
    }
    p.relTime = clock;
    if (startTime !== undefined) p.wallTime = startTime + clock;
  }
  return 'estimated';
}

/** Every record of a log placed on every x-axis the studio offers. */
export function logPositions(log: LoadedLog): LogPositions {
  const pos = log.format === 'mmcls0x' ? mmcls0xPositions(log) : mmenginePositions(log);
  const start = log.meta.start_time;
  const timeSource = addTimes([...pos.train, ...pos.val], typeof start === 'number' && Number.isFinite(start) ? start : undefined);
  return { ...pos, timeSource };
}

/** One (log, key) series, from an explicit phase; records without the key are left out. */
export function curveSeries(log: LoadedLog, key: string, phase: Phase, label: string, logIndex = 0, positions = logPositions(log)): CurveSeries {
  const points: CurvePoint[] = [];
  for (const p of positions[phase]) {
    const y = p.record.scalars[key];
    if (y === undefined) continue;
    points.push({
      x: p.x,
      y,
      step: log.format === 'mmcls0x' ? p.record.scalars.iter : p.record.scalars.step,
      epoch: p.epoch,
      iter: p.iter,
      relTime: p.relTime,
      wallTime: p.wallTime,
      line: p.record.line,
    });
  }
  return {
    label,
    logIndex,
    logName: log.name,
    key,
    phase,
    xLabel: phase === 'train' ? positions.trainXLabel : positions.valXLabel,
    timeSource: positions.timeSource,
    points,
  };
}

/** The tool's `plot_curve`: series for every log × key, legend checked as the tool asserts. */
export function plotCurve(logs: LoadedLog[], options: PlotCurveOptions = {}): PlotCurveResult {
  const keys = options.keys ?? ['loss'];
  if (logs.length === 0) throw new Error('plot_curve: no logs given');
  if (keys.length === 0) throw new Error('plot_curve: no keys given');
  const legend = options.legend ?? defaultLegend(logs.map((l) => l.name), keys);
  if (legend.length !== logs.length * keys.length) {
    throw new Error(`plot_curve: ${legend.length} legend entries for ${logs.length} log(s) × ${keys.length} key(s); give ${logs.length * keys.length}`);
  }
  const series: CurveSeries[] = [];
  logs.forEach((log, i) => {
    const positions = logPositions(log);
    keys.forEach((key, j) => {
      series.push(curveSeries(log, key, resolveKeyPhase(log, key), legend[i * keys.length + j], i, positions));
    });
  });
  return { title: options.title ?? null, series, xLabel: series[series.length - 1].xLabel };
}
