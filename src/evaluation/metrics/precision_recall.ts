/** How per-class values are combined: mean over classes, pooled over all, or per class. */
export type Average = 'macro' | 'micro' | null;

export interface PrecisionRecallF1 {
  precision: number | number[];
  recall: number | number[];
  'f1-score': number | number[];
  support: number | number[];
}

const FLOAT32_EPS = 1.1920928955078125e-7;
const f = Math.fround;

/**
 * MMPretrain's `_precision_recall_f1_support`: precision, recall and F1 in percent from 0/1 prediction and
 * ground-truth matrices (N × C, row-major); a ground truth of -1 (difficult) is ignored. Float32 arithmetic
 * as PyTorch computes it.
 */
export function precisionRecallF1Support(
  predPositive: ArrayLike<number>,
  gtPositive: ArrayLike<number>,
  numClasses: number,
  average: Average,
): PrecisionRecallF1 {
  assertAverage(average);
  const tp = new Float64Array(numClasses);
  const predSum = new Float64Array(numClasses);
  const gtSum = new Float64Array(numClasses);
  for (let i = 0; i < gtPositive.length; i++) {
    const gt = gtPositive[i] === -1 ? 0 : gtPositive[i];
    const pred = gtPositive[i] === -1 ? 0 : predPositive[i];
    const c = i % numClasses;
    tp[c] += pred && gt ? 1 : 0;
    predSum[c] += pred;
    gtSum[c] += gt;
  }
  const ratios = (t: number, p: number, g: number) => {
    const precision = f(f(t / Math.max(p, 1)) * 100);
    const recall = f(f(t / Math.max(g, 1)) * 100);
    const f1 = f(f(f(2 * precision) * recall) / Math.max(f(precision + recall), FLOAT32_EPS));
    return { precision, recall, f1 };
  };
  if (average === 'micro') {
    const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
    const r = ratios(sum(tp), sum(predSum), sum(gtSum));
    return { precision: r.precision, recall: r.recall, 'f1-score': r.f1, support: sum(gtSum) };
  }
  const per = Array.from(tp, (t, c) => ratios(t, predSum[c], gtSum[c]));
  if (average === 'macro') {
    // PyTorch sums float32 on the CPU in double, rounds the sum to float32, then divides.
    const mean = (xs: number[]) => f(f(xs.reduce((a, b) => a + b, 0)) / xs.length);
    return {
      precision: mean(per.map((r) => r.precision)),
      recall: mean(per.map((r) => r.recall)),
      'f1-score': mean(per.map((r) => r.f1)),
      support: gtSum.reduce((a, b) => a + b, 0),
    };
  }
  return {
    precision: per.map((r) => r.precision),
    recall: per.map((r) => r.recall),
    'f1-score': per.map((r) => r.f1),
    support: Array.from(gtSum),
  };
}

export function assertAverage(average: unknown, options: Average[] = ['micro', 'macro', null]): asserts average is Average {
  if (!options.includes(average as Average)) {
    throw new Error(`Invalid \`average\` argument ${JSON.stringify(average)}, please specify from ${JSON.stringify(options)}.`);
  }
}

/** The metric items a precision/recall metric may report. */
export const METRIC_ITEMS = ['precision', 'recall', 'f1-score', 'support'] as const;
export type MetricItem = (typeof METRIC_ITEMS)[number];

export function checkItems(items: readonly string[], metric: string): MetricItem[] {
  for (const item of items) {
    if (!(METRIC_ITEMS as readonly string[]).includes(item)) {
      throw new Error(`The metric ${item} is not supported by \`${metric}\`, please specify from "precision", "recall", "f1-score" and "support".`);
    }
  }
  return items as MetricItem[];
}

/** Keeps the chosen items and names them as MMPretrain does for the chosen `average` (`_classwise`, `_micro`). */
export function packResults(res: PrecisionRecallF1, items: MetricItem[], suffix: string, average: Average, out: Record<string, number | number[]>): void {
  for (const item of items) {
    const key = item + suffix + (average === null ? '_classwise' : average === 'micro' ? '_micro' : '');
    out[key] = res[item];
  }
}
