/**
 * A small pickle writer (protocol 2, the one `torch.save` uses) for plain data: None, bool, int, float, str,
 * bytes, list, tuple ({@link PyTuple}), dict (plain objects and `Map`s), `collections.OrderedDict`
 * ({@link PyOrderedDict}), references to globals and persistent ids. Enough to write checkpoints that
 * Python's `pickle` and `torch.load` read.
 */

/** A Python tuple (plain arrays are written as lists). */
export class PyTuple {
  readonly items: unknown[];
  constructor(...items: unknown[]) {
    this.items = items;
  }
}

/** A `collections.OrderedDict` (written as `OrderedDict()` + `SETITEMS`). */
export class PyOrderedDict {
  constructor(readonly entries: Iterable<[unknown, unknown]>) {}
}

/** A call `module.name(*args)` (`GLOBAL` + args tuple + `REDUCE`). */
export class PyCall {
  constructor(readonly module: string, readonly name: string, readonly args: unknown[]) {}
}

/** A reference to a global (`GLOBAL module name`), e.g. `torch.FloatStorage`. */
export class PyGlobalRef {
  constructor(readonly module: string, readonly name: string) {}
}

/** A persistent id (`BINPERSID`): the pickled value is the id tuple. */
export class PyPersistent {
  constructor(readonly id: unknown) {}
}

class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  byte(...bs: number[]): void {
    this.ensure(bs.length);
    for (const b of bs) this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  u16(v: number): void { this.ensure(2); this.view.setUint16(this.length, v, true); this.length += 2; }
  u32(v: number): void { this.ensure(4); this.view.setUint32(this.length, v, true); this.length += 4; }
  i32(v: number): void { this.ensure(4); this.view.setInt32(this.length, v, true); this.length += 4; }
  f64be(v: number): void { this.ensure(8); this.view.setFloat64(this.length, v, false); this.length += 8; }
  result(): Uint8Array { return this.buf.slice(0, this.length); }
}

const OP = {
  PROTO: 0x80, STOP: 0x2e, NONE: 0x4e, NEWTRUE: 0x88, NEWFALSE: 0x89, BININT1: 0x4b, BININT2: 0x4d, BININT: 0x4a,
  LONG1: 0x8a, BINFLOAT: 0x47, BINUNICODE: 0x58, EMPTY_TUPLE: 0x29, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87,
  MARK: 0x28, TUPLE: 0x74, EMPTY_LIST: 0x5d, APPENDS: 0x65, EMPTY_DICT: 0x7d, SETITEMS: 0x75, GLOBAL: 0x63,
  REDUCE: 0x52, BINPUT: 0x71, LONG_BINPUT: 0x72, BINGET: 0x68, LONG_BINGET: 0x6a, BINPERSID: 0x51,
} as const;

/** Python batches `APPENDS`/`SETITEMS` by 1000 items. */
const BATCH = 1000;

function signedLittleEndian(v: bigint): number[] {
  if (v === 0n) return [];
  const out: number[] = [];
  let x = v;
  for (;;) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
    const top = out[out.length - 1];
    if ((x === 0n && !(top & 0x80)) || (x === -1n && top & 0x80)) break;
  }
  return out;
}

/** Serialises `value` as a protocol-2 pickle. */
export function pickle(value: unknown): Uint8Array {
  const w = new ByteWriter();
  const memo = new Map<string, number>();
  const enc = new TextEncoder();
  const put = (key: string): void => {
    const i = memo.size;
    memo.set(key, i);
    if (i < 256) w.byte(OP.BINPUT, i);
    else { w.byte(OP.LONG_BINPUT); w.u32(i); }
  };
  const global = (module: string, name: string): void => {
    const key = `${module}\n${name}`;
    const i = memo.get(key);
    if (i !== undefined) {
      if (i < 256) w.byte(OP.BINGET, i);
      else { w.byte(OP.LONG_BINGET); w.u32(i); }
      return;
    }
    w.byte(OP.GLOBAL);
    w.bytes(enc.encode(`${module}\n${name}\n`));
    put(key);
  };
  const int = (v: number | bigint): void => {
    if (typeof v === 'number' && v >= 0 && v < 256) w.byte(OP.BININT1, v);
    else if (typeof v === 'number' && v >= 0 && v < 65536) { w.byte(OP.BININT2); w.u16(v); }
    else if (typeof v === 'number' && v >= -(2 ** 31) && v < 2 ** 31) { w.byte(OP.BININT); w.i32(v); }
    else {
      const bytes = signedLittleEndian(BigInt(v));
      w.byte(OP.LONG1, bytes.length, ...bytes);
    }
  };
  const tuple = (items: unknown[]): void => {
    if (items.length === 0) { w.byte(OP.EMPTY_TUPLE); return; }
    if (items.length <= 3) {
      items.forEach(go);
      w.byte([OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][items.length - 1]);
      return;
    }
    w.byte(OP.MARK);
    items.forEach(go);
    w.byte(OP.TUPLE);
  };
  const setItems = (entries: Iterable<[unknown, unknown]>): void => {
    let batch: Array<[unknown, unknown]> = [];
    const flush = (): void => {
      if (!batch.length) return;
      w.byte(OP.MARK);
      for (const [k, v] of batch) { go(k); go(v); }
      w.byte(OP.SETITEMS);
      batch = [];
    };
    for (const e of entries) {
      batch.push(e);
      if (batch.length === BATCH) flush();
    }
    flush();
  };
  function go(v: unknown): void {
    if (v === null || v === undefined) w.byte(OP.NONE);
    else if (v === true) w.byte(OP.NEWTRUE);
    else if (v === false) w.byte(OP.NEWFALSE);
    else if (typeof v === 'bigint') int(v);
    else if (typeof v === 'number') {
      if (Number.isInteger(v) && !Object.is(v, -0)) int(v);
      else { w.byte(OP.BINFLOAT); w.f64be(v); }
    } else if (typeof v === 'string') {
      const b = enc.encode(v);
      w.byte(OP.BINUNICODE);
      w.u32(b.length);
      w.bytes(b);
    } else if (v instanceof Uint8Array) {
      // protocol 2 has no bytes opcode for Python 3: `_codecs.encode(latin-1 text, 'latin1')`, as CPython writes
      global('_codecs', 'encode');
      tuple([String.fromCharCode(...v), 'latin1']);
      w.byte(OP.REDUCE);
    } else if (v instanceof PyTuple) tuple(v.items);
    else if (v instanceof PyGlobalRef) global(v.module, v.name);
    else if (v instanceof PyCall) { global(v.module, v.name); tuple(v.args); w.byte(OP.REDUCE); }
    else if (v instanceof PyPersistent) { go(v.id); w.byte(OP.BINPERSID); }
    else if (v instanceof PyOrderedDict) {
      global('collections', 'OrderedDict');
      w.byte(OP.EMPTY_TUPLE, OP.REDUCE);
      setItems(v.entries);
    } else if (Array.isArray(v)) {
      w.byte(OP.EMPTY_LIST);
      for (let i = 0; i < v.length; i += BATCH) {
        w.byte(OP.MARK);
        v.slice(i, i + BATCH).forEach(go);
        w.byte(OP.APPENDS);
      }
    } else if (v instanceof Map) {
      w.byte(OP.EMPTY_DICT);
      setItems(v);
    } else if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      w.byte(OP.EMPTY_DICT);
      setItems(Object.entries(v));
    } else {
      throw new Error(`cannot pickle ${Object.prototype.toString.call(v)}`);
    }
  }
  w.byte(OP.PROTO, 2);
  go(value);
  w.byte(OP.STOP);
  return w.result();
}
