import type { ByteSource } from '../byte_source';
import { CheckpointError } from '../errors';
import type { ForbiddenPolicy } from '../pickle/globals';
import { readZipEntry, readZipEntryInto, type ZipEntry } from '../zip/zip_reader';
import { TensorMaterialiser } from './materialise';
import { emptyReport, torchHooks, unpickleOrThrow } from './torch_unpickle';
import { StorageRef, torchGlobals } from './torch_globals';
import type { RawCheckpoint } from './raw_checkpoint';

/** Finds the archive folder (`<archive>/data.pkl`; PyTorch names it after the file) of a zip checkpoint. */
export function findArchivePrefix(entries: Map<string, ZipEntry>, file: string): string {
  const pkls = [...entries.keys()].filter((n) => /^([^/]+\/)?data\.pkl$/.test(n));
  if (pkls.length === 0) {
    const some = [...entries.keys()].slice(0, 5).join(', ');
    throw new CheckpointError(file, `zip archive is not a PyTorch checkpoint: no <archive>/data.pkl (entries: ${some}${entries.size > 5 ? ', …' : ''})`);
  }
  if (pkls.length > 1) throw new CheckpointError(file, `zip archive holds several pickles (${pkls.join(', ')})`);
  return pkls[0].slice(0, -'data.pkl'.length);
}

/**
 * Reads a zip-format `.pth` (PyTorch ≥ 1.6): unpickles `<archive>/data.pkl` and returns the object with
 * tensor references, plus a materialiser that reads `<archive>/data/<key>` storages on demand.
 */
export async function readPthZip(
  source: ByteSource,
  entries: Map<string, ZipEntry>,
  file: string,
  opts: { forbidden: ForbiddenPolicy; onStorageRead?: (bytes: number) => void },
): Promise<RawCheckpoint> {
  const prefix = findArchivePrefix(entries, file);
  const entry = (name: string): ZipEntry | undefined => entries.get(prefix + name);
  if (entry('constants.pkl') || [...entries.keys()].some((n) => n.startsWith(`${prefix}code/`))) {
    throw new CheckpointError(file, 'this is a TorchScript archive (torch.jit.save), not a checkpoint: save model.state_dict() with torch.save instead');
  }
  const byteorderEntry = entry('byteorder');
  const byteorder = byteorderEntry ? new TextDecoder().decode(await readZipEntry(source, byteorderEntry, file)).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') throw new CheckpointError(file, `unknown byteorder '${byteorder}'`);
  const pkl = await readZipEntry(source, entry('data.pkl')!, file);
  const report = emptyReport();
  const storages = new Map<string, StorageRef>();
  const hooks = torchHooks(opts.forbidden, report, ({ type, key, location, numel }) => {
    let ref = storages.get(key);
    if (!ref) storages.set(key, (ref = new StorageRef(key, type.dtype, numel, location)));
    return ref;
  }, torchGlobals());
  const { value } = unpickleOrThrow(pkl, hooks, file, `${prefix}data.pkl`);
  const record = (ref: StorageRef): ZipEntry => {
    const e = entry(`data/${ref.key}`);
    if (!e) throw new CheckpointError(file, `storage record '${prefix}data/${ref.key}' is missing from the archive`);
    return e;
  };
  const materialiser = new TensorMaterialiser(file, (ref) => readZipEntry(source, record(ref), file), {
    bigEndian: byteorder === 'big',
    onStorageRead: opts.onStorageRead,
    readStorageInto: (ref, dest) => readZipEntryInto(source, record(ref), file, dest),
  });
  return { root: value, materialiser, report, format: 'pth-zip' };
}
