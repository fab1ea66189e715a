import { describe, expect, it } from 'vitest';
import { formatFixed } from '../../utils/python_format';
import { npArgmax, npArgmin, npMean, npStd, npSum } from './numpy_stats';
import { parsePythonJson } from './python_json';

describe('formatFixed (Python f"{x:.Nf}")', () => {
  // Expected strings printed by CPython 3.11 for the same doubles.
  it.each([
    [0.03125, 4, '0.0312'], // exact tie: half to even (JS toFixed gives 0.0313)
    [0.96875, 4, '0.9688'], // exact tie, odd last digit: up
    [0.00005, 4, '0.0001'], // not an exact tie in binary (slightly above)
    [2.675, 2, '2.67'], // 2.67499999… in binary
    [0.12345, 4, '0.1235'],
    [123.45675, 4, '123.4567'],
    [-0, 4, '-0.0000'],
    [-0.00001, 4, '-0.0000'],
    [1e22, 4, '10000000000000000000000.0000'],
    [0.9999999, 4, '1.0000'],
    [99.99996, 4, '100.0000'],
    [NaN, 4, 'nan'],
    [Infinity, 4, 'inf'],
    [-Infinity, 4, '-inf'],
    [7, 0, '7'],
    [2.5, 0, '2'],
  ])('%s with %i digits → %s', (x, digits, expected) => {
    expect(formatFixed(x, digits)).toBe(expected);
  });
});

describe('NumPy reductions', () => {
  const a = Array.from({ length: 300 }, (_, i) => 0.1 * i + 1e-3 * (i % 7));
  it('sums in NumPy pairwise order', () => {
    // np.sum(np.full(20000, 0.1)) = 1999.9999999999998; a left-to-right sum gives 1999.9999999992765.
    const b = new Float64Array(20000).fill(0.1);
    expect(npSum(b)).toBe(1999.9999999999998);
    expect(b.reduce((s, v) => s + v, 0)).toBe(1999.9999999992765);
    expect(npSum(a)).toBe(4485.897000000001);
  });
  it('mean and std (ddof 0) equal numpy to the last bit', () => {
    expect(npMean(a)).toBe(14.952990000000003);
    expect(npStd(a)).toBe(8.660235119011878);
    expect(npMean([])).toBeNaN();
    expect(npStd([1, NaN])).toBeNaN();
  });
  it('argmax/argmin take the first extreme, or the first NaN', () => {
    expect(npArgmax([1, 3, 3, 2])).toBe(1);
    expect(npArgmin([2, 1, 1, 3])).toBe(1);
    expect(npArgmax([1, NaN, 5, NaN])).toBe(1);
    expect(npArgmin([NaN, 0])).toBe(0);
    expect(() => npArgmax([])).toThrow(/empty/);
  });
});

describe('parsePythonJson', () => {
  it('reads the bare NaN / Infinity constants Python writes, but not inside strings', () => {
    const v = parsePythonJson('{"loss": NaN, "a": -Infinity, "b": Infinity, "s": "NaN Infinity", "n": [NaN]}') as Record<string, unknown>;
    expect(v.loss).toBeNaN();
    expect(v.a).toBe(-Infinity);
    expect(v.b).toBe(Infinity);
    expect(v.s).toBe('NaN Infinity');
    expect((v.n as number[])[0]).toBeNaN();
  });
  it('still rejects text that is not JSON', () => {
    expect(() => parsePythonJson('{"lr": 0.1, "loss": 1.')).toThrow(SyntaxError);
    expect(() => parsePythonJson('nan')).toThrow(SyntaxError);
  });
});
