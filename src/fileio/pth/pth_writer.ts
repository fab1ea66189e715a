import { PyCall, PyGlobalRef, PyOrderedDict, PyPersistent, PyTuple, pickle } from '../pickle/pickler';
import { concatParts, storedTypeFor, type WriteOptions } from '../safetensors';
import { contiguousStrides, dtypeOfArray, encodeTensor, numel, type TensorData } from '../tensor_data';
import { zipStoredParts } from '../zip/zip_writer';
import { STORAGE_NAME_OF } from './torch_globals';

/** Options of {@link writePth}. */
export interface PthWriteOptions extends WriteOptions {
  /** Folder name inside the zip (PyTorch uses the file's stem; any name loads). Default `'archive'`. */
  archiveName?: string;
  /**
   * `'checkpoint'` (default): `{'meta': meta, 'state_dict': OrderedDict(...)}` as MMPretrain's `CheckpointHook`
   * writes (what `load_checkpoint` and `init_cfg=dict(type='Pretrained')` read); `'state_dict'`: the bare
   * `OrderedDict`, as `torch.save(model.state_dict())`.
   */
  layout?: 'checkpoint' | 'state_dict';
}

/** The pickle value of one tensor: `_rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())`. */
function tensorPickle(t: TensorData, key: string, opts: WriteOptions): PyCall {
  const stored = storedTypeFor(t, opts);
  const storage = new PyPersistent(new PyTuple('storage', new PyGlobalRef('torch', STORAGE_NAME_OF[stored]), key, 'cpu', numel(t.shape)));
  return new PyCall('torch._utils', '_rebuild_tensor_v2', [
    storage, 0, new PyTuple(...t.shape), new PyTuple(...contiguousStrides(t.shape)), false, new PyOrderedDict([]),
  ]);
}

/**
 * Encodes a zip-format `.pth` that `torch.load` reads and MMPretrain's `load_checkpoint` accepts, as parts
 * (see `zipStoredParts`): `<archive>/data.pkl` (pickle protocol 2), `<archive>/data/<i>` (one storage per tensor,
 * little-endian, 64-byte aligned), `<archive>/version`, `<archive>/byteorder`.
 */
export function pthParts(stateDict: Map<string, TensorData>, meta?: Record<string, unknown>, opts: PthWriteOptions = {}): Uint8Array[] {
  const root = (opts.layout ?? 'checkpoint') === 'state_dict' ? stateDict : new Map<string, unknown>([...(meta !== undefined ? [['meta', meta] as [string, unknown]] : []), ['state_dict', stateDict]]);
  return pthObjectParts(root, opts);
}

/** A tensor anywhere in a checkpoint: `TensorData`, or `{shape, data}` (an optimizer's state) taken as its array's dtype. */
function asTensor(v: unknown): TensorData | null {
  if (!v || typeof v !== 'object' || !Array.isArray((v as TensorData).shape) || !ArrayBuffer.isView((v as TensorData).data)) return null;
  const t = v as Partial<TensorData> & { shape: number[]; data: TensorData['data'] };
  const dtype = t.dtype ?? dtypeOfArray(t.data);
  if (!dtype) throw new Error(`cannot store a ${t.data.constructor.name} as a tensor`);
  return { dtype, shape: t.shape, data: t.data, originalDtype: t.originalDtype ?? dtype };
}

/**
 * Encodes any checkpoint object as a zip-format `.pth` (see {@link pthParts}): dicts (plain objects, `Map`s,
 * number keys kept as ints, as an optimizer's `state` needs), lists, scalars and strings pickled as they are;
 * every tensor (`TensorData` or `{shape, data}`) becomes a storage; a `Map` holding only tensors (a state
 * dict) becomes a `collections.OrderedDict`, as `torch.save` writes `model.state_dict()`.
 */
export function pthObjectParts(root: unknown, opts: PthWriteOptions = {}): Uint8Array[] {
  const archive = opts.archiveName ?? 'archive';
  if (!/^[\w.-]+$/.test(archive)) throw new Error(`invalid archive name '${archive}'`);
  const storages: Array<{ name: string; data: Uint8Array }> = [];
  const convert = (v: unknown, where: string): unknown => {
    const t = asTensor(v);
    if (t) {
      const key = String(storages.length);
      if (t.data.length !== numel(t.shape)) throw new Error(`tensor '${where}' has ${t.data.length} values for shape [${t.shape}]`);
      storages.push({ name: `${archive}/data/${key}`, data: encodeTensor(t, storedTypeFor(t, opts)) });
      return tensorPickle(t, key, opts);
    }
    if (v instanceof Map) {
      const entries = [...v.entries()].map(([k, x]) => [k, convert(x, `${where}.${String(k)}`)] as [unknown, unknown]);
      const allTensors = v.size > 0 && [...v.values()].every((x) => asTensor(x) !== null);
      return allTensors ? new PyOrderedDict(entries) : new Map(entries);
    }
    if (Array.isArray(v)) return v.map((x, i) => convert(x, `${where}[${i}]`));
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x, `${where}.${k}`)]));
    }
    return v;
  };
  const pickled = pickle(convert(root, 'checkpoint'));
  const enc = new TextEncoder();
  return zipStoredParts([
    { name: `${archive}/data.pkl`, data: pickled },
    { name: `${archive}/byteorder`, data: enc.encode('little') },
    ...storages,
    { name: `${archive}/version`, data: enc.encode('3\n') },
  ]);
}

/** Writes a `.pth` into one buffer (see {@link pthParts}). */
export function writePth(stateDict: Map<string, TensorData>, meta?: Record<string, unknown>, opts: PthWriteOptions = {}): Uint8Array {
  return concatParts(pthParts(stateDict, meta, opts));
}
