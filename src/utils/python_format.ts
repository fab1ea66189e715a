/**
 * Python's fixed-point and exponent float formatting (`f'{x:.4f}'`, `f'{x:.4e}'`), reproduced exactly.
 *
 * JavaScript's `toFixed` rounds exact ties away from zero and drops the sign of `-0`; Python rounds
 * the exact binary value half-to-even and keeps `-0.0000`. Tool outputs compared character by
 * character (analyze_logs `cal_train_time`) need Python's rule.
 */

/** Exact decimal digits of a finite, non-negative double below 1e21 (integer part, fraction part). */
function exactDecimal(abs: number): { int: string; frac: string } {
  // toFixed(100) is exact for every double whose binary fraction ends within 100 decimal places,
  // which covers all values large enough to matter for rounding to ≤ 20 places.
  const s = abs.toFixed(100);
  const dot = s.indexOf('.');
  return { int: s.slice(0, dot), frac: s.slice(dot + 1) };
}

/** Adds one unit in the last place of a string of decimal digits ("0999" → "1000"); may grow by a digit. */
function incrementDigits(digits: string): string {
  const out = digits.split('');
  let i = out.length - 1;
  while (i >= 0) {
    if (out[i] === '9') {
      out[i] = '0';
      i--;
    } else {
      out[i] = String(Number(out[i]) + 1);
      return out.join('');
    }
  }
  return '1' + out.join('');
}

/**
 * Formats `x` as Python's `format(x, f'.{digits}f')`: `nan`, `inf`, `-inf`, a kept `-0` sign, and
 * round-half-to-even on the exact binary value.
 *
 * @param digits Digits after the point, 0 to 20.
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
    throw new RangeError(`formatFixed: digits must be an integer in [0, 20], got ${digits}`);
  }
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  let body: string;
  if (abs >= 1e21) {
    // Such doubles are integers; BigInt gives their exact digits.
    body = BigInt(abs).toString() + (digits > 0 ? '.' + '0'.repeat(digits) : '');
  } else {
    const { int, frac } = exactDecimal(abs);
    const kept = int + frac.slice(0, digits);
    const rest = frac.slice(digits);
    const first = rest.charCodeAt(0) - 48;
    const beyondHalf = /[1-9]/.test(rest.slice(1));
    const lastKept = kept.charCodeAt(kept.length - 1) - 48;
    const roundUp = first > 5 || (first === 5 && (beyondHalf || lastKept % 2 === 1));
    const rounded = roundUp ? incrementDigits(kept) : kept;
    const intLen = rounded.length - digits;
    body = rounded.slice(0, intLen) + (digits > 0 ? '.' + rounded.slice(intLen) : '');
  }
  return (negative ? '-' : '') + body;
}

/** Python's `f'{x:.{n}e}'`: mantissa with n digits and an exponent of at least two digits (`1.0000e-01`). */
export function formatExp(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : Number.isNaN(x) ? 'nan' : '-inf';
  const [m, e] = x.toExponential(digits).split('e');
  const exp = Number(e);
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}
