import { PyCall, PyGlobalRef, PyOrderedDict, PyPersistent, PyTuple, pickle } from '../pickle/pickler';
import { concatParts, storedTypeFor, type WriteOptions } from '../safetensors';
import { contiguousStrides, encodeTensor, numel, type TensorData } from '../tensor_data';
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
  const archive = opts.archiveName ?? 'archive';
  if (!/^[\w.-]+$/.test(archive)) throw new Error(`invalid archive name '${archive}'`);
  const storages: Array<{ name: string; data: Uint8Array }> = [];
  const entries: Array<[string, PyCall]> = [];
  for (const [k, t] of stateDict) {
    const key = String(storages.length);
    if (t.data.length !== numel(t.shape)) throw new Error(`tensor '${k}' has ${t.data.length} values for shape [${t.shape}]`);
    storages.push({ name: `${archive}/data/${key}`, data: encodeTensor(t, storedTypeFor(t, opts)) });
    entries.push([k, tensorPickle(t, key, opts)]);
  }
  const sd = new PyOrderedDict(entries);
  const root = (opts.layout ?? 'checkpoint') === 'state_dict' ? sd : new Map<string, unknown>([...(meta !== undefined ? [['meta', meta] as [string, unknown]] : []), ['state_dict', sd]]);
  const enc = new TextEncoder();
  return zipStoredParts([
    { name: `${archive}/data.pkl`, data: pickle(root) },
    { name: `${archive}/byteorder`, data: enc.encode('little') },
    ...storages,
    { name: `${archive}/version`, data: enc.encode('3\n') },
  ]);
}

/** Writes a `.pth` into one buffer (see {@link pthParts}). */
export function writePth(stateDict: Map<string, TensorData>, meta?: Record<string, unknown>, opts: PthWriteOptions = {}): Uint8Array {
  return concatParts(pthParts(stateDict, meta, opts));
}
