import { halfToFloat } from './npy';

/** Element types of checkpoint tensors after loading (float16 and bfloat16 are widened to float32). */
export type TensorDtype = 'float32' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Element types as stored in a file (PyTorch storage types, safetensors dtypes). */
export type StoredDtype = TensorDtype | 'float16' | 'bfloat16';

export type TensorArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/**
 * One tensor of a checkpoint, in C order. `data` may be a view into the bytes given to the loader
 * (copy before mutating). `originalDtype` records the stored type (e.g. `float16` widened to `float32`),
 * which the writers restore by default.
 */
export interface TensorData {
  dtype: TensorDtype;
  shape: number[];
  data: TensorArray;
  originalDtype: StoredDtype;
}

/** Bytes per element of each stored type. */
export const ELEMENT_SIZE: Record<StoredDtype, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** The type a stored type is loaded as. */
export function loadedDtype(stored: StoredDtype): TensorDtype {
  return stored === 'float16' || stored === 'bfloat16' ? 'float32' : stored;
}

/** Number of elements of a shape (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** C-order (row-major) strides of a shape, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

function swapBytes(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j];
  return out;
}

function typedView(dtype: TensorDtype, buf: ArrayBufferLike, byteOffset: number, length: number): TensorArray {
  switch (dtype) {
    case 'float32': return new Float32Array(buf, byteOffset, length);
    case 'float64': return new Float64Array(buf, byteOffset, length);
    case 'int64': return new BigInt64Array(buf, byteOffset, length);
    case 'int32': return new Int32Array(buf, byteOffset, length);
    case 'int16': return new Int16Array(buf, byteOffset, length);
    case 'int8': return new Int8Array(buf, byteOffset, length);
    case 'uint8': case 'bool': return new Uint8Array(buf, byteOffset, length);
  }
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);
let halfTable: Float32Array | undefined;

/** float16 bits → float32 for all 65,536 patterns (256 KB, built on first use): decoding is one lookup per element. */
function halfToFloatTable(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

/** Widens float16 or bfloat16 bits to float32. */
function widenHalves(halves: Uint16Array, stored: 'float16' | 'bfloat16'): Float32Array {
  const out = new Float32Array(halves.length);
  if (stored === 'float16') {
    const table = halfToFloatTable();
    for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]];
  } else {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16; // bfloat16 is the upper half of a float32
  }
  return out;
}

/**
 * Decodes little-endian (or, with `bigEndian`, big-endian) raw storage bytes into the loaded typed array.
 * Zero-copy (a view of `bytes`) when the type needs no widening and the bytes are aligned; `copy` forces a copy.
 */
export function decodeStorage(bytes: Uint8Array, stored: StoredDtype, opts: { bigEndian?: boolean; copy?: boolean } = {}): TensorArray {
  const size = ELEMENT_SIZE[stored];
  if (bytes.length % size) throw new Error(`storage of ${bytes.length} bytes is not a whole number of ${stored} elements`);
  const n = bytes.length / size;
  let src = opts.bigEndian && size > 1 ? swapBytes(bytes, size) : bytes;
  if (stored === 'float16' || stored === 'bfloat16') {
    const halves = src.byteOffset % 2 === 0 ? new Uint16Array(src.buffer, src.byteOffset, n) : new Uint16Array(src.slice().buffer);
    return widenHalves(halves, stored);
  }
  if (opts.copy || src.byteOffset % size) src = src === bytes ? src.slice() : src;
  return typedView(stored, src.buffer, src.byteOffset, n);
}

/** The loaded dtype a typed array holds (`Uint8Array` is read as uint8, never bool); undefined for other arrays. */
export function dtypeOfArray(a: ArrayBufferView): TensorDtype | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  return undefined;
}

/** A new, empty typed array of `dtype`. */
export function allocate(dtype: TensorDtype, length: number): TensorArray {
  return typedView(dtype, new ArrayBuffer(length * ELEMENT_SIZE[dtype]), 0, length);
}

/**
 * Gathers a strided view of a storage into a C-order array (PyTorch `as_strided` then `contiguous`).
 * Returns a subarray (no copy) when the view is already contiguous.
 */
export function materialiseView(storage: TensorArray, dtype: TensorDtype, offset: number, shape: readonly number[], stride: readonly number[]): TensorArray {
  // torch refuses these too: "negative dimension", "mismatch in length of strides and shape", "Negative strides are not supported"
  if (stride.length !== shape.length) throw new Error(`stride [${stride}] has ${stride.length} dimension(s), shape [${shape}] has ${shape.length}`);
  for (let d = 0; d < shape.length; d++) {
    if (!Number.isInteger(shape[d]) || shape[d] < 0) throw new Error(`dimension ${d} of shape [${shape}] is ${shape[d]}: sizes must be non-negative integers`);
    if (!Number.isInteger(stride[d]) || stride[d] < 0) throw new Error(`dimension ${d} of stride [${stride}] is ${stride[d]}: negative strides are not supported (as in PyTorch)`);
  }
  const n = numel(shape);
  if (n === 0) return allocate(dtype, 0);
  let maxIndex = offset;
  for (let d = 0; d < shape.length; d++) maxIndex += (shape[d] - 1) * stride[d];
  if (offset < 0 || maxIndex >= storage.length) {
    throw new Error(`view (offset ${offset}, shape [${shape}], stride [${stride}]) reaches element ${maxIndex} of a storage of ${storage.length}`);
  }
  const cstrides = contiguousStrides(shape);
  if (shape.every((s, d) => s === 1 || stride[d] === cstrides[d])) return storage.subarray(offset, offset + n);
  const out = allocate(dtype, n) as { [i: number]: number | bigint };
  const src = storage as unknown as { [i: number]: number | bigint };
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let srcPos = offset;
  for (let i = 0; i < n; i++) {
    out[i] = src[srcPos];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) { srcPos += stride[d]; break; }
      index[d] = 0;
      srcPos -= (shape[d] - 1) * stride[d];
    }
  }
  return out as TensorArray;
}

/** A tensor's values as float32 (int64 converted through `Number`). */
export function tensorToFloat32(t: TensorData): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.data instanceof BigInt64Array) return Float32Array.from(t.data, (v) => Number(v));
  return Float32Array.from(t.data as ArrayLike<number>);
}

/** Rounds a number to IEEE half precision bits (round to nearest even). */
export function floatToHalf(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // a carry into the exponent is still correct
  return sign | half;
}

/** Rounds a number to bfloat16 bits (round to nearest even). */
export function floatToBfloat16(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Encodes a tensor's values as little-endian bytes of `stored` (float32 narrowed to float16/bfloat16 when asked). */
export function encodeTensor(t: TensorData, stored: StoredDtype = t.originalDtype): Uint8Array {
  if (stored === 'float16' || stored === 'bfloat16') {
    const src = tensorToFloat32(t);
    const out = new Uint16Array(src.length);
    const conv = stored === 'float16' ? floatToHalf : floatToBfloat16;
    for (let i = 0; i < src.length; i++) out[i] = conv(src[i]);
    return new Uint8Array(out.buffer);
  }
  if (loadedDtype(stored) !== t.dtype) throw new Error(`cannot store a ${t.dtype} tensor as ${stored}`);
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}
