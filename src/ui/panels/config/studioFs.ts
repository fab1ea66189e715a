/**
 * The Config panel's file system: the shipped `configs/` tree with the user's dropped files over it.
 *
 * Where dropped files go (so MMPretrain-style relative `_base_` paths keep working):
 * - a loose file `foo.py` → `configs/user/foo.py` (so `../_base_/models/x.py` reaches the shipped bases);
 * - a dropped folder `configs/…` → `configs/…` (your tree over the shipped one, file by file);
 * - any other folder `proj/…` → `configs/proj/…`.
 * A path no dropped folder holds is looked up among the loose dropped files by its file name first (you dropped a
 * config "with its base files" without their folders), then in the shipped tree.
 */
import { basenamePath, MemoryFS, normalizePath, type VirtualFS } from '../../../config';

/** A file the user dropped or picked: its path relative to what was dropped (`exp/a.py`, or just `a.py`). */
export interface DroppedFile {
  relativePath: string;
  text: string;
}

export const USER_DIR = 'configs/user';

/** Where a dropped file lands in the virtual tree. */
export function placeDroppedPath(relativePath: string): string {
  const rel = normalizePath(relativePath.replace(/\\/g, '/').replace(/^\/+/, ''));
  if (!rel.includes('/')) return `${USER_DIR}/${rel}`;
  return rel.startsWith('configs/') ? rel : `configs/${rel}`;
}

/** Where a path was found. */
export type FileOrigin = { kind: 'dropped'; path: string } | { kind: 'loose'; path: string } | { kind: 'shipped'; path: string };

export class StudioConfigFS implements VirtualFS {
  readonly dropped = new MemoryFS();

  /** @param shipped the shipped tree (paths `configs/...`). */
  constructor(readonly shipped: VirtualFS & { list(dir: string): string[] }) {}

  /** Adds dropped files (later drops replace earlier ones at the same place); returns their placed paths. */
  addDropped(files: readonly DroppedFile[]): string[] {
    return files.map((f) => {
      const path = placeDroppedPath(f.relativePath);
      this.dropped.write(path, f.text);
      return path;
    });
  }

  removeDropped(path: string): void {
    this.dropped.remove(path);
  }

  /** Which file a path resolves to, or null. */
  resolve(path: string): FileOrigin | null {
    const p = normalizePath(path);
    if (this.dropped.exists(p)) return { kind: 'dropped', path: p };
    const loose = `${USER_DIR}/${basenamePath(p)}`;
    if (this.dropped.exists(loose)) return { kind: 'loose', path: loose };
    if (this.shipped.exists(p)) return { kind: 'shipped', path: p };
    return null;
  }

  exists(path: string): boolean {
    return this.resolve(path) !== null;
  }

  read(path: string): string {
    const found = this.resolve(path);
    if (!found) throw new Error(`No such file: ${path}`);
    return (found.kind === 'shipped' ? this.shipped : this.dropped).read(found.path);
  }

  list(dir = 'configs'): string[] {
    return [...new Set([...this.shipped.list(dir), ...this.dropped.list(dir)])].sort();
  }

  /** Dropped files, by placed path. */
  droppedPaths(): string[] {
    return this.dropped.list('.');
  }
}

/** A config's folder and name for the picker: `configs/resnet/resnet18_8xb16_cifar10.py` → `resnet`, `resnet18_8xb16_cifar10`. */
export interface ConfigEntry {
  path: string;
  folder: string;
  name: string;
}

/** The configs a user can choose: every `.py` outside `_base_` folders, grouped by folder, sorted. */
export function listChoosableConfigs(paths: Iterable<string>): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  for (const path of paths) {
    if (!path.endsWith('.py') || path.split('/').includes('_base_')) continue;
    const parts = path.replace(/^configs\//, '').split('/');
    const file = parts.pop()!;
    out.push({ path, folder: parts.join('/') || '.', name: file.replace(/\.py$/, '') });
  }
  return out.sort((a, b) => a.folder.localeCompare(b.folder) || a.name.localeCompare(b.name));
}
