/** Picking a backbone's `arch` from its `arch_settings` table, with MMPretrain's assertion text. */
import { assert } from '../../utils/assert';

/** Python's repr of a set of strings: `{'a', 'b'}` (names in table order). */
export function pySetRepr(names: Iterable<string>): string {
  return `{${[...names].map((n) => `'${n}'`).join(', ')}}`;
}

/** Python's repr of a list of strings: `['a', 'b']`. */
export function pyListRepr(names: Iterable<string>): string {
  return `[${[...names].map((n) => `'${n}'`).join(', ')}]`;
}

/**
 * `arch` as a name of `settings` (else `Unavailable arch, please choose from ({...}) or pass a dict.`) or a dict,
 * which `checkDict` validates with the family's own message.
 */
export function resolveArch<T extends object>(arch: string | T, settings: Record<string, T>, checkDict: (arch: T) => void): T {
  if (typeof arch === 'string') {
    assert(Object.prototype.hasOwnProperty.call(settings, arch), () => `Unavailable arch, please choose from (${pySetRepr(Object.keys(settings))}) or pass a dict.`);
    return settings[arch];
  }
  assert(arch !== null && typeof arch === 'object', () => `arch must be a str or a dict, got ${String(arch)}`);
  checkDict(arch);
  return arch;
}
