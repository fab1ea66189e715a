/**
 * A reader for MATLAB level-5 `.mat` files (what `scipy.io.savemat` and MATLAB ≤ 7.2 write; zlib-compressed
 * elements decompressed by fflate), for the annotation files of Flowers102, DTD and StanfordCars. Values come out
 * the way MMPretrain's `mat4py.loadmat` gives them: numeric vectors as lists, scalars as numbers, char arrays as
 * strings, cells as lists, a struct as a dict and a struct array as a dict of per-field lists. Sparse and
 * complex arrays, function handles and MATLAB objects are refused with a clear message. HDF5-based v7.3 files are not
 * level-5 files and are named as such.
 */
import { unzlibSync } from 'fflate';

const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18 } as const;
const MX = { CELL: 1, STRUCT: 2, OBJECT: 3, CHAR: 4, SPARSE: 5 } as const;

/** A value as mat4py returns it. */
export type MatValue = number | string | MatValue[] | { [field: string]: MatValue };

class Reader {
  constructor(
    readonly view: DataView,
    readonly le: boolean,
    readonly file: string,
  ) {}

  fail(why: string, at: number): never {
    throw new Error(`${this.file}: ${why} (byte ${at}) — not a valid MATLAB level-5 file`);
  }

  /** The element at `pos`: its type, data range and where the next one starts. */
  element(pos: number): { type: number; start: number; size: number; next: number } {
    if (pos + 8 > this.view.byteLength) this.fail('truncated data element', pos);
    const first = this.view.getUint32(pos, this.le);
    if (first >>> 16 !== 0) {
      // small data element: type and size packed into 4 bytes, data in the next 4
      return { type: first & 0xffff, start: pos + 4, size: first >>> 16, next: pos + 8 };
    }
    const size = this.view.getUint32(pos + 4, this.le);
    const start = pos + 8;
    if (start + size > this.view.byteLength) this.fail(`data element of ${size} bytes runs past the end`, pos);
    // compressed elements are not padded; all others end on an 8-byte boundary
    const pad = first === MI.COMPRESSED ? 0 : (8 - (size % 8)) % 8;
    return { type: first, start, size, next: start + size + pad };
  }

  /** Numbers of an element of numeric type `type`. */
  numbers(type: number, start: number, size: number): number[] {
    const v = this.view;
    const widths: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8 };
    const w = widths[type];
    if (!w) this.fail(`unsupported numeric type ${type}`, start);
    const out = new Array<number>(size / w);
    for (let i = 0, p = start; i < out.length; i++, p += w) {
      switch (type) {
        case MI.INT8: out[i] = v.getInt8(p); break;
        case MI.UINT8: out[i] = v.getUint8(p); break;
        case MI.INT16: out[i] = v.getInt16(p, this.le); break;
        case MI.UINT16: out[i] = v.getUint16(p, this.le); break;
        case MI.INT32: out[i] = v.getInt32(p, this.le); break;
        case MI.UINT32: out[i] = v.getUint32(p, this.le); break;
        case MI.SINGLE: out[i] = v.getFloat32(p, this.le); break;
        case MI.DOUBLE: out[i] = v.getFloat64(p, this.le); break;
        case MI.INT64: out[i] = Number(v.getBigInt64(p, this.le)); break;
        case MI.UINT64: out[i] = Number(v.getBigUint64(p, this.le)); break;
      }
    }
    return out;
  }

  text(type: number, start: number, size: number): string {
    const bytes = new Uint8Array(this.view.buffer, this.view.byteOffset + start, size);
    if (type === MI.UTF8 || type === MI.INT8 || type === MI.UINT8) return new TextDecoder('utf-8').decode(bytes);
    return String.fromCodePoint(...this.numbers(type === MI.UTF32 ? MI.UINT32 : MI.UINT16, start, size));
  }

  /** A miMATRIX element's content (between `start` and `start + size`). */
  matrix(start: number, size: number): { name: string; value: MatValue } {
    if (size === 0) return { name: '', value: [] };
    const flags = this.element(start);
    const cls = this.view.getUint32(flags.start, this.le) & 0xff;
    const complex = (this.view.getUint32(flags.start, this.le) & 0x800) !== 0;
    const dimsEl = this.element(flags.next);
    const dims = this.numbers(dimsEl.type, dimsEl.start, dimsEl.size);
    const nameEl = this.element(dimsEl.next);
    const name = this.text(MI.INT8, nameEl.start, nameEl.size);
    const count = dims.reduce((a, b) => a * b, 1);
    let pos = nameEl.next;
    if (cls === MX.CELL) {
      const items: MatValue[] = [];
      for (let i = 0; i < count; i++) {
        const el = this.element(pos);
        items.push(this.value(el.type, el.start, el.size));
        pos = el.next;
      }
      return { name, value: shapeList(items, dims) };
    }
    if (cls === MX.STRUCT) {
      const lenEl = this.element(pos);
      const fieldLen = this.numbers(lenEl.type, lenEl.start, lenEl.size)[0];
      const namesEl = this.element(lenEl.next);
      const fields: string[] = [];
      for (let p = namesEl.start; p < namesEl.start + namesEl.size; p += fieldLen) {
        fields.push(this.text(MI.INT8, p, fieldLen).replace(/\0.*$/s, ''));
      }
      pos = namesEl.next;
      const perField: Record<string, MatValue[]> = Object.fromEntries(fields.map((f) => [f, []]));
      for (let i = 0; i < count; i++) {
        for (const f of fields) {
          const el = this.element(pos);
          perField[f].push(this.value(el.type, el.start, el.size));
          pos = el.next;
        }
      }
      const value: { [field: string]: MatValue } = {};
      for (const f of fields) value[f] = count === 1 ? perField[f][0] : perField[f];
      return { name, value };
    }
    if (cls === MX.CHAR) {
      const el = this.element(pos);
      const chars = [...this.text(el.type, el.start, el.size)];
      const [rows, cols] = [dims[0], dims.slice(1).reduce((a, b) => a * b, 1)];
      const lines = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => chars[r + c * rows] ?? '').join(''));
      return { name, value: rows === 1 ? lines[0] : lines };
    }
    if (cls === MX.SPARSE || cls === MX.OBJECT || cls > 15 || cls < 1) this.fail(`array '${name}' has an unsupported class ${cls}`, start);
    if (complex) this.fail(`array '${name}' is complex`, start);
    const re = this.element(pos);
    return { name, value: shapeList(this.numbers(re.type, re.start, re.size), dims) };
  }

  value(type: number, start: number, size: number): MatValue {
    if (type === MI.COMPRESSED) return inflateElement(this, start, size).value;
    if (type !== MI.MATRIX) this.fail(`expected a matrix element, got type ${type}`, start);
    return this.matrix(start, size).value;
  }
}

function inflateElement(r: Reader, start: number, size: number): { name: string; value: MatValue } {
  let raw: Uint8Array;
  try {
    raw = unzlibSync(new Uint8Array(r.view.buffer, r.view.byteOffset + start, size));
  } catch (e) {
    throw new Error(`${r.file}: cannot decompress a compressed element (byte ${start}): ${(e as Error).message}`);
  }
  const inner = new Reader(new DataView(raw.buffer, raw.byteOffset, raw.byteLength), r.le, r.file);
  const el = inner.element(0);
  if (el.type !== MI.MATRIX) inner.fail(`expected a matrix inside a compressed element, got type ${el.type}`, 0);
  return inner.matrix(el.start, el.size);
}

/** Column-major values of an array of `dims` as mat4py lists them: vectors flat, scalars bare, matrices as rows. */
function shapeList(values: MatValue[], dims: number[]): MatValue {
  const nonSingleton = dims.filter((d) => d !== 1);
  if (values.length === 1 && nonSingleton.length === 0) return values[0];
  if (nonSingleton.length <= 1) return values;
  const [rows, cols] = [dims[0], values.length / dims[0]];
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => values[r + c * rows]));
}

/** Reads a level-5 `.mat` file: variable name → value (mat4py's `loadmat`). */
export function loadMat(bytes: Uint8Array, file: string): Record<string, MatValue> {
  if (bytes.length < 128) throw new Error(`${file}: ${bytes.length} bytes is too short for a MATLAB file`);
  const header = new TextDecoder('latin1').decode(bytes.subarray(0, 116));
  if (/^\x89HDF/.test(new TextDecoder('latin1').decode(bytes.subarray(512, 516))) || header.includes('MATLAB 7.3')) {
    throw new Error(`${file}: a MATLAB v7.3 (HDF5) file; only level-5 .mat files are read (save with -v7 or scipy.io.savemat)`);
  }
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (!header.startsWith('MATLAB 5.0 MAT-file') && endian !== 'IM' && endian !== 'MI') throw new Error(`${file}: not a MATLAB level-5 file (no 'MATLAB 5.0 MAT-file' header)`);
  const r = new Reader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), endian === 'IM', file);
  const out: Record<string, MatValue> = {};
  for (let pos = 128; pos < bytes.length; ) {
    const el = r.element(pos);
    const m = el.type === MI.COMPRESSED ? inflateElement(r, el.start, el.size) : el.type === MI.MATRIX ? r.matrix(el.start, el.size) : null;
    if (m && m.name) out[m.name] = m.value;
    pos = el.next;
  }
  return out;
}
