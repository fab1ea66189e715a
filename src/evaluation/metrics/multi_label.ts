import { BaseMetric, labelToOnehot, type BaseMetricOptions, type DataSample, type MetricValue } from './base_metric';
import { assertAverage, checkItems, packResults, precisionRecallF1Support, type Average, type MetricItem } from './precision_recall';
import { topkIndices } from './single_label';

const f = Math.fround;
const FLOAT32_EPS = 1.1920928955078125e-7;

interface MultiLabelResult {
  pred_score: Float32Array;
  gt_score: Float32Array;
}

function collect(dataSamples: DataSample[]): MultiLabelResult[] {
  return dataSamples.map((s, i) => {
    if (!s.pred_score) throw new Error(`Data sample ${i} has no 'pred_score' (multi-label metrics need scores)`);
    const C = s.pred_score.length;
    const gt = s.gt_score ? Float32Array.from(s.gt_score) : labelToOnehot(s.gt_label ?? [], C);
    return { pred_score: Float32Array.from(s.pred_score), gt_score: gt };
  });
}

function flatten(rows: Float32Array[]): Float32Array {
  const C = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * C);
  rows.forEach((r, i) => {
    if (r.length !== C) throw new Error(`Row ${i} has ${r.length} classes, expected ${C}`);
    out.set(r, i * C);
  });
  return out;
}

/** `MultiLabelMetric.calculate` on N × C scores and targets: positives are scores ≥ `thr`, or the top-k. */
export function calculateMultiLabel(
  pred: Float32Array,
  target: Float32Array,
  numClasses: number,
  { average = 'macro', thr = null, topk = null }: { average?: Average; thr?: number | null; topk?: number | null } = {},
) {
  assertAverage(average);
  if (pred.length !== target.length) throw new Error(`The size of pred (${pred.length / numClasses}×${numClasses}) doesn't match the target (${target.length / numClasses}×${numClasses}).`);
  const threshold = thr === null && topk === null ? 0.5 : thr;
  const positive = new Uint8Array(pred.length);
  const N = pred.length / numClasses;
  for (let i = 0; i < N; i++) {
    const row = pred.subarray(i * numClasses, (i + 1) * numClasses);
    if (threshold !== null) row.forEach((v, c) => (positive[i * numClasses + c] = v >= threshold ? 1 : 0));
    else for (const c of topkIndices(row, topk!)) positive[i * numClasses + c] = 1;
  }
  return precisionRecallF1Support(positive, target, numClasses, average);
}

export interface MultiLabelMetricOptions extends BaseMetricOptions {
  /** Score threshold for a positive; 0.5 when neither `thr` nor `topk` is given. */
  thr?: number | null;
  /** The k best scores are positives (used when `thr` is not given). */
  topk?: number | null;
  items?: string[];
  average?: Average;
}

/** Where notices about metric options go (MMLogger warnings in MMPretrain). */
export const metricWarnings = { warn: (m: string): void => console.warn(m) };

/** MMPretrain's `MultiLabelMetric`: `multi-label/precision`, `…_thr-0.70`, `…_top3`, `…_classwise`, `…_micro`. */
export class MultiLabelMetric extends BaseMetric<MultiLabelResult> {
  readonly defaultPrefix = 'multi-label';
  readonly thr: number | null;
  readonly topk: number | null;
  readonly items: MetricItem[];
  readonly average: Average;

  constructor({ thr = null, topk = null, items = ['precision', 'recall', 'f1-score'], average = 'macro', ...base }: MultiLabelMetricOptions = {}) {
    super(base);
    if (thr === null && topk === null) {
      thr = 0.5;
      metricWarnings.warn('Neither thr nor k is given, set thr as 0.5 by default.');
    } else if (thr !== null && topk !== null) {
      metricWarnings.warn('Both thr and topk are given, use threshold in favor of top-k.');
    }
    this.thr = thr;
    this.topk = topk;
    this.items = checkItems(items, 'MultiLabelMetric');
    assertAverage(average);
    this.average = average;
  }

  process(_dataBatch: unknown, dataSamples: DataSample[]): void {
    this.results.push(...collect(dataSamples));
  }

  computeMetrics(results: MultiLabelResult[]): Record<string, MetricValue> {
    const C = results[0].pred_score.length;
    const res = calculateMultiLabel(flatten(results.map((r) => r.pred_score)), flatten(results.map((r) => r.gt_score)), C, {
      average: this.average,
      thr: this.thr,
      topk: this.topk,
    });
    const suffix = this.thr ? (this.thr === 0.5 ? '' : `_thr-${this.thr.toFixed(2)}`) : `_top${this.topk}`;
    const out: Record<string, number | number[]> = {};
    packResults(res, this.items, suffix, this.average, out);
    return out;
  }
}

/** `_average_precision` of one class: mean precision at each positive, ranked by score; targets of -1 are ignored. */
export function averagePrecisionOfClass(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  const idx: number[] = [];
  for (let i = 0; i < target.length; i++) if (target[i] > -1) idx.push(i);
  // torch.argsort(descending=True) is not stable; ties are ordered by index here.
  idx.sort((a, b) => pred[b] - pred[a] || a - b);
  let tps = 0;
  let sum = 0;
  idx.forEach((i, rank) => {
    if (target[i] === 1) {
      tps += 1;
      sum += f(tps / (rank + 1)); // PyTorch accumulates a float32 sum in double on the CPU
    }
  });
  return f(f(sum) / Math.max(tps, FLOAT32_EPS));
}

/** `AveragePrecision.calculate`: AP per class in percent, or their mean (`'macro'`). */
export function calculateAveragePrecision(pred: Float32Array, target: Float32Array, numClasses: number, average: 'macro' | null = 'macro'): number | number[] {
  assertAverage(average, ['macro', null]);
  const N = pred.length / numClasses;
  const ap = Array.from({ length: numClasses }, (_, c) => {
    const p = Float32Array.from({ length: N }, (_, i) => pred[i * numClasses + c]);
    const t = Float32Array.from({ length: N }, (_, i) => target[i * numClasses + c]);
    return averagePrecisionOfClass(p, t);
  });
  if (average === 'macro') return f(f(f(ap.reduce((a, b) => a + b, 0)) / numClasses) * 100);
  return ap.map((v) => f(v * 100));
}

/** MMPretrain's `AveragePrecision` metric: `multi-label/mAP` or `multi-label/AP_classwise`. */
export class AveragePrecision extends BaseMetric<MultiLabelResult> {
  readonly defaultPrefix = 'multi-label';
  readonly average: 'macro' | null;

  constructor({ average = 'macro', ...base }: BaseMetricOptions & { average?: 'macro' | null } = {}) {
    super(base);
    assertAverage(average, ['macro', null]);
    this.average = average;
  }

  process(_dataBatch: unknown, dataSamples: DataSample[]): void {
    this.results.push(...collect(dataSamples));
  }

  computeMetrics(results: MultiLabelResult[]): Record<string, MetricValue> {
    const C = results[0].pred_score.length;
    const ap = calculateAveragePrecision(flatten(results.map((r) => r.pred_score)), flatten(results.map((r) => r.gt_score)), C, this.average);
    return this.average === null ? { AP_classwise: ap } : { mAP: ap };
  }
}
