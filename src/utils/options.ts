/**
 * Checking the options of everything built from a config dict (models, datasets, transforms, samplers, optimizers,
 * wrappers, schedulers): an unknown key is refused where MMPretrain would fail with "got an unexpected keyword
 * argument", in one wording that names the component, the key, the closest known names and every accepted one:
 * `StepLR: unknown option 'stepsize' — did you mean 'step_size'? (accepted: step_size, gamma, by_epoch, …)`.
 */
import { closestNames } from './closest';

/** `" — did you mean 'a', 'b'?"` for the candidates closest to `name`, or `''` when none is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const close = closestNames(name, candidates);
  return close.length ? ` — did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : '';
}

/** Throws if `cfg` has a key outside `allowed` (see the module's message format); `owner` names the component. */
export function checkKeys(cfg: object, allowed: Iterable<string>, owner: string): void {
  let known: readonly string[] | null = null;
  for (const key of Object.keys(cfg)) {
    known ??= Array.isArray(allowed) ? allowed : [...allowed];
    if (!known.includes(key)) throw new Error(`${owner}: unknown option '${key}'${didYouMean(key, known)} (accepted: ${known.join(', ')})`);
  }
}

/** Marks an option that has no default and must be given. */
export const REQUIRED: unique symbol = Symbol('required');

/** Option name → default value (or `REQUIRED`). `undefined` as a default means "optional, None". */
export type OptionSpec = Record<string, unknown>;

/** Returns `spec`'s defaults overridden by `cfg`, after {@link checkKeys} and a check that required keys are given. */
export function resolveOptions<T>(owner: string, cfg: Record<string, unknown> | undefined | null, spec: OptionSpec): T {
  const given = cfg ?? {};
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw new Error(`${owner}: options must be a dict, got ${JSON.stringify(given)}`);
  }
  const known = Object.keys(spec);
  checkKeys(given, known, owner);
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
