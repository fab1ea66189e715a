/**
 * Config-option resolution shared by optimizers, optimizer wrappers and parameter schedulers:
 * defaults filled in, unknown keys rejected with the closest known names, required keys enforced.
 */
import { closestNames } from '../../utils/closest';

/** Marks an option that has no default and must be given. */
export const REQUIRED: unique symbol = Symbol('required');

/** Option name → default value (or `REQUIRED`). `undefined` as a default means "optional, None". */
export type OptionSpec = Record<string, unknown>;

/**
 * Returns `spec`'s defaults overridden by `cfg`, after checking every key of `cfg` is known.
 * `owner` names the component in messages: `"StepLR: unknown option 'stepsize' — did you mean 'step_size'?"`.
 */
export function resolveOptions<T>(owner: string, cfg: Record<string, unknown> | undefined | null, spec: OptionSpec): T {
  const given = cfg ?? {};
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw new Error(`${owner}: options must be a dict, got ${JSON.stringify(given)}`);
  }
  const known = Object.keys(spec);
  for (const key of Object.keys(given)) {
    if (!(key in spec)) {
      const close = closestNames(key, known);
      const hint = close.length ? ` — did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : '';
      throw new Error(`${owner}: unknown option '${key}'${hint} (accepted: ${known.join(', ')})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of known) {
    const value = key in given && given[key] !== undefined ? given[key] : spec[key];
    if (value === REQUIRED) throw new Error(`${owner}: missing required option '${key}'`);
    out[key] = value;
  }
  return out as T;
}

/** Checks `value` is a finite number (Python int or float); names the option otherwise. */
export function expectNumber(owner: string, key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${owner}: option '${key}' must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks `value` is an integer; names the option otherwise. */
export function expectInt(owner: string, key: string, value: unknown): number {
  const n = expectNumber(owner, key, value);
  if (!Number.isInteger(n)) throw new Error(`${owner}: option '${key}' must be an integer, got ${n}`);
  return n;
}
