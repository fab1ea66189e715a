/**
 * mmengine's `HistoryBuffer`: the logged values of one scalar with their counts, and window statistics
 * over the most recent entries.
 */
export class HistoryBuffer {
  private logs: number[] = [];
  private counts: number[] = [];

  constructor(
    logHistory: number[] = [],
    countHistory: number[] = [],
    readonly maxLength = 1_000_000,
  ) {
    if (logHistory.length !== countHistory.length) throw new Error('The lengths of log_history and count_histroy should be equal');
    this.logs = logHistory.slice(-maxLength);
    this.counts = countHistory.slice(-maxLength);
  }

  update(value: number, count = 1): void {
    if (typeof value !== 'number' || typeof count !== 'number') {
      throw new TypeError(`log_val must be int or float but got ${typeof value}, count must be int but got ${typeof count}`);
    }
    this.logs.push(value);
    this.counts.push(count);
    if (this.logs.length > this.maxLength) {
      this.logs.shift();
      this.counts.shift();
    }
  }

  /** The logged values and their counts. */
  get data(): [number[], number[]] {
    return [this.logs, this.counts];
  }

  private window(w?: number): [number[], number[]] {
    const n = w ?? this.logs.length;
    return [this.logs.slice(-n), this.counts.slice(-n)];
  }

  /** Σ values / Σ counts over the last `windowSize` entries (all when omitted), summed in order as numpy does for short arrays. */
  mean(windowSize?: number): number {
    const [l, c] = this.window(windowSize);
    return pairwiseSum(l) / pairwiseSum(c);
  }

  max(windowSize?: number): number {
    return Math.max(...this.window(windowSize)[0]);
  }

  min(windowSize?: number): number {
    return Math.min(...this.window(windowSize)[0]);
  }

  current(): number {
    if (this.logs.length === 0) throw new Error('HistoryBuffer._log_history is an empty array! Please call update first');
    return this.logs[this.logs.length - 1];
  }

  /** `statistics('mean', 10)` as mmengine's `HistoryBuffer.statistics`. */
  statistics(method: 'mean' | 'max' | 'min' | 'current', windowSize?: number): number {
    switch (method) {
      case 'mean':
        return this.mean(windowSize);
      case 'max':
        return this.max(windowSize);
      case 'min':
        return this.min(windowSize);
      case 'current':
        return this.current();
      default:
        throw new Error(`${String(method)} has not been registered in HistoryBuffer._statistics_methods`);
    }
  }
}

/** numpy's float64 summation (pairwise in blocks of 8 with 128-element unrolling), so means equal numpy's bit for bit. */
export function pairwiseSum(a: number[], lo = 0, n = a.length): number {
  if (n < 8) {
    let s = 0;
    for (let i = lo; i < lo + n; i++) s += a[i];
    return s;
  }
  if (n <= 128) {
    const r = [a[lo], a[lo + 1], a[lo + 2], a[lo + 3], a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let k = 0; k < 8; k++) r[k] += a[lo + i + k];
    let s = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) s += a[lo + i];
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
}
