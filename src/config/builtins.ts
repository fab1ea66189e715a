/**
 * What a config can call without Python: the builtins (`dict`, `list`, `range`, `len`, `min`, `sorted`, …), the
 * `copy` and `math` modules, and the methods of `str`, `list`, `tuple` and `dict` values, each with Python's
 * semantics and messages. Anything not here is refused by the interpreter.
 */
import type { Pos } from './ast';
import { strRepr } from './pyrepr';
import { deepCopy, isDict, isTuple, markFloat, shallowCopy, type ConfigDict } from './values';
import { binop, checkSize, dictEntries, dictKey, isFloatValue, isNumber, iterate, listItems, load, mkNum, newDict, newList, normIndex, num, PyCallable, pyCompare, pyEq, PyError, PyFloat, PyModule, pyRepr, pyStr, store, truthy, typeName, type Value } from './py_values';
import { strFormat } from './str_format';

function noKwargs(name: string, kwargs: [string, Value][]): void {
  if (kwargs.length) throw new PyError(`${name}() takes no keyword arguments`);
}

function argCount(name: string, args: Value[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    throw new PyError(`${name}() takes ${min === max ? min : `${min} to ${max}`} arguments (${args.length} given)`);
  }
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function dictFromArgs(name: string, args: Value[], kwargs: [string, Value][]): ConfigDict {
  if (args.length > 1) throw new PyError(`${name} expected at most 1 positional argument, got ${args.length}`);
  const entries: [string, Value][] = [];
  if (args.length === 1) {
    const src = args[0];
    if (isDict(src)) entries.push(...dictEntries(src));
    else {
      for (const pair of iterate(src)) {
        const kv = Array.isArray(pair) ? listItems(pair) : null;
        if (!kv || kv.length !== 2) throw new PyError(`${name}(): each element of the sequence must be a (key, value) pair`);
        entries.push([dictKey(kv[0]), kv[1]]);
      }
    }
  }
  entries.push(...kwargs);
  return newDict(entries);
}

function numericArgs(name: string, items: Value[]): Value[] {
  for (const v of items) if (!isNumber(v)) throw new PyError(`${name}(): expected numbers, got '${typeName(v)}'`);
  return items;
}

function minMax(name: 'min' | 'max', args: Value[], kwargs: [string, Value][]): Value {
  noKwargs(name, kwargs);
  const items = args.length === 1 ? iterate(args[0]) : args;
  if (!items.length) throw new PyError(`${name}() arg is an empty sequence`);
  let best = items[0];
  for (const v of items.slice(1)) {
    const c = pyCompare(v, best, '<');
    if (name === 'min' ? c < 0 : c > 0) best = v;
  }
  return best;
}

function sortValues(items: Value[], reverse: boolean): Value[] {
  const out = items.slice().sort((a, b) => pyCompare(a, b, '<'));
  return reverse ? out.reverse() : out;
}

function fn(name: string, f: (args: Value[], kwargs: [string, Value][], at: Pos) => Value): PyCallable {
  return new PyCallable(name, f);
}

/** The builtin functions a config may call, by name. */
export const BUILTINS: Record<string, PyCallable> = {
  dict: fn('dict', (args, kwargs) => dictFromArgs('dict', args, kwargs)),
  list: fn('list', (args, kwargs) => {
    noKwargs('list', kwargs);
    argCount('list', args, 0, 1);
    return newList(args.length ? iterate(args[0]) : []);
  }),
  tuple: fn('tuple', (args, kwargs) => {
    noKwargs('tuple', kwargs);
    argCount('tuple', args, 0, 1);
    return newList(args.length ? iterate(args[0]) : [], true);
  }),
  int: fn('int', (args, kwargs) => {
    noKwargs('int', kwargs);
    argCount('int', args, 0, 1);
    const v = args[0] ?? 0;
    if (typeof v === 'string') {
      if (!/^\s*[+-]?\d[\d_]*\s*$/.test(v)) throw new PyError(`invalid literal for int() with base 10: ${strRepr(v)}`);
      return Number(v.replace(/_/g, ''));
    }
    if (!isNumber(v)) throw new PyError(`int() argument must be a string or a number, not '${typeName(v)}'`);
    return Math.trunc(num(v));
  }),
  float: fn('float', (args, kwargs) => {
    noKwargs('float', kwargs);
    argCount('float', args, 0, 1);
    const v = args[0] ?? 0;
    if (typeof v === 'string') {
      const t = v.trim().toLowerCase();
      const x = t === 'inf' || t === '+inf' ? Infinity : t === '-inf' ? -Infinity : t === 'nan' ? NaN : Number(t);
      if (Number.isNaN(x) && t !== 'nan') throw new PyError(`could not convert string to float: ${strRepr(v)}`);
      return mkNum(x, true);
    }
    if (!isNumber(v)) throw new PyError(`float() argument must be a string or a number, not '${typeName(v)}'`);
    return mkNum(num(v), true);
  }),
  str: fn('str', (args, kwargs) => {
    noKwargs('str', kwargs);
    argCount('str', args, 0, 1);
    return args.length ? pyStr(args[0]) : '';
  }),
  bool: fn('bool', (args) => (args.length ? truthy(args[0]) : false)),
  len: fn('len', (args, kwargs) => {
    noKwargs('len', kwargs);
    argCount('len', args, 1, 1);
    const v = args[0];
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (isDict(v)) return Object.keys(v).length;
    throw new PyError(`object of type '${typeName(v)}' has no len()`);
  }),
  range: fn('range', (args, kwargs) => {
    noKwargs('range', kwargs);
    argCount('range', args, 1, 3);
    for (const a of args) if (!isNumber(a) || isFloatValue(a)) throw new PyError(`range(): '${typeName(a)}' object cannot be interpreted as an integer`);
    const [start, stop, step] = args.length === 1 ? [0, num(args[0]), 1] : [num(args[0]), num(args[1]), args.length > 2 ? num(args[2]) : 1];
    if (step === 0) throw new PyError('range() arg 3 must not be zero');
    checkSize(Math.ceil((stop - start) / step), `range(${args.map((a) => num(a)).join(', ')})`);
    const out: Value[] = [];
    for (let k = start; step > 0 ? k < stop : k > stop; k += step) out.push(k);
    return newList(out);
  }),
  round: fn('round', (args, kwargs) => {
    const all = [...args, ...kwargs.filter(([k]) => k === 'ndigits').map(([, v]) => v)];
    argCount('round', all, 1, 2);
    const [x, nd] = all;
    if (!isNumber(x)) throw new PyError(`type ${typeName(x)} doesn't define __round__ method`);
    if (nd === undefined || nd === null) return roundHalfEven(num(x));
    const p = 10 ** num(nd);
    const r = roundHalfEven(num(x) * p) / p;
    return isFloatValue(x) ? mkNum(r, true) : Math.round(r);
  }),
  abs: fn('abs', (args) => {
    argCount('abs', args, 1, 1);
    numericArgs('abs', args);
    return mkNum(Math.abs(num(args[0])), isFloatValue(args[0]));
  }),
  min: fn('min', (args, kwargs) => minMax('min', args, kwargs)),
  max: fn('max', (args, kwargs) => minMax('max', args, kwargs)),
  sum: fn('sum', (args, kwargs) => {
    noKwargs('sum', kwargs);
    argCount('sum', args, 1, 2);
    let acc: Value = args[1] ?? 0;
    for (const v of iterate(args[0])) acc = binop('+', acc, v);
    return acc;
  }),
  sorted: fn('sorted', (args, kwargs) => {
    argCount('sorted', args, 1, 1);
    const reverse = kwargs.find(([k]) => k === 'reverse');
    for (const [k] of kwargs) if (k !== 'reverse') throw new PyError(`sorted(): keyword '${k}' is not supported in configs`);
    return newList(sortValues(iterate(args[0]), reverse ? truthy(reverse[1]) : false));
  }),
  reversed: fn('reversed', (args) => {
    argCount('reversed', args, 1, 1);
    return newList(iterate(args[0]).reverse());
  }),
  zip: fn('zip', (args, kwargs) => {
    noKwargs('zip', kwargs);
    const lists = args.map(iterate);
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    return newList(Array.from({ length: n }, (_, i) => newList(lists.map((l) => l[i]), true)));
  }),
  enumerate: fn('enumerate', (args, kwargs) => {
    argCount('enumerate', args, 1, 2);
    const start = num(args[1] ?? kwargs.find(([k]) => k === 'start')?.[1] ?? 0);
    return newList(iterate(args[0]).map((v, i) => newList([start + i, v], true)));
  }),
  isinstance: fn('isinstance', () => {
    throw new PyError('isinstance() is not supported in configs');
  }),
};

function deepcopyValue(v: Value): Value {
  if (v instanceof PyFloat) return v;
  return deepCopy(v);
}

/** The modules a config may import (`import copy`, `import math`), built on import. */
export const MODULES: Record<string, () => PyModule> = {
  copy: () => new PyModule('copy', {
    deepcopy: fn('copy.deepcopy', (args) => {
      argCount('deepcopy', args, 1, 1);
      return deepcopyValue(args[0]);
    }),
    copy: fn('copy.copy', (args) => {
      argCount('copy', args, 1, 1);
      return args[0] instanceof PyFloat ? args[0] : (shallowCopy(args[0]) as Value);
    }),
  }),
  math: () => {
    const unary = (name: string, f: (x: number) => number, intResult = false): PyCallable =>
      fn(`math.${name}`, (args) => {
        argCount(`math.${name}`, args, 1, 1);
        numericArgs(`math.${name}`, args);
        const r = f(num(args[0]));
        return intResult ? r : mkNum(r, true);
      });
    return new PyModule('math', {
      pi: new PyFloat(Math.PI),
      e: new PyFloat(Math.E),
      inf: new PyFloat(Infinity),
      sqrt: unary('sqrt', Math.sqrt),
      log: unary('log', Math.log),
      log2: unary('log2', Math.log2),
      exp: unary('exp', Math.exp),
      cos: unary('cos', Math.cos),
      sin: unary('sin', Math.sin),
      ceil: unary('ceil', Math.ceil, true),
      floor: unary('floor', Math.floor, true),
    });
  },
};

/** The bound method `obj.name` of a str, list, tuple or dict, or `undefined` when it has none. */
export function method(obj: Value, name: string): PyCallable | undefined {
  const m = (f: (args: Value[], kwargs: [string, Value][]) => Value): PyCallable => fn(`${typeName(obj)}.${name}`, f);
  if (typeof obj === 'string') {
    switch (name) {
      case 'format': return m((args, kwargs) => strFormat(obj, args, kwargs));
      case 'upper': return m(() => obj.toUpperCase());
      case 'lower': return m(() => obj.toLowerCase());
      case 'strip': return m((args) => (args.length && args[0] !== null ? trimChars(obj, String(args[0]), true, true) : obj.trim()));
      case 'lstrip': return m((args) => (args.length && args[0] !== null ? trimChars(obj, String(args[0]), true, false) : obj.trimStart()));
      case 'rstrip': return m((args) => (args.length && args[0] !== null ? trimChars(obj, String(args[0]), false, true) : obj.trimEnd()));
      case 'replace': return m((args) => obj.split(String(args[0])).join(String(args[1])));
      case 'startswith': return m((args) => obj.startsWith(String(args[0])));
      case 'endswith': return m((args) => obj.endsWith(String(args[0])));
      case 'split': return m((args) => newList(args.length && args[0] !== null ? obj.split(String(args[0])) : obj.split(/\s+/).filter(Boolean)));
      case 'join': return m((args) => iterate(args[0]).map((v) => {
        if (typeof v !== 'string') throw new PyError(`str.join(): expected str instance, ${typeName(v)} found`);
        return v;
      }).join(obj));
    }
    return undefined;
  }
  if (Array.isArray(obj)) {
    const tuple = isTuple(obj);
    switch (name) {
      case 'count': return m((args) => listItems(obj).filter((v) => pyEq(v, args[0])).length);
      case 'index': return m((args) => {
        const i = listItems(obj).findIndex((v) => pyEq(v, args[0]));
        if (i < 0) throw new PyError(`${pyRepr(args[0])} is not in ${typeName(obj)}`);
        return i;
      });
    }
    if (tuple) return undefined;
    switch (name) {
      case 'append': return m((args) => (argCount('append', args, 1, 1), store(obj, obj.length, args[0]), null));
      case 'extend': return m((args) => {
        for (const v of iterate(args[0])) store(obj, obj.length, v);
        return null;
      });
      case 'insert': return m((args) => {
        argCount('insert', args, 2, 2);
        const items = listItems(obj);
        let at = num(args[0]);
        if (at < 0) at = Math.max(0, items.length + at);
        items.splice(Math.min(at, items.length), 0, args[1]);
        items.forEach((v, i) => store(obj, i, v));
        return null;
      });
      case 'pop': return m((args) => {
        const items = listItems(obj);
        const at = normIndex(args.length ? args[0] : -1, items.length, 'pop');
        const [v] = items.splice(at, 1);
        obj.length = 0;
        items.forEach((x, i) => store(obj, i, x));
        return v;
      });
      case 'remove': return m((args) => {
        const items = listItems(obj);
        const at = items.findIndex((v) => pyEq(v, args[0]));
        if (at < 0) throw new PyError('list.remove(x): x not in list');
        items.splice(at, 1);
        obj.length = 0;
        items.forEach((x, i) => store(obj, i, x));
        return null;
      });
      case 'copy': return m(() => shallowCopy(obj));
      case 'reverse': return m(() => {
        const items = listItems(obj).reverse();
        items.forEach((x, i) => store(obj, i, x));
        return null;
      });
    }
    return undefined;
  }
  if (isDict(obj)) {
    switch (name) {
      case 'copy': return m(() => shallowCopy(obj));
      case 'get': return m((args) => {
        argCount('get', args, 1, 2);
        const k = dictKey(args[0]);
        return Object.prototype.hasOwnProperty.call(obj, k) ? load(obj, k) : (args[1] ?? null);
      });
      case 'keys': return m(() => newList(Object.keys(obj)));
      case 'values': return m(() => newList(dictEntries(obj).map(([, v]) => v)));
      case 'items': return m(() => newList(dictEntries(obj).map(([k, v]) => newList([k, v], true))));
      case 'update': return m((args, kwargs) => {
        for (const [k, v] of dictEntries(dictFromArgs('update', args, kwargs))) store(obj, k, v);
        return null;
      });
      case 'pop': return m((args) => {
        argCount('pop', args, 1, 2);
        const k = dictKey(args[0]);
        if (!Object.prototype.hasOwnProperty.call(obj, k)) {
          if (args.length > 1) return args[1];
          throw new PyError(`KeyError: ${strRepr(k)}`);
        }
        const v = load(obj, k);
        delete obj[k];
        markFloat(obj, k, false);
        return v;
      });
      case 'setdefault': return m((args) => {
        const k = dictKey(args[0]);
        if (!Object.prototype.hasOwnProperty.call(obj, k)) store(obj, k, args[1] ?? null);
        return load(obj, k);
      });
    }
  }
  return undefined;
}

function trimChars(s: string, chars: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  while (left && a < b && chars.includes(s[a])) a++;
  while (right && b > a && chars.includes(s[b - 1])) b--;
  return s.slice(a, b);
}
