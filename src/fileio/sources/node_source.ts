import { FileNotFoundError, type FileSource } from './types';
import { isAbsolute, joinPath, normalizePath, relativeTo } from './path';

type NodeFs = typeof import('node:fs/promises');
let fsPromise: Promise<NodeFs> | null = null;

/** Loads `node:fs/promises` only when a Node source is used, so browser bundles never need it. */
function nodeFs(): Promise<NodeFs> {
  const specifier = 'node:fs/promises';
  fsPromise ??= import(/* @vite-ignore */ specifier) as Promise<NodeFs>;
  return fsPromise;
}

/** Whether this runtime has a Node file system. */
export function hasNodeFs(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } } };
  return typeof g.process?.versions?.node === 'string';
}

/**
 * The local file system under `root` (Node only): mmengine's `LocalBackend`. Relative paths are resolved against `root`
 * (default: the working directory); absolute paths are used as they are.
 */
export class NodeFsSource implements FileSource {
  readonly name: string;

  constructor(readonly root = defaultRoot()) {
    this.name = root;
  }

  private abs(path: string): string {
    return isAbsolute(path) ? normalizePath(path) : joinPath(this.root, path);
  }

  async read(path: string): Promise<Uint8Array> {
    const fs = await nodeFs();
    try {
      const buf = await fs.readFile(this.abs(path));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') throw new FileNotFoundError(this.abs(path), 'the file system');
      throw e;
    }
  }

  async exists(path: string): Promise<boolean> {
    const fs = await nodeFs();
    try {
      await fs.stat(this.abs(path));
      return true;
    } catch {
      return false;
    }
  }

  async list(prefix = ''): Promise<string[]> {
    const fs = await nodeFs();
    const base = this.abs(prefix);
    const files: string[] = [];
    const seen = new Set<string>();
    // Walks the tree following symbolic links to folders (datasets are often linked in), each real folder once.
    const walk = async (dir: string): Promise<void> => {
      const real = await fs.realpath(dir);
      if (seen.has(real)) return;
      seen.add(real);
      for (const d of await fs.readdir(dir, { withFileTypes: true })) {
        const full = joinPath(dir, d.name);
        const kind = d.isSymbolicLink() ? await fs.stat(full).then((st) => (st.isDirectory() ? 'dir' : 'file'), () => 'broken') : d.isDirectory() ? 'dir' : d.isFile() ? 'file' : 'other';
        if (kind === 'dir') await walk(full);
        else if (kind === 'file') files.push(full);
      }
    };
    try {
      await walk(base);
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') throw new FileNotFoundError(base, 'the file system');
      throw e;
    }
    // Paths come back in the caller's terms: `prefix` joined with the path below it.
    return files.map((p) => joinPath(normalizePath(prefix), relativeTo(p, base) ?? p)).sort();
  }

  async listDirs(prefix = ''): Promise<string[]> {
    const fs = await nodeFs();
    const base = this.abs(prefix);
    try {
      const out: string[] = [];
      for (const d of await fs.readdir(base, { withFileTypes: true })) {
        const isDir = d.isDirectory() || (d.isSymbolicLink() && (await fs.stat(joinPath(base, d.name)).then((st) => st.isDirectory(), () => false)));
        if (isDir) out.push(d.name);
      }
      return out.sort();
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') throw new FileNotFoundError(base, 'the file system');
      throw e;
    }
  }
}

function defaultRoot(): string {
  const g = globalThis as { process?: { cwd?: () => string } };
  return g.process?.cwd?.() ?? '/';
}
