import type { NpyArray, NpyData, NpyDtype } from '../npy';
import { PickleError, SafeGlobal, describe, type PyStateful } from './unpickler';

/** numpy type codes (kind + item size) the loader decodes. */
const NUMPY_TYPES: Record<string, NpyDtype> = {
  f2: 'float16', f4: 'float32', f8: 'float64', i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', u2: 'uint16', u4: 'uint32', b1: 'bool',
};

/** `numpy.dtype(...)` as pickled: the type code and, after `BUILD`, the byte order. */
export class NumpyDtype implements PyStateful {
  byteorder = '=';
  constructor(readonly code: string) {}
  pySetState(state: unknown): void {
    if (Array.isArray(state) && typeof state[1] === 'string') this.byteorder = state[1];
  }
  /** The npy element type, or undefined for types the loader does not decode (strings, objects…). */
  get npyDtype(): NpyDtype | undefined {
    return NUMPY_TYPES[this.code.replace(/^[<>=|]/, '')];
  }
  get bigEndian(): boolean {
    return this.byteorder === '>' || this.code.startsWith('>');
  }
}

function decodeNumpyBytes(raw: Uint8Array, dtype: NumpyDtype): NpyData | number[] {
  const t = dtype.npyDtype;
  if (!t) throw new PickleError(`numpy dtype '${dtype.code}' is not supported`);
  const size = Number(dtype.code.replace(/^[<>=|]?[a-z]/, ''));
  const bytes = raw.slice(); // copy: aligned and independent of the pickle buffer
  if (dtype.bigEndian && size > 1) {
    for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  }
  const buf = bytes.buffer;
  switch (t) {
    case 'float16': return new Uint16Array(buf);
    case 'float32': return new Float32Array(buf);
    case 'float64': return new Float64Array(buf);
    case 'int8': return new Int8Array(buf);
    case 'int16': return new Int16Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'int64': return new BigInt64Array(buf);
    case 'uint8': case 'bool': return new Uint8Array(buf);
    case 'uint16': return new Uint16Array(buf);
    case 'uint32': return new Uint32Array(buf);
  }
}

/**
 * A numpy array rebuilt from `numpy.core.multiarray._reconstruct` + `BUILD`: the same shape as the `.npy`
 * reader's arrays (`dtype`, `shape`, C-order `data`). Object arrays keep their elements in `objects`.
 */
export class NumpyArray implements NpyArray, PyStateful {
  dtype: NpyDtype = 'float64';
  shape: number[] = [];
  data: NpyData = new Float64Array(0);
  /** Elements of an object (`dtype('O')`) array. */
  objects?: unknown[];
  pySetState(state: unknown): void {
    if (!Array.isArray(state) || state.length < 5) throw new PickleError(`numpy array state ${describe(state)} is not (version, shape, dtype, fortran, data)`);
    const [, shape, dtype, fortran, raw] = state as [unknown, unknown, unknown, unknown, unknown];
    if (!Array.isArray(shape) || !(dtype instanceof NumpyDtype)) throw new PickleError('numpy array state has no shape or dtype');
    if (fortran) throw new PickleError('Fortran-ordered numpy arrays are not supported');
    this.shape = shape.map(Number);
    if (Array.isArray(raw)) { this.objects = raw; return; }
    if (!(raw instanceof Uint8Array)) throw new PickleError(`numpy array data is ${describe(raw)}, expected bytes`);
    this.data = decodeNumpyBytes(raw, dtype) as NpyData;
    this.dtype = dtype.npyDtype!;
    const count = this.shape.reduce((a, b) => a * b, 1);
    if (this.data.length !== count) throw new PickleError(`numpy array of shape (${this.shape}) has ${this.data.length} elements of data`);
  }
}

function numpyScalar(args: unknown[]): unknown {
  const [dtype, raw] = args;
  if (!(dtype instanceof NumpyDtype) || !(raw instanceof Uint8Array)) throw new PickleError(`numpy scalar(${args.map(describe).join(', ')}) is not (dtype, bytes)`);
  const values = decodeNumpyBytes(raw, dtype);
  const v = (values as ArrayLike<number | bigint>)[0];
  if (dtype.npyDtype === 'bool') return v !== 0;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  return v;
}

/** Marker for `numpy.ndarray` (the class handed to `_reconstruct`). */
export const NUMPY_NDARRAY = Object.freeze({ numpyClass: 'ndarray' });

/** `_codecs.encode(text, 'latin1')`: how protocol-2 pickles carry bytes (numpy raw data). */
function codecsEncode(args: unknown[]): Uint8Array {
  const [text, encoding = 'utf-8'] = args;
  if (typeof text !== 'string') throw new PickleError(`_codecs.encode of ${describe(text)}`);
  const enc = String(encoding).toLowerCase().replace('_', '-');
  if (enc === 'latin1' || enc === 'latin-1' || enc === 'iso-8859-1') {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 255) throw new PickleError(`_codecs.encode: character U+${c.toString(16)} is not latin-1`);
      out[i] = c;
    }
    return out;
  }
  if (enc === 'utf-8' || enc === 'utf8') return new TextEncoder().encode(text);
  throw new PickleError(`_codecs.encode with encoding '${encoding}' is not supported`);
}

function reconstruct(args: unknown[]): unknown {
  if (args[0] !== NUMPY_NDARRAY) throw new PickleError(`numpy _reconstruct of ${describe(args[0])}: only numpy.ndarray is supported`);
  return new NumpyArray();
}

/** `numpy.core.numeric._frombuffer(buf, dtype, shape, order)`: how numpy pickles arrays at protocol 5. */
function frombuffer(args: unknown[]): NumpyArray {
  const [buf, dt, shape, order] = args;
  const a = new NumpyArray();
  a.pySetState([1, shape, dt, order === 'F', buf]);
  return a;
}

function dtype(args: unknown[]): NumpyDtype {
  if (typeof args[0] !== 'string') throw new PickleError(`numpy.dtype(${describe(args[0])})`);
  return new NumpyDtype(args[0]);
}

/** The numpy globals (and `_codecs.encode`) that plain state in mmengine checkpoints needs, keyed `module.name`. */
export function numpyGlobals(): Record<string, unknown> {
  const out: Record<string, unknown> = {
    '_codecs.encode': new SafeGlobal('_codecs', 'encode', codecsEncode),
    'numpy.ndarray': NUMPY_NDARRAY,
    'numpy.dtype': new SafeGlobal('numpy', 'dtype', dtype),
  };
  for (const mod of ['numpy.core.multiarray', 'numpy._core.multiarray']) {
    out[`${mod}._reconstruct`] = new SafeGlobal(mod, '_reconstruct', reconstruct);
    out[`${mod}.scalar`] = new SafeGlobal(mod, 'scalar', numpyScalar);
  }
  for (const mod of ['numpy.core.numeric', 'numpy._core.numeric']) out[`${mod}._frombuffer`] = new SafeGlobal(mod, '_frombuffer', frombuffer);
  return out;
}
