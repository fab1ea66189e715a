/**
 * Evaluates the parsed Python subset of config files with Python semantics (int/float arithmetic, list/tuple/dict
 * behaviour, a small allowlist of builtins and methods). Nothing is executed outside this interpreter.
 */
import type { Arg, Expr, Pos, Stmt } from './ast';
import { ConfigError } from './errors';
import { numberRepr, strRepr, valueRepr } from './pyrepr';
import { deepCopy, isDict, isFloatAt, isTuple, makeTuple, markFloat, shallowCopy, type ConfigDict } from './values';

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
class PyError extends Error {}

/** What the evaluation of one config file needs. */
export interface EvalOptions {
  /** File name used in error messages. */
  file: string;
  /** The merged base config bound to `_base_` (mutations through `_base_` change it). */
  base?: ConfigDict;
}

// ---------- value helpers ----------

function typeName(v: Value): string {
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

function isNumber(v: Value): v is number | boolean | PyFloat {
  return typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;
}

function num(v: Value): number {
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v as number;
}

function isFloatValue(v: Value): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** Builds a number value: integral floats are boxed so they stay floats. */
function mkNum(x: number, float: boolean): Value {
  if (float && Number.isInteger(x)) return new PyFloat(x);
  return x;
}

/**
 * The most items (or characters) a config may build by repetition or `range()`. Python would try and run out of
 * memory (`[0] * 10**9` is 8 GB); a config never needs more than a few thousand, so a larger result is an error.
 */
export const MAX_SEQUENCE_ITEMS = 10_000_000;

function checkSize(n: number, what: string): void {
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
function load(container: object, key: string | number): Value {
  const v = (container as Record<string, unknown>)[key as string] as Value;
  if (typeof v === 'number' && Number.isInteger(v) && isFloatAt(container, key)) return new PyFloat(v);
  return v;
}

/** Writes `container[key] = v`, unboxing floats into the side table. */
function store(container: object, key: string | number, v: Value): void {
  if (v instanceof PyFloat) {
    (container as Record<string, unknown>)[key as string] = v.value;
    markFloat(container, key, true);
  } else {
    (container as Record<string, unknown>)[key as string] = v;
    markFloat(container, key, false);
  }
}

function newList(items: Value[], tuple = false): unknown[] {
  const out: unknown[] = [];
  items.forEach((v, i) => store(out, i, v));
  return tuple ? makeTuple(out) : out;
}

function newDict(entries: [string, Value][]): ConfigDict {
  const out: ConfigDict = {};
  for (const [k, v] of entries) store(out, k, v);
  return out;
}

function listItems(arr: unknown[]): Value[] {
  return arr.map((_, i) => load(arr, i));
}

function dictEntries(d: ConfigDict): [string, Value][] {
  return Object.keys(d).map((k) => [k, load(d, k)]);
}

/** Python `str()` of a value. */
function pyStr(v: Value): string {
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

/** Python `repr()` of a value. */
function pyRepr(v: Value): string {
  if (v instanceof PyFloat) return numberRepr(v.value, true);
  if (v instanceof PyCallable) return `<built-in function ${v.name}>`;
  if (v instanceof PyModule) return `<module '${v.name}'>`;
  return valueRepr(v);
}

function dictKey(v: Value): string {
  if (typeof v === 'string') return v;
  if (isNumber(v) || v === null) return pyStr(v);
  throw new PyError(`unhashable or unsupported dict key of type '${typeName(v)}' (config dict keys must be strings or numbers)`);
}

function truthy(v: Value): boolean {
  if (v === null || v === false) return false;
  if (isNumber(v)) return num(v) !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

function pyEq(a: Value, b: Value): boolean {
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

function pyCompare(a: Value, b: Value, op: string): number {
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

function iterate(v: Value): Value[] {
  if (Array.isArray(v)) return listItems(v);
  if (typeof v === 'string') return [...v];
  if (isDict(v)) return Object.keys(v);
  throw new PyError(`'${typeName(v)}' object is not iterable`);
}

function normIndex(i: Value, length: number, what: string): number {
  if (!isNumber(i) || isFloatValue(i)) throw new PyError(`${what} indices must be integers, not ${typeName(i)}`);
  let k = num(i);
  if (k < 0) k += length;
  if (k < 0 || k >= length) throw new PyError(`${what} index out of range (index ${num(i)}, length ${length})`);
  return k;
}

function sliceIndices(length: number, lower: Value, upper: Value, step: Value): number[] {
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

function binop(op: string, a: Value, b: Value): Value {
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

// ---------- formatting (str.format, f-strings) ----------

function formatSpec(v: Value, spec: string): string {
  if (!spec) return pyStr(v);
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/.exec(spec);
  if (!m) throw new PyError(`invalid format specifier '${spec}'`);
  const [, fillCh, align, sign, , zero, widthS, group, precS, type] = m;
  const prec = precS === undefined ? undefined : Number(precS);
  let body: string;
  if (type && type !== 's') {
    if (!isNumber(v)) throw new PyError(`unknown format code '${type}' for object of type '${typeName(v)}'`);
    const x = num(v);
    switch (type) {
      case 'd': case 'n':
        if (isFloatValue(v)) throw new PyError(`unknown format code 'd' for object of type 'float'`);
        body = String(Math.abs(x));
        break;
      case 'f': case 'F': body = Math.abs(x).toFixed(prec ?? 6); break;
      case 'e': case 'E': body = Math.abs(x).toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2'); break;
      case '%': body = (Math.abs(x) * 100).toFixed(prec ?? 6) + '%'; break;
      case 'g': case 'G': body = String(Number(Math.abs(x).toPrecision(prec || 6))); break;
      case 'x': case 'X': body = Math.abs(x).toString(16); break;
      case 'o': body = Math.abs(x).toString(8); break;
      case 'b': body = Math.abs(x).toString(2); break;
      default: body = pyStr(Math.abs(x));
    }
    if (type === 'E' || type === 'X' || type === 'G' || type === 'F') body = body.toUpperCase();
    if (group) body = body.replace(/^(\d+)/, (d) => d.replace(/\B(?=(\d{3})+(?!\d))/g, group));
    const neg = x < 0 || Object.is(x, -0);
    body = (neg ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '') + body;
  } else {
    body = isNumber(v) && !type && prec === undefined ? pyStr(v) : pyStr(v);
    if (prec !== undefined && typeof v === 'string') body = body.slice(0, prec);
  }
  const width = widthS ? Number(widthS) : 0;
  if (body.length >= width) return body;
  const fill = fillCh ?? (zero && !align ? '0' : ' ');
  const al = align ?? (zero ? '=' : isNumber(v) ? '>' : '<');
  const pad = width - body.length;
  if (al === '<') return body + fill.repeat(pad);
  if (al === '>') return fill.repeat(pad) + body;
  if (al === '^') return fill.repeat(Math.floor(pad / 2)) + body + fill.repeat(Math.ceil(pad / 2));
  const signCh = /^[+\- ]/.test(body) ? body[0] : '';
  return signCh + fill.repeat(pad) + body.slice(signCh.length);
}

function convert(v: Value, conversion?: string): Value {
  if (conversion === 'r' || conversion === 'a') return pyRepr(v);
  if (conversion === 's') return pyStr(v);
  if (conversion) throw new PyError(`unknown conversion specifier '${conversion}'`);
  return v;
}

function strFormat(template: string, args: Value[], kwargs: [string, Value][]): string {
  let auto = 0;
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (whole, field: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const m = /^([^!:]*)(?:!(\w))?(?::(.*))?$/.exec(field ?? '')!;
    const [, ref, conversion, spec] = m;
    const path = /^([^.[]*)(.*)$/.exec(ref)!;
    let v: Value;
    if (path[1] === '') v = args[auto++];
    else if (/^\d+$/.test(path[1])) v = args[Number(path[1])];
    else {
      const kw = kwargs.find(([k]) => k === path[1]);
      if (!kw) throw new PyError(`str.format(): missing keyword argument '${path[1]}'`);
      v = kw[1];
    }
    if (v === undefined) throw new PyError('str.format(): replacement index out of range');
    for (const [, attr, key] of path[2].matchAll(/\.(\w+)|\[([^\]]+)\]/g)) {
      const k = attr ?? key;
      if (isDict(v) && k in v) v = load(v, k);
      else if (Array.isArray(v) && /^\d+$/.test(k)) v = load(v, normIndex(Number(k), v.length, 'list'));
      else throw new PyError(`str.format(): cannot look up '${k}' in a ${typeName(v)}`);
    }
    return formatSpec(convert(v, conversion), spec ?? '');
  });
}

// ---------- builtins and methods ----------

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

const BUILTINS: Record<string, PyCallable> = {
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

const MODULES: Record<string, () => PyModule> = {
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

function method(obj: Value, name: string): PyCallable | undefined {
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

// ---------- the interpreter ----------

class Interpreter {
  readonly globals = new Map<string, Value>();
  private readonly scopes: Map<string, Value>[] = [];

  constructor(private readonly file: string) {}

  private error(at: Pos, msg: string): ConfigError {
    return new ConfigError(this.file, at.line, at.column, msg);
  }

  /** Runs `f`; a {@link PyError} becomes a {@link ConfigError} at `at`. */
  private at<T>(at: Pos, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof PyError) throw this.error(at, e.message);
      throw e;
    }
  }

  run(stmts: Stmt[], skipBaseAssign: boolean): void {
    for (const s of stmts) this.exec(s, skipBaseAssign);
  }

  private exec(s: Stmt, skipBaseAssign: boolean): void {
    switch (s.kind) {
      case 'pass':
        return;
      case 'import':
        this.globals.set(s.asName, MODULES[s.module]());
        return;
      case 'fromimport':
        for (const [name, asName] of s.names) this.globals.set(asName, new PyImported(name, s.module));
        return;
      case 'expr':
        this.eval(s.value);
        return;
      case 'assign': {
        if (skipBaseAssign && s.targets.length === 1 && s.targets[0].kind === 'name' && s.targets[0].id === '_base_') return;
        const v = this.eval(s.value);
        for (const t of s.targets) this.assign(t, v);
        return;
      }
      case 'augassign': {
        const t = s.target;
        if (t.kind === 'name') {
          const cur = this.eval(t);
          this.globals.set(t.id, this.augment(cur, s.op, this.eval(s.value), s.pos));
        } else if (t.kind === 'attr') {
          const obj = this.eval(t.obj);
          const cur = this.getAttr(obj, t.name, t.pos);
          this.setAttr(obj, t.name, this.augment(cur, s.op, this.eval(s.value), s.pos), t.pos);
        } else if (t.kind === 'subscript') {
          const obj = this.eval(t.obj);
          const idx = this.eval(t.index);
          const cur = this.at(t.pos, () => this.getItem(obj, idx));
          const v = this.augment(cur, s.op, this.eval(s.value), s.pos);
          this.at(t.pos, () => this.setItem(obj, idx, v));
        }
        return;
      }
    }
  }

  private augment(cur: Value, op: string, v: Value, at: Pos): Value {
    return this.at(at, () => {
      if (Array.isArray(cur) && !isTuple(cur) && op === '+') {
        for (const item of iterate(v)) store(cur, cur.length, item);
        return cur;
      }
      if (Array.isArray(cur) && !isTuple(cur) && op === '*' && isNumber(v)) {
        const items = listItems(cur);
        checkSize(items.length * num(v), `'list' *= ${num(v)}`);
        cur.length = 0;
        for (let k = 0; k < num(v); k++) for (const item of items) store(cur, cur.length, item);
        return cur;
      }
      return binop(op, cur, v);
    });
  }

  private assign(t: Expr, v: Value): void {
    switch (t.kind) {
      case 'name':
        if (this.scopes.length) this.scopes[this.scopes.length - 1].set(t.id, v);
        else this.globals.set(t.id, v);
        return;
      case 'attr':
        this.setAttr(this.eval(t.obj), t.name, v, t.pos);
        return;
      case 'subscript': {
        const obj = this.eval(t.obj);
        const idx = this.eval(t.index);
        this.at(t.pos, () => this.setItem(obj, idx, v));
        return;
      }
      case 'tuple':
      case 'list': {
        const items = this.at(t.pos, () => iterate(v));
        if (items.length !== t.items.length) {
          throw this.error(t.pos, `cannot unpack ${items.length} values into ${t.items.length} targets`);
        }
        t.items.forEach((target, i) => this.assign(target, items[i]));
        return;
      }
      default:
        throw this.error(t.pos, `cannot assign to ${t.kind}`);
    }
  }

  private setAttr(obj: Value, name: string, v: Value, at: Pos): void {
    if (!isDict(obj)) throw this.error(at, `cannot set attribute '${name}' on a ${typeName(obj)} (only dicts take attribute assignment)`);
    store(obj, name, v);
  }

  private getAttr(obj: Value, name: string, at: Pos): Value {
    if (obj instanceof PyModule) {
      if (name in obj.attrs) return obj.attrs[name];
      throw this.error(at, `module '${obj.name}' has no attribute '${name}' available in configs`);
    }
    const m = method(obj, name);
    if (m) return m;
    if (isDict(obj)) {
      if (Object.prototype.hasOwnProperty.call(obj, name)) return load(obj, name);
      const keys = Object.keys(obj);
      throw this.error(at, `'${name}' not found (keys: ${keys.length ? keys.join(', ') : 'none'})`);
    }
    throw this.error(at, `'${typeName(obj)}' object has no attribute '${name}'`);
  }

  private getItem(obj: Value, idx: Value): Value {
    if (isDict(obj)) {
      const k = dictKey(idx);
      if (!Object.prototype.hasOwnProperty.call(obj, k)) {
        const keys = Object.keys(obj);
        throw new PyError(`KeyError: ${strRepr(k)} (keys: ${keys.length ? keys.join(', ') : 'none'})`);
      }
      return load(obj, k);
    }
    if (Array.isArray(obj) || typeof obj === 'string') {
      if (isSlice(idx)) {
        const ks = sliceIndices(obj.length, idx.lower, idx.upper, idx.step);
        if (typeof obj === 'string') return ks.map((k) => obj[k]).join('');
        return newList(ks.map((k) => load(obj, k)), isTuple(obj));
      }
      const what = typeof obj === 'string' ? 'string' : typeName(obj);
      const k = normIndex(idx, obj.length, what);
      return typeof obj === 'string' ? obj[k] : load(obj, k);
    }
    throw new PyError(`'${typeName(obj)}' object is not subscriptable`);
  }

  private setItem(obj: Value, idx: Value, v: Value): void {
    if (isDict(obj)) {
      store(obj, dictKey(idx), v);
      return;
    }
    if (Array.isArray(obj) && !isTuple(obj)) {
      if (isSlice(idx)) throw new PyError('slice assignment is not supported in configs');
      store(obj, normIndex(idx, obj.length, 'list assignment'), v);
      return;
    }
    throw new PyError(`'${typeName(obj)}' object does not support item assignment`);
  }

  private lookup(name: string, at: Pos): Value {
    for (let k = this.scopes.length - 1; k >= 0; k--) if (this.scopes[k].has(name)) return this.scopes[k].get(name)!;
    if (this.globals.has(name)) {
      const v = this.globals.get(name)!;
      if (v instanceof PyImported) {
        throw this.error(at, `'${name}' is imported from '${v.module}': a Python object used as a value is a new-style (lazy-import) config, which needs Python; old-style configs (with \`_base_\`) may import names only for an \`if __name__ == '__main__':\` block`);
      }
      return v;
    }
    if (name in BUILTINS) return BUILTINS[name];
    if (name === 'copy' || name === 'math') throw this.error(at, `name '${name}' is not defined (add 'import ${name}' first)`);
    throw this.error(at, `name '${name}' is not defined`);
  }

  eval(e: Expr): Value {
    switch (e.kind) {
      case 'const':
        return typeof e.value === 'number' ? mkNum(e.value, !!e.isFloat) : e.value;
      case 'fstring':
        return e.parts
          .map((p) => (typeof p === 'string' ? p : this.at(e.pos, () => formatSpec(convert(this.eval(p.expr), p.conversion), p.spec ?? ''))))
          .join('');
      case 'name':
        return this.lookup(e.id, e.pos);
      case 'attr':
        return this.getAttr(this.eval(e.obj), e.name, e.pos);
      case 'subscript': {
        const obj = this.eval(e.obj);
        const idx = this.eval(e.index);
        return this.at(e.pos, () => this.getItem(obj, idx));
      }
      case 'slice':
        return makeSlice(
          e.lower ? this.eval(e.lower) : null,
          e.upper ? this.eval(e.upper) : null,
          e.step ? this.eval(e.step) : null,
        );
      case 'call':
        return this.call(e);
      case 'list':
      case 'tuple':
      case 'set': {
        const items: Value[] = [];
        for (const item of e.items) {
          if (item.kind === 'starred') items.push(...this.at(item.pos, () => iterate(this.eval(item.value))));
          else items.push(this.eval(item));
        }
        if (e.kind === 'set') throw this.error(e.pos, 'set literals are not supported in configs (a set cannot be dumped as a config value): use a list or tuple');
        return newList(items, e.kind === 'tuple');
      }
      case 'starred':
        throw this.error(e.pos, 'starred expression is not allowed here');
      case 'dict': {
        const out: ConfigDict = {};
        for (const entry of e.entries) {
          if ('unpack' in entry) {
            const src = this.eval(entry.unpack);
            if (!isDict(src)) throw this.error(entry.unpack.pos, `'**' needs a dict, got ${typeName(src)}`);
            for (const [k, v] of dictEntries(src)) store(out, k, v);
          } else {
            const k = this.eval(entry.key);
            const v = this.eval(entry.value);
            store(out, this.at(entry.key.pos, () => dictKey(k)), v);
          }
        }
        return out;
      }
      case 'binop': {
        const a = this.eval(e.left);
        const b = this.eval(e.right);
        return this.at(e.pos, () => binop(e.op, a, b));
      }
      case 'unary': {
        const v = this.eval(e.operand);
        if (e.op === 'not') return !truthy(v);
        if (!isNumber(v)) throw this.error(e.pos, `bad operand type for unary ${e.op}: '${typeName(v)}'`);
        if (e.op === '-') return mkNum(-num(v), isFloatValue(v));
        if (e.op === '+') return mkNum(num(v), isFloatValue(v));
        if (isFloatValue(v)) throw this.error(e.pos, "bad operand type for unary ~: 'float'");
        return ~num(v);
      }
      case 'boolop': {
        let v: Value = null;
        for (const x of e.values) {
          v = this.eval(x);
          if (e.op === 'and' ? !truthy(v) : truthy(v)) return v;
        }
        return v;
      }
      case 'compare': {
        let left = this.eval(e.left);
        for (let k = 0; k < e.ops.length; k++) {
          const right = this.eval(e.rights[k]);
          const op = e.ops[k];
          const ok = this.at(e.pos, () => compareOp(op, left, right));
          if (!ok) return false;
          left = right;
        }
        return true;
      }
      case 'ifexp':
        return truthy(this.eval(e.test)) ? this.eval(e.body) : this.eval(e.orelse);
      case 'comp':
        return this.comprehension(e);
    }
  }

  private comprehension(e: Extract<Expr, { kind: 'comp' }>): Value {
    const items: Value[] = [];
    const entries: [string, Value][] = [];
    const scope = new Map<string, Value>();
    this.scopes.push(scope);
    try {
      const loop = (level: number): void => {
        if (level === e.clauses.length) {
          if (e.type === 'dict') entries.push([this.at(e.elt.pos, () => dictKey(this.eval(e.elt))), this.eval(e.value!)]);
          else items.push(this.eval(e.elt));
          return;
        }
        const clause = e.clauses[level];
        const iter = this.at(clause.iter.pos, () => iterate(this.eval(clause.iter)));
        for (const v of iter) {
          this.assign(clause.target, v);
          if (clause.ifs.every((c) => truthy(this.eval(c)))) loop(level + 1);
        }
      };
      loop(0);
    } finally {
      this.scopes.pop();
    }
    if (e.type === 'dict') return newDict(entries);
    if (e.type === 'set') throw this.error(e.pos, 'set comprehensions are not supported in configs: use a list');
    return newList(items);
  }

  private evalArgs(args: Arg[]): { positional: Value[]; kwargs: [string, Value][] } {
    const positional: Value[] = [];
    const kwargs: [string, Value][] = [];
    const addKw = (k: string, v: Value, at: Pos): void => {
      if (kwargs.some(([x]) => x === k)) throw this.error(at, `got multiple values for keyword argument '${k}'`);
      kwargs.push([k, v]);
    };
    for (const a of args) {
      const v = this.eval(a.value);
      if (a.star === '*') positional.push(...this.at(a.value.pos, () => iterate(v)));
      else if (a.star === '**') {
        if (!isDict(v)) throw this.error(a.value.pos, `argument after ** must be a dict, not ${typeName(v)}`);
        for (const [k, x] of dictEntries(v)) addKw(k, x, a.value.pos);
      } else if (a.name !== undefined) addKw(a.name, v, a.value.pos);
      else positional.push(v);
    }
    return { positional, kwargs };
  }

  private call(e: Extract<Expr, { kind: 'call' }>): Value {
    const f = this.eval(e.func);
    if (!(f instanceof PyCallable)) {
      throw this.error(e.pos, `'${typeName(f)}' object is not callable${e.func.kind === 'name' ? ` ('${e.func.id}')` : ''}`);
    }
    const { positional, kwargs } = this.evalArgs(e.args);
    return this.at(e.pos, () => f.fn(positional, kwargs, e.pos));
  }
}

interface Slice {
  lower: Value;
  upper: Value;
  step: Value;
}
const slices = new WeakSet<object>();
function makeSlice(lower: Value, upper: Value, step: Value): Value {
  const s = { lower, upper, step };
  slices.add(s);
  return s as unknown as Value;
}
function isSlice(v: Value): v is Value & Slice {
  return typeof v === 'object' && v !== null && slices.has(v);
}

function compareOp(op: string, a: Value, b: Value): boolean {
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

/**
 * Evaluates a parsed config module; returns its top-level variables in definition order (names starting with
 * `__`, modules and functions left out, `_base_` left out), as mmengine's `Config._file2dict` collects them.
 */
export function evaluateModule(stmts: Stmt[], opts: EvalOptions): ConfigDict {
  const interp = new Interpreter(opts.file);
  const hasBase = opts.base !== undefined;
  if (hasBase) interp.globals.set('_base_', opts.base!);
  interp.run(stmts, hasBase);
  const out: ConfigDict = {};
  for (const [k, v] of interp.globals) {
    if (k.startsWith('__') || (hasBase && k === '_base_') || v instanceof PyCallable || v instanceof PyModule) continue;
    store(out, k, v);
  }
  return out;
}

/** Evaluates one expression statement list and returns the value of `name` (used to read `_base_` alone). */
export function evaluateExpression(e: Expr, file: string): Value {
  return new Interpreter(file).eval(e);
}
