import { PickleTruncatedError } from '../errors';
import { PickleGlobal, PickleObject, PY_ATTRS, type PyDict } from './values';

/**
 * A Python global the unpickler implements itself (the allowlist: `collections.OrderedDict`,
 * `torch._utils._rebuild_tensor_v2`, numpy's `_reconstruct`…): pure functions over already-decoded values.
 */
export class SafeGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    /** `REDUCE`: the global called with `args`. */
    readonly call: (args: unknown[]) => unknown,
    /** `NEWOBJ`: `cls.__new__(cls, *args)`; defaults to `call`. */
    readonly newObj?: (args: unknown[]) => unknown,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** Objects whose `BUILD` (`__setstate__`) the unpickler knows how to apply implement this. */
export interface PyStateful {
  pySetState(state: unknown): void;
}

function isStateful(x: unknown): x is PyStateful {
  return typeof x === 'object' && x !== null && typeof (x as PyStateful).pySetState === 'function';
}

/** What the unpickler asks its owner. */
export interface UnpicklerHooks {
  /** Resolves a `GLOBAL`/`STACK_GLOBAL`: a {@link SafeGlobal}, a marker value, or an inert {@link PickleGlobal}; may throw. */
  findGlobal(module: string, name: string): unknown;
  /** Resolves a persistent id (`PERSID`/`BINPERSID`): PyTorch storages. Absent: persistent ids are an error. */
  persistentLoad?(pid: unknown): unknown;
}

/** Thrown for malformed pickles; callers wrap it into a `CheckpointError` with the file name. */
export class PickleError extends Error {
  override readonly name = 'PickleError';
}

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/** Result of {@link unpickle}: the object and the byte offset just past its `STOP`. */
export interface UnpickleResult {
  value: unknown;
  end: number;
}

function fromLittleEndianSigned(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return normaliseInt(v);
}

function normaliseInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseDecimalInt(text: string, pos: number): number | bigint {
  const t = text.trim().replace(/L$/, '');
  if (!/^[+-]?\d+$/.test(t)) throw new PickleError(`invalid integer literal '${text}' at byte ${pos}`);
  return normaliseInt(BigInt(t));
}

/** Decodes a Python 2 `repr()` of a byte string (protocol 0 `STRING`), e.g. `'a\x00\n'`. */
function decodeStringRepr(text: string, pos: number): string {
  const q = text[0];
  if ((q !== "'" && q !== '"') || text[text.length - 1] !== q || text.length < 2) {
    throw new PickleError(`STRING opcode argument is not quoted at byte ${pos}`);
  }
  const body = text.slice(1, -1);
  const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') { out += c; continue; }
    const n = body[++i];
    if (n in simple) out += simple[n];
    else if (n === 'x') { out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16)); i += 2; }
    else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out += String.fromCharCode(parseInt(m, 8));
      i += m.length - 1;
    } else out += '\\' + n;
  }
  return out;
}

/** Decodes Python's `raw-unicode-escape` (protocol 0 `UNICODE`). */
function decodeRawUnicodeEscape(latin1Text: string): string {
  return latin1Text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u4?: string, u8?: string) => String.fromCodePoint(parseInt(u4 ?? u8!, 16)));
}

/**
 * A pickle virtual machine (protocols 0–5) that executes nothing: globals are resolved through
 * `hooks.findGlobal` (which returns implemented pure functions, markers or inert placeholders) and
 * calls on placeholders only record what was asked. Starts at `start`; stops at the first `STOP`.
 * Throws {@link PickleTruncatedError} when the bytes end first, {@link PickleError} for malformed input.
 */
export function unpickle(bytes: Uint8Array, hooks: UnpicklerHooks, start = 0): UnpickleResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const need = (n: number): void => {
    if (pos + n > bytes.length) throw new PickleTruncatedError(pos, pos + n - bytes.length);
  };
  const u8 = (): number => { need(1); return bytes[pos++]; };
  const u16 = (): number => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const i32 = (): number => { need(4); const v = view.getInt32(pos, true); pos += 4; return v; };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError(`length ${v} too large at byte ${pos - 8}`);
    return Number(v);
  };
  const take = (n: number): Uint8Array => { need(n); const b = bytes.subarray(pos, pos + n); pos += n; return b; };
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) throw new PickleTruncatedError(pos, 1);
    const s = latin1.decode(bytes.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) throw new PickleError(`stack underflow at byte ${pos - 1}`);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw new PickleError(`stack underflow at byte ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) throw new PickleError(`MARK expected before byte ${pos - 1}`);
    stack = prev;
    return items;
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) throw new PickleError(`memo key ${i} not found at byte ${pos}`);
    return memo.get(i);
  };
  const copy = (b: Uint8Array): Uint8Array => b.slice();

  const call = (callee: unknown, args: unknown[], how: 'reduce' | 'newobj'): unknown => {
    if (callee instanceof SafeGlobal) return how === 'newobj' && callee.newObj ? callee.newObj(args) : callee.call(args);
    if (callee instanceof PickleGlobal) return new PickleObject(callee, args, how);
    throw new PickleError(`cannot call ${describe(callee)} (byte ${pos - 1}): only globals can be called`);
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (items.length % 2) throw new PickleError(`odd number of items for SETITEMS at byte ${pos - 1}`);
    let map: Map<unknown, unknown>;
    if (target instanceof Map) map = target;
    else if (target instanceof PickleObject) map = target.dictItems ??= new Map();
    else throw new PickleError(`SETITEM(S) on ${describe(target)} at byte ${pos - 1}`);
    for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]): void => {
    if (Array.isArray(target)) target.push(...items);
    else if (target instanceof Set) items.forEach((x) => target.add(x));
    else if (target instanceof PickleObject) (target.listItems ??= []).push(...items);
    else throw new PickleError(`APPEND(S) on ${describe(target)} at byte ${pos - 1}`);
  };
  const build = (obj: unknown, state: unknown): void => {
    if (obj instanceof PickleObject) obj.state = state;
    else if (isStateful(obj)) obj.pySetState(state);
    else if (obj instanceof Map) {
      // dict subclasses (OrderedDict) pickle their __dict__: keep it aside, e.g. a state dict's `_metadata`.
      const dict = Array.isArray(state) ? state[0] : state;
      if (dict instanceof Map) (obj as PyDict)[PY_ATTRS] = dict;
      else if (dict !== null) throw new PickleError(`BUILD of a dict with state ${describe(state)} at byte ${pos - 1}`);
    } else throw new PickleError(`BUILD (__setstate__) of ${describe(obj)} is not supported (byte ${pos - 1})`);
  };
  const global = (module: string, name: string): unknown => hooks.findGlobal(module, name);
  const persistent = (pid: unknown): unknown => {
    if (!hooks.persistentLoad) throw new PickleError(`persistent id ${describe(pid)} found but no storage resolver given`);
    return hooks.persistentLoad(pid);
  };

  for (;;) {
    const opPos = pos;
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const proto = u8();
        if (proto > 5) throw new PickleError(`unsupported pickle protocol ${proto}`);
        break;
      }
      case 0x95: u64(); break; // FRAME: framing is only a read-ahead hint
      case 0x2e: // STOP '.'
        if (stack.length !== 1 || metastack.length) throw new PickleError(`STOP with ${stack.length} item(s) on the stack at byte ${opPos}`);
        return { value: stack[0], end: pos };
      // --- marks and stack
      case 0x28: metastack.push(stack); stack = []; break; // MARK '('
      case 0x30: pop(); break; // POP '0'
      case 0x31: popMark(); break; // POP_MARK '1'
      case 0x32: stack.push(top()); break; // DUP '2'
      // --- constants and numbers
      case 0x4e: stack.push(null); break; // NONE 'N'
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1 'K'
      case 0x4d: stack.push(u16()); break; // BININT2 'M'
      case 0x4a: stack.push(i32()); break; // BININT 'J'
      case 0x8a: stack.push(fromLittleEndianSigned(take(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) throw new PickleError(`negative LONG4 length at byte ${opPos}`);
        stack.push(fromLittleEndianSigned(take(n)));
        break;
      }
      case 0x49: { // INT 'I'
        const t = line();
        stack.push(t === '00' ? false : t === '01' ? true : parseDecimalInt(t, opPos));
        break;
      }
      case 0x4c: stack.push(parseDecimalInt(line(), opPos)); break; // LONG 'L'
      case 0x46: { // FLOAT 'F'
        const t = line().trim();
        const v = Number(t === 'inf' ? 'Infinity' : t === '-inf' ? '-Infinity' : t);
        if (Number.isNaN(v) && t !== 'nan') throw new PickleError(`invalid float literal '${t}' at byte ${opPos}`);
        stack.push(v);
        break;
      }
      case 0x47: { need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT 'G' (big-endian)
      // --- strings and bytes
      case 0x58: stack.push(utf8.decode(take(u32()))); break; // BINUNICODE 'X'
      case 0x8c: stack.push(utf8.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8.decode(take(u64()))); break; // BINUNICODE8
      case 0x56: stack.push(decodeRawUnicodeEscape(line())); break; // UNICODE 'V'
      case 0x53: stack.push(decodeStringRepr(line(), opPos)); break; // STRING 'S'
      case 0x54: { // BINSTRING 'T' (Python 2 str: decoded as latin-1)
        const n = i32();
        if (n < 0) throw new PickleError(`negative BINSTRING length at byte ${opPos}`);
        stack.push(latin1.decode(take(n)));
        break;
      }
      case 0x55: stack.push(latin1.decode(take(u8()))); break; // SHORT_BINSTRING 'U'
      case 0x42: stack.push(copy(take(u32()))); break; // BINBYTES 'B'
      case 0x43: stack.push(copy(take(u8()))); break; // SHORT_BINBYTES 'C'
      case 0x8e: stack.push(copy(take(u64()))); break; // BINBYTES8
      case 0x96: stack.push(copy(take(u64()))); break; // BYTEARRAY8
      case 0x97: throw new PickleError(`NEXT_BUFFER (out-of-band buffer) at byte ${opPos} is not supported`);
      case 0x98: break; // READONLY_BUFFER: no-op on our copies
      // --- containers
      case 0x29: stack.push([]); break; // EMPTY_TUPLE ')'
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x74: { const items = popMark(); stack.push(items); break; } // TUPLE 't' (popMark swaps `stack`: pop first)
      case 0x5d: stack.push([]); break; // EMPTY_LIST ']'
      case 0x6c: { const items = popMark(); stack.push(items); break; } // LIST 'l'
      case 0x61: { const x = pop(); appendItems(top(), [x]); break; } // APPEND 'a'
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS 'e'
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT '}'
      case 0x64: { const items = popMark(); const d = new Map(); setItems(d, items); stack.push(d); break; } // DICT 'd'
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM 's'
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS 'u'
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x90: { const items = popMark(); appendItems(top(), items); break; } // ADDITEMS
      case 0x91: { const items = popMark(); stack.push(new Set(items)); break; } // FROZENSET
      // --- memo
      case 0x70: memo.set(Number(parseDecimalInt(line(), opPos)), top()); break; // PUT 'p'
      case 0x71: memo.set(u8(), top()); break; // BINPUT 'q'
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT 'r'
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x67: stack.push(memoGet(Number(parseDecimalInt(line(), opPos)))); break; // GET 'g'
      case 0x68: stack.push(memoGet(u8())); break; // BINGET 'h'
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET 'j'
      // --- globals, calls, objects
      case 0x63: { const module = line(); const name = line(); stack.push(global(module, name)); break; } // GLOBAL 'c'
      case 0x93: { // STACK_GLOBAL
        const name = pop(); const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError(`STACK_GLOBAL needs two strings at byte ${opPos}`);
        stack.push(global(module, name));
        break;
      }
      case 0x52: { // REDUCE 'R'
        const args = pop(); const callee = pop();
        if (!Array.isArray(args)) throw new PickleError(`REDUCE arguments are not a tuple at byte ${opPos}`);
        stack.push(call(callee, args, 'reduce'));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop(); const cls = pop();
        if (!Array.isArray(args)) throw new PickleError(`NEWOBJ arguments are not a tuple at byte ${opPos}`);
        stack.push(call(cls, args, 'newobj'));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop(); const args = pop(); const cls = pop();
        if (!Array.isArray(args)) throw new PickleError(`NEWOBJ_EX arguments are not a tuple at byte ${opPos}`);
        const obj = call(cls, args, 'newobj');
        if (obj instanceof PickleObject && kwargs instanceof Map && kwargs.size) obj.args.push(kwargs);
        stack.push(obj);
        break;
      }
      case 0x69: { // INST 'i'
        const module = line(); const name = line();
        const args = popMark();
        stack.push(call(global(module, name), args, 'reduce'));
        break;
      }
      case 0x6f: { // OBJ 'o'
        const items = popMark();
        if (!items.length) throw new PickleError(`OBJ without a class at byte ${opPos}`);
        stack.push(call(items[0], items.slice(1), 'reduce'));
        break;
      }
      case 0x62: { const state = pop(); build(top(), state); break; } // BUILD 'b'
      case 0x50: stack.push(persistent(line())); break; // PERSID 'P'
      case 0x51: stack.push(persistent(pop())); break; // BINPERSID 'Q'
      case 0x82: case 0x83: case 0x84: // EXT1/2/4
        throw new PickleError(`copyreg extension codes (EXT opcode at byte ${opPos}) are not supported`);
      default:
        throw new PickleError(`invalid pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${opPos} (corrupt or not a pickle)`);
    }
  }
}

/** A short description of a value for error messages. */
export function describe(x: unknown): string {
  if (x === null) return 'None';
  if (x instanceof SafeGlobal) return `global ${x.qualifiedName}`;
  if (x instanceof PickleGlobal || x instanceof PickleObject) return x.toString();
  if (Array.isArray(x)) return `tuple/list of ${x.length}`;
  if (x instanceof Map) return `dict of ${x.size}`;
  if (x instanceof Uint8Array) return `bytes of ${x.length}`;
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? x.slice(0, 40) + '…' : x);
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return String(x);
}
