/**
 * `cal_train_time` of MMPretrain's `tools/analysis_tools/analyze_logs.py`: mean iteration time per
 * epoch (each epoch's first record left out unless `includeOutliers`, as it carries the data-loader
 * warm-up), slowest and fastest epoch, spread over epochs, mean iteration time — computed and printed
 * exactly as the tool (NumPy summation order, Python number formatting).
 *
 * mmengine logs follow MMPretrain 1.x (consecutive train lines grouped by `epoch`; the average
 * iteration time over every train line); mmcls 0.x logs follow the 0.x tool (epochs in order of first
 * appearance; the average over the same times the epoch means use).
 */
import type { LoadedLog, LogRecord } from './load_json_log';
import { npArgmax, npArgmin, npMean, npStd } from './numpy_stats';
import { formatFixed } from '../../utils/python_format';

export interface CalTrainTimeOptions {
  /** Keep each epoch's first record (the tool's `--include-outliers`). Default: false. */
  includeOutliers?: boolean;
}

export interface EpochTime {
  /** The epoch number the records carry. */
  epoch: number;
  /** Mean `time` (s/iter) of the records used; NaN when none is left (one record and no outliers). */
  meanTime: number;
  /** Records used for the mean. */
  count: number;
}

export interface ExtremeEpoch {
  /** 0-based position among {@link TrainTimeStats.epochs}; the tool prints `index + 1`. */
  index: number;
  epoch: number;
  meanTime: number;
}

export interface TrainTimeStats {
  name: string;
  /** Per-epoch figures; empty for an iteration-based log (no `epoch` in train lines). */
  epochs: EpochTime[];
  slowest: ExtremeEpoch | null;
  fastest: ExtremeEpoch | null;
  /** Population standard deviation (NumPy's default, ddof = 0) of the per-epoch means. */
  stdOverEpochs: number | null;
  /** Mean iteration time in s/iter. */
  avgIterTime: number;
}

function timeOf(log: LoadedLog, r: LogRecord): number {
  const t = r.scalars.time;
  if (t === undefined) throw new Error(`${log.name}: line ${r.line} has no 'time' (keys: ${Object.keys(r.scalars).join(', ')})`);
  return t;
}

/** Python's `itertools.groupby` on the epoch: runs of consecutive records with the same epoch. */
function groupConsecutive(records: LogRecord[]): { epoch: number; records: LogRecord[] }[] {
  const groups: { epoch: number; records: LogRecord[] }[] = [];
  for (const r of records) {
    const epoch = r.scalars.epoch;
    const last = groups[groups.length - 1];
    if (last && last.epoch === epoch) last.records.push(r);
    else groups.push({ epoch, records: [r] });
  }
  return groups;
}

/** mmcls 0.x `load_json_log`: a dict keyed by epoch in order of first appearance, all modes together. */
function groupByEpochFirstSeen(records: LogRecord[]): { epoch: number; records: LogRecord[] }[] {
  const byEpoch = new Map<number, LogRecord[]>();
  for (const r of [...records].sort((a, b) => a.line - b.line)) {
    const list = byEpoch.get(r.scalars.epoch) ?? [];
    list.push(r);
    byEpoch.set(r.scalars.epoch, list);
  }
  return [...byEpoch].map(([epoch, recs]) => ({ epoch, records: recs }));
}

function extreme(epochs: EpochTime[], index: number): ExtremeEpoch {
  return { index, epoch: epochs[index].epoch, meanTime: epochs[index].meanTime };
}

/** Computes the tool's train-time figures for one log. */
export function calTrainTime(log: LoadedLog, options: CalTrainTimeOptions = {}): TrainTimeStats {
  const includeOutliers = options.includeOutliers ?? false;
  if (log.train.length === 0) throw new Error(`${log.name}: no training lines to time`);
  const is0x = log.format === 'mmcls0x';
  const byEpoch = is0x || 'epoch' in log.train[0].scalars;
  const epochs: EpochTime[] = [];
  const usedTimes: number[] = [];
  if (byEpoch) {
    const groups = is0x ? groupByEpochFirstSeen([...log.train, ...log.val]) : groupConsecutive(log.train);
    for (const g of groups) {
      const timed = is0x ? g.records.filter((r) => 'time' in r.scalars) : g.records;
      const times = timed.map((r) => timeOf(log, r)).slice(includeOutliers ? 0 : 1);
      usedTimes.push(...times);
      epochs.push({ epoch: g.epoch, meanTime: npMean(times), count: times.length });
    }
  }
  const means = epochs.map((e) => e.meanTime);
  const allTrainTimes = log.train.map((r) => timeOf(log, r));
  return {
    name: log.name,
    epochs,
    slowest: byEpoch ? extreme(epochs, npArgmax(means)) : null,
    fastest: byEpoch ? extreme(epochs, npArgmin(means)) : null,
    stdOverEpochs: byEpoch ? npStd(means) : null,
    avgIterTime: npMean(is0x ? usedTimes : allTrainTimes),
  };
}

/** The tool's printed report for one log, trailing blank line included. */
export function formatTrainTime(stats: TrainTimeStats): string {
  const f = (x: number) => formatFixed(x, 4);
  const lines = [`${'-'.repeat(5)}Analyze train time of ${stats.name}${'-'.repeat(5)}`];
  if (stats.slowest && stats.fastest && stats.stdOverEpochs !== null) {
    lines.push(`slowest epoch ${stats.slowest.index + 1}, average time is ${f(stats.slowest.meanTime)}`);
    lines.push(`fastest epoch ${stats.fastest.index + 1}, average time is ${f(stats.fastest.meanTime)}`);
    lines.push(`time std over epochs is ${f(stats.stdOverEpochs)}`);
  }
  lines.push(`average iter time: ${f(stats.avgIterTime)} s/iter`, '');
  return lines.join('\n') + '\n';
}
