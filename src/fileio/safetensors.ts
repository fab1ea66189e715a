import { StreamedTensor } from './streamed_tensor';
import { toByteSource, type CheckpointInput } from './byte_source';
import type { Checkpoint } from './checkpoint';
import { CheckpointError } from './errors';
import { classesOf } from './meta';
import { decodeStorage, ELEMENT_SIZE, encodeTensor, loadedDtype, numel, type StoredDtype, type TensorArray, type TensorData } from './tensor_data';

/** safetensors dtype names and the stored types they map to. */
const SAFETENSORS_DTYPES: Record<string, StoredDtype> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64', I64: 'int64', I32: 'int32', I16: 'int16',
  I8: 'int8', U8: 'uint8', BOOL: 'bool',
};
const NAME_OF: Record<StoredDtype, string> = Object.fromEntries(Object.entries(SAFETENSORS_DTYPES).map(([k, v]) => [v, k])) as Record<StoredDtype, string>;

/** The `__metadata__` key under which the writer stores the checkpoint `meta` as JSON. */
export const META_KEY = 'mmpretrain_meta';
/** Header limit: the reference implementation refuses headers over 100 MB. */
const MAX_HEADER = 100_000_000;

/** True when the bytes start like a safetensors file (u64 header length, then `{`). */
export function looksLikeSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 9) return false;
  const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  return n > 1n && n <= BigInt(size - 8) && head[8] === 0x7b;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function parseHeader(bytes: Uint8Array, file: string): { tensors: Array<[string, HeaderEntry]>; metadata: Record<string, string> } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new CheckpointError(file, `safetensors header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CheckpointError(file, 'safetensors header is not a JSON object');
  const metadata: Record<string, string> = {};
  const tensors: Array<[string, HeaderEntry]> = [];
  for (const [key, v] of Object.entries(json as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (typeof v !== 'object' || v === null) throw new CheckpointError(file, 'safetensors __metadata__ is not an object');
      for (const [mk, mv] of Object.entries(v)) {
        if (typeof mv !== 'string') throw new CheckpointError(file, `safetensors __metadata__['${mk}'] is not a string`);
        metadata[mk] = mv;
      }
      continue;
    }
    const e = v as HeaderEntry;
    const ok = typeof e === 'object' && e !== null && typeof e.dtype === 'string' && Array.isArray(e.shape)
      && e.shape.every((d) => Number.isInteger(d) && d >= 0) && Array.isArray(e.data_offsets) && e.data_offsets.length === 2
      && e.data_offsets.every((d) => Number.isInteger(d) && d >= 0) && e.data_offsets[0] <= e.data_offsets[1];
    if (!ok) throw new CheckpointError(file, `safetensors header entry '${key}' is malformed (${JSON.stringify(v).slice(0, 120)})`);
    tensors.push([key, e]);
  }
  // JSON objects reorder integer-like keys: file order is the order of the data.
  tensors.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  return { tensors, metadata };
}

/**
 * Reads a `.safetensors` file tensor by tensor from `source`. The state dict keeps file order; `meta` comes
 * from `__metadata__.mmpretrain_meta` (JSON) when this project wrote the file; all metadata is in `other.__metadata__`.
 */
export async function readSafetensors(input: CheckpointInput, file: string, opts: { onProgress?: (loaded: number, total: number) => void; lazy?: boolean } = {}): Promise<Checkpoint> {
  const source = toByteSource(input, file);
  if (source.size < 8) throw new CheckpointError(file, `safetensors file is too short (${source.size} bytes)`);
  const lenBytes = await source.read(0, 8);
  const headerLen = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER) && headerLen <= BigInt(source.size - 8)) {
    throw new CheckpointError(file, `safetensors header length ${headerLen} (bytes 0..8) is more than the ${MAX_HEADER / 1e6} MB the format allows`);
  }
  if (headerLen > BigInt(Math.min(MAX_HEADER, source.size - 8))) {
    throw new CheckpointError(file, `safetensors header length ${headerLen} exceeds the file (${source.size} bytes): truncated or not a safetensors file`);
  }
  const dataStart = 8 + Number(headerLen);
  const { tensors, metadata } = parseHeader(await source.read(8, Number(headerLen)), file);
  const stateDict = new Map<string, TensorData>();
  let loaded = dataStart;
  let previous: [string, number] | null = null;
  for (const [key, e] of tensors) {
    const stored = SAFETENSORS_DTYPES[e.dtype];
    if (!stored) throw new CheckpointError(file, `tensor '${key}' has unsupported safetensors dtype '${e.dtype}' (supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`);
    const [begin, end] = e.data_offsets;
    const expected = numel(e.shape) * ELEMENT_SIZE[stored];
    if (end - begin !== expected) throw new CheckpointError(file, `tensor '${key}' has ${end - begin} bytes, expected ${expected} for shape [${e.shape}] ${e.dtype}`);
    if (dataStart + end > source.size) throw new CheckpointError(file, `tensor '${key}' (bytes ${dataStart + begin}..${dataStart + end}) lies past the end of the file (${source.size} bytes): truncated`);
    // tensors are sorted by their first byte: each must start where the one before ended or later (the format has no shared bytes)
    if (previous && begin < previous[1]) throw new CheckpointError(file, `tensor '${key}' (data bytes ${begin}..${end}) overlaps tensor '${previous[0]}' (ending at ${previous[1]})`);
    if (end > begin) previous = [key, end];
    const read = async (): Promise<TensorArray> => {
      const data = decodeStorage(await source.read(dataStart + begin, end - begin), stored);
      loaded += end - begin;
      opts.onProgress?.(loaded, source.size);
      return data;
    };
    // float32 is stored as it is loaded (little-endian): straight into its destination
    const readInto = async (dest: Float32Array): Promise<boolean> => {
      if (stored !== 'float32' || !source.readInto || dest.byteLength !== end - begin) return false;
      await source.readInto(dataStart + begin, new Uint8Array(dest.buffer, dest.byteOffset, dest.byteLength));
      loaded += end - begin;
      opts.onProgress?.(loaded, source.size);
      return true;
    };
    if (opts.lazy) stateDict.set(key, new StreamedTensor(loadedDtype(stored), e.shape, stored, key, read, undefined, readInto));
    else stateDict.set(key, { dtype: loadedDtype(stored), shape: e.shape, data: await read(), originalDtype: stored });
  }
  let meta: Record<string, unknown> | undefined;
  if (metadata[META_KEY] !== undefined) {
    try {
      meta = JSON.parse(metadata[META_KEY]) as Record<string, unknown>;
    } catch (e) {
      throw new CheckpointError(file, `safetensors __metadata__.${META_KEY} is not valid JSON: ${(e as Error).message}`);
    }
  }
  return {
    name: file, format: 'safetensors', stateDict, stateDictKey: null, meta, classes: classesOf(meta),
    other: { __metadata__: metadata }, placeholders: [], forbidden: [], warnings: [],
  };
}

/** Options of the checkpoint writers. */
export interface WriteOptions {
  /** Store float16/bfloat16-origin tensors back in their original type (default true); false writes float32. */
  keepOriginalDtype?: boolean;
}

/** The stored type a writer uses for a tensor. */
export function storedTypeFor(t: TensorData, opts: WriteOptions): StoredDtype {
  return opts.keepOriginalDtype === false ? t.dtype : t.originalDtype;
}

/**
 * Encodes a `.safetensors` file as parts (header, then each tensor's bytes, views where possible) to pass
 * to `new Blob(parts)` or write one by one, so a big model is not copied into one buffer.
 * `meta` goes to `__metadata__.mmpretrain_meta` as JSON, next to `format: 'pt'`.
 */
export function safetensorsParts(stateDict: Map<string, TensorData>, meta?: Record<string, unknown>, opts: WriteOptions = {}): Uint8Array[] {
  const header: Record<string, unknown> = {};
  const metadata: Record<string, string> = { format: 'pt' };
  if (meta !== undefined) metadata[META_KEY] = JSON.stringify(meta, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [key, t] of stateDict) {
    if (key === '__metadata__') throw new Error("a tensor cannot be named '__metadata__' in safetensors");
    const stored = storedTypeFor(t, opts);
    const bytes = encodeTensor(t, stored);
    header[key] = { dtype: NAME_OF[stored], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    parts.push(bytes);
  }
  header.__metadata__ = metadata; // last, as in the reference files (readers accept any position)
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const jsonBytes = new TextEncoder().encode(json);
  const head = new Uint8Array(8 + jsonBytes.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  head.set(jsonBytes, 8);
  return [head, ...parts];
}

/** Concatenates parts into one buffer. */
export function concatParts(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Writes a `.safetensors` file (see {@link safetensorsParts}). */
export function writeSafetensors(stateDict: Map<string, TensorData>, meta?: Record<string, unknown>, opts: WriteOptions = {}): Uint8Array {
  return concatParts(safetensorsParts(stateDict, meta, opts));
}
