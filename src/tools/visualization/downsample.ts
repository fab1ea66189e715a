/**
 * Reduces a long per-iteration curve to at most `maxPoints` points for plotting while keeping its shape:
 * each bucket contributes its first point and its extreme points (in index order), and the last point is kept,
 * so steps, warm-up starts and restarts stay where they are.
 */
export function downsampleCurve(values: ArrayLike<number>, maxPoints: number): { x: number[]; y: number[] } {
  const n = values.length;
  if (n <= maxPoints) return { x: Array.from({ length: n }, (_, i) => i), y: Array.from(values) };
  const buckets = Math.max(1, Math.floor(maxPoints / 3));
  const x: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let lo = from;
    let hi = from;
    for (let i = from; i < to; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    for (const i of [...new Set([from, lo, hi])].sort((a, c) => a - c)) x.push(i);
  }
  if (x[x.length - 1] !== n - 1) x.push(n - 1);
  return { x, y: x.map((i) => values[i]) };
}
