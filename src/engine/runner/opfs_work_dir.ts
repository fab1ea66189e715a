/**
 * Work dirs in browser storage: the Origin Private File System (`navigator.storage.getDirectory()`, page and
 * workers alike) under `work_dirs/<name>/`, else memory (the run then lives only as long as the tab). No React:
 * the worker writes through it while the page lists runs, downloads checkpoints and zips a work dir. OPFS is a
 * Web API of pages and workers alike (no DOM), so this lives in the engine beside `node_work_dir.ts`.
 */
import { zipSync, type Zippable } from 'fflate';
import { MemoryWorkDir, type WorkDirStore } from './work_dir';

export const WORK_DIRS = 'work_dirs';

/** The OPFS shapes used here (structural, so this module type-checks without the DOM lib's newest members). */
interface DirHandle {
  readonly kind: 'directory';
  readonly name: string;
  getDirectoryHandle(name: string, o?: { create?: boolean }): Promise<DirHandle>;
  getFileHandle(name: string, o?: { create?: boolean }): Promise<FileHandle>;
  removeEntry(name: string, o?: { recursive?: boolean }): Promise<void>;
  values(): AsyncIterable<DirHandle | FileHandle>;
}
interface FileHandle {
  readonly kind: 'file';
  readonly name: string;
  getFile(): Promise<Blob>;
  /** Chromium's `FileSystemHandle.move(newName)` (absent elsewhere). */
  move?(name: string): Promise<void>;
  createWritable(): Promise<{ write(d: BufferSource | Blob | string): Promise<void>; close(): Promise<void> }>;
}

/**
 * The OPFS root, or null where there is none or its files cannot be written with `createWritable` (older Safari
 * offers only sync access handles in workers): such contexts fall back to memory.
 */
async function opfsRoot(): Promise<DirHandle | null> {
  const storage = (globalThis as { navigator?: { storage?: { getDirectory?: () => Promise<unknown> } } }).navigator?.storage;
  if (!storage?.getDirectory) return null;
  try {
    const root = (await storage.getDirectory()) as DirHandle;
    const probe = await (await root.getDirectoryHandle(WORK_DIRS, { create: true })).getFileHandle('.writable_probe', { create: true });
    return typeof probe.createWritable === 'function' ? root : null;
  } catch {
    return null;
  }
}

const isQuotaErrorName = (e: unknown) => (e as { name?: string })?.name === 'QuotaExceededError';
const isNotFound = (e: unknown) => (e as { name?: string })?.name === 'NotFoundError' || (e as { name?: string })?.name === 'TypeMismatchError';

/** A work dir in OPFS. Operations run one at a time (a write and a read of the same file never interleave). */
export class OpfsWorkDir implements WorkDirStore {
  private queue: Promise<unknown> = Promise.resolve();
  /** Appended files' contents (append = rewrite; reading the file back each time would be slower). */
  private readonly appended = new Map<string, Uint8Array>();

  constructor(
    private readonly dir: DirHandle,
    readonly root: string,
  ) {}

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async parent(path: string, create: boolean): Promise<{ dir: DirHandle; name: string } | null> {
    const parts = path.split('/').filter(Boolean);
    const name = parts.pop();
    if (!name) throw new Error(`${this.root}: empty file path`);
    let dir = this.dir;
    try {
      for (const p of parts) dir = await dir.getDirectoryHandle(p, { create });
    } catch (e) {
      if (!create && isNotFound(e)) return null;
      throw e;
    }
    return { dir, name };
  }

  private async writeNow(path: string, data: Uint8Array): Promise<void> {
    const { dir, name } = (await this.parent(path, true))!;
    const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
    await w.write(data as unknown as BufferSource);
    await w.close();
  }

  private async readNow(path: string): Promise<Uint8Array | null> {
    const at = await this.parent(path, false);
    if (!at) return null;
    try {
      const file = await (await at.dir.getFileHandle(at.name)).getFile();
      return new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** Writes a blob (a dropped `File`) without reading it into memory: OPFS streams it to disk. */
  writeBlob(path: string, blob: Blob): Promise<void> {
    this.appended.delete(path);
    return this.serial(async () => {
      const { dir, name } = (await this.parent(path, true))!;
      const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
      await w.write(blob);
      await w.close();
    });
  }

  /** The file as a disk-backed `File`/`Blob` (not read into memory), or null. */
  blob(path: string): Promise<Blob | null> {
    return this.serial(async () => {
      const at = await this.parent(path, false);
      if (!at) return null;
      try {
        return await (await at.dir.getFileHandle(at.name)).getFile();
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    });
  }

  write(path: string, data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.appended.delete(path);
    return this.serial(() => this.writeNow(path, bytes));
  }

  append(path: string, text: string): Promise<void> {
    return this.serial(async () => {
      const old = this.appended.get(path) ?? (await this.readNow(path)) ?? new Uint8Array();
      const add = new TextEncoder().encode(text);
      const all = new Uint8Array(old.length + add.length);
      all.set(old);
      all.set(add, old.length);
      this.appended.set(path, all);
      await this.writeNow(path, all);
    });
  }

  read(path: string): Promise<Uint8Array | null> {
    return this.serial(() => this.readNow(path));
  }

  /**
   * Moves `from` over `to` in the same folder: `FileSystemHandle.move` where the browser has it, else a copy (an
   * OPFS writable commits only on `close()`, so `to` never holds a partial file) and the removal of `from`.
   */
  rename(from: string, to: string): Promise<void> {
    this.appended.delete(from);
    this.appended.delete(to);
    return this.serial(async () => {
      const a = await this.parent(from, false);
      const b = await this.parent(to, true);
      if (!a) throw new Error(`${this.root}: no file ${from} to rename`);
      const handle = await a.dir.getFileHandle(a.name);
      if (a.dir === b!.dir || from.split('/').slice(0, -1).join('/') === to.split('/').slice(0, -1).join('/')) {
        if (typeof handle.move === 'function') {
          try {
            await handle.move(b!.name);
            return;
          } catch (e) {
            if (isQuotaErrorName(e)) throw e;
            // Older Chromium cannot move over an existing file: copy below.
          }
        }
      }
      await this.writeNow(to, new Uint8Array(await (await handle.getFile()).arrayBuffer()));
      await a.dir.removeEntry(a.name);
    });
  }

  remove(path: string): Promise<void> {
    this.appended.delete(path);
    return this.serial(async () => {
      const at = await this.parent(path, false);
      if (!at) return;
      try {
        await at.dir.removeEntry(at.name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    });
  }

  list(prefix = ''): Promise<string[]> {
    return this.serial(async () => {
      const out: string[] = [];
      const walk = async (dir: DirHandle, base: string): Promise<void> => {
        for await (const h of dir.values()) {
          const p = base ? `${base}/${h.name}` : h.name;
          if (h.kind === 'directory') await walk(h, p);
          else if (p.startsWith(prefix)) out.push(p);
        }
      };
      await walk(this.dir, '');
      return out.sort();
    });
  }
}

/** Memory work dirs by name: the fallback keeps one store per name for the life of this JavaScript context. */
const memoryDirs = new Map<string, MemoryWorkDir>();

/** Whether this context can persist work dirs (OPFS). */
export async function hasPersistentStorage(): Promise<boolean> {
  return (await opfsRoot()) !== null;
}

/** Opens (creating) `work_dirs/<name>` in OPFS, or a memory work dir where OPFS is unavailable. */
export async function openBrowserWorkDir(name: string): Promise<WorkDirStore> {
  checkRunName(name);
  const root = await opfsRoot();
  if (!root) {
    if (!memoryDirs.has(name)) memoryDirs.set(name, new MemoryWorkDir(`memory:${WORK_DIRS}/${name}`));
    return memoryDirs.get(name)!;
  }
  const dirs = await root.getDirectoryHandle(WORK_DIRS, { create: true });
  return new OpfsWorkDir(await dirs.getDirectoryHandle(name, { create: true }), `opfs:${WORK_DIRS}/${name}`);
}

/** Work dir names that exist in storage. */
export async function listWorkDirNames(): Promise<string[]> {
  const root = await opfsRoot();
  if (!root) return [...memoryDirs.keys()].sort();
  try {
    const dirs = await root.getDirectoryHandle(WORK_DIRS);
    const out: string[] = [];
    for await (const h of dirs.values()) if (h.kind === 'directory') out.push(h.name);
    return out.sort();
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
}

/** Deletes a whole work dir. */
export async function deleteWorkDir(name: string): Promise<void> {
  checkRunName(name);
  memoryDirs.delete(name);
  const root = await opfsRoot();
  if (!root) return;
  try {
    await (await root.getDirectoryHandle(WORK_DIRS)).removeEntry(name, { recursive: true });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** A work dir name must be one path segment (`lenet5_mnist`), not a path. */
export function checkRunName(name: string): void {
  if (!name || name === '.' || name === '..' || /[/\\]/.test(name)) throw new Error(`invalid work dir name '${name}': use one folder name such as lenet5_mnist`);
}

/** Where a run keeps a copy of its dropped dataset files (so a reload can resume without dropping them again). */
export const DATASET_COPY = '.studio_dataset';

/** Copies dropped files into the work dir (OPFS only; streamed, not read into memory). Returns whether it did. */
export async function keepDatasetCopy(store: WorkDirStore, files: readonly { path: string; data: Blob | Uint8Array }[]): Promise<boolean> {
  if (!(store instanceof OpfsWorkDir)) return false;
  for (const old of await store.list(`${DATASET_COPY}/`)) await store.remove(old);
  for (const f of files) {
    const p = `${DATASET_COPY}/${f.path}`;
    if (f.data instanceof Blob) await store.writeBlob(p, f.data);
    else await store.write(p, f.data);
  }
  return true;
}

/** The kept dataset copy as dropped files (disk-backed blobs), or [] when there is none. */
export async function readDatasetCopy(store: WorkDirStore): Promise<{ path: string; data: Blob }[]> {
  if (!(store instanceof OpfsWorkDir)) return [];
  const out: { path: string; data: Blob }[] = [];
  for (const p of await store.list(`${DATASET_COPY}/`)) {
    const blob = await store.blob(p);
    if (blob) out.push({ path: p.slice(DATASET_COPY.length + 1), data: blob });
  }
  return out;
}

/** Every file of a work dir in one zip (`<name>/…` inside), as `fflate.zipSync` writes it; the dataset copy left out. */
export async function zipWorkDir(store: WorkDirStore, name: string): Promise<Uint8Array> {
  const files: Zippable = {};
  for (const path of await store.list()) {
    if (path.startsWith(`${DATASET_COPY}/`)) continue;
    const bytes = await store.read(path);
    // Checkpoints barely compress: stored; text deflated.
    if (bytes) files[`${name}/${path}`] = [bytes, { level: path.endsWith('.pth') ? 0 : 6 }];
  }
  return zipSync(files);
}
