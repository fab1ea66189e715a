/** Python-style formatting for module reprs (`print(model)` as PyTorch shows it). */

/** Python's `repr(float)`: 0.1, 1e-05, 1.0. */
export function pyFloat(v: number): string {
  if (Number.isInteger(v)) return `${v}.0`;
  if (v !== 0 && Math.abs(v) < 1e-4) {
    const [m, e] = v.toExponential().split('e');
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

export const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** A pair as PyTorch stores it after `_pair`: `(3, 3)`. */
export const pyTuple = (p: readonly number[]): string => `(${p.join(', ')}${p.length === 1 ? ',' : ''})`;

/** A pooling size as given: one number when both sides agree, else a tuple. */
export const pySize = (p: readonly [number, number]): string => (p[0] === p[1] ? String(p[0]) : pyTuple(p));
