/** `make_divisible` (MMPretrain `models/utils/make_divisible.py`). */

/** Rounds `value` to a multiple of `divisor`, not below `min_ratio`·value (MMPretrain `make_divisible`). */
export function makeDivisible(value: number, divisor: number, minValue: number | null = null, minRatio = 0.9): number {
  const min = minValue ?? divisor;
  let v = Math.max(min, Math.floor((Math.trunc(value + divisor / 2)) / divisor) * divisor);
  if (v < minRatio * value) v += divisor;
  return v;
}

