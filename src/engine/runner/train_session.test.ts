import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../backends/tf';
import { sharedPath } from '../../testing/shared';
import { eventsOf, lenetMnistRequest, MNIST_IMAGES, MNIST_LABELS, recordingEnv, tinyLenetOptions } from './lenet_mnist_session.testkit';
import { describeFailure, startTrainSession } from './train_session';
import { MemoryWorkDir } from './work_dir';
import { packScalars, ProgressBatcher, TrainControlHook, unpackScalars, type StartRequest, type TrainEvent } from './worker_protocol';

const [IMAGES, LABELS] = [MNIST_IMAGES, MNIST_LABELS];
const haveMnist = existsSync(IMAGES) && existsSync(LABELS);

/** lenet5_mnist.py made tiny: 64 test images for both loaders, batch 16, loss logged every iteration. */
function request(options: string[], edit: (cfg: Record<string, unknown>) => void = () => {}): StartRequest {
  return lenetMnistRequest([...tinyLenetOptions(32), ...options], edit);
}

const env = recordingEnv;
const of = eventsOf;

describe('scalars packing and batching', () => {
  it('round-trips records with different keys through one Float64Array', () => {
    const records: Record<string, number>[] = [{ lr: 0.01, loss: 2.3, step: 1 }, { 'accuracy/top1': 12.5, step: 1 }];
    const packed = packScalars(records);
    expect(packed.values.length).toBe(2 * packed.keys.length);
    expect(unpackScalars(packed)).toEqual(records);
  });

  it('emits at most once per interval, and everything on flush', () => {
    let t = 0;
    const batches: { n: number; lines: string[] }[] = [];
    const b = new ProgressBatcher(({ scalars, lines }) => batches.push({ n: unpackScalars(scalars).length, lines }), 100, () => t);
    b.addScalars({ loss: 1 });
    expect(b.tick()).toBe(true);
    b.addScalars({ loss: 2 });
    b.addLine('x');
    t = 50;
    expect(b.tick()).toBe(false);
    b.addScalars({ loss: 3 });
    t = 150;
    expect(b.tick()).toBe(true);
    b.flush();
    expect(batches).toEqual([{ n: 1, lines: [] }, { n: 2, lines: ['x'] }, { n: 0, lines: [] }]);
  });

  it('a lost GPU device says which checkpoint is kept', () => {
    expect(describeFailure(new Error("GPUDevice was lost: reason 'unknown'"), 'epoch_3.pth')).toBe(
      "The GPU device was lost during training (GPUDevice was lost: reason 'unknown'). The last checkpoint epoch_3.pth is kept: resume from it, on the same backend after a reload or on WASM.",
    );
    expect(describeFailure(new Error('WebGL context lost'), null)).toMatch(/No checkpoint was saved yet/);
    expect(describeFailure(new Error('shape mismatch'), 'epoch_1.pth')).toBe('shape mismatch');
  });

  it('the control hook holds before_train_iter while paused and stop releases it', async () => {
    const states: string[] = [];
    const hook = new TrainControlHook((s) => states.push(s));
    const runner = { trainLoop: { stopTraining: false } };
    hook.pause();
    let passed = false;
    const waiting = hook.beforeTrainIter(runner).then(() => (passed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(passed).toBe(false);
    hook.stop();
    await waiting;
    expect(runner.trainLoop.stopTraining).toBe(true);
    expect(states).toEqual(['paused', 'stopping']);
  });
});

describe.skipIf(!haveMnist)('a training session (LeNet-5 on 64 MNIST test images, WASM)', () => {
  it('reports progress, validation with the confusion matrix, checkpoints; resumes from last_checkpoint; tensors flat', async () => {
    await tf.setBackend('wasm');
    const store = new MemoryWorkDir('opfs:work_dirs/lenet5_mnist');
    const events: TrainEvent[] = [];
    const before = tf.memory().numTensors;
    const req = request(['train_cfg.max_epochs=2'], (cfg) => (cfg.val_evaluator = [{ type: 'Accuracy', topk: [1] }, { type: 'ConfusionMatrix' }]));
    await startTrainSession(req, env(store, events)).done;
    expect(of(events, 'error')).toEqual([]);
    const started = of(events, 'started')[0];
    expect(started).toMatchObject({ backend: 'wasm', workDir: 'opfs:work_dirs/lenet5_mnist', resumedFrom: null, position: { iter: 0, maxIters: 8, epochLength: 4, maxEpochs: 2, byEpoch: true } });
    const train = of(events, 'progress').flatMap((e) => unpackScalars(e.scalars)).filter((r) => 'loss' in r);
    expect(train.map((r) => r.iter)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(train.every((r) => Number.isFinite(r.loss) && r.lr === 0.01)).toBe(true);
    const lines = of(events, 'progress').flatMap((e) => e.lines);
    expect(lines.some((l) => /Epoch\(train\) \[1\]\[1\/4\]\s+lr: 1\.0000e-02/.test(l))).toBe(true);
    const vals = of(events, 'val');
    expect(vals.map((v) => v.epoch)).toEqual([1, 2]);
    expect(vals[1].metrics['accuracy/top1']).toBeGreaterThanOrEqual(0);
    expect(vals[1].confusion!.length).toBe(10);
    expect(vals[1].confusion!.flat().reduce((a, b) => a + b, 0)).toBe(32);
    expect(vals[1].classes!.slice(0, 2)).toEqual(['0 - zero', '1 - one']);
    expect(of(events, 'checkpoint').map((e) => e.name)).toEqual(['epoch_1.pth', 'epoch_2.pth']);
    expect(of(events, 'done')[0]).toMatchObject({ stopped: false, position: { iter: 8, epoch: 2 } });
    expect(store.text('last_checkpoint')).toBe('opfs:work_dirs/lenet5_mnist/epoch_2.pth');
    expect(tf.memory().numTensors).toBe(before);

    // A reload: a new session on the same work dir continues from epoch 2 to 3.
    const events2: TrainEvent[] = [];
    await startTrainSession({ ...request(['train_cfg.max_epochs=3']), resume: true }, env(store, events2)).done;
    expect(of(events2, 'error')).toEqual([]);
    expect(of(events2, 'started')[0]).toMatchObject({ resumedFrom: 'epoch_2.pth', position: { iter: 8, epoch: 2 } });
    const iters = of(events2, 'progress').flatMap((e) => unpackScalars(e.scalars)).filter((r) => 'loss' in r).map((r) => r.iter);
    expect(iters).toEqual([9, 10, 11, 12]);
    expect(of(events2, 'checkpoint').map((e) => e.name)).toEqual(['epoch_3.pth']);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('pauses (no iteration runs while paused), resumes and stops after the current iteration', async () => {
    await tf.setBackend('wasm');
    const store = new MemoryWorkDir('w');
    const events: TrainEvent[] = [];
    let session: ReturnType<typeof startTrainSession> | null = null;
    let paused = false;
    const pausedAt: number[] = [];
    session = startTrainSession(
      request(['train_cfg.max_epochs=50']),
      env(store, events, (e) => {
        if (e.kind === 'progress' && e.position.iter >= 2 && !paused) {
          paused = true;
          session!.control.pause();
          pausedAt.push(e.position.iter);
          setTimeout(() => {
            pausedAt.push(Math.max(...of(events, 'progress').map((p) => p.position.iter)));
            session!.control.resume();
            setTimeout(() => session!.control.stop(), 50);
          }, 300);
        }
      }),
    );
    await session.done;
    expect(of(events, 'error')).toEqual([]);
    expect(of(events, 'state').map((s) => s.state)).toEqual(['paused', 'running', 'stopping']);
    expect(pausedAt[1]).toBe(pausedAt[0]);
    const done = of(events, 'done')[0];
    expect(done.stopped).toBe(true);
    expect(done.position.iter).toBeLessThan(200);
  });

  it('a NaN/Inf loss stops the run with the iteration and the last good checkpoint', async () => {
    await tf.setBackend('wasm');
    const events: TrainEvent[] = [];
    await startTrainSession(request(['train_cfg.max_epochs=30', 'optim_wrapper.optimizer.lr=1e30', 'optim_wrapper.optimizer.momentum=0']), env(new MemoryWorkDir('w'), events)).done;
    const err = of(events, 'error')[0];
    expect(err.invalidLoss).not.toBeNull();
    expect(err.message).toMatch(/became (NaN|Infinity|-Infinity) at iteration \d+/);
    const ckpts = of(events, 'checkpoint').map((c) => c.name);
    expect(err.invalidLoss!.lastCheckpoint).toBe(ckpts.at(-1) ?? null);
  });

  it('missing dataset files fail with the files the config expects', async () => {
    await tf.setBackend('wasm');
    const events: TrainEvent[] = [];
    await startTrainSession({ ...request([]), files: [] }, env(new MemoryWorkDir('w'), events)).done;
    expect(of(events, 'error')[0].message).toMatch(/t10k-images-idx3-ubyte\(\.gz\) and t10k-labels-idx1-ubyte\(\.gz\)/);
  });

  describe('bad input ends the run with a clear message', () => {
    const failWith = async (req: StartRequest, store = new MemoryWorkDir('w')) => {
      await tf.setBackend('wasm');
      const events: TrainEvent[] = [];
      const before = tf.memory().numTensors;
      await startTrainSession(req, env(store, events)).done;
      expect(of(events, 'done')).toEqual([]);
      expect(tf.memory().numTensors).toBe(before);
      return of(events, 'error')[0].message;
    };

    it('a config missing a required field, an unknown optimizer, a scheduler with end <= begin, a dataset smaller than a batch', async () => {
      expect(await failWith(request([], (c) => delete c.optim_wrapper))).toMatch(/training needs optim_wrapper/);
      expect(await failWith(request(['optim_wrapper.optimizer.type=SDG']))).toMatch(/SDG[\s\S]*SGD/);
      expect(await failWith(request([], (c) => (c.param_scheduler = { type: 'LinearLR', begin: 5, end: 5 })))).toMatch(/end should be larger than begin/);
      expect(await failWith(request(['train_dataloader.dataset.indices=8', 'train_dataloader.drop_last=True']))).toMatch(/smaller than one batch \(batch_size=16, drop_last=true\)/);
    });

    it('resuming with the checkpoint of a different model names the mismatching keys', async () => {
      await tf.setBackend('wasm');
      const store = new MemoryWorkDir('w');
      await startTrainSession(request(['train_cfg.max_epochs=1']), env(store, [])).done;
      expect(store.text('last_checkpoint')).toBe('w/epoch_1.pth');
      const message = await failWith({ ...request(['train_cfg.max_epochs=2', 'model.backbone.num_classes=5']), resume: true }, store);
      expect(message).toMatch(/^epoch_1\.pth is a checkpoint of a different model than this config builds.*shape mismatch.*\[10, 84\], model \[5, 84\]/);
    });
  });

  describe('out of memory says the model\'s size, and the next run starts', () => {
    it('while building (CPU: a layer past the typed-array limit): what was allocated, the allocation that failed', async () => {
      await tf.setBackend('cpu');
      const events: TrainEvent[] = [];
      const before = tf.memory().numTensors;
      // 84 × 60 M outputs: a 5.04 G-element weight, refused by the engine before anything is allocated.
      await startTrainSession({ ...request(['model.backbone.num_classes=60000000']), backend: 'cpu' }, env(new MemoryWorkDir('w'), events)).done;
      const message = of(events, 'error')[0].message;
      console.log(`build OOM: ${message}`);
      expect(message).toMatch(
        /^Out of memory building lenet5_mnist \(LeNet5\) \(at least [\d.]+ k parameters ≈ [\d.]+ kB of weights allocated on CPU when it failed, the allocation that failed: 5\.04 B elements\); try a smaller batch \(train_dataloader\.batch_size\), WASM, or a smaller model\. \(tfjs: RangeError: Invalid typed array length: 5040000000\)$/,
      );
      expect(tf.memory().numTensors).toBe(before);
    });

    /**
     * A WASM run in which `allocate` fails once, in iteration 2 (from the progress post of iteration 1): the error
     * message; no run finished and no tensor left. A second run then trains to its end.
     */
    async function failOnceMidIteration(allocate: () => void): Promise<string> {
      await tf.setBackend('wasm');
      const events: TrainEvent[] = [];
      const before = tf.memory().numTensors;
      let failed = false;
      await startTrainSession(
        request(['train_cfg.max_epochs=1']),
        env(new MemoryWorkDir('w'), events, (e) => {
          if (e.kind === 'progress' && e.position.iter === 1 && !failed) {
            failed = true;
            allocate();
          }
        }),
      ).done;
      expect(of(events, 'done')).toEqual([]);
      expect(tf.memory().numTensors).toBe(before);
      const next: TrainEvent[] = [];
      await startTrainSession(request(['train_cfg.max_epochs=1']), env(new MemoryWorkDir('w2'), next)).done;
      expect(of(next, 'error')).toEqual([]);
      expect(of(next, 'done')[0].position.iter).toBe(4);
      return of(events, 'error')[0].message;
    }

    it('while training (a real failed allocation mid-iteration): parameters, the batch, the estimate with activations; the next run trains', async () => {
      const message = await failOnceMidIteration(() => new ArrayBuffer(2 ** 40)); // RangeError: Array buffer allocation failed
      console.log(`training OOM: ${message}`);
      expect(message).toMatch(
        /^Out of memory training lenet5_mnist \(LeNet5\) \(61\.7 k parameters ≈ 246\.8 kB of weights, ≈ [\d.]+ MB with gradients, optimizer state and activations at batch 16 on WASM\); try a smaller batch \(train_dataloader\.batch_size\), CPU, or a smaller model\. \(tfjs: RangeError: Array buffer allocation failed\)$/,
      );
    });

    it("a tensor past WASM's heap mid-iteration: the heap guard's out of memory (nothing overwritten), and the backend trains on", async () => {
      // 4 GiB + 4 bytes: unguarded, WASM's malloc would hand out 4 bytes (the size modulo 2³²) to be overrun
      const message = await failOnceMidIteration(() => tf.zeros([2 ** 30 + 1]));
      expect(message).toMatch(/^Out of memory training lenet5_mnist \(LeNet5\) \(61\.7 k parameters .* on WASM\); .*\(tfjs: RangeError: WASM heap out of memory: malloc\(4294967300\) failed with the heap at \d+ bytes\)$/);
    });
  });

  it('load_from loads weights only; with resume it continues from that checkpoint (mmengine load_or_resume)', async () => {
    await tf.setBackend('wasm');
    const first = new MemoryWorkDir('a');
    await startTrainSession(request(['train_cfg.max_epochs=1']), env(first, [])).done;
    const other = new MemoryWorkDir('b');
    await other.write('load_from/epoch_1.pth', first.files.get('epoch_1.pth')!);
    const events: TrainEvent[] = [];
    await startTrainSession(request(['train_cfg.max_epochs=1', "load_from='load_from/epoch_1.pth'"]), env(other, events)).done;
    expect(of(events, 'started')[0]).toMatchObject({ resumedFrom: null, position: { iter: 0 } });
    expect(of(events, 'progress').flatMap((e) => e.lines).some((l) => l.includes('Load checkpoint from load_from/epoch_1.pth'))).toBe(true);
    const resumed: TrainEvent[] = [];
    await startTrainSession({ ...request(['train_cfg.max_epochs=2', "load_from='load_from/epoch_1.pth'"]), resume: true }, env(new MemoryWorkDir('c'), resumed)).done;
    expect(of(resumed, 'error')[0].message).toMatch(/load_from: 'load_from\/epoch_1\.pth' is not in c/);
    const ok: TrainEvent[] = [];
    await startTrainSession({ ...request(['train_cfg.max_epochs=2', "load_from='load_from/epoch_1.pth'"]), resume: true }, env(other, ok)).done;
    expect(of(ok, 'started')[0]).toMatchObject({ resumedFrom: 'load_from/epoch_1.pth', position: { iter: 4, epoch: 1 } });
    expect(of(ok, 'done')[0].position.iter).toBe(8);
  });
});

const LENET_PTH = sharedPath('reference/models/lenet5.pth');
const LENET_URL = 'https://download.openmmlab.com/mmclassification/v0/lenet/lenet5_mnist.pth';

describe.skipIf(!haveMnist || !existsSync(LENET_PTH))('fine-tuning: init_cfg Pretrained in a training session', () => {
  /** lenet5_mnist.py with the backbone's init_cfg set through cfg-options, as the Train panel's text box does. */
  const finetune = (options: string[] = []) =>
    request(['model.backbone.init_cfg.type=Pretrained', `model.backbone.init_cfg.checkpoint=${LENET_URL}`, 'model.backbone.init_cfg.prefix=backbone', 'train_cfg.max_epochs=1', ...options]);
  const lenetFile = () => ({ checkpoint: LENET_URL, name: 'lenet5.pth', data: new Uint8Array(readFileSync(LENET_PTH)) });

  it('loads the given checkpoint with the prefix, reports it (event and log), and trains from those weights', async () => {
    await tf.setBackend('wasm');
    const store = new MemoryWorkDir('w');
    const events: TrainEvent[] = [];
    const before = tf.memory().numTensors;
    // lr 0: the saved epoch_1.pth must hold exactly the pretrained weights.
    await startTrainSession({ ...finetune(['optim_wrapper.optimizer.lr=0']), pretrained: [lenetFile()] }, env(store, events)).done;
    expect(of(events, 'error')).toEqual([]);
    const [pre] = of(events, 'pretrained');
    expect(pre.report.loads).toEqual([
      { checkpoint: LENET_URL, file: 'lenet5.pth', prefix: 'backbone', module: 'backbone', loaded: 10, report: { missingKeys: [], unexpectedKeys: [], shapeMismatches: [] } },
    ]);
    expect(pre.report.notLoaded).toEqual([]);
    expect(events.findIndex((e) => e.kind === 'pretrained')).toBeLessThan(events.findIndex((e) => e.kind === 'started'));
    const lines = of(events, 'progress').flatMap((e) => e.lines);
    expect(lines.some((l) => l.endsWith(`INFO - load backbone in model from: ${LENET_URL}`))).toBe(true);
    expect(lines.some((l) => l.endsWith('INFO -   10 tensors of backbone loaded from lenet5.pth'))).toBe(true);
    const { loadCheckpoint } = await import('../../fileio');
    const saved = (await loadCheckpoint(store.files.get('epoch_1.pth')!, 'epoch_1.pth')).stateDict;
    const ref = (await loadCheckpoint(new Uint8Array(readFileSync(LENET_PTH)), 'lenet5.pth')).stateDict;
    for (const k of ['backbone.features.0.weight', 'backbone.classifier.2.bias']) expect(Array.from(saved.get(k)!.data as Float32Array), k).toEqual(Array.from(ref.get(k)!.data as Float32Array));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('without the file the start fails naming the init_cfg and what to do; a resume skips it with a note', async () => {
    await tf.setBackend('wasm');
    const store = new MemoryWorkDir('w');
    const events: TrainEvent[] = [];
    const before = tf.memory().numTensors;
    await startTrainSession(finetune(), env(store, events)).done;
    expect(of(events, 'error')[0].message).toBe(
      `model.backbone.init_cfg: Pretrained checkpoint '${LENET_URL}' was not given. Drop the file (.pth or .safetensors) in the Train panel, or choose "train from scratch".`,
    );
    expect(tf.memory().numTensors).toBe(before);
    await startTrainSession({ ...finetune(), pretrained: [lenetFile()] }, env(store, [])).done;
    const resumed: TrainEvent[] = [];
    await startTrainSession({ ...finetune(['train_cfg.max_epochs=2']), resume: true }, env(store, resumed)).done;
    expect(of(resumed, 'error')).toEqual([]);
    expect(of(resumed, 'started')[0].resumedFrom).toBe('epoch_1.pth');
    expect(of(resumed, 'pretrained')).toEqual([]);
    expect(of(resumed, 'progress').flatMap((e) => e.lines).some((l) => l.includes('resuming: the Pretrained init_cfg (model.backbone.init_cfg) is skipped'))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
