/** Checks on config dicts shared by every model component: unknown keys are rejected with the closest names. */
import { closestNames } from '../../utils/closest';

/**
 * Throws if `cfg` has a key outside `allowed`, naming the component and suggesting close names
 * (MMPretrain would fail with "got an unexpected keyword argument").
 */
export function checkKeys(cfg: object, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(cfg)) {
    if (!allowed.includes(k)) {
      const close = closestNames(k, allowed);
      throw new Error(`${where}: unexpected key '${k}'${close.length ? ` — did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : ''} (accepted: ${allowed.join(', ')})`);
    }
  }
}

/** A config's value or a default when absent or `null` (Python `None`). */
export function opt<T>(v: T | null | undefined, dflt: T): T {
  return v === undefined || v === null ? dflt : v;
}
