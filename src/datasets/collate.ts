/**
 * Collate functions (mmengine `dataset/utils.py`): `pseudo_collate` (the runner's default: a dict of lists, as
 * `ClsDataPreprocessor` expects) and `default_collate` (stacks same-shape packed inputs into one array).
 */
import type { DataInfo } from './types';

/** A packed array as `PackInputs` gives it (`{dtype, shape, data}`, the shape of a parsed `.npy`). */
export interface PackedArray {
  dtype: string;
  shape: number[];
  data: Uint8Array | Float32Array | Int32Array;
}

export type CollateFn = (batch: DataInfo[]) => DataInfo;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && !isPackedArray(v);
}

function isPackedArray(v: unknown): v is PackedArray {
  const p = v as PackedArray;
  return !!p && typeof p === 'object' && Array.isArray(p.shape) && ArrayBuffer.isView(p.data) && typeof p.dtype === 'string';
}

function keysOf(batch: Record<string, unknown>[]): string[] {
  const keys = Object.keys(batch[0]);
  for (const [i, item] of batch.entries()) {
    const k = Object.keys(item);
    if (k.length !== keys.length || !keys.every((key) => key in item)) {
      throw new Error(`collate: sample ${i} has keys (${k.join(', ')}) but sample 0 has (${keys.join(', ')})`);
    }
  }
  return keys;
}

/** `pseudo_collate`: a list of dicts becomes a dict of lists (recursively for nested dicts); nothing is stacked. */
export function pseudoCollate(batch: DataInfo[]): DataInfo {
  if (!batch.length) return {};
  const out: DataInfo = {};
  for (const key of keysOf(batch)) {
    const values = batch.map((b) => b[key]);
    out[key] = values.every(isPlainObject) && key !== 'data_samples' ? pseudoCollate(values as DataInfo[]) : values;
  }
  return out;
}

/** Stacks same-dtype, same-shape packed arrays into one `[N, ...shape]` array. */
export function stackPacked(items: PackedArray[], key = 'inputs'): PackedArray {
  const { dtype, shape } = items[0];
  for (const [i, it] of items.entries()) {
    if (it.dtype !== dtype || it.shape.join() !== shape.join()) {
      throw new Error(`default_collate: cannot stack '${key}': sample ${i} is ${it.dtype} (${it.shape.join(', ')}) but sample 0 is ${dtype} (${shape.join(', ')})`);
    }
  }
  const size = items[0].data.length;
  const Ctor = items[0].data.constructor as new (n: number) => Uint8Array | Float32Array | Int32Array;
  const data = new Ctor(size * items.length);
  items.forEach((it, i) => data.set(it.data as ArrayLike<number>, i * size));
  return { dtype, shape: [items.length, ...shape], data };
}

/** `default_collate`: like `pseudo_collate`, but packed arrays of equal shape are stacked and numbers become arrays. */
export function defaultCollate(batch: DataInfo[]): DataInfo {
  if (!batch.length) return {};
  const out: DataInfo = {};
  for (const key of keysOf(batch)) {
    const values = batch.map((b) => b[key]);
    if (values.every(isPackedArray)) out[key] = stackPacked(values as PackedArray[], key);
    else if (values.every((v) => typeof v === 'number')) out[key] = values;
    else if (values.every(isPlainObject) && key !== 'data_samples') out[key] = defaultCollate(values as DataInfo[]);
    else out[key] = values;
  }
  return out;
}

/** Collate functions by the names configs use (`collate_fn=dict(type='default_collate')`). */
export const COLLATE_FUNCTIONS: Record<string, CollateFn> = {
  pseudo_collate: pseudoCollate,
  default_collate: defaultCollate,
};
