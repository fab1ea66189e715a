/**
 * Checkpoint loading in a Web Worker: a `load` command in, `progress` events and one `done` (or `error`) out,
 * with every tensor buffer transferred (not copied) back. Page side: {@link loadCheckpointInWorker}
 * (`checkpoint_worker_client.ts`). {@link createCheckpointHandler} is the worker logic without the worker,
 * for tests and other hosts.
 *
 * Across the worker boundary the checkpoint is structured-cloned: `stateDict`, `meta`, `classes` and plain data
 * arrive as they are; class instances in `other` (`PickleObject`, `NumpyArray`…) arrive as plain objects with
 * the same fields.
 */
import { loadCheckpoint, type Checkpoint, type LoadCheckpointOptions } from './checkpoint';
import { CheckpointError } from './errors';

export const CheckpointCommands = { Load: 'load' } as const;

/** Options that cross the boundary (no callbacks). */
export type WorkerLoadOptions = Omit<LoadCheckpointOptions, 'onProgress' | 'copyTensors'>;

export type CheckpointRequest = {
  type: typeof CheckpointCommands.Load;
  id: number;
  /** A `File`/`Blob` (read in the worker range by range) or bytes (transfer their buffer). */
  input: Blob | ArrayBuffer | Uint8Array;
  name: string;
  options?: WorkerLoadOptions;
};

export type CheckpointEvent =
  | { type: 'progress'; id: number; loaded: number; total: number }
  | { type: 'done'; id: number; checkpoint: Checkpoint }
  | { type: 'error'; id: number; file: string; problem: string; checkpointError: boolean };

/** Posts an event, transferring the listed buffers. */
export type Post = (event: CheckpointEvent, transfer: Transferable[]) => void;

/** Progress events are throttled to this many per load (plus the last). */
const MAX_PROGRESS_EVENTS = 100;

/** The worker's message handler. */
export function createCheckpointHandler(post: Post): (msg: CheckpointRequest) => Promise<void> {
  return async (msg) => {
    if (msg.type !== CheckpointCommands.Load) return;
    let lastStep = -1;
    try {
      const checkpoint = await loadCheckpoint(msg.input, msg.name, {
        ...msg.options,
        copyTensors: true, // each tensor its own buffer, so all can be transferred
        onProgress: (loaded, total) => {
          const step = Math.floor((loaded / Math.max(total, 1)) * MAX_PROGRESS_EVENTS);
          if (step === lastStep && loaded !== total) return;
          lastStep = step;
          post({ type: 'progress', id: msg.id, loaded, total }, []);
        },
      });
      const transfer = [...checkpoint.stateDict.values()].map((t) => t.data.buffer as ArrayBuffer);
      post({ type: 'done', id: msg.id, checkpoint }, [...new Set(transfer)]);
    } catch (e) {
      const ce = e instanceof CheckpointError;
      post({ type: 'error', id: msg.id, file: ce ? e.file : msg.name, problem: ce ? e.problem : e instanceof Error ? e.message : String(e), checkpointError: ce }, []);
    }
  };
}

// Worker entry: only when running as a dedicated worker.
declare const WorkerGlobalScope: unknown;
if (typeof WorkerGlobalScope !== 'undefined' && typeof self !== 'undefined' && typeof (self as { postMessage?: unknown }).postMessage === 'function') {
  const scope = self as unknown as { postMessage(m: unknown, t: Transferable[]): void; onmessage: ((e: MessageEvent<CheckpointRequest>) => void) | null };
  const handle = createCheckpointHandler((event, transfer) => scope.postMessage(event, transfer));
  scope.onmessage = (e) => void handle(e.data);
}
