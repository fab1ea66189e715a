/**
 * The Python values of the config interpreter and their operators: boxed integral floats, callables and modules
 * beside plain config data, Python's truthiness, equality, ordering, indexing, slicing and binary operators, and
 * the bounds a config's repetitions must keep. Shared by the interpreter (`evaluator.ts`) and the builtins.
 */
import type { Pos } from './ast';
import { numberRepr, valueRepr } from './pyrepr';
import { isDict, isFloatAt, isTuple, makeTuple, markFloat, type ConfigDict } from './values';

/** A Python float whose value is integral (`1.0`), boxed while in flight so that it stays a float. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A callable: a builtin, a bound method or a module function. */
export class PyCallable {
  constructor(
    readonly name: string,
    readonly fn: (args: Value[], kwargs: [string, Value][], at: Pos) => Value,
  ) {}
}

/** A name bound by `from module import name`: a Python object that a config evaluated without Python cannot use. */
export class PyImported extends PyCallable {
  constructor(
    name: string,
    readonly module: string,
  ) {
    super(name, () => {
      throw new PyError(`'${name}' (from ${module}) is Python code, which configs read here cannot run`);
    });
  }
}

/** A module made available by `import copy` / `import math`. */
export class PyModule {
  constructor(
    readonly name: string,
    readonly attrs: Record<string, Value>,
  ) {}
}

/** A value while evaluating: plain config data, a boxed integral float, or a callable/module. */
export type Value = string | number | boolean | null | PyFloat | PyCallable | PyModule | unknown[] | ConfigDict;

/** Raised inside evaluation; turned into a {@link ConfigError} at the node that failed. */
export class PyError extends Error {}

// ---------- value helpers ----------

export function typeName(v: Value): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyCallable) return 'function';
  if (v instanceof PyModule) return 'module';
  if (Array.isArray(v)) return isTuple(v) ? 'tuple' : 'list';
  return 'dict';
}

export function isNumber(v: Value): v is number | boolean | PyFloat {
  return typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;
}

export function num(v: Value): number {
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v as number;
}

export function isFloatValue(v: Value): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** Builds a number value: integral floats are boxed so they stay floats. */
export function mkNum(x: number, float: boolean): Value {
  if (float && Number.isInteger(x)) return new PyFloat(x);
  return x;
}

/**
 * The most items (or characters) a config may build by repetition or `range()`. Python would try and run out of
 * memory (`[0] * 10**9` is 8 GB); a config never needs more than a few thousand, so a larger result is an error.
 */
export const MAX_SEQUENCE_ITEMS = 10_000_000;

export function checkSize(n: number, what: string): void {
  if (n > MAX_SEQUENCE_ITEMS) throw new PyError(`${what} would make ${n} items, more than a config may build (${MAX_SEQUENCE_ITEMS})`);
}

const weights = new WeakMap<object, number>();

/**
 * How many values `v` holds when written out, a list repeated inside another counted each time
 * (`[[0] * 10**5] * 10**5` is 10¹⁰, as its dump would be); stops counting past {@link MAX_SEQUENCE_ITEMS}.
 */
function weight(v: Value): number {
  if (v === null || typeof v !== 'object') return 1;
  const known = weights.get(v);
  if (known !== undefined) return known;
  let w = 1;
  for (const item of Array.isArray(v) ? v : isDict(v) ? Object.values(v) : []) {
    w += weight(item as Value);
    if (w > MAX_SEQUENCE_ITEMS) break;
  }
  weights.set(v, w);
  return w;
}

/** Integers are exact in Python; one past 2**1024 (a JS number's range) cannot be represented here. */
function intResult(x: number, op: string, float: boolean): Value {
  if (!float && !Number.isFinite(x)) throw new PyError(`integer result of '${op}' is too large (beyond ±1.8e308)`);
  return mkNum(x, float);
}

/** Reads `container[key]`, boxing integral floats. */
export function load(container: object, key: string | number): Value {
  const v = (container as Record<string, unknown>)[key as string] as Value;
  if (typeof v === 'number' && Number.isInteger(v) && isFloatAt(container, key)) return new PyFloat(v);
  return v;
}

/** Writes `container[key] = v`, unboxing floats into the side table. */
export function store(container: object, key: string | number, v: Value): void {
  if (v instanceof PyFloat) {
    (container as Record<string, unknown>)[key as string] = v.value;
    markFloat(container, key, true);
  } else {
    (container as Record<string, unknown>)[key as string] = v;
    markFloat(container, key, false);
  }
}

export function newList(items: Value[], tuple = false): unknown[] {
  const out: unknown[] = [];
  items.forEach((v, i) => store(out, i, v));
  return tuple ? makeTuple(out) : out;
}

export function newDict(entries: [string, Value][]): ConfigDict {
  const out: ConfigDict = {};
  for (const [k, v] of entries) store(out, k, v);
  return out;
}

export function listItems(arr: unknown[]): Value[] {
  return arr.map((_, i) => load(arr, i));
}

export function dictEntries(d: ConfigDict): [string, Value][] {
  return Object.keys(d).map((k) => [k, load(d, k)]);
}

/** Python `str()` of a value. */
export function pyStr(v: Value): string {
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

/** Python `repr()` of a value. */
export function pyRepr(v: Value): string {
  if (v instanceof PyFloat) return numberRepr(v.value, true);
  if (v instanceof PyCallable) return `<built-in function ${v.name}>`;
  if (v instanceof PyModule) return `<module '${v.name}'>`;
  return valueRepr(v);
}

export function dictKey(v: Value): string {
  if (typeof v === 'string') return v;
  if (isNumber(v) || v === null) return pyStr(v);
  throw new PyError(`unhashable or unsupported dict key of type '${typeName(v)}' (config dict keys must be strings or numbers)`);
}

export function truthy(v: Value): boolean {
  if (v === null || v === false) return false;
  if (isNumber(v)) return num(v) !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

export function pyEq(a: Value, b: Value): boolean {
  if (isNumber(a) && isNumber(b)) return num(a) === num(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (isTuple(a) !== isTuple(b) || a.length !== b.length) return false;
    return a.every((_, i) => pyEq(load(a, i), load(b, i)));
  }
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEq(load(a, k), load(b, k)));
  }
  return a === b;
}

export function pyCompare(a: Value, b: Value, op: string): number {
  if (isNumber(a) && isNumber(b)) return num(a) - num(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEq(load(a, i), load(b, i))) return pyCompare(load(a, i), load(b, i), op);
    }
    return a.length - b.length;
  }
  throw new PyError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

export function iterate(v: Value): Value[] {
  if (Array.isArray(v)) return listItems(v);
  if (typeof v === 'string') return [...v];
  if (isDict(v)) return Object.keys(v);
  throw new PyError(`'${typeName(v)}' object is not iterable`);
}

export function normIndex(i: Value, length: number, what: string): number {
  if (!isNumber(i) || isFloatValue(i)) throw new PyError(`${what} indices must be integers, not ${typeName(i)}`);
  let k = num(i);
  if (k < 0) k += length;
  if (k < 0 || k >= length) throw new PyError(`${what} index out of range (index ${num(i)}, length ${length})`);
  return k;
}

export function sliceIndices(length: number, lower: Value, upper: Value, step: Value): number[] {
  const st = step === null ? 1 : num(step);
  if (st === 0) throw new PyError('slice step cannot be zero');
  const clamp = (v: Value, dflt: number, lo: number, hi: number): number => {
    if (v === null) return dflt;
    let k = num(v);
    if (k < 0) k += length;
    return Math.min(Math.max(k, lo), hi);
  };
  const out: number[] = [];
  if (st > 0) {
    const start = clamp(lower, 0, 0, length);
    const stop = clamp(upper, length, 0, length);
    for (let k = start; k < stop; k += st) out.push(k);
  } else {
    const start = clamp(lower, length - 1, -1, length - 1);
    const stop = clamp(upper, -1, -1, length - 1);
    for (let k = start; k > stop; k += st) out.push(k);
  }
  return out;
}

/** Python floor modulo. */
function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

export function binop(op: string, a: Value, b: Value): Value {
  if (isNumber(a) && isNumber(b)) {
    const x = num(a);
    const y = num(b);
    const float = isFloatValue(a) || isFloatValue(b);
    switch (op) {
      case '+': return mkNum(x + y, float);
      case '-': return mkNum(x - y, float);
      case '*': return intResult(x * y, '*', float);
      case '/':
        if (y === 0) throw new PyError('division by zero');
        return mkNum(x / y, true);
      case '//':
        if (y === 0) throw new PyError('integer division or modulo by zero');
        return mkNum(Math.floor(x / y), float);
      case '%':
        if (y === 0) throw new PyError('integer division or modulo by zero');
        return mkNum(pyMod(x, y), float);
      case '**':
        if (x === 0 && y < 0) throw new PyError('0.0 cannot be raised to a negative power');
        return intResult(x ** y, '**', float || y < 0);
      case '&': case '|': case '^': case '<<': case '>>':
        if (float) throw new PyError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
        return op === '&' ? x & y : op === '|' ? x | y : op === '^' ? x ^ y : op === '<<' ? x * 2 ** y : Math.floor(x / 2 ** y);
    }
  }
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    return newList([...listItems(a), ...listItems(b)], isTuple(a));
  }
  if (op === '*') {
    const [seq, n] = isNumber(a) ? [b, a] : [a, b];
    if (isNumber(n) && !isFloatValue(n)) {
      const times = Math.max(0, num(n));
      if (typeof seq === 'string') {
        checkSize(seq.length * times, `'${typeName(seq)}' * ${times}`);
        return seq.repeat(times);
      }
      if (Array.isArray(seq)) {
        const items = listItems(seq);
        checkSize(items.reduce((a: number, x) => a + weight(x), 0) * times, `'${typeName(seq)}' * ${times}`);
        const out: Value[] = [];
        for (let k = 0; k < times; k++) out.push(...items);
        return newList(out, isTuple(seq));
      }
    }
  }
  if (op === '|' && isDict(a) && isDict(b)) return newDict([...dictEntries(a), ...dictEntries(b)]);
  if (op === '%' && typeof a === 'string') throw new PyError("'%' string formatting is not supported in configs: use an f-string or str.format()");
  throw new PyError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

// ---------- slices and comparisons ----------

interface Slice {
  lower: Value;
  upper: Value;
  step: Value;
}
const slices = new WeakSet<object>();
export function makeSlice(lower: Value, upper: Value, step: Value): Value {
  const s = { lower, upper, step };
  slices.add(s);
  return s as unknown as Value;
}
export function isSlice(v: Value): v is Value & Slice {
  return typeof v === 'object' && v !== null && slices.has(v);
}

export function compareOp(op: string, a: Value, b: Value): boolean {
  switch (op) {
    case '==': return pyEq(a, b);
    case '!=': return !pyEq(a, b);
    case 'is': return a === b || (a === null && b === null);
    case 'is not': return !(a === b || (a === null && b === null));
    case 'in':
    case 'not in': {
      let r: boolean;
      if (typeof b === 'string') {
        if (typeof a !== 'string') throw new PyError(`'in <string>' requires string as left operand, not ${typeName(a)}`);
        r = b.includes(a);
      } else if (isDict(b)) r = Object.prototype.hasOwnProperty.call(b, dictKey(a));
      else r = iterate(b).some((x) => pyEq(x, a));
      return op === 'in' ? r : !r;
    }
    default: {
      const c = pyCompare(a, b, op);
      return op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
    }
  }
}
