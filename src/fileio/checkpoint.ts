import { toByteSource, type ByteSource, type CheckpointInput } from './byte_source';
import { CheckpointError } from './errors';
import { isReadableStream, readStreamToBytes } from './stream';
import type { ForbiddenPolicy } from './pickle/globals';
import { classesOf } from './meta';
import { walk, toPlain } from './plain';
import { looksLikeLegacyPth, readPthLegacy } from './pth/pth_legacy';
import { readPthZip } from './pth/pth_zip';
import type { CheckpointFormat, RawCheckpoint } from './pth/raw_checkpoint';
import { TensorRef } from './pth/torch_globals';
import { looksLikeSafetensors, readSafetensors } from './safetensors';
import type { TensorMaterialiser } from './pth/materialise';
import { StreamedTensor } from './streamed_tensor';
import { loadedDtype, type TensorData } from './tensor_data';
import { looksLikeZip, readZipDirectory } from './zip/zip_reader';

export type { CheckpointFormat };

/** A loaded checkpoint, as MMPretrain's `load_checkpoint` sees it. */
export interface Checkpoint {
  /** File name given to the loader (used in messages). */
  name: string;
  format: CheckpointFormat;
  /** The model weights in file order, keys revised (`module.` stripped by default). */
  stateDict: Map<string, TensorData>;
  /** Where the state dict was found: `'state_dict'`, `'model'`, or `null` for a top-level state dict. */
  stateDictKey: string | null;
  /** The checkpoint's `meta` (epoch, `dataset_meta`, cfg text…) as plain JS, when present. */
  meta?: Record<string, unknown>;
  /** Class names from `meta.dataset_meta.classes` (MMPretrain 1.x) or `meta.CLASSES` (MMClassification 0.x). */
  classes?: string[];
  /**
   * Every other top-level entry (`optimizer`, `message_hub`, `param_schedulers`…) as plain JS: tensors as
   * `TensorData`, numpy arrays as `NumpyArray`, unknown classes as inert `PickleObject`s.
   */
  other: Record<string, unknown>;
  /** Globals replaced by inert placeholders (`module.name`). */
  placeholders: string[];
  /** Forbidden globals met (only with `forbidden: 'placeholder'`; the default policy throws). */
  forbidden: string[];
  /** Things a user should know (non-tensor entries dropped from the state dict…). */
  warnings: string[];
}

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /** Called as bytes are read: `(loadedBytes, totalBytes)`; ends with `loaded === total`. */
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
  /**
   * A pickle global that can only run code (`os.system`, `builtins.eval`…): `'error'` (default) stops with a
   * `CheckpointError` naming it; `'placeholder'` keeps an inert object flagged `forbidden`, lists it in
   * `Checkpoint.forbidden` and reads the rest. Either way nothing is ever executed.
   */
  forbidden?: ForbiddenPolicy;
  /**
   * Key rewrites applied in order to every match, as mmengine `load_checkpoint(revise_keys=...)` (`re.sub`).
   * Default `[[/^module\./, '']]`; `[]` keeps keys as stored.
   */
  reviseKeys?: Array<[RegExp, string]>;
  /** Size of a `ReadableStream` input when known (e.g. Content-Length): it is then read into one buffer allocated once. */
  totalBytes?: number;
  /**
   * Give every tensor its own buffer (default false: contiguous tensors are views of their storage, and for
   * in-memory input of the input bytes; set it before transferring `data.buffer` to a worker).
   */
  copyTensors?: boolean;
  /** Read only the state dict's tensors; tensors elsewhere (optimizer state) become `SkippedTensor`s. Default false. */
  stateDictOnly?: boolean;
  /**
   * Leave the state dict's tensors in the file: its entries are {@link StreamedTensor}s, read on `load()` and
   * dropped on `release()` (`Module.loadStateDictStreaming` does both, one tensor at a time). The input must stay
   * readable until then (an open file, a Blob). Other tensors are skipped as with `stateDictOnly`. Both `.pth`
   * formats and `.safetensors`. Default false.
   */
  lazy?: boolean;
}

/** A tensor outside the state dict that `stateDictOnly` did not read. */
export class SkippedTensor {
  constructor(readonly dtype: string, readonly shape: number[]) {}
}

const DEFAULT_REVISE_KEYS: Array<[RegExp, string]> = [[/^module\./, '']];

async function detectAndRead(source: ByteSource, name: string, opts: LoadCheckpointOptions, onStorageRead: (n: number) => void): Promise<RawCheckpoint | Checkpoint> {
  if (source.size === 0) throw new CheckpointError(name, 'file is empty (0 bytes)');
  const head = await source.read(0, Math.min(source.size, 16));
  const forbidden = opts.forbidden ?? 'error';
  if (looksLikeZip(head)) {
    const entries = await readZipDirectory(source, name);
    return readPthZip(source, entries, name, { forbidden, onStorageRead });
  }
  if (looksLikeLegacyPth(head)) return readPthLegacy(source, name, { forbidden, onStorageRead });
  if (looksLikeSafetensors(head, source.size)) return readSafetensors(source, name, { onProgress: opts.onProgress, lazy: opts.lazy });
  // named .safetensors but its header length or first byte is off: the reader says exactly what is wrong
  if (/\.safetensors$/i.test(name) && source.size >= 8) return readSafetensors(source, name, { onProgress: opts.onProgress, lazy: opts.lazy });
  if (source.size > 262 && new TextDecoder().decode(await source.read(257, 5)) === 'ustar') {
    throw new CheckpointError(name, 'tar-format checkpoint (PyTorch < 0.4) is not supported: re-save it with a recent torch.save');
  }
  const hex = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new CheckpointError(name, `not a checkpoint: unknown format (first bytes ${hex}); expected a PyTorch .pth (zip or legacy) or a .safetensors file`);
}

function isTensorRef(v: unknown): v is TensorRef {
  return v instanceof TensorRef;
}

/** Picks the state dict as mmengine's `_load_checkpoint_to_model` does (`state_dict`, else `model`, else the top level). */
function pickStateDict(root: unknown, name: string): { dict: Map<unknown, unknown>; key: string | null } {
  if (!(root instanceof Map)) throw new CheckpointError(name, `no state_dict found: the checkpoint holds a ${Array.isArray(root) ? 'list' : typeof root}, not a dict`);
  for (const key of ['state_dict', 'model']) {
    const v = root.get(key);
    if (v instanceof Map && [...v.values()].some(isTensorRef)) return { dict: v, key };
  }
  if (root.get('state_dict') instanceof Map) return { dict: root.get('state_dict') as Map<unknown, unknown>, key: 'state_dict' };
  return { dict: root, key: null };
}

/** Applies each rule to every match, as Python's `re.sub` (replacements use JS syntax: `$1`). */
function reviseKey(key: string, rules: Array<[RegExp, string]>): string {
  return rules.reduce((k, [pattern, repl]) => k.replace(pattern.global ? pattern : new RegExp(pattern.source, pattern.flags + 'g'), repl), key);
}

function reviseStateDict(ckpt: Checkpoint, rules: Array<[RegExp, string]>): Checkpoint {
  const stateDict = new Map<string, TensorData>();
  for (const [k, t] of ckpt.stateDict) stateDict.set(reviseKey(k, rules), t);
  return { ...ckpt, stateDict };
}

/** A state-dict tensor left in the file until asked for; its storage is kept while other tensors of it are pending. */
function streamedTensor(materialiser: TensorMaterialiser, ref: TensorRef, key: string): StreamedTensor {
  materialiser.expect(ref);
  const dtype = loadedDtype(ref.storage.root?.dtype ?? ref.storage.dtype);
  const stored = ref.storage.root?.dtype ?? ref.storage.dtype;
  return new StreamedTensor(dtype, [...ref.shape], stored, key, async () => (await materialiser.load(ref, key)).data, () => materialiser.done(ref), (dest) => materialiser.loadInto(ref, dest));
}

/** Reads the tensors of an unpickled checkpoint and shapes it into a {@link Checkpoint}. */
async function assemble(raw: RawCheckpoint, name: string, opts: LoadCheckpointOptions): Promise<Checkpoint> {
  const { dict, key } = pickStateDict(raw.root, name);
  const rules = opts.reviseKeys ?? DEFAULT_REVISE_KEYS;
  const stateDict = new Map<string, TensorData>();
  const warnings: string[] = [];
  const loaded = new Map<TensorRef, TensorData>();
  const otherTop = new Map<unknown, unknown>();
  const lazy = opts.lazy === true;
  for (const [k, v] of dict) {
    if (isTensorRef(v)) {
      const t = lazy ? streamedTensor(raw.materialiser, v, String(k)) : await raw.materialiser.load(v, String(k));
      loaded.set(v, t);
      const revised = reviseKey(String(k), rules);
      if (stateDict.has(revised)) warnings.push(`key '${revised}' appears twice after revising keys; the later one is kept`);
      stateDict.set(revised, t);
    } else if (key === null) otherTop.set(k, v);
    else warnings.push(`state dict entry '${String(k)}' is not a tensor (${typeof v}); skipped`);
  }
  const rest = key === null ? otherTop : new Map([...(raw.root as Map<unknown, unknown>)].filter(([k]) => k !== key));
  if (!opts.stateDictOnly && !lazy) {
    const refs: Array<[TensorRef, string]> = [];
    walk(rest, (v, path) => { if (isTensorRef(v) && !loaded.has(v)) refs.push([v, path]); });
    for (const [ref, path] of refs) loaded.set(ref, await raw.materialiser.load(ref, path));
  }
  if (!lazy) raw.materialiser.release();
  if (opts.copyTensors && !lazy) for (const t of loaded.values()) t.data = t.data.slice();
  const plain = toPlain(rest, (v) => (isTensorRef(v) ? loaded.get(v) ?? new SkippedTensor(v.storage.dtype, v.shape) : v));
  const other = plain instanceof Map ? Object.fromEntries([...plain].map(([k, v]) => [String(k), v])) : (plain as Record<string, unknown>);
  const metaValue = other.meta;
  delete other.meta;
  const meta = metaValue && typeof metaValue === 'object' && !(metaValue instanceof Map) ? (metaValue as Record<string, unknown>) : undefined;
  return {
    name,
    format: raw.format,
    stateDict,
    stateDictKey: key,
    meta,
    classes: classesOf(meta),
    other,
    placeholders: [...raw.report.placeholders],
    forbidden: [...raw.report.forbidden],
    warnings,
  };
}

/**
 * Loads a PyTorch `.pth` (zip or legacy format) or a `.safetensors` checkpoint, in the browser or in Node,
 * without executing anything. Storages are read one at a time from the source, so a `Blob`/`File` or a
 * file-handle `ByteSource` never needs the whole file in memory.
 * @param input the file: bytes, a `Blob`/`File`, a `ByteSource` (Node: `loadCheckpointFile` in `fileio/node`), or a
 *   `ReadableStream` (a fetch body: read once into memory, with `totalBytes` into a buffer allocated once)
 * @param name file name used in messages
 * @throws CheckpointError naming the file and the problem (empty, truncated, corrupt, forbidden global…)
 */
export async function loadCheckpoint(input: CheckpointInput | ReadableStream<Uint8Array>, name: string, opts: LoadCheckpointOptions = {}): Promise<Checkpoint> {
  if (isReadableStream(input)) {
    // a stream is not random access: read it once (download progress), then parse from memory
    let bytes: Uint8Array;
    try {
      bytes = await readStreamToBytes(input, name, opts);
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(name, `reading the stream failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    return loadCheckpoint(bytes, name, { ...opts, totalBytes: undefined });
  }
  const source = toByteSource(input, name);
  let loaded = 0;
  const progress = (bytes: number): void => {
    loaded = Math.min(source.size, loaded + bytes);
    opts.onProgress?.(loaded, source.size);
  };
  try {
    const raw = await detectAndRead(source, name, opts, progress);
    const ckpt = 'materialiser' in raw ? await assemble(raw, name, opts) : reviseStateDict(raw, opts.reviseKeys ?? DEFAULT_REVISE_KEYS);
    if (!opts.lazy) opts.onProgress?.(source.size, source.size);
    if (opts.copyTensors && !opts.lazy && ckpt.format === 'safetensors') for (const t of ckpt.stateDict.values()) t.data = t.data.slice();
    return ckpt;
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    // e.g. RangeError from a hostile file (nesting too deep, an allocation too large): still name the file
    throw new CheckpointError(name, `cannot be read: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}
