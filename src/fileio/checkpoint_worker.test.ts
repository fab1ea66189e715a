import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../testing/shared';
import { createCheckpointHandler, type CheckpointEvent, type CheckpointRequest } from './checkpoint.worker';
import { loadCheckpointInWorker, type WorkerLike } from './checkpoint_worker_client';
import { loadCheckpoint } from './checkpoint';
import { CheckpointError } from './errors';
import { expectSameTensors } from './test_utils';

/** A worker double: the real handler, messages passed through `structuredClone` with their transfer lists, as a worker does. */
function fakeWorker(): WorkerLike & { transferred: number } {
  const listeners = new Set<(e: MessageEvent<CheckpointEvent>) => void>();
  const self = {
    transferred: 0,
    postMessage(msg: CheckpointRequest, transfer: Transferable[]) {
      const cloned = structuredClone(msg, { transfer });
      void handler(cloned);
    },
    addEventListener: (_: 'message', l: (e: MessageEvent<CheckpointEvent>) => void) => void listeners.add(l),
    removeEventListener: (_: 'message', l: (e: MessageEvent<CheckpointEvent>) => void) => void listeners.delete(l),
  };
  const handler = createCheckpointHandler((event, transfer) => {
    self.transferred += transfer.length;
    const data = structuredClone(event, { transfer });
    for (const l of [...listeners]) l({ data } as MessageEvent<CheckpointEvent>);
  });
  return self;
}

const runner = sharedPath('reference/checkpoints/runner_resnet18_cifar_w16_2cls_epoch_3.pth');

describe('loading in a worker', () => {
  it.skipIf(missingShared(runner))('a File loads with progress; tensors come back transferred; same content as on the main thread', async () => {
    const bytes = readFileSync(runner);
    const worker = fakeWorker();
    const progress: number[] = [];
    const ck = await loadCheckpointInWorker(new Blob([bytes]), 'runner.pth', { worker, onProgress: (l) => progress.push(l) });
    const direct = await loadCheckpoint(bytes, 'runner.pth');
    expectSameTensors(direct.stateDict, ck.stateDict);
    expect(ck.classes).toEqual(['cat', 'dog']);
    expect(ck.meta).toEqual(direct.meta);
    expect(worker.transferred).toBe(ck.stateDict.size);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.length).toBeLessThanOrEqual(102);
    expect(progress.at(-1)).toBe(bytes.length);
    // class instances arrive as plain objects with their fields
    const lr = (ck.other.message_hub as { log_scalars: Record<string, { callee: { module: string }; state: { _log_history: { shape: number[] } } }> }).log_scalars['train/lr'];
    expect(lr.callee.module).toBe('mmengine.logging.history_buffer');
    expect(lr.state._log_history.shape).toEqual([12]);
  });

  it('errors come back as CheckpointErrors naming the file; bytes inputs are transferred', async () => {
    const bytes = new Uint8Array(10);
    const err = await loadCheckpointInWorker(bytes, 'zeros.pth', { worker: fakeWorker() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).message).toMatch(/^zeros\.pth: not a checkpoint/);
    expect(bytes.byteLength).toBe(0); // detached: the buffer went to the worker
  });

  it.skipIf(missingShared(runner))('without a worker it loads on the calling thread', async () => {
    const ck = await loadCheckpointInWorker(new Uint8Array(readFileSync(runner)), 'runner.pth', { worker: null, stateDictOnly: true });
    expect(ck.stateDict.size).toBe(122);
  });
});
