/**
 * The training worker's service over a real MessageChannel (node:worker_threads), as the panel's client calls it:
 * LeNet-5 on 64 MNIST test images (WASM). The events through the RPC are those of the same run driven directly, in
 * order, scalars in transferred buffers; pause / resume / stop and an aborted call reach the running loop; a second
 * start is refused; the e2e hook is refused unless the host gives one.
 */
import { existsSync } from 'node:fs';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../backends/tf';
import { connect, serve, type RpcClient, type RpcPort } from '../../utils/rpc/rpc';
import { eventsOf, lenetMnistRequest, MNIST_IMAGES, MNIST_LABELS, recordingEnv, tinyLenetOptions } from './lenet_mnist_session.testkit';
import { startTrainSession } from './train_session';
import { createTrainService, TRAIN_SERVE_OPTIONS, type TrainService, type TrainServiceEnv } from './train_service';
import { MemoryWorkDir } from './work_dir';
import { unpackScalars, type StartRequest, type TrainEvent } from './worker_protocol';

const haveMnist = existsSync(MNIST_IMAGES) && existsSync(MNIST_LABELS);

/** lenet5_mnist.py made tiny: 64 test images, batch 16 (4 iterations an epoch), loss logged every iteration. */
function request(options: string[]): StartRequest {
  return lenetMnistRequest([...tinyLenetOptions(32), 'survival_checkpoint=None', ...options]);
}

/** The service's environment over `store` (the events go to the caller only). */
function serviceEnv(store: MemoryWorkDir, extra: Partial<TrainServiceEnv> = {}): TrainServiceEnv {
  const { post: _post, ...env } = recordingEnv(store, []);
  return { ...env, ...extra };
}

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

/** The service on one end of a MessageChannel (its progress messages' transfer lists recorded), its client on the other. */
function channel(env: TrainServiceEnv): { api: RpcClient<TrainService>; moved: Transferable[][] } {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const moved: Transferable[][] = [];
  const host: RpcPort = {
    postMessage(m, t) {
      port1.postMessage(m, t);
      if ((m as { rpc?: string }).rpc === 'progress') moved.push(t);
    },
    addEventListener: (type, l) => port1.addEventListener(type, l),
    start: () => port1.start(),
  };
  serve(host, createTrainService(env).service, TRAIN_SERVE_OPTIONS);
  return { api: connect<TrainService>(port2).api, moved };
}

/** The losses of the train records, by iteration. */
const losses = (events: TrainEvent[]) =>
  eventsOf(events, 'progress')
    .flatMap((e) => unpackScalars(e.scalars))
    .filter((r) => 'loss' in r)
    .map((r) => [r.iter, r.loss]);

describe.skipIf(!haveMnist)('the training service over a MessageChannel (LeNet-5, 64 MNIST test images, WASM)', () => {
  it('start: the events of the direct run, in order, scalars transferred; resolves after done', async () => {
    await tf.setBackend('wasm');
    const direct: TrainEvent[] = [];
    await startTrainSession(request(['train_cfg.max_epochs=1']), recordingEnv(new MemoryWorkDir('opfs:work_dirs/lenet5_mnist'), direct)).done;

    const store = new MemoryWorkDir('opfs:work_dirs/lenet5_mnist');
    const { api, moved } = channel(serviceEnv(store));
    const events: TrainEvent[] = [];
    const order: string[] = [];
    await api.start(request(['train_cfg.max_epochs=1']), { onProgress: (e) => (events.push(e), order.push(e.kind)) });
    order.push('resolved');

    expect(eventsOf(events, 'error')).toEqual([]);
    expect(order).toEqual([...direct.map((e) => e.kind), 'resolved']);
    expect(order.slice(0, 1)).toEqual(['started']);
    expect(order.slice(-2)).toEqual(['done', 'resolved']);
    expect(eventsOf(events, 'checkpoint').map((e) => e.name)).toEqual(['epoch_1.pth']);
    expect(eventsOf(events, 'val').map((e) => e.epoch)).toEqual([1]);
    // The same losses as the run driven directly (same seed, same backend): the RPC changes nothing.
    expect(losses(events).map(([iter]) => iter)).toEqual([1, 2, 3, 4]);
    expect(losses(events)).toEqual(losses(direct));
    expect(eventsOf(events, 'done')[0]).toMatchObject({ stopped: false, position: { iter: 4, epoch: 1 } });

    // Each progress message moved its scalars' buffer (the worker's copy detached), and it arrived whole.
    const progress = eventsOf(events, 'progress');
    const transferred = moved.filter((t) => t.length > 0);
    expect(transferred).toHaveLength(progress.length);
    expect(transferred.every((t) => t.length === 1 && (t[0] as ArrayBuffer).byteLength === 0)).toBe(true);
    expect(progress.every((e) => e.scalars.values instanceof Float64Array && e.scalars.values.length % Math.max(1, e.scalars.keys.length) === 0)).toBe(true);
    expect(progress.reduce((n, e) => n + e.scalars.values.length, 0)).toBeGreaterThan(0);
  });

  it('pause holds the loop while start runs, resume goes on, stop resolves once the run has ended; a second start is refused', async () => {
    await tf.setBackend('wasm');
    const store = new MemoryWorkDir('opfs:work_dirs/lenet5_mnist');
    const { api } = channel(serviceEnv(store));
    const events: TrainEvent[] = [];
    const iters = () => Math.max(0, ...eventsOf(events, 'progress').map((e) => e.position.iter));
    let stopped: Promise<void> | null = null;
    let asked = false;
    const heldAt: number[] = [];
    const onProgress = (e: TrainEvent) => {
      events.push(e);
      if (e.kind === 'progress' && e.position.iter >= 2 && !asked) {
        asked = true;
        void api.pause(); // a round trip away: the loop holds at the next iteration it starts
      }
      if (e.kind === 'state' && e.state === 'paused') {
        setTimeout(() => heldAt.push(iters()), 50);
        setTimeout(() => {
          heldAt.push(iters()); // nothing ran while paused
          void api.resume();
        }, 250);
      }
      if (e.kind === 'state' && e.state === 'running') stopped = api.stop();
    };
    const run = api.start(request(['train_cfg.max_epochs=5']), { onProgress });
    const refused = await api.start(request([])).catch((e: unknown) => e);
    expect(refused).toMatchObject({ message: 'a run is already going in this worker; stop it first' });
    await run;
    await stopped;

    expect(eventsOf(events, 'error')).toEqual([]);
    expect(eventsOf(events, 'state').map((s) => s.state)).toEqual(['paused', 'running', 'stopping']);
    expect(heldAt).toHaveLength(2);
    expect(heldAt[1]).toBe(heldAt[0]);
    expect(heldAt[0]).toBeGreaterThanOrEqual(2);
    const done = eventsOf(events, 'done');
    expect(done).toHaveLength(1);
    expect(events[events.length - 1]).toBe(done[0]);
    expect(done[0].stopped).toBe(true);
    expect(done[0].position.iter).toBeLessThan(20);
    // The stop ended the epoch early and CheckpointHook saved it: a new run may start (and resume from it).
    const pointer = store.text('last_checkpoint');
    expect(pointer).toMatch(/epoch_\d\.pth$/);
    const again: TrainEvent[] = [];
    await api.start({ ...request(['train_cfg.max_epochs=5']), resume: true }, { onProgress: (e) => again.push(e) });
    expect(eventsOf(again, 'error')).toEqual([]);
    expect(eventsOf(again, 'started')[0].resumedFrom).toBe(pointer!.split('/').pop());
    expect(eventsOf(again, 'done')[0]).toMatchObject({ stopped: false, position: { iter: 20, epoch: 5 } });
  });

  it('an aborted start rejects at once with an AbortError and stops the run', async () => {
    await tf.setBackend('wasm');
    const store = new MemoryWorkDir('opfs:work_dirs/lenet5_mnist');
    const { api } = channel(serviceEnv(store));
    const controller = new AbortController();
    const seen: string[] = [];
    const run = api.start(request(['train_cfg.max_epochs=50']), {
      signal: controller.signal,
      onProgress: (e) => {
        seen.push(e.kind);
        if (e.kind === 'progress') controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    const after = seen.length;
    await api.stop(); // resolves once the aborted run has ended
    expect(seen.length).toBe(after); // nothing more reached the aborted call
    expect(store.text('last_checkpoint')).toMatch(/epoch_1\.pth$/);
  });
});

describe('the e2e hook', () => {
  it('debugLoseBackend: refused with a warning unless the host gives a way to lose the backend', async () => {
    const store = new MemoryWorkDir('opfs:work_dirs/x');
    expect(await channel(serviceEnv(store)).api.debugLoseBackend()).toBe('debug-lose-backend is accepted only in the e2e build');
    let lost = 0;
    const { api } = channel(serviceEnv(store, { loseBackend: () => (++lost, null) }));
    expect(await api.debugLoseBackend()).toBeNull();
    expect(lost).toBe(1);
    // with no run going, the controls do nothing
    await api.pause();
    await api.resume();
    await api.stop();
  });
});
