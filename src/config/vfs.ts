import { normalizePath } from './path';

/**
 * Where configs are read from: the real file system in Node ({@link NodeFS} in `node_fs.ts`), or memory in the
 * browser ({@link MemoryFS}, filled with the shipped `configs/` tree plus dropped files). Paths use `/`.
 */
export interface VirtualFS {
  /** The text of a file; throws when it does not exist. */
  read(path: string): string;
  /** True when `path` is a file. */
  exists(path: string): boolean;
  /** Files directly or indirectly under `dir` (paths as `read` accepts them), when the file system can list. */
  list?(dir: string): string[];
}

/** An in-memory file system: a map from normalised paths to texts. */
export class MemoryFS implements VirtualFS {
  private readonly files = new Map<string, string>();

  /** @param files initial files, path → text (paths are normalised). */
  constructor(files: Record<string, string> | Iterable<[string, string]> = {}) {
    const entries = Symbol.iterator in files ? (files as Iterable<[string, string]>) : Object.entries(files);
    for (const [p, text] of entries) this.write(p, text);
  }

  /** Adds or replaces a file. */
  write(path: string, text: string): void {
    this.files.set(normalizePath(path), text);
  }

  /** Removes a file; returns whether it existed. */
  remove(path: string): boolean {
    return this.files.delete(normalizePath(path));
  }

  read(path: string): string {
    const text = this.files.get(normalizePath(path));
    if (text === undefined) throw new Error(`No such file: ${path}`);
    return text;
  }

  exists(path: string): boolean {
    return this.files.has(normalizePath(path));
  }

  list(dir = '.'): string[] {
    const d = normalizePath(dir);
    const prefix = d === '.' ? '' : d.endsWith('/') ? d : `${d}/`;
    return [...this.files.keys()].filter((p) => p.startsWith(prefix)).sort();
  }
}

/** One config file found by {@link listConfigFiles}. */
export interface ConfigFileEntry {
  /** Path as the file system lists it (`configs/resnet/resnet18_8xb16_cifar10.py`). */
  path: string;
  /** Path below `root` (`resnet/resnet18_8xb16_cifar10.py`). */
  relative: string;
  /** Under `_base_/` (a primitive config that others inherit) rather than a complete config. */
  isBase: boolean;
  /** First folder below `root` (`resnet`, `_base_`); '' for files directly in `root`. */
  group: string;
}

/** The `.py` configs under `root` of a listable file system, complete configs first, each group sorted by path. */
export function listConfigFiles(fs: VirtualFS, root = 'configs'): ConfigFileEntry[] {
  if (!fs.list) throw new Error('listConfigFiles: this file system cannot list folders');
  const prefix = normalizePath(root) + '/';
  return fs
    .list(root)
    .map((p) => normalizePath(p))
    .filter((p) => p.endsWith('.py') && p.startsWith(prefix))
    .map((path) => {
      const relative = path.slice(prefix.length);
      const parts = relative.split('/');
      return { path, relative, isBase: parts.includes('_base_'), group: parts.length > 1 ? parts[0] : '' };
    })
    .sort((a, b) => Number(a.isBase) - Number(b.isBase) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
