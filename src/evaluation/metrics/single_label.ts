import { BaseMetric, labelIndex, type BaseMetricOptions, type DataSample, type MetricValue } from './base_metric';
import { assertAverage, checkItems, packResults, precisionRecallF1Support, type Average, type MetricItem } from './precision_recall';

const f = Math.fround;

/** Scores of N samples (row-major N × C) or predicted labels (length N, `numClasses` 0). */
export interface Predictions {
  scores?: Float32Array;
  labels?: Int32Array;
  numClasses: number;
}

/** Indices of the k largest values of `row`, largest first; ties keep the lower index first (as torch.topk on CPU). */
export function topkIndices(row: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: row.length }, (_, i) => i);
  idx.sort((a, b) => row[b] - row[a] || a - b);
  return idx.slice(0, k);
}

function thrSuffix(thr: number | null): string {
  return thr === null ? '_no-thr' : `_thr-${thr.toFixed(2)}`;
}

function normaliseThrs(thrs: number | null | (number | null)[] | undefined): (number | null)[] {
  if (thrs === undefined) return [0];
  return Array.isArray(thrs) ? thrs : [thrs];
}

/**
 * `Accuracy.calculate`: top-k accuracy in percent for each k and threshold (`result[i][j]` for `topk[i]`, `thrs[j]`);
 * a prediction counts only when its score is above the threshold.
 */
export function calculateAccuracy(pred: Predictions, target: ArrayLike<number>, topk: number[] = [1], thrs: (number | null)[] = [0]): number[][] {
  const num = target.length;
  if (pred.labels) {
    assertSameLength(pred.labels.length, num);
    let correct = 0;
    for (let i = 0; i < num; i++) correct += pred.labels[i] === target[i] ? 1 : 0;
    return [[f(correct * f(100 / num))]];
  }
  const scores = pred.scores!;
  const C = pred.numClasses;
  assertSameLength(scores.length / C, num);
  const maxk = Math.max(...topk);
  if (maxk > C) throw new Error(`Top-${maxk} accuracy is unavailable since the number of categories is ${C}.`);
  // rank[i] = position of the true class among the top-maxk of sample i (or -1), with its score.
  const hits: { rank: number; score: number }[] = [];
  for (let i = 0; i < num; i++) {
    const row = scores.subarray(i * C, (i + 1) * C);
    const top = topkIndices(row, maxk);
    const rank = top.indexOf(target[i]);
    hits.push({ rank, score: rank >= 0 ? row[top[rank]] : 0 });
  }
  return topk.map((k) =>
    thrs.map((thr) => {
      const correct = hits.filter((h) => h.rank >= 0 && h.rank < k && (thr === null || h.score > thr)).length;
      return f(correct * f(100 / num));
    }),
  );
}

export interface AccuracyOptions extends BaseMetricOptions {
  /** Top-k accuracies to compute. Default: `(1,)`. */
  topk?: number | number[];
  /** Score thresholds (null: none). Default: `0.`. */
  thrs?: number | null | (number | null)[];
}

interface SingleLabelResult {
  pred_score?: ArrayLike<number>;
  pred_label?: number;
  gt_label: number;
  num_classes?: number;
}

function collect(dataSamples: DataSample[], numClasses?: number | null): SingleLabelResult[] {
  return dataSamples.map((s) => {
    const gt = labelIndex(s.gt_label, 'gt_label');
    if (s.pred_score) return { pred_score: s.pred_score, gt_label: gt };
    return { pred_label: labelIndex(s.pred_label, 'pred_label'), gt_label: gt, num_classes: numClasses ?? s.num_classes };
  });
}

function stack(results: SingleLabelResult[]): { pred: Predictions; target: Int32Array } {
  const target = Int32Array.from(results, (r) => r.gt_label);
  if (results[0].pred_score) {
    const C = results[0].pred_score.length;
    const scores = new Float32Array(results.length * C);
    results.forEach((r, i) => scores.set(Array.from(r.pred_score!), i * C));
    return { pred: { scores, numClasses: C }, target };
  }
  return { pred: { labels: Int32Array.from(results, (r) => r.pred_label!), numClasses: results[0].num_classes ?? 0 }, target };
}

/** MMPretrain's `Accuracy` metric: `accuracy/top1`, `accuracy/top5`, with `_thr-0.50` suffixes for several thresholds. */
export class Accuracy extends BaseMetric<SingleLabelResult> {
  readonly defaultPrefix = 'accuracy';
  readonly topk: number[];
  readonly thrs: (number | null)[];

  constructor({ topk = [1], thrs, ...base }: AccuracyOptions = {}) {
    super(base);
    this.topk = Array.isArray(topk) ? topk : [topk];
    this.thrs = normaliseThrs(thrs);
  }

  process(_dataBatch: unknown, dataSamples: DataSample[]): void {
    this.results.push(...collect(dataSamples));
  }

  computeMetrics(results: SingleLabelResult[]): Record<string, MetricValue> {
    const { pred, target } = stack(results);
    if (pred.labels) return { top1: calculateAccuracy(pred, target)[0][0] };
    let acc: number[][];
    try {
      acc = calculateAccuracy(pred, target, this.topk, this.thrs);
    } catch (e) {
      throw new Error(`${(e as Error).message} Please check the \`val_evaluator\` and \`test_evaluator\` fields in your config file.`);
    }
    const metrics: Record<string, number> = {};
    this.topk.forEach((k, i) =>
      this.thrs.forEach((thr, j) => {
        metrics[`top${k}${this.thrs.length > 1 ? thrSuffix(thr) : ''}`] = acc[i][j];
      }),
    );
    return metrics;
  }
}

/** One-hot rows (N × C) of class indices. */
function oneHot(labels: ArrayLike<number>, numClasses: number, what: string): Uint8Array {
  const out = new Uint8Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= numClasses) throw new Error(`${what} ${l} of sample ${i} is out of range for ${numClasses} classes`);
    out[i * numClasses + l] = 1;
  }
  return out;
}

/** `SingleLabelMetric.calculate`: one precision/recall/F1/support result per threshold (one result for label predictions). */
export function calculateSingleLabel(pred: Predictions, target: ArrayLike<number>, thrs: (number | null)[] = [0], average: Average = 'macro') {
  assertAverage(average);
  const N = target.length;
  const C = pred.numClasses;
  if (pred.labels) {
    if (!C) throw new Error('Please specify the `num_classes` if the `pred` is labels instead of scores.');
    assertSameLength(pred.labels.length, N);
    return [precisionRecallF1Support(oneHot(pred.labels, C, 'Prediction'), oneHot(target, C, 'Ground truth'), C, average)];
  }
  assertSameLength(pred.scores!.length / C, N);
  const gtPositive = oneHot(target, C, 'Ground truth');
  const best = Array.from({ length: N }, (_, i) => topkIndices(pred.scores!.subarray(i * C, (i + 1) * C), 1)[0]);
  return thrs.map((thr) => {
    const predPositive = new Uint8Array(N * C);
    best.forEach((c, i) => {
      if (thr === null || pred.scores![i * C + c] > thr) predPositive[i * C + c] = 1;
    });
    return precisionRecallF1Support(predPositive, gtPositive, C, average);
  });
}

export interface SingleLabelMetricOptions extends BaseMetricOptions {
  /** Score thresholds (null: top-1 only). Default: `0.`. */
  thrs?: number | null | (number | null)[];
  /** Items to report. Default: `('precision', 'recall', 'f1-score')`. */
  items?: string[];
  /** `'macro'` (default), `'micro'` or null (per class). */
  average?: Average;
  /** Number of classes; required when only labels are predicted. */
  num_classes?: number | null;
}

/** MMPretrain's `SingleLabelMetric`: `single-label/precision`, `…/recall`, `…/f1-score` (and `support`). */
export class SingleLabelMetric extends BaseMetric<SingleLabelResult> {
  readonly defaultPrefix = 'single-label';
  readonly thrs: (number | null)[];
  readonly items: MetricItem[];
  readonly average: Average;
  readonly numClasses: number | null;

  constructor({ thrs, items = ['precision', 'recall', 'f1-score'], average = 'macro', num_classes = null, ...base }: SingleLabelMetricOptions = {}) {
    super(base);
    this.thrs = normaliseThrs(thrs);
    this.items = checkItems(items, 'SingleLabelMetric');
    assertAverage(average);
    this.average = average;
    this.numClasses = num_classes;
  }

  process(_dataBatch: unknown, dataSamples: DataSample[]): void {
    const results = collect(dataSamples, this.numClasses);
    for (const r of results) {
      if (r.pred_score === undefined && !r.num_classes) throw new Error('The `num_classes` must be specified if no `pred_score`.');
    }
    this.results.push(...results);
  }

  computeMetrics(results: SingleLabelResult[]): Record<string, MetricValue> {
    const { pred, target } = stack(results);
    const out: Record<string, number | number[]> = {};
    if (pred.labels) {
      packResults(calculateSingleLabel(pred, target, [0], this.average)[0], this.items, '', this.average, out);
      return out;
    }
    const all = calculateSingleLabel(pred, target, this.thrs, this.average);
    this.thrs.forEach((thr, i) => packResults(all[i], this.items, this.thrs.length > 1 ? thrSuffix(thr) : '', this.average, out));
    return out;
  }
}

/** `ConfusionMatrix.calculate`: rows are the true class, columns the predicted one. */
export function calculateConfusionMatrix(predLabels: ArrayLike<number>, target: ArrayLike<number>, numClasses: number): number[][] {
  assertSameLength(predLabels.length, target.length);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < target.length; i++) {
    const t = target[i];
    const p = predLabels[i];
    if (t < 0 || t >= numClasses || p < 0 || p >= numClasses) throw new Error(`Sample ${i}: label ${t} or prediction ${p} is out of range for ${numClasses} classes`);
    m[t][p] += 1;
  }
  return m;
}

export interface ConfusionMatrixOptions extends BaseMetricOptions {
  num_classes?: number | null;
}

/** MMPretrain's `ConfusionMatrix` metric: `confusion_matrix/result`, a C × C matrix of counts. */
export class ConfusionMatrix extends BaseMetric<{ pred_label: number; gt_label: number }> {
  readonly defaultPrefix = 'confusion_matrix';
  numClasses: number | null;

  constructor({ num_classes = null, ...base }: ConfusionMatrixOptions = {}) {
    super(base);
    this.numClasses = num_classes;
  }

  process(_dataBatch: unknown, dataSamples: DataSample[]): void {
    for (const s of dataSamples) {
      let predLabel: number;
      if (s.pred_score) {
        predLabel = topkIndices(s.pred_score, 1)[0];
        this.numClasses = s.pred_score.length;
      } else {
        predLabel = labelIndex(s.pred_label, 'pred_label');
      }
      this.results.push({ pred_label: predLabel, gt_label: labelIndex(s.gt_label, 'gt_label') });
    }
  }

  computeMetrics(results: { pred_label: number; gt_label: number }[]): Record<string, MetricValue> {
    if (!this.numClasses) throw new Error('Please specify the `num_classes` if the `pred` is labels instead of scores.');
    const pred = results.map((r) => r.pred_label);
    const target = results.map((r) => r.gt_label);
    return { result: calculateConfusionMatrix(pred, target, this.numClasses) };
  }
}

function assertSameLength(nPred: number, nTarget: number): void {
  if (nPred !== nTarget) throw new Error(`The size of pred (${nPred}) doesn't match the target (${nTarget}).`);
}
