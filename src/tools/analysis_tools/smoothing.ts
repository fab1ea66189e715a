/**
 * Curve smoothing as TensorBoard's scalar dashboard does it, plus a moving window.
 * Non-finite values pass through untouched and do not feed the average.
 */

/** TensorBoard's default smoothing weight. */
export const DEFAULT_EMA_WEIGHT = 0.6;

/**
 * TensorBoard's debiased exponential moving average (`vz_line_chart2` `resmoothDataset`):
 * `last = last·w + (1 − w)·y` starting from 0, divided by `1 − w^n` for the n-th finite value, so the
 * first point equals its value. A constant series is returned unchanged, as TensorBoard does.
 *
 * @param weight In [0, 1]; 0 = no smoothing. Default: 0.6.
 */
export function emaSmooth(ys: readonly number[], weight = DEFAULT_EMA_WEIGHT): number[] {
  if (!(weight >= 0 && weight <= 1)) throw new RangeError(`EMA weight must be in [0, 1], got ${weight}`);
  const isConstant = ys.every((v) => v === ys[0]);
  let last = 0;
  let numAccum = 0;
  return ys.map((y) => {
    if (isConstant || !Number.isFinite(y)) return y;
    last = last * weight + (1 - weight) * y;
    numAccum++;
    const debias = weight === 1 ? 1 : 1 - Math.pow(weight, numAccum);
    return last / debias;
  });
}

/**
 * Trailing moving average: each point becomes the mean of itself and the `window − 1` finite values
 * before it (fewer at the start).
 *
 * @param window Number of values, an integer ≥ 1; 1 = no smoothing.
 */
export function movingAverage(ys: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`moving-average window must be an integer ≥ 1, got ${window}`);
  const kept: number[] = [];
  return ys.map((y) => {
    if (!Number.isFinite(y)) return y;
    kept.push(y);
    if (kept.length > window) kept.shift();
    // Summed afresh each time (no running total), so rounding cannot drift over long logs.
    return kept.reduce((a, b) => a + b, 0) / kept.length;
  });
}

export type SmoothingMethod = 'none' | 'ema' | 'window';

export interface SmoothingOptions {
  method: SmoothingMethod;
  /** EMA weight in [0, 1]. Default: 0.6. */
  weight?: number;
  /** Moving-window length ≥ 1. Default: 5. */
  window?: number;
}

/** Applies the chosen smoothing. */
export function smooth(ys: readonly number[], options: SmoothingOptions): number[] {
  switch (options.method) {
    case 'none':
      return [...ys];
    case 'ema':
      return emaSmooth(ys, options.weight ?? DEFAULT_EMA_WEIGHT);
    case 'window':
      return movingAverage(ys, options.window ?? 5);
  }
}
