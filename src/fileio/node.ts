/**
 * Node-only helpers (CLI, tests, benchmarks): open a checkpoint file as a streaming `ByteSource` and write
 * encoder parts to disk without joining them. The engine and the browser use `fileio/index.ts` instead.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileHandleSource, type ByteSource } from './byte_source';
import { loadCheckpoint, type Checkpoint, type LoadCheckpointOptions } from './checkpoint';
import { CheckpointError } from './errors';

/** Opens `path` for random access; call `close()` when done. */
export async function openFileSource(path: string): Promise<{ source: ByteSource; close: () => Promise<void> }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new CheckpointError(basename(path), `cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const { size } = await handle.stat();
  return { source: fileHandleSource(handle, size, basename(path)), close: () => handle.close() };
}

/** Loads a checkpoint file storage by storage (the whole file is never read into one buffer). */
export async function loadCheckpointFile(path: string, opts: LoadCheckpointOptions = {}): Promise<Checkpoint> {
  const { source, close } = await openFileSource(path);
  try {
    return await loadCheckpoint(source, basename(path), opts);
  } finally {
    await close();
  }
}

/** Writes encoder parts (`pthParts`, `safetensorsParts`) to `path` one after the other. */
export async function writeParts(path: string, parts: Uint8Array[]): Promise<number> {
  const handle = await open(path, 'w');
  let total = 0;
  try {
    for (const p of parts) {
      let done = 0;
      while (done < p.length) done += (await handle.write(p, done, p.length - done)).bytesWritten;
      total += p.length;
    }
  } finally {
    await handle.close();
  }
  return total;
}
