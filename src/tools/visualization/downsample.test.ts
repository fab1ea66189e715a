import { describe, expect, it } from 'vitest';
import { downsampleCurve } from './downsample';

describe('downsampleCurve', () => {
  it('returns short curves unchanged', () => {
    expect(downsampleCurve([3, 2, 1], 10)).toEqual({ x: [0, 1, 2], y: [3, 2, 1] });
  });
  it('keeps extremes, ends and at most maxPoints points of a long curve', () => {
    const values = Array.from({ length: 100000 }, (_, i) => (i === 12345 ? 5 : i < 50000 ? 1 : 0.1));
    const { x, y } = downsampleCurve(values, 300);
    expect(x.length).toBeLessThanOrEqual(301);
    expect(x[0]).toBe(0);
    expect(x[x.length - 1]).toBe(99999);
    expect(x).toContain(12345);
    expect(x).toContain(50000); // the step's first lower value is a bucket minimum
    expect(y[x.indexOf(12345)]).toBe(5);
    expect([...x].sort((a, b) => a - b)).toEqual(x);
  });
});
