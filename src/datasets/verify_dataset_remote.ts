/**
 * verify-dataset in a Web Worker: typed commands in, progress / broken-file / done events out. The page posts
 * its mounted files (Blobs clone cheaply; Uint8Arrays can be transferred) with the dataset config; the worker
 * mounts them, registers datasets and transforms, and runs {@link verifyDataset} off the UI thread.
 *
 * Page side: `const w = new Worker(new URL('./verify_dataset.worker.ts', import.meta.url), { type: 'module' })` (the entry
 * file only wires {@link createVerifyHandler} to `self`),
 * then `w.postMessage({ type: VerifyCommands.Verify, id, datasetCfg, mounts })` and listen for events.
 * {@link createVerifyHandler} is the worker logic without the worker, for tests and other hosts.
 */
import type { BuildConfig } from '../registry';
import { FileSystem, MemorySource, type MemoryEntry } from '../fileio/sources';
import { verifyDataset, type BrokenFile, type VerifyResult } from './verify_dataset';
import { registerDatasets } from './register_all';
import { registerTransforms } from './transforms/register_all';

export const VerifyCommands = { Verify: 'verify', Cancel: 'cancel' } as const;

/** Files to mount in the worker: at `prefix`, path → Blob or bytes. */
export interface MountSpec {
  prefix: string;
  name?: string;
  files: Record<string, Blob | Uint8Array>;
}

export type VerifyRequest =
  | { type: typeof VerifyCommands.Verify; id: number; datasetCfg: BuildConfig; mounts?: MountSpec[]; concurrency?: number }
  | { type: typeof VerifyCommands.Cancel; id: number };

export type VerifyEvent =
  | { type: 'progress'; id: number; done: number; total: number; broken: number }
  | { type: 'broken'; id: number; file: BrokenFile }
  | { type: 'done'; id: number; result: VerifyResult; cancelled: boolean }
  | { type: 'error'; id: number; message: string };

/**
 * The worker's message handler: runs one verification per `verify` request (cancellable by id), posting events.
 * @param fallback source for paths outside the mounts (Node fs in Node; none in a browser worker).
 */
export function createVerifyHandler(post: (event: VerifyEvent) => void, fallback?: FileSystem['fallback']): (msg: VerifyRequest) => Promise<void> {
  registerDatasets();
  registerTransforms();
  const running = new Map<number, AbortController>();
  return async (msg) => {
    if (msg.type === VerifyCommands.Cancel) {
      running.get(msg.id)?.abort();
      return;
    }
    const abort = new AbortController();
    running.set(msg.id, abort);
    try {
      const fs = fallback === undefined ? new FileSystem() : new FileSystem(fallback);
      for (const m of msg.mounts ?? []) fs.mount(m.prefix, new MemorySource(m.files as Record<string, MemoryEntry>, m.name ?? m.prefix));
      let last = 0;
      const result = await verifyDataset(msg.datasetCfg, {
        ctx: { fileSystem: fs },
        concurrency: msg.concurrency,
        signal: abort.signal,
        onBroken: (file) => post({ type: 'broken', id: msg.id, file }),
        onProgress: (done, total, broken) => {
          // at most ~100 progress events per run
          if (done === total || done - last >= Math.max(1, total / 100)) {
            last = done;
            post({ type: 'progress', id: msg.id, done, total, broken });
          }
        },
      });
      post({ type: 'done', id: msg.id, result, cancelled: abort.signal.aborted });
    } catch (e) {
      post({ type: 'error', id: msg.id, message: e instanceof Error ? e.message : String(e) });
    } finally {
      running.delete(msg.id);
    }
  };
}
