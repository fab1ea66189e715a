import { PickleObject } from './pickle/values';

/**
 * Walks an unpickled object tree (Maps, arrays, Sets, placeholder objects), calling `visit` on every value
 * with a readable path (`optimizer.state.0.momentum_buffer`). Shared sub-objects and cycles are visited once.
 */
export function walk(value: unknown, visit: (v: unknown, path: string) => void, path = ''): void {
  const seen = new Set<unknown>();
  const go = (v: unknown, p: string): void => {
    visit(v, p);
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    const sub = (k: unknown) => (p ? `${p}.${String(k)}` : String(k));
    if (v instanceof Map) v.forEach((x, k) => go(x, sub(k)));
    else if (Array.isArray(v) || v instanceof Set) [...v].forEach((x, i) => go(x, sub(i)));
    else if (v instanceof PickleObject) {
      v.args.forEach((x, i) => go(x, sub(`args${i}`)));
      go(v.state, sub('state'));
      if (v.dictItems) go(v.dictItems, sub('items'));
      if (v.listItems) go(v.listItems, sub('items'));
    }
  };
  go(value, path);
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty: a key named "__proto__" stays data, never a prototype change
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Converts an unpickled tree to plain JS for display and JSON: dicts whose keys are all strings or numbers
 * become objects (number keys as strings, as JSON does), others stay `Map`s; `replace` may substitute leaves
 * (tensor references → loaded tensors). Placeholder objects keep their class, with converted contents.
 */
export function toPlain(value: unknown, replace: (v: unknown) => unknown = (v) => v): unknown {
  const done = new Map<unknown, unknown>();
  const go = (v: unknown): unknown => {
    const r = replace(v);
    if (r !== v) return r;
    if (typeof v !== 'object' || v === null) return v;
    if (done.has(v)) return done.get(v);
    if (v instanceof Map) {
      const plainKeys = [...v.keys()].every((k) => typeof k === 'string' || typeof k === 'number');
      if (plainKeys) {
        const out: Record<string, unknown> = {};
        done.set(v, out);
        v.forEach((x, k) => setKey(out, String(k), go(x)));
        return out;
      }
      const out = new Map();
      done.set(v, out);
      v.forEach((x, k) => out.set(go(k), go(x)));
      return out;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      done.set(v, out);
      v.forEach((x) => out.push(go(x)));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      done.set(v, out);
      v.forEach((x) => out.add(go(x)));
      return out;
    }
    if (v instanceof PickleObject) {
      done.set(v, v);
      v.args.splice(0, v.args.length, ...v.args.map(go));
      v.state = go(v.state);
      if (v.dictItems) v.dictItems = new Map([...v.dictItems].map(([k, x]) => [k, go(x)]));
      if (v.listItems) v.listItems = go(v.listItems) as unknown[];
      return v;
    }
    return v;
  };
  return go(value);
}
