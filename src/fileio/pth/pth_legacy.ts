import type { ByteSource } from '../byte_source';
import { CheckpointError, PickleTruncatedError } from '../errors';
import type { ForbiddenPolicy } from '../pickle/globals';
import { PickleError, unpickle, type UnpicklerHooks } from '../pickle/unpickler';
import { ELEMENT_SIZE } from '../tensor_data';
import { TensorMaterialiser } from './materialise';
import { StorageRef, torchGlobals } from './torch_globals';
import { emptyReport, torchHooks } from './torch_unpickle';
import type { RawCheckpoint } from './raw_checkpoint';

/** `torch.serialization.MAGIC_NUMBER`, the first pickle of a legacy (pre-1.6) checkpoint. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** True when the bytes start with the legacy format's magic number pickle (`PROTO 2, LONG1 10 bytes`). */
export function looksLikeLegacyPth(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x80 && head[2] === 0x8a && head[3] === 0x0a;
}

interface Header {
  root: unknown;
  storageKeys: string[];
  /** Offset of the first storage record. */
  dataStart: number;
  littleEndian: boolean;
}

function parseHeader(bytes: Uint8Array, hooks: UnpicklerHooks, plainHooks: UnpicklerHooks, file: string): Header {
  let pos = 0;
  const next = (h: UnpicklerHooks): unknown => {
    const r = unpickle(bytes, h, pos);
    pos = r.end;
    return r.value;
  };
  const magic = next(plainHooks);
  if ((typeof magic !== 'bigint' && typeof magic !== 'number') || BigInt(magic) !== LEGACY_MAGIC) {
    throw new CheckpointError(file, 'invalid magic number: not a PyTorch legacy checkpoint (corrupt file?)');
  }
  const protocol = next(plainHooks);
  if (protocol !== LEGACY_PROTOCOL) throw new CheckpointError(file, `unsupported legacy protocol version ${String(protocol)} (expected ${LEGACY_PROTOCOL})`);
  const sysInfo = next(plainHooks);
  const littleEndian = !(sysInfo instanceof Map) || sysInfo.get('little_endian') !== false;
  const root = next(hooks);
  const keys = next(plainHooks);
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new CheckpointError(file, 'legacy storage key list is corrupt');
  return { root, storageKeys: keys as string[], dataStart: pos, littleEndian };
}

/**
 * Reads a legacy-format `.pth` (`torch.save(..., _use_new_zipfile_serialization=False)`): magic number, protocol,
 * system info, the pickled object, the list of storage keys, then each storage as an int64 element count and its
 * raw bytes. The pickles are read from a growing prefix of the file; storages are read on demand.
 */
export async function readPthLegacy(source: ByteSource, file: string, opts: { forbidden: ForbiddenPolicy; onStorageRead?: (bytes: number) => void }): Promise<RawCheckpoint> {
  const report = emptyReport();
  let storages = new Map<string, StorageRef>();
  const hooks = (): UnpicklerHooks => {
    storages = new Map();
    return torchHooks(opts.forbidden, report, ({ type, key, location, numel, view }) => {
      let root = storages.get(key);
      if (!root) storages.set(key, (root = new StorageRef(key, type.dtype, numel, location)));
      if (view === null || view === undefined) return root;
      const [viewKey, offset, size] = view as [string, number, number];
      let v = storages.get(`view:${viewKey}`);
      if (!v) storages.set(`view:${viewKey}`, (v = new StorageRef(String(viewKey), type.dtype, size, location, root, offset)));
      return v;
    }, torchGlobals());
  };
  const plainHooks: UnpicklerHooks = { findGlobal: (m, n) => { throw new PickleError(`unexpected global ${m}.${n} in a legacy header pickle`); } };
  let header: Header | undefined;
  for (let chunk = Math.min(source.size, 1 << 20); !header; chunk = Math.min(source.size, chunk * 4)) {
    const bytes = await source.read(0, chunk);
    try {
      header = parseHeader(bytes, hooks(), plainHooks, file);
    } catch (e) {
      if (e instanceof PickleTruncatedError && chunk < source.size) continue;
      if (e instanceof PickleTruncatedError) throw new CheckpointError(file, `legacy checkpoint is truncated: ${e.message}`);
      if (e instanceof PickleError) throw new CheckpointError(file, `legacy checkpoint pickle: ${e.message}`);
      throw e;
    }
  }
  const { root, storageKeys, dataStart, littleEndian } = header;
  let offsets: Map<string, number> | undefined;
  /** Storage records are sequential: walk their headers once (8 bytes each) to find every offset. */
  const locate = async (): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    let p = dataStart;
    for (const key of storageKeys) {
      const ref = storages.get(key);
      if (!ref) throw new CheckpointError(file, `legacy storage '${key}' is listed but no tensor uses it`);
      const head = await source.read(p, 8);
      const n = new DataView(head.buffer, head.byteOffset, 8).getBigInt64(0, littleEndian);
      if (n !== BigInt(ref.numel)) throw new CheckpointError(file, `legacy storage '${key}' records ${n} elements, the pickle says ${ref.numel}: corrupt file`);
      out.set(key, p + 8);
      p += 8 + ref.numel * ELEMENT_SIZE[ref.dtype];
    }
    if (p > source.size) throw new CheckpointError(file, `legacy checkpoint is truncated: storages need ${p} bytes, the file has ${source.size}`);
    return out;
  };
  const materialiser = new TensorMaterialiser(file, async (ref) => {
    offsets ??= await locate();
    const at = offsets.get(ref.key);
    if (at === undefined) throw new CheckpointError(file, `legacy storage '${ref.key}' is missing from the storage list`);
    return source.read(at, ref.numel * ELEMENT_SIZE[ref.dtype]);
  }, { bigEndian: !littleEndian, onStorageRead: opts.onStorageRead });
  return { root, materialiser, report, format: 'pth-legacy' };
}
