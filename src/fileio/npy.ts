import { unzipSync, zipSync } from 'fflate';

/** Element types of `.npy` arrays that the engine reads and writes. */
export type NpyDtype = 'float32' | 'float64' | 'float16' | 'uint8' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'uint32' | 'bool';

export type NpyData = Float32Array | Float64Array | Uint8Array | Int8Array | Int16Array | Int32Array | Uint16Array | Uint32Array | BigInt64Array;

/** A numpy array: C-order data and its shape. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const DESCR: Record<string, NpyDtype> = {
  '<f4': 'float32', '<f8': 'float64', '<f2': 'float16', '|u1': 'uint8', '|i1': 'int8', '<i2': 'int16',
  '<i4': 'int32', '<i8': 'int64', '<u2': 'uint16', '<u4': 'uint32', '|b1': 'bool',
};
const DESCR_OF: Record<NpyDtype, string> = Object.fromEntries(Object.entries(DESCR).map(([k, v]) => [v, k])) as Record<NpyDtype, string>;

function typedArray(dtype: NpyDtype, buf: ArrayBuffer): NpyData {
  switch (dtype) {
    case 'float32': return new Float32Array(buf);
    case 'float64': return new Float64Array(buf);
    case 'float16': return new Uint16Array(buf);
    case 'uint8': case 'bool': return new Uint8Array(buf);
    case 'int8': return new Int8Array(buf);
    case 'int16': return new Int16Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'int64': return new BigInt64Array(buf);
    case 'uint16': return new Uint16Array(buf);
    case 'uint32': return new Uint32Array(buf);
  }
}

/**
 * Parses a `.npy` file (format versions 1–3, little-endian, C order).
 * @param name used in error messages
 */
export function parseNpy(bytes: Uint8Array, name = '<npy>'): NpyArray {
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== '\x93NUMPY') throw new Error(`${name}: not a .npy file (bad magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`${name}: cannot parse .npy header ${header}`);
  if (fortran === 'True') throw new Error(`${name}: Fortran-order arrays are not supported`);
  const dtype = DESCR[descr];
  if (!dtype) throw new Error(`${name}: unsupported dtype '${descr}'`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const start = headerStart + headerLen;
  const body = bytes.slice(start).buffer; // copy: aligned for typed arrays
  const data = typedArray(dtype, body);
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`${name}: expected ${count} elements for shape (${shape}), found ${data.length}`);
  return { dtype, shape, data };
}

/** Writes a `.npy` file (version 1.0). */
export function encodeNpy(arr: NpyArray): Uint8Array {
  const shape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let header = `{'descr': '${DESCR_OF[arr.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + arr.data.byteLength);
  out.set([0x93, ...'NUMPY'.split('').map((c) => c.charCodeAt(0)), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength), 10 + header.length);
  return out;
}

/** Reads every array of a `.npz` archive (stored or deflated), keyed by name without `.npy`. */
export function parseNpz(bytes: Uint8Array, name = '<npz>'): Record<string, NpyArray> {
  const files = unzipSync(bytes);
  const out: Record<string, NpyArray> = {};
  for (const [file, content] of Object.entries(files)) {
    if (file.endsWith('.npy')) out[file.slice(0, -4)] = parseNpy(content, `${name}:${file}`);
  }
  return out;
}

/** Writes arrays into an uncompressed `.npz` archive. */
export function encodeNpz(arrays: Record<string, NpyArray>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(arrays).map(([k, v]) => [`${k}.npy`, [encodeNpy(v), { level: 0 }]])));
}

/** The array's values as float32 (float16 and int64 converted). */
export function toFloat32(arr: NpyArray): Float32Array {
  if (arr.dtype === 'float32') return arr.data as Float32Array;
  if (arr.dtype === 'float16') return Float32Array.from(arr.data as Uint16Array, halfToFloat);
  if (arr.dtype === 'int64') return Float32Array.from(arr.data as BigInt64Array, (v) => Number(v));
  return Float32Array.from(arr.data as ArrayLike<number>);
}

/** IEEE half-precision bits to a number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
