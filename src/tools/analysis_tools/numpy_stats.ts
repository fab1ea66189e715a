/**
 * NumPy's reductions as `analyze_logs.py` uses them (`mean`, `std` with ddof 0, `argmax`, `argmin`),
 * with NumPy's own summation order so that results agree to the last bit, not just to rounding.
 */

/** NumPy's block size for pairwise summation (`PW_BLOCKSIZE` in `loops_utils.h.src`). */
const PW_BLOCKSIZE = 128;

/**
 * Sum in NumPy's order (`pairwise_sum` of `np.add.reduce` on a contiguous float64 array):
 * a plain loop below 8 values, eight interleaved accumulators up to 128, halves (rounded to a
 * multiple of 8) beyond.
 */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    // NumPy starts this loop from -0.0 so that an all(-0.0) sum stays -0.0.
    let res = -0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    const r = new Float64Array(8);
    for (let k = 0; k < 8; k++) r[k] = a[start + k];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let k = 0; k < 8; k++) r[k] += a[start + i + k];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/**
 * `np.sum(a)` of a contiguous float64 array: one pairwise sum over the whole array (no buffering is
 * involved when no cast is needed; checked against NumPy 2.4 for n = 1…299 and up to 30,000).
 */
export function npSum(a: ArrayLike<number>): number {
  return pairwiseSum(a);
}

/** `np.mean(a)`; NaN for an empty array, as NumPy (which also warns "Mean of empty slice"). */
export function npMean(a: ArrayLike<number>): number {
  return a.length === 0 ? NaN : npSum(a) / a.length;
}

/** `np.std(a)` (ddof = 0), computed as NumPy's `_var`: mean, squared deviations, their mean, sqrt. */
export function npStd(a: ArrayLike<number>): number {
  if (a.length === 0) return NaN;
  const mean = npMean(a);
  const sq = Float64Array.from(a, (v) => (v - mean) * (v - mean));
  return Math.sqrt(npSum(sq) / a.length);
}

function argExtreme(a: ArrayLike<number>, better: (v: number, best: number) => boolean): number {
  if (a.length === 0) throw new RangeError('attempt to get argmax/argmin of an empty sequence');
  let best = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i])) return i; // NumPy: the first NaN wins.
    if (i > 0 && better(a[i], a[best])) best = i;
  }
  return best;
}

/** `np.argmax(a)`: index of the first maximum; the first NaN if any. */
export function npArgmax(a: ArrayLike<number>): number {
  return argExtreme(a, (v, best) => v > best);
}

/** `np.argmin(a)`: index of the first minimum; the first NaN if any. */
export function npArgmin(a: ArrayLike<number>): number {
  return argExtreme(a, (v, best) => v < best);
}
