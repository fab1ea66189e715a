/**
 * The Python value model of a config, kept as plain JS data so that every consumer sees ordinary objects:
 * dicts are plain objects, lists and tuples are arrays, `None` is `null`, ints and floats are numbers.
 *
 * Two facts plain JS loses are kept in non-enumerable side tables, so that a dump writes back what was read:
 * - which arrays are Python tuples (`(3, )` rather than `[3]`): {@link isTuple} / {@link makeTuple};
 * - which integral numbers were Python floats (`1.0` rather than `1`): {@link isFloatAt} / {@link markFloat}.
 * Code that copies configs should use {@link deepCopy} / {@link shallowCopy} so the marks travel along.
 */

/** A merged config as plain data: dicts as objects, lists and tuples as arrays, None as null. */
export type ConfigDict = Record<string, unknown>;

const tuples = new WeakSet<object>();
const floatKeys = new WeakMap<object, Set<string>>();

/** True when `v` is an array that came from a Python tuple. */
export function isTuple(v: unknown): boolean {
  return Array.isArray(v) && tuples.has(v);
}

/** Marks `arr` as a Python tuple (in place) and returns it. */
export function makeTuple<T extends unknown[]>(arr: T): T {
  tuples.add(arr);
  return arr;
}

/** True for a plain dict (not an array, not null, not a class instance such as a callable). */
export function isDict(v: unknown): v is ConfigDict {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Records that `container[key]` holds a Python float whose value happens to be integral (e.g. `1.0`). */
export function markFloat(container: object, key: string | number, isFloat = true): void {
  let set = floatKeys.get(container);
  if (!isFloat) {
    set?.delete(String(key));
    return;
  }
  if (!set) floatKeys.set(container, (set = new Set()));
  set.add(String(key));
}

/** True when `container[key]` is a number that was written as a Python float (`1.0`, `0.`, `1e3`). */
export function isFloatAt(container: object, key: string | number): boolean {
  const v = (container as Record<string, unknown>)[key as string];
  if (typeof v !== 'number') return false;
  if (!Number.isInteger(v)) return true;
  return floatKeys.get(container)?.has(String(key)) ?? false;
}

function copyMarks(from: object, to: object, key: string | number, toKey: string | number = key): void {
  if (floatKeys.get(from)?.has(String(key))) markFloat(to, toKey);
}

/** A copy of `v` one level deep; tuple and float marks are kept. */
export function shallowCopy<T>(v: T): T {
  if (Array.isArray(v)) {
    const out = v.slice();
    if (tuples.has(v)) tuples.add(out);
    const marks = floatKeys.get(v);
    if (marks) floatKeys.set(out, new Set(marks));
    return out as T;
  }
  if (isDict(v)) {
    const out: ConfigDict = {};
    for (const k of Object.keys(v)) out[k] = v[k];
    const marks = floatKeys.get(v);
    if (marks) floatKeys.set(out, new Set(marks));
    return out as T;
  }
  return v;
}

/** A deep copy of config data (dicts, lists, tuples, scalars); tuple and float marks are kept. */
export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) {
    const out = v.map((item) => deepCopy(item));
    if (tuples.has(v)) tuples.add(out);
    v.forEach((_, i) => copyMarks(v, out, i));
    return out as T;
  }
  if (isDict(v)) {
    const out: ConfigDict = {};
    for (const k of Object.keys(v)) {
      out[k] = deepCopy(v[k]);
      copyMarks(v, out, k);
    }
    return out as T;
  }
  return v;
}

/** Copies the float mark of `from[fromKey]` onto `to[toKey]` (used when values move between containers). */
export function carryFloatMark(from: object, fromKey: string | number, to: object, toKey: string | number): void {
  markFloat(to, toKey, floatKeys.get(from)?.has(String(fromKey)) ?? false);
}
