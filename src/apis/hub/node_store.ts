/**
 * The hub's {@link CheckpointStore} on a directory (Node: the CLI, tests), as torch.hub keeps
 * `~/.cache/torch/hub/checkpoints`: default `$MMPRETRAIN_WEB_CACHE`, else `~/.cache/mmpretrain-web/checkpoints`.
 * A download streams into `<key>.part` through one open file handle (each chunk written where it arrives, never
 * joined into a whole-file buffer) and becomes `<key>` by a rename on commit, so a truncated file is never listed
 * nor read as a checkpoint. Finished files are handed out as disk-backed Blobs (`fs.openAsBlob`) for lazy reading.
 */
import { createReadStream, openAsBlob } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setCheckpointStore } from './index';
import type { CheckpointStore } from './types';

const PART = '.part';

/** `$MMPRETRAIN_WEB_CACHE`, else `~/.cache/mmpretrain-web/checkpoints` (`$XDG_CACHE_HOME` when set). */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.MMPRETRAIN_WEB_CACHE) return env.MMPRETRAIN_WEB_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mmpretrain-web', 'checkpoints');
}

/** A key is one file name: no directories, no `..`, not a partial file's name. */
function checkKey(key: string): void {
  if (!key || key === '.' || key === '..' || /[/\\\0]/.test(key) || key.endsWith(PART)) throw new Error(`'${key}' is not a checkpoint file name the cache can hold`);
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** {@link CheckpointStore} on the directory `dir` (created on the first write). */
export class NodeCheckpointStore implements CheckpointStore {
  /** Open partial files (one handle per key between appends). */
  private readonly handles = new Map<string, Promise<FileHandle>>();

  constructor(readonly dir: string = defaultCacheDir()) {}

  /** Path of the finished file under `key`. */
  path(key: string): string {
    checkKey(key);
    return join(this.dir, key);
  }

  private partPath(key: string): string {
    return this.path(key) + PART;
  }

  async size(key: string): Promise<number | null> {
    return sizeOf(this.path(key));
  }

  async partialSize(key: string): Promise<number> {
    return (await sizeOf(this.partPath(key))) ?? 0;
  }

  private handle(key: string): Promise<FileHandle> {
    let h = this.handles.get(key);
    if (!h) {
      h = mkdir(this.dir, { recursive: true }).then(() => open(this.partPath(key), 'a'));
      this.handles.set(key, h);
      h.catch(() => this.handles.delete(key));
    }
    return h;
  }

  async append(key: string, chunk: Uint8Array): Promise<void> {
    const h = await this.handle(key);
    let at = 0;
    while (at < chunk.length) at += (await h.write(chunk, at, chunk.length - at)).bytesWritten;
  }

  async closePartial(key: string): Promise<void> {
    const h = this.handles.get(key);
    if (!h) return;
    this.handles.delete(key);
    await (await h.catch(() => null))?.close();
  }

  async discardPartial(key: string): Promise<void> {
    await this.closePartial(key);
    await rm(this.partPath(key), { force: true });
  }

  async *readPartial(key: string): AsyncIterable<Uint8Array> {
    if ((await this.partialSize(key)) === 0) return;
    for await (const chunk of createReadStream(this.partPath(key), { highWaterMark: 4 << 20 })) yield new Uint8Array(chunk as Buffer);
  }

  async commit(key: string): Promise<void> {
    await this.closePartial(key);
    await rename(this.partPath(key), this.path(key));
  }

  async read(key: string): Promise<Uint8Array | null> {
    if ((await this.size(key)) === null) return null;
    return new Uint8Array(await readFile(this.path(key)));
  }

  async blob(key: string): Promise<Blob | null> {
    if ((await this.size(key)) === null) return null;
    return openAsBlob(this.path(key));
  }

  async list(): Promise<{ key: string; bytes: number }[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: { key: string; bytes: number }[] = [];
    for (const key of names.filter((n) => !n.endsWith(PART)).sort()) {
      const bytes = await sizeOf(join(this.dir, key));
      if (bytes !== null) out.push({ key, bytes });
    }
    return out;
  }

  async remove(key: string): Promise<void> {
    await this.discardPartial(key);
    await rm(this.path(key), { force: true });
  }
}

/** Makes a {@link NodeCheckpointStore} on `dir` the hub's default store (`getModel(name, {pretrained: true})` in Node). */
export function useNodeCheckpointStore(dir: string = defaultCacheDir()): NodeCheckpointStore {
  const store = new NodeCheckpointStore(dir);
  setCheckpointStore(store);
  return store;
}
