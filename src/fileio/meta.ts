import { NumpyArray } from './pickle/numpy_globals';
import { PickleGlobal, PickleObject } from './pickle/values';

/**
 * Reduces a checkpoint `meta` to JSON-compatible data (what both writers can store): numbers, strings,
 * booleans, null, arrays and string-keyed objects. Typed arrays and numpy arrays become number arrays,
 * big integers numbers (or strings beyond 2^53), Sets arrays; placeholders of unknown classes and other
 * values are dropped and their paths returned, so a caller can say what was lost.
 */
export function plainMeta(meta: Record<string, unknown>): { meta: Record<string, unknown>; dropped: string[] } {
  const dropped: string[] = [];
  // a pickle may make an object contain itself (memo references); such a value is dropped where it recurs
  const open = new Set<unknown>();
  const go = (v: unknown, path: string): unknown => {
    if (open.has(v)) {
      dropped.push(`${path} (refers to itself)`);
      return undefined;
    }
    if (v !== null && typeof v === 'object') {
      open.add(v);
      try {
        return goInner(v, path);
      } finally {
        open.delete(v);
      }
    }
    return goInner(v, path);
  };
  const goInner = (v: unknown, path: string): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (Array.isArray(v) || v instanceof Set) return [...v].map((x, i) => go(x, `${path}[${i}]`));
    if (v instanceof NumpyArray) return v.objects ? v.objects.map((x, i) => go(x, `${path}[${i}]`)) : Array.from(v.data as ArrayLike<number | bigint>, (x) => go(x, path));
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => go(x, path));
    if (v instanceof PickleObject || v instanceof PickleGlobal || v instanceof Map || typeof v !== 'object') {
      dropped.push(path);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const y = go(x, path ? `${path}.${k}` : k);
      if (y !== undefined) Object.defineProperty(out, k, { value: y, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return { meta: go(meta, '') as Record<string, unknown>, dropped };
}

/** Class names from `meta.dataset_meta.classes` (MMPretrain 1.x) or `meta.CLASSES` (MMClassification 0.x). */
export function classesOf(meta: Record<string, unknown> | undefined): string[] | undefined {
  const dm = meta?.dataset_meta as Record<string, unknown> | undefined;
  const classes = dm?.classes ?? meta?.CLASSES;
  return Array.isArray(classes) && classes.every((c) => typeof c === 'string') ? (classes as string[]) : undefined;
}
