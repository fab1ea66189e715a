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
