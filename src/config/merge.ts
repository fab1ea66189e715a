/** mmengine's `Config._merge_a_into_b`: how a child config (or `--cfg-options`) overrides its base. */
import { carryFloatMark, deepCopy, isDict, isTuple, shallowCopy, type ConfigDict } from './values';

/** The key that makes a child dict replace the base dict instead of merging into it. */
export const DELETE_KEY = '_delete_';

/** Raised for merges mmengine refuses (a dict over a non-dict, a list index out of range). */
export class MergeError extends Error {}

function describe(v: unknown): string {
  if (v === null) return 'NoneType';
  if (Array.isArray(v)) return isTuple(v) ? 'tuple' : 'list';
  if (isDict(v)) return 'dict';
  return typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : typeof v === 'string' ? 'str' : typeof v;
}

/**
 * Merges `a` into a copy of `b` and returns it (neither input is changed, except that `_delete_` is removed from
 * `a`'s dicts that replace a base entry, as mmengine pops it). Dicts merge key by key; `_delete_=True` in a child dict
 * replaces the base dict; any other value (lists and tuples included) replaces. With `allowListKeys`, digit keys
 * (`'1'`) index into a base list.
 */
export function mergeAIntoB(a: ConfigDict, b: ConfigDict | unknown[], allowListKeys = false, path = ''): ConfigDict {
  const out = shallowCopy(b) as Record<string, unknown>;
  const bIsList = Array.isArray(out);
  for (const k of Object.keys(a)) {
    const v = a[k];
    const here = path ? `${path}.${k}` : k;
    if (allowListKeys && /^\d+$/.test(k) && bIsList) {
      const i = Number(k);
      const list = out as unknown as unknown[];
      if (list.length <= i) throw new MergeError(`Index ${i} exceeds the length of list ${path} (length ${list.length})`);
      if (!isDict(v)) {
        throw new MergeError(`${here}: a list item can be overridden only by a dict of keys (got ${describe(v)}); set the whole list instead`);
      }
      list[i] = mergeAIntoB(v, list[i] as ConfigDict, allowListKeys, here);
      continue;
    }
    if (bIsList) throw new MergeError(`${here}: cannot set key '${k}' in a list (use an index such as ${path}.0)`);
    if (isDict(v)) {
      if (k in out && !popDelete(v)) {
        const target = out[k];
        const ok = isDict(target) || (allowListKeys && Array.isArray(target) && !isTuple(target));
        if (!ok) {
          throw new MergeError(
            `${here}=${JSON.stringify(v)} in child config cannot inherit from base because ${k} is a dict in the child config ` +
              `but is of type ${describe(target)} in base config. You may set \`${DELETE_KEY}=True\` to ignore the base config.`,
          );
        }
        out[k] = mergeAIntoB(v, target as ConfigDict, allowListKeys, here);
      } else {
        out[k] = deepCopy(v);
      }
    } else {
      out[k] = v;
      carryFloatMark(a, k, out, k);
    }
  }
  return out as ConfigDict;
}

function popDelete(v: ConfigDict): boolean {
  if (!(DELETE_KEY in v)) return false;
  const flag = v[DELETE_KEY];
  delete v[DELETE_KEY];
  return flag !== false && flag !== null && flag !== 0 && flag !== '';
}
