/**
 * The studio's checkpoint store (the hub's {@link CheckpointStore}) in the browser: the Origin Private File System
 * (`navigator.storage.getDirectory()`, directory `checkpoints/`), as torch.hub keeps `~/.cache/torch/hub/checkpoints`.
 * A download streams into `<key>.part` through one open writable (`createWritable({keepExistingData: true})`, seeked
 * to the end) and becomes `<key>` on commit, so a truncated file is never listed nor read as a checkpoint. Finished
 * files are read back as disk-backed `File`s (a 1.2 GB ViT-L is never held on the page twice).
 *
 * Where OPFS is missing (old browsers, some private modes) {@link openCheckpointStore} falls back to Cache Storage
 * (kept across reloads) and then to memory (gone with the tab), with a notice saying so. A full disk or quota
 * becomes a message naming the file, the usage and what to delete ({@link quotaMessage}).
 */
import { formatBytes } from '../../apis/hub/download';
import { syncAccessSource, type ByteSource } from '../../fileio/byte_source';
import type { CheckpointStore } from '../../apis/hub/types';

/** A store that can also hand a finished file out as a Blob (disk-backed where the backend allows). */
export interface BrowserCheckpointStore extends CheckpointStore {
  /** Where the bytes live: `opfs`, `cache` (Cache Storage) or `memory`. */
  readonly kind: 'opfs' | 'cache' | 'memory';
  /** The finished file under `key` as a Blob, or null (OPFS and Cache Storage: read lazily from disk). */
  blob(key: string): Promise<Blob | null>;
}

const PART = '.part';
/** The Origin Private File System folder of the checkpoint store. */
const OPFS_DIR = 'checkpoints';

const isNotFound = (e: unknown) => e instanceof DOMException && (e.name === 'NotFoundError' || e.name === 'TypeMismatchError');
const isQuota = (e: unknown) => e instanceof DOMException && e.name === 'QuotaExceededError';

/**
 * The message of a quota error while storing `key`: what the browser grants (`navigator.storage.estimate()`) and what
 * to do. `estimate` is injected in tests.
 */
export async function quotaMessage(
  key: string,
  cause: unknown,
  estimate: () => Promise<{ usage?: number; quota?: number }> = () => navigator.storage.estimate(),
): Promise<string> {
  let usage = '';
  try {
    const e = await estimate();
    if (e.quota !== undefined) usage = ` (this site uses ${formatBytes(e.usage ?? 0)} of the ${formatBytes(e.quota)} the browser grants it)`;
  } catch {
    /* no estimate: the message without figures */
  }
  const why = cause instanceof Error && cause.message ? `: ${cause.message}` : '';
  return `not enough browser storage to keep ${key}${usage}${why}. Delete stored checkpoints in the Model Zoo panel, free disk space, or download the file yourself and drop it here.`;
}

/** Rethrows a quota error as {@link quotaMessage}; other errors unchanged. */
async function rethrow(key: string, e: unknown): Promise<never> {
  if (isQuota(e)) throw new Error(await quotaMessage(key, e));
  throw e;
}

/** Chunks of a Blob (read 4 MB at a time, so hashing a partial file never loads it whole). */
async function* blobChunks(blob: Blob, chunk = 4 << 20): AsyncIterable<Uint8Array> {
  for (let at = 0; at < blob.size; at += chunk) yield new Uint8Array(await blob.slice(at, at + chunk).arrayBuffer());
}

/** A partial file being written: the open writable and the bytes in the file so far. */
interface OpenPart {
  writable: FileSystemWritableFileStream;
  size: number;
}

/** {@link CheckpointStore} on the Origin Private File System. */
export class OpfsCheckpointStore implements BrowserCheckpointStore {
  readonly kind = 'opfs' as const;
  private readonly open = new Map<string, Promise<OpenPart>>();

  constructor(private readonly dir: FileSystemDirectoryHandle) {}

  /** The `checkpoints` directory of this origin's private file system. */
  static async create(root?: FileSystemDirectoryHandle): Promise<OpfsCheckpointStore> {
    const top = root ?? (await navigator.storage.getDirectory());
    return new OpfsCheckpointStore(await top.getDirectoryHandle(OPFS_DIR, { create: true }));
  }

  private async file(name: string): Promise<File | null> {
    try {
      return await (await this.dir.getFileHandle(name)).getFile();
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  private async removeEntry(name: string): Promise<void> {
    try {
      await this.dir.removeEntry(name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Flushes and closes the partial file's writable (its bytes are in the file afterwards). */
  private async close(key: string): Promise<void> {
    const part = this.open.get(key);
    if (!part) return;
    this.open.delete(key);
    await (await part).writable.close();
  }

  async size(key: string): Promise<number | null> {
    return (await this.file(key))?.size ?? null;
  }

  /** Leaves the partial file closed on disk (cancel, dropped connection): a later download or page resumes it. */
  async closePartial(key: string): Promise<void> {
    try {
      await this.close(key);
    } catch (e) {
      return rethrow(key, e);
    }
  }

  async partialSize(key: string): Promise<number> {
    const part = this.open.get(key);
    if (part) return (await part).size;
    return (await this.file(key + PART))?.size ?? 0;
  }

  async append(key: string, chunk: Uint8Array): Promise<void> {
    try {
      let part = this.open.get(key);
      if (!part) {
        part = (async () => {
          const handle = await this.dir.getFileHandle(key + PART, { create: true });
          const size = (await handle.getFile()).size;
          const writable = await handle.createWritable({ keepExistingData: true });
          await writable.seek(size);
          return { writable, size };
        })();
        this.open.set(key, part);
        part.catch(() => this.open.delete(key));
      }
      const p = await part;
      await p.writable.write(chunk as Uint8Array<ArrayBuffer>);
      p.size += chunk.byteLength;
    } catch (e) {
      return rethrow(key, e);
    }
  }

  async discardPartial(key: string): Promise<void> {
    const part = this.open.get(key);
    this.open.delete(key);
    if (part) await (await part).writable.abort().catch(() => undefined);
    await this.removeEntry(key + PART);
  }

  async *readPartial(key: string): AsyncIterable<Uint8Array> {
    await this.close(key);
    const f = await this.file(key + PART);
    if (f) yield* blobChunks(f);
  }

  async commit(key: string): Promise<void> {
    try {
      await this.close(key);
    } catch (e) {
      return rethrow(key, e);
    }
    const handle = await this.dir.getFileHandle(key + PART);
    await this.removeEntry(key);
    // `move` renames in place (Chromium 110+, Firefox 111+, Safari 16.4+); else copy, then drop the partial file.
    const movable = handle as FileSystemFileHandle & { move?: (name: string) => Promise<void> };
    if (typeof movable.move === 'function') {
      await movable.move(key);
      return;
    }
    try {
      const target = await (await this.dir.getFileHandle(key, { create: true })).createWritable();
      await (await handle.getFile()).stream().pipeTo(target);
    } catch (e) {
      await this.removeEntry(key);
      return rethrow(key, e);
    }
    await this.removeEntry(key + PART);
  }

  async read(key: string): Promise<Uint8Array | null> {
    const f = await this.file(key);
    return f ? new Uint8Array(await f.arrayBuffer()) : null;
  }

  blob(key: string): Promise<Blob | null> {
    return this.file(key);
  }

  async list(): Promise<{ key: string; bytes: number }[]> {
    const out: { key: string; bytes: number }[] = [];
    const entries = this.dir as FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> };
    for await (const h of entries.values()) {
      // Partial files and Chromium's swap files of open writables (`.crswap`) are not checkpoints.
      if (h.kind !== 'file' || h.name.endsWith(PART) || h.name.endsWith('.crswap')) continue;
      out.push({ key: h.name, bytes: (await (h as FileSystemFileHandle).getFile()).size });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async remove(key: string): Promise<void> {
    await this.discardPartial(key);
    await this.removeEntry(key);
  }
}

/**
 * {@link CheckpointStore} in Cache Storage (cache `mmpretrain-web-checkpoints`): a partial file is one entry per
 * appended chunk (`<key>.part/<n>`, the bytes of an entry cannot grow), joined into one Blob on commit.
 */
export class CacheCheckpointStore implements BrowserCheckpointStore {
  readonly kind = 'cache' as const;
  static readonly CACHE = 'mmpretrain-web-checkpoints';
  private static readonly BASE = 'https://checkpoints.invalid/';

  constructor(private readonly cache: Cache) {}

  static async create(): Promise<CacheCheckpointStore> {
    return new CacheCheckpointStore(await caches.open(CacheCheckpointStore.CACHE));
  }

  private url(name: string): string {
    return CacheCheckpointStore.BASE + encodeURIComponent(name);
  }

  /** The partial file's chunk entries, in order. */
  private async parts(key: string): Promise<{ url: string; bytes: number }[]> {
    const prefix = this.url(key + PART) + '/';
    const out: { url: string; n: number; bytes: number }[] = [];
    for (const req of await this.cache.keys()) {
      if (!req.url.startsWith(prefix)) continue;
      const res = await this.cache.match(req);
      out.push({ url: req.url, n: Number(req.url.slice(prefix.length)), bytes: Number(res?.headers.get('content-length') ?? 0) });
    }
    return out.sort((a, b) => a.n - b.n);
  }

  async size(key: string): Promise<number | null> {
    const res = await this.cache.match(this.url(key));
    return res ? Number(res.headers.get('content-length') ?? (await res.blob()).size) : null;
  }

  async partialSize(key: string): Promise<number> {
    return (await this.parts(key)).reduce((a, p) => a + p.bytes, 0);
  }

  async append(key: string, chunk: Uint8Array): Promise<void> {
    const n = (await this.parts(key)).length;
    try {
      await this.cache.put(`${this.url(key + PART)}/${n}`, new Response(chunk.slice(), { headers: { 'content-length': String(chunk.byteLength) } }));
    } catch (e) {
      return rethrow(key, e);
    }
  }

  async discardPartial(key: string): Promise<void> {
    for (const p of await this.parts(key)) await this.cache.delete(p.url);
  }

  async *readPartial(key: string): AsyncIterable<Uint8Array> {
    for (const p of await this.parts(key)) {
      const res = await this.cache.match(p.url);
      if (res) yield new Uint8Array(await res.arrayBuffer());
    }
  }

  async commit(key: string): Promise<void> {
    const parts = await this.parts(key);
    const blobs: Blob[] = [];
    for (const p of parts) {
      const res = await this.cache.match(p.url);
      if (res) blobs.push(await res.blob());
    }
    const whole = new Blob(blobs);
    try {
      await this.cache.put(this.url(key), new Response(whole, { headers: { 'content-length': String(whole.size) } }));
    } catch (e) {
      return rethrow(key, e);
    }
    await this.discardPartial(key);
  }

  async read(key: string): Promise<Uint8Array | null> {
    const b = await this.blob(key);
    return b ? new Uint8Array(await b.arrayBuffer()) : null;
  }

  async blob(key: string): Promise<Blob | null> {
    const res = await this.cache.match(this.url(key));
    return res ? res.blob() : null;
  }

  async list(): Promise<{ key: string; bytes: number }[]> {
    const out: { key: string; bytes: number }[] = [];
    for (const req of await this.cache.keys()) {
      const key = decodeURIComponent(req.url.slice(CacheCheckpointStore.BASE.length));
      if (key.includes(PART)) continue;
      out.push({ key, bytes: (await this.size(key)) ?? 0 });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async remove(key: string): Promise<void> {
    await this.discardPartial(key);
    await this.cache.delete(this.url(key));
  }
}

/** {@link CheckpointStore} in memory: the last fallback (and the unit tests' store). Gone with the tab. */
export class MemoryCheckpointStore implements BrowserCheckpointStore {
  readonly kind = 'memory' as const;
  private readonly done = new Map<string, Uint8Array>();
  private readonly partial = new Map<string, Uint8Array[]>();

  async size(key: string): Promise<number | null> {
    return this.done.get(key)?.byteLength ?? null;
  }
  async partialSize(key: string): Promise<number> {
    return (this.partial.get(key) ?? []).reduce((a, c) => a + c.byteLength, 0);
  }
  async append(key: string, chunk: Uint8Array): Promise<void> {
    const list = this.partial.get(key) ?? [];
    list.push(chunk.slice());
    this.partial.set(key, list);
  }
  async discardPartial(key: string): Promise<void> {
    this.partial.delete(key);
  }
  async *readPartial(key: string): AsyncIterable<Uint8Array> {
    for (const c of this.partial.get(key) ?? []) yield c;
  }
  async commit(key: string): Promise<void> {
    const list = this.partial.get(key);
    if (!list) throw new Error(`${key}: no partial file to commit`);
    const whole = new Uint8Array(list.reduce((a, c) => a + c.byteLength, 0));
    let at = 0;
    for (const c of list) whole.set(c, (at += c.byteLength) - c.byteLength);
    this.done.set(key, whole);
    this.partial.delete(key);
  }
  async read(key: string): Promise<Uint8Array | null> {
    return this.done.get(key) ?? null;
  }
  async blob(key: string): Promise<Blob | null> {
    const b = this.done.get(key);
    return b ? new Blob([b as Uint8Array<ArrayBuffer>]) : null;
  }
  async list(): Promise<{ key: string; bytes: number }[]> {
    return [...this.done].map(([key, b]) => ({ key, bytes: b.byteLength })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  async remove(key: string): Promise<void> {
    this.partial.delete(key);
    this.done.delete(key);
  }
}

/** The store the studio uses, and a notice when it is not the Origin Private File System. */
export interface OpenedStore {
  store: BrowserCheckpointStore;
  notice: string | null;
}

let opened: Promise<OpenedStore> | null = null;

/**
 * The page's checkpoint store (one per page): OPFS where the browser has it, else Cache Storage, else memory; the
 * notice says what a fallback means for the user.
 */
export function openCheckpointStore(): Promise<OpenedStore> {
  opened ??= (async (): Promise<OpenedStore> => {
    let why = 'this browser has no Origin Private File System';
    if (typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function') {
      try {
        return { store: await OpfsCheckpointStore.create(), notice: null };
      } catch (e) {
        why = `the Origin Private File System is not available here (${e instanceof Error ? e.message : String(e)})`;
      }
    }
    if (typeof caches !== 'undefined') {
      try {
        return { store: await CacheCheckpointStore.create(), notice: `${why}: checkpoints are kept in Cache Storage instead (slower for large files).` };
      } catch (e) {
        why += `, nor Cache Storage (${e instanceof Error ? e.message : String(e)})`;
      }
    }
    return { store: new MemoryCheckpointStore(), notice: `${why}: downloaded checkpoints are kept in memory only and are gone when this tab closes.` };
  })();
  return opened;
}

type SyncOpenable = FileSystemFileHandle & { createSyncAccessHandle?(): Promise<FileSystemSyncAccessHandle> };

/**
 * In a worker: the stored checkpoint `key` of the Origin Private File System opened for synchronous reads (a
 * {@link syncAccessSource}: tensors are read from disk straight into their storage), if it is there with `size`
 * bytes; null elsewhere (the page, no OPFS, another store, a file open elsewhere), where its Blob serves instead.
 * `close` releases the file (an open synchronous handle locks it).
 */
export async function openStoredForReading(key: string, size: number): Promise<{ source: ByteSource; close(): void } | null> {
  if (typeof navigator === 'undefined' || typeof navigator.storage?.getDirectory !== 'function') return null;
  try {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(OPFS_DIR);
    const file = (await dir.getFileHandle(key)) as SyncOpenable;
    if (typeof file.createSyncAccessHandle !== 'function') return null;
    const handle = await file.createSyncAccessHandle();
    if (handle.getSize() !== size) {
      handle.close();
      return null;
    }
    return { source: syncAccessSource(handle as unknown as Parameters<typeof syncAccessSource>[0], key), close: () => handle.close() };
  } catch {
    return null;
  }
}
