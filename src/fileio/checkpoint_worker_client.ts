import { loadCheckpoint, type Checkpoint } from './checkpoint';
import type { CheckpointEvent, CheckpointRequest, WorkerLoadOptions } from './checkpoint.worker';
import { CheckpointCommands } from './checkpoint.worker';
import { CheckpointError } from './errors';

/** What the client needs of a worker (a real `Worker`, or a test double). */
export interface WorkerLike {
  postMessage(msg: CheckpointRequest, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<CheckpointEvent>) => void): void;
  removeEventListener(type: 'message', listener: (e: MessageEvent<CheckpointEvent>) => void): void;
}

let shared: WorkerLike | null | undefined;

function defaultWorker(): WorkerLike | null {
  if (shared !== undefined) return shared;
  try {
    shared = typeof Worker === 'undefined' ? null : new Worker(new URL('./checkpoint.worker.ts', import.meta.url), { type: 'module' });
  } catch {
    shared = null;
  }
  return shared;
}

let nextId = 1;

/**
 * Loads a checkpoint off the UI thread: the worker reads a `File` range by range (or takes transferred bytes),
 * reports progress, and transfers the tensors back. Where no worker can be started (Node, old browsers) it
 * loads on the calling thread. Errors are `CheckpointError`s naming the file, as {@link loadCheckpoint}'s.
 * @param input a `File`/`Blob`, or bytes (their buffer is transferred to the worker: do not use it afterwards)
 */
export function loadCheckpointInWorker(
  input: Blob | ArrayBuffer | Uint8Array,
  name: string,
  opts: WorkerLoadOptions & { onProgress?: (loaded: number, total: number) => void; worker?: WorkerLike | null } = {},
): Promise<Checkpoint> {
  const { onProgress, worker: given, ...options } = opts;
  const worker = given === undefined ? defaultWorker() : given;
  if (!worker) return loadCheckpoint(input, name, { ...options, onProgress });
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const listener = (e: MessageEvent<CheckpointEvent>): void => {
      const ev = e.data;
      if (ev.id !== id) return;
      if (ev.type === 'progress') { onProgress?.(ev.loaded, ev.total); return; }
      worker.removeEventListener('message', listener);
      if (ev.type === 'done') resolve(ev.checkpoint);
      else reject(ev.checkpointError ? new CheckpointError(ev.file, ev.problem) : new Error(`${ev.file}: ${ev.problem}`));
    };
    worker.addEventListener('message', listener);
    const transfer = input instanceof ArrayBuffer ? [input] : input instanceof Uint8Array ? [input.buffer as ArrayBuffer] : [];
    worker.postMessage({ type: CheckpointCommands.Load, id, input, name, options }, transfer);
  });
}
