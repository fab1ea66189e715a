import { FileNotFoundError, type FileSource } from './types';
import { normalizePath } from './path';
import { PathIndex } from './path_index';

/** Anything with `arrayBuffer()`: a browser `File`/`Blob` from a drop or a directory picker. */
export interface BlobLike {
  arrayBuffer(): Promise<ArrayBuffer>;
  readonly size?: number;
}

/** One entry of an in-memory source: bytes, a blob read on demand, or a loader function. */
export type MemoryEntry = Uint8Array | BlobLike | (() => Promise<Uint8Array>);

/**
 * Files held in memory under relative paths: what a directory drag-and-drop (`webkitRelativePath`) or a directory
 * picker gives in the browser, and the simplest source for tests. Blobs are read each time they are asked for.
 *
 * @example
 * const src = new MemorySource({ 'train/cat/1.jpg': file1, 'train/dog/2.jpg': file2 }, 'dropped folder');
 */
export class MemorySource implements FileSource {
  private readonly entries = new Map<string, MemoryEntry>();
  private readonly index: PathIndex;

  constructor(
    entries: Record<string, MemoryEntry> | Map<string, MemoryEntry>,
    readonly name = 'in-memory files',
  ) {
    const pairs = entries instanceof Map ? [...entries] : Object.entries(entries);
    for (const [path, entry] of pairs) this.entries.set(normalizePath(path), entry);
    this.index = new PathIndex(this.entries.keys());
  }

  async list(prefix = ''): Promise<string[]> {
    return this.index.list(prefix);
  }

  async listDirs(prefix = ''): Promise<string[]> {
    return this.index.subfolders(prefix);
  }

  async exists(path: string): Promise<boolean> {
    return this.index.hasFile(path) || this.index.hasDir(path);
  }

  async read(path: string): Promise<Uint8Array> {
    const key = normalizePath(path);
    const entry = this.entries.get(key);
    if (entry === undefined) throw new FileNotFoundError(path, this.name);
    if (entry instanceof Uint8Array) return entry;
    // Blobs and loaders are read on every call, not kept: a dropped folder of images may be larger than memory
    // (archives opened from here are cached once by the FileSystem).
    return typeof entry === 'function' ? entry() : new Uint8Array(await entry.arrayBuffer());
  }
}

/** A source holding exactly one file (a single dropped `.tar.gz`, `.bin`, image…), named by its file name. */
export function singleFileSource(fileName: string, entry: MemoryEntry): MemorySource {
  return new MemorySource({ [fileName]: entry }, fileName);
}
