/**
 * A mount table of file sources with transparent archive traversal: the one place engine code reads files from
 * (mmengine's `fileio.get` / `exists` / `list_dir_or_file`). In Node, paths outside every mount fall back to the
 * real file system; in the browser, dropped folders, archives and files are mounted first.
 *
 * A path may pass through archives: `data/cifar-10-binary.tar.gz/cifar-10-batches-bin/test_batch.bin` reads the
 * entry from the tarball (opened once, cached). A path naming an archive file can be listed as a folder.
 */
import { FileNotFoundError, type FileSource } from './types';
import { normalizePath, relativeTo, joinPath } from './path';
import { isArchiveName, openArchiveAsync } from './archive_sources';
import { hasNodeFs, NodeFsSource } from './node_source';

interface Resolved {
  source: FileSource;
  /** Path inside `source`. */
  path: string;
  /** Path of `source`'s root in the file system's terms (to rebuild full paths from listings). */
  root: string;
}

export class FileSystem {
  private readonly mounts = new Map<string, FileSource>();
  private readonly archives = new Map<string, Promise<FileSource>>();

  /** @param fallback source for paths outside every mount (default: the Node file system when there is one). */
  constructor(public fallback: FileSource | null = hasNodeFs() ? new NodeFsSource() : null) {}

  /** Mounts `source` at folder `prefix` ('' = the root: every relative path resolves inside it). */
  mount(prefix: string, source: FileSource): void {
    this.mounts.set(normalizePath(prefix), source);
    this.archives.clear();
  }

  unmount(prefix: string): void {
    this.mounts.delete(normalizePath(prefix));
    this.archives.clear();
  }

  /** Mount points and the sources there. */
  mounted(): Array<[string, FileSource]> {
    return [...this.mounts];
  }

  private base(path: string): Resolved {
    const n = normalizePath(path);
    let best: [string, FileSource] | null = null;
    for (const [prefix, src] of this.mounts) {
      if (relativeTo(n, prefix) !== null && (!best || prefix.length > best[0].length)) best = [prefix, src];
    }
    if (best) return { source: best[1], path: relativeTo(n, best[0])!, root: best[0] };
    if (!this.fallback) {
      throw new FileNotFoundError(
        path,
        this.mounts.size ? `the mounted sources (${[...this.mounts.keys()].map((k) => `'${k || '/'}'`).join(', ')})` : 'no mounted source: drop the files first',
      );
    }
    return { source: this.fallback, path: n, root: '' };
  }

  /** Follows archive files along `path` (each opened once), ending at the source that holds the rest. */
  private async resolve(path: string): Promise<Resolved> {
    let r = this.base(path);
    for (;;) {
      const parts = r.path.split('/');
      let entered = false;
      for (let i = 0; i < parts.length; i++) {
        if (!isArchiveName(parts[i])) continue;
        const archivePath = parts.slice(0, i + 1).join('/');
        const key = joinPath(r.root, archivePath);
        if (!this.archives.has(key)) {
          if (!(await isFile(r.source, archivePath))) continue;
          const src = r.source;
          this.archives.set(key, src.read(archivePath).then((bytes) => openArchiveAsync(bytes, key)));
        }
        let archive: FileSource;
        try {
          archive = await this.archives.get(key)!;
        } catch (e) {
          this.archives.delete(key);
          throw e;
        }
        r = { source: archive, path: parts.slice(i + 1).join('/'), root: key };
        entered = true;
        break;
      }
      if (!entered) return r;
    }
  }

  /** The bytes of the file at `path`. */
  async get(path: string): Promise<Uint8Array> {
    const r = await this.resolve(path);
    try {
      return await r.source.read(r.path);
    } catch (e) {
      if (e instanceof FileNotFoundError) throw new FileNotFoundError(path, r.source.name);
      throw e;
    }
  }

  /** The file at `path` decoded as UTF-8. */
  async getText(path: string): Promise<string> {
    return new TextDecoder().decode(await this.get(path));
  }

  /** Whether `path` is a file or folder (an archive counts as both). */
  async exists(path: string): Promise<boolean> {
    try {
      const r = await this.resolve(path);
      return r.path === '' ? true : await r.source.exists(r.path);
    } catch (e) {
      if (e instanceof FileNotFoundError) return false;
      throw e;
    }
  }

  /** Every file under folder (or archive) `prefix`, recursively, as full paths starting with `prefix`, sorted. */
  async list(prefix = ''): Promise<string[]> {
    const r = await this.resolve(prefix);
    const files = await r.source.list(r.path);
    const n = normalizePath(prefix);
    return files.map((f) => joinPath(n, relativeTo(f, r.path) ?? f)).sort();
  }

  /** Immediate sub-folder names of `prefix`. */
  async listDirs(prefix = ''): Promise<string[]> {
    const r = await this.resolve(prefix);
    if (r.source.listDirs) return r.source.listDirs(r.path);
    const out = new Set<string>();
    for (const f of await r.source.list(r.path)) {
      const rel = relativeTo(f, r.path);
      if (rel && rel.includes('/')) out.add(rel.slice(0, rel.indexOf('/')));
    }
    return [...out].sort();
  }
}

async function isFile(source: FileSource, path: string): Promise<boolean> {
  if (!(await source.exists(path))) return false;
  // A folder named like an archive (an extracted `x.tar` directory) is not one.
  if (source.listDirs) {
    try {
      const inside = await source.list(path);
      return inside.length === 0;
    } catch {
      return true;
    }
  }
  return true;
}

/** The default file system, like mmengine's singleton backends: Node fs fallback in Node, mounts in the browser. */
export const fileSystem = new FileSystem();
