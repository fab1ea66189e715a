import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendLoss, BackendWatch } from '../../backends/backend_loss';
import { tf } from '../../backends/tf';
import { eventsOf, lenetMnistRequest, MNIST_IMAGES, MNIST_LABELS, recordingEnv, tinyLenetOptions, withRandomFlip } from './lenet_mnist_session.testkit';
import { lossNotice, StateSnapshotHook } from './backend_fallback';
import type { Runner } from './runner';
import { startTrainSession, type SessionEnv } from './train_session';
import { MemoryWorkDir } from './work_dir';
import { unpackScalars, type StartRequest, type TrainEvent } from './worker_protocol';

/**
 * A lost backend in Node: WASM and CPU are never lost, so a fake watch (injected through `SessionEnv`) says the
 * active backend is gone at a chosen iteration — silently, as a lost WebGL context does (reads give zeros or never
 * finish), or with the failed op's error, as WebGPU's `mapAsync` does. The session must go on on the next backend
 * from the newest state it kept, with the losses of a run that was never interrupted.
 */

/** lenet5_mnist.py made tiny (as survival.test.ts): 64 images, batch 16 (4 iterations an epoch), 3 epochs, a
 * random flip, shuffled, the lr stepped after epoch 2; validation on 16 images after each epoch. */
function request(options: string[] = []): StartRequest {
  const req = lenetMnistRequest([...tinyLenetOptions(16), 'train_cfg.max_epochs=3', 'param_scheduler.milestones=[2]', ...options], withRandomFlip);
  return { ...req, survival: null };
}

/** A watch factory whose current watch can be told that its backend is lost. */
function fakeLoss() {
  const watches: { backend: string; lose: () => void }[] = [];
  const watchBackendLoss: SessionEnv['watchBackendLoss'] = (onLost) => {
    const backend = tf.getBackend();
    let lost: BackendLoss | null = null;
    let resolve!: (l: BackendLoss) => void;
    const whenLost = new Promise<BackendLoss>((r) => (resolve = r));
    const watch: BackendWatch = { backend, canLose: true, get lost() { return lost; }, check: () => lost, whenLost, stop() {} };
    watches.push({
      backend,
      lose() {
        lost = { backend, kind: 'context-lost', detail: 'webglcontextlost', message: `${backend} lost (test)` };
        resolve(lost);
        onLost(lost);
      },
    });
    return watch;
  };
  return { watchBackendLoss, loseCurrent: () => watches.at(-1)!.lose(), watches };
}

/** The records as the panel keeps them: everything posted, cut to `keepRecords` at each `backend-lost`. */
function panelRecords(events: TrainEvent[]): Record<string, number>[] {
  let records: Record<string, number>[] = [];
  for (const e of events) {
    if (e.kind === 'progress') records = records.concat(unpackScalars(e.scalars));
    if (e.kind === 'backend-lost') records = records.slice(0, e.keepRecords);
  }
  return records;
}

/** Training losses by iteration. */
const losses = (records: Record<string, number>[]) => new Map(records.filter((r) => 'loss' in r).map((r) => [r.iter, r.loss]));
const of = eventsOf;

const haveMnist = existsSync(MNIST_IMAGES) && existsSync(MNIST_LABELS);

describe.runIf(haveMnist)('a lost backend mid-run (LeNet-5, MNIST; fake watch)', () => {
  let expected: Map<number, number>;
  let expectedRecords: Record<string, number>[];

  it('an uninterrupted run on WASM (the reference)', async () => {
    await tf.setBackend('wasm');
    const events: TrainEvent[] = [];
    await startTrainSession(request(), recordingEnv(new MemoryWorkDir(), events)).done;
    expect(of(events, 'error')).toEqual([]);
    expectedRecords = panelRecords(events);
    expected = losses(expectedRecords);
    expect([...expected.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  }, 60_000);

  it('silently lost at iteration 7: goes on on a fresh backend from the snapshot of iteration 6, with the same losses', async () => {
    await tf.setBackend('wasm');
    const fake = fakeLoss();
    const events: TrainEvent[] = [];
    let lostOnce = false;
    const before = tf.memory().numTensors;
    await startTrainSession(
      request(),
      recordingEnv(new MemoryWorkDir(), events, (e) => {
        if (e.kind === 'progress' && !lostOnce && e.position.iter === 6) {
          lostOnce = true;
          fake.loseCurrent();
        }
      }, {
        watchBackendLoss: fake.watchBackendLoss,
        snapshots: { maxOverhead: Infinity }, // every iteration (the overhead budget depends on the machine's speed)
        // "The next backend" is WASM again here, so the numbers can be compared exactly.
        switchBackend: async () => ({ backend: ((await tf.setBackend('wasm')) && 'wasm') as 'wasm', failed: {} }),
      }),
    ).done;
    expect(of(events, 'error')).toEqual([]);
    const [lost] = of(events, 'backend-lost');
    expect(lost).toMatchObject({ lost: 'wasm', backend: 'wasm', lostAtIter: 7, resumedIter: 6, from: 'snapshot', keepValEpochs: 1 });
    expect(lost.message).toBe(lossNotice({ backend: 'wasm', kind: 'context-lost', detail: 'webglcontextlost', message: '' }, 7, 'wasm', 'snapshot', 6));
    expect(lost.message).toBe('WASM context lost at iteration 7; continuing on WASM from iteration 6.');
    expect(of(events, 'done')[0]).toMatchObject({ stopped: false, position: { iter: 12, epoch: 3 } });
    const records = panelRecords(events);
    expect(records.map((r) => r.iter ?? `val@${r.step}`)).toEqual(expectedRecords.map((r) => r.iter ?? `val@${r.step}`));
    const got = losses(records);
    const maxDiff = Math.max(...[...expected].map(([i, l]) => Math.abs(got.get(i)! - l)));
    console.log(`lost at 7, resumed from the snapshot of 6 (same backend kind): max |Δloss| over 1..12 = ${maxDiff}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    // Iterations 7..12 ran once more after the loss, on the new backend.
    const after = events.slice(events.indexOf(lost)).flatMap((e) => (e.kind === 'progress' ? unpackScalars(e.scalars) : [])).filter((r) => 'loss' in r);
    expect(after.map((r) => r.iter)).toEqual([7, 8, 9, 10, 11, 12]);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('an op fails with "device lost" at iteration 7: goes on on CPU (the next backend after WASM)', async () => {
    await tf.setBackend('wasm');
    const fake = fakeLoss();
    const events: TrainEvent[] = [];
    let lostOnce = false;
    await startTrainSession(
      request(),
      recordingEnv(new MemoryWorkDir(), events, (e) => {
        if (e.kind === 'progress' && !lostOnce && e.position.iter === 6) {
          lostOnce = true;
          fake.loseCurrent();
          throw new Error("Failed to execute 'mapAsync' on 'GPUBuffer': Device is lost");
        }
      }, { watchBackendLoss: fake.watchBackendLoss, snapshots: { maxOverhead: Infinity } }),
    ).done;
    expect(of(events, 'error')).toEqual([]);
    const [lost] = of(events, 'backend-lost');
    // The failed op is in iteration 7's after_train_iter (its progress post, which reports 6 done): the snapshot of 7
    // was not taken.
    expect(lost).toMatchObject({ lost: 'wasm', backend: 'cpu', lostAtIter: 7, resumedIter: 6, from: 'snapshot' });
    expect(lost.message).toBe('WASM context lost at iteration 7; continuing on CPU from iteration 6.');
    expect(fake.watches.map((w) => w.backend)).toEqual(['wasm', 'cpu']);
    expect(of(events, 'done')[0].position.iter).toBe(12);
    const got = losses(panelRecords(events));
    expect([...got.keys()]).toEqual([...expected.keys()]);
    for (const i of [1, 2, 3, 4, 5, 6]) expect(got.get(i)).toBe(expected.get(i));
    const maxDiff = Math.max(...[7, 8, 9, 10, 11, 12].map((i) => Math.abs(got.get(i)! - expected.get(i)!)));
    console.log(`WASM → CPU from the snapshot of iteration 6: max |Δloss| over 7..12 = ${maxDiff.toExponential(2)} (CPU kernels against WASM's)`);
    expect(maxDiff).toBeLessThan(1e-4);
    expect(tf.getBackend()).toBe('cpu');
  }, 60_000);

  it('without snapshots it goes on from this run\'s survival checkpoint; lost before any state, from the start', async () => {
    await tf.setBackend('wasm');
    const same = { switchBackend: async () => ({ backend: ((await tf.setBackend('wasm')) && 'wasm') as 'wasm', failed: {} }) };
    let fake = fakeLoss();
    let events: TrainEvent[] = [];
    let lostOnce = false;
    await startTrainSession(
      { ...request(), survival: { interval_iters: 3, interval_s: null } },
      recordingEnv(new MemoryWorkDir(), events, (e) => {
        if (e.kind === 'progress' && !lostOnce && e.position.iter === 7) {
          lostOnce = true;
          fake.loseCurrent();
        }
      }, { watchBackendLoss: fake.watchBackendLoss, snapshots: false, ...same }),
    ).done;
    expect(of(events, 'error')).toEqual([]);
    let [lost] = of(events, 'backend-lost');
    expect(lost).toMatchObject({ lostAtIter: 8, resumedIter: 6, from: 'survival' });
    expect(lost.message).toBe('WASM context lost at iteration 8; continuing on WASM from iteration 6 (the survival checkpoint).');
    let got = losses(panelRecords(events));
    expect(Math.max(...[...expected].map(([i, l]) => Math.abs(got.get(i)! - l)))).toBeLessThanOrEqual(1e-6);

    fake = fakeLoss();
    events = [];
    lostOnce = false;
    await startTrainSession(
      request(),
      recordingEnv(new MemoryWorkDir(), events, (e) => {
        if (e.kind === 'progress' && !lostOnce && e.position.iter === 1) {
          lostOnce = true;
          fake.loseCurrent();
        }
      }, { watchBackendLoss: fake.watchBackendLoss, snapshots: false, ...same }),
    ).done;
    expect(of(events, 'error')).toEqual([]);
    [lost] = of(events, 'backend-lost');
    expect(lost).toMatchObject({ lostAtIter: 2, resumedIter: 0, from: 'start', keepRecords: 0 });
    expect(lost.message).toBe('WASM context lost at iteration 2; continuing on WASM from the start (no state had been kept yet).');
    got = losses(panelRecords(events));
    expect(Math.max(...[...expected].map(([i, l]) => Math.abs(got.get(i)! - l)))).toBeLessThanOrEqual(1e-6);
  }, 90_000);

  it('a loss with no backend left fails with what is kept', async () => {
    await tf.setBackend('wasm');
    const fake = fakeLoss();
    const events: TrainEvent[] = [];
    let lostOnce = false;
    await startTrainSession(
      request(),
      recordingEnv(new MemoryWorkDir(), events, (e) => {
        if (e.kind === 'progress' && !lostOnce && e.position.iter === 2) {
          lostOnce = true;
          fake.loseCurrent();
          throw new Error('WebGL context lost');
        }
      }, { watchBackendLoss: fake.watchBackendLoss, switchBackend: async () => Promise.reject(new Error('cpu failed to initialise')) }),
    ).done;
    expect(of(events, 'backend-lost')).toEqual([]);
    expect(of(events, 'error')[0].message).toBe('wasm lost (test), and no other backend could take over: cpu failed to initialise');
  }, 60_000);
});

describe('the snapshot budget', () => {
  it('snapshots within the overhead budget: the first two, then when the time since the last pays for its cost, and every epoch end', async () => {
    let t = 0;
    const taken: number[] = [];
    let iter = 0;
    // A runner whose iterations take 100 ms and whose state takes 50 ms to read back.
    const runner = {
      get iter() {
        return iter;
      },
      epoch: 0,
      trainLoop: { dataloader: { length: 12 } },
      messageHub: { logScalars: new Map() },
      logger: { warning: () => {} },
      checkpointObject: async (meta: { iter: number }) => {
        t += 50;
        taken.push(meta.iter);
        return { meta, state_dict: new Map([['w', { data: new Float32Array(4) }]]) };
      },
    } as unknown as Runner;
    const hook = new StateSnapshotHook({ isLost: () => false, records: () => iter, maxOverhead: 0.2, now: () => t });
    hook.beforeTrain();
    hook.beforeTrainEpoch(runner);
    for (let i = 0; i < 12; i++) {
      t += 100;
      await hook.afterTrainIter(runner, i);
      iter++;
    }
    // 50 ms ≤ 0.2 × the time since the last one: every third iteration after the first two; the epoch's last.
    expect(taken).toEqual([1, 2, 5, 8, 11, 12]);
    expect(hook.snapshot).toMatchObject({ iter: 12, innerIter: 12, records: 11, bytes: 16, ms: 50 });
  });
});
