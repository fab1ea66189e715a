/** Config-key checking for dataset constructors: unknown keys are rejected with the closest valid names. */
import { closestNames } from '../../utils/closest';

/**
 * Throws when `cfg` has a key outside `allowed`, naming the class, the key and the closest valid keys
 * (MMPretrain would fail with "unexpected keyword argument").
 */
export function rejectUnknownKeys(cfg: object, allowed: Iterable<string>, who: string): void {
  const ok = new Set(allowed);
  for (const key of Object.keys(cfg)) {
    if (ok.has(key)) continue;
    const close = closestNames(key, ok);
    throw new Error(
      `${who}: unknown config key '${key}'${close.length ? ` — did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : ''} (valid keys: ${[...ok].sort().join(', ')})`,
    );
  }
}
