import { describe, expect, it } from 'vitest';
import { emaSmooth, movingAverage, smooth } from './smoothing';
import { filterKeys } from './key_filter';

describe('TensorBoard debiased EMA', () => {
  it('matches hand-computed values (weight 0.6)', () => {
    // last_n = 0.6·last + 0.4·y (last_0 = 0), divided by 1 − 0.6^n:
    // n=1: 0.4/0.4 = 1; n=2: 1.04/0.64 = 13/8; n=3: 2.224/0.784 = 139/49; n=4: 2.5344/0.8704 = 99/34
    const out = emaSmooth([1, 2, 4, 3]);
    [1, 13 / 8, 139 / 49, 99 / 34].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 14));
  });
  it('weight 0 is the identity, weight 1 stays at 0 (TensorBoard does not debias at 1)', () => {
    expect(emaSmooth([3, 1, 2], 0)).toEqual([3, 1, 2]);
    expect(emaSmooth([3, 1, 2], 1)).toEqual([0, 0, 0]);
  });
  it('non-finite values pass through and do not count; constants stay constant', () => {
    const out = emaSmooth([1, NaN, 2], 0.5);
    expect(out[0]).toBe(1);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo((0.25 + 1) / 0.75, 14); // second finite value: n = 2
    expect(emaSmooth([0.1, 0.1, 0.1], 0.9)).toEqual([0.1, 0.1, 0.1]);
    expect(() => emaSmooth([1], 1.5)).toThrow(/\[0, 1\]/);
  });
});

describe('moving window', () => {
  it('trailing mean over the last `window` values', () => {
    expect(movingAverage([1, 2, 3, 4, 10], 3)).toEqual([1, 1.5, 2, 3, 17 / 3]);
    expect(movingAverage([5, 7], 1)).toEqual([5, 7]);
    expect(() => movingAverage([1], 0)).toThrow(/window/);
  });
  it('smooth() dispatches by method', () => {
    expect(smooth([1, 3], { method: 'none' })).toEqual([1, 3]);
    expect(smooth([1, 3], { method: 'window', window: 2 })).toEqual([1, 2]);
    expect(smooth([1, 3], { method: 'ema', weight: 0.5 })[1]).toBeCloseTo((0.25 + 1.5) / 0.75, 14);
  });
});

describe('key filter (regex, case-insensitive like TensorBoard)', () => {
  const keys = ['loss', 'lr', 'accuracy/top1', 'accuracy/top5', 'data_time'];
  it('filters by regex', () => {
    expect(filterKeys(keys, 'ACC.*top1')).toEqual({ keys: ['accuracy/top1'], error: null });
    expect(filterKeys(keys, '^l')).toEqual({ keys: ['loss', 'lr'], error: null });
    expect(filterKeys(keys, '')).toEqual({ keys, error: null });
  });
  it('an invalid pattern keeps all keys and says why', () => {
    const r = filterKeys(keys, 'acc(');
    expect(r.keys).toEqual(keys);
    expect(r.error).toMatch(/acc\(/);
  });
});
