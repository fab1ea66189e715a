/**
 * Evaluates the parsed Python subset of config files with Python semantics (int/float arithmetic, list/tuple/dict
 * behaviour, a small allowlist of builtins and methods). Nothing is executed outside this interpreter: the values
 * and operators are in `py_values.ts`, string formatting in `str_format.ts`, what a config may call in `builtins.ts`.
 */
import type { Arg, Expr, Pos, Stmt } from './ast';
import { BUILTINS, method, MODULES } from './builtins';
import { ConfigError } from './errors';
import { strRepr } from './pyrepr';
import { convert, formatSpec } from './str_format';
import { isDict, isTuple, type ConfigDict } from './values';
import { binop, checkSize, compareOp, dictEntries, dictKey, isFloatValue, isNumber, isSlice, iterate, listItems, load, makeSlice, mkNum, newDict, newList, normIndex, num, PyCallable, PyError, PyImported, PyModule, sliceIndices, store, truthy, typeName, type Value } from './py_values';

/** What the evaluation of one config file needs. */
export interface EvalOptions {
  /** File name used in error messages. */
  file: string;
  /** The merged base config bound to `_base_` (mutations through `_base_` change it). */
  base?: ConfigDict;
}

/** Runs statements over one file's globals, turning evaluation errors into {@link ConfigError}s at their node. */
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
