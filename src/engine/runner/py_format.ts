import { floatRepr } from '../../config/pyrepr';

/** Python's `f'{x:.{n}f}'` (halves to even, `-0.0000`, `nan`) and `f'{x:.{n}e}'`, shared with the log-analysis tools and the schedulers. */
export { formatExp, formatFixed } from '../../utils/python_format';

/** `str(datetime.timedelta(seconds=int(s)))`: `0:00:07`, `1 day, 2:03:04`. */
export function formatTimedelta(seconds: number): string {
  let s = Math.trunc(seconds);
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const hms = `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return days ? `${days} day${days === 1 ? '' : 's'}, ${hms}` : hms;
}

/** A float as Python's `json.dumps` writes it: `repr(float)`, with `NaN` / `Infinity` for the non-finite. */
export function pyFloatRepr(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  return floatRepr(x);
}

/**
 * One line of mmengine's `scalars.json` as Python's `json.dumps` writes it: `", "` and `": "` separators,
 * floats as `repr(float)` (so `100.0`, `1e-05`, `NaN`), the keys named in `intKeys` as integers.
 */
export function scalarsJsonLine(record: Record<string, number>, intKeys: ReadonlySet<string> = SCALARS_INT_KEYS): string {
  const items = Object.entries(record).map(([k, v]) => `${JSON.stringify(k)}: ${intKeys.has(k) && Number.isInteger(v) ? String(v) : pyFloatRepr(v)}`);
  return `{${items.join(', ')}}`;
}

/** Keys that mmengine logs as Python ints. */
export const SCALARS_INT_KEYS: ReadonlySet<string> = new Set(['epoch', 'iter', 'step', 'memory']);
