import { existsSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { loadCheckpoint } from '../../fileio';
import { readZipDirectorySync, readZipEntrySync } from '../../fileio/zip/zip_reader';
import { newestCheckpoint, readSurvivalInfo, SURVIVAL_FILE, SURVIVAL_INFO, SURVIVAL_PARTIAL, writeSurvivalCheckpoint, type SurvivalMeta } from './survival';
import { eventsOf, lenetMnistRequest, MNIST_IMAGES, MNIST_LABELS, recordingEnv, tinyLenetOptions, withRandomFlip } from './lenet_mnist_session.testkit';
import { startTrainSession, type SessionEnv } from './train_session';
import { MemoryWorkDir } from './work_dir';
import { unpackScalars, type StartRequest, type TrainEvent } from './worker_protocol';

const [IMAGES, LABELS] = [MNIST_IMAGES, MNIST_LABELS];

/**
 * lenet5_mnist.py made tiny: 64 test images, batch 16 (4 iterations an epoch), 3 epochs, a random horizontal flip
 * (so the augmentation's random state matters), the lr decayed after epoch 2, shuffled, prefetching loaders.
 */
function request(options: string[] = [], edit: (cfg: Record<string, unknown>) => void = () => {}): StartRequest {
  const req = lenetMnistRequest([...tinyLenetOptions(16), 'train_cfg.max_epochs=3', 'param_scheduler.milestones=[2]', ...options], (json) => {
    withRandomFlip(json);
    edit(json);
  });
  return { ...req, survival: { interval_iters: 3, interval_s: null } };
}

const env = (store: MemoryWorkDir, events: TrainEvent[], onEvent?: (e: TrainEvent) => void): SessionEnv =>
  recordingEnv(store, events, onEvent, { estimate: async () => ({ usage: 1.5e9, quota: 1.6e9 }) });
const of = eventsOf;

/** Training losses by iteration (the logger's `step`), from the progress events. */
function losses(events: TrainEvent[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of of(events, 'progress')) for (const r of unpackScalars(p.scalars)) if ('loss' in r && 'step' in r && !('accuracy/top1' in r)) out.set(r.step, r.loss);
  return out;
}

/**
 * What in a `.pth`'s `data.pkl` PyTorch's weights-only unpickler (`torch.load(..., weights_only=True)`, the default
 * from torch 2.6, which `mmengine`'s `load_checkpoint` then runs under) would refuse: opcodes outside its set and
 * globals outside its allow-list, as listed in `torch/_weights_only_unpickler.py` (torch 1.13's opcodes, plus
 * BINFLOAT, which torch 2 reads; its globals: `collections.OrderedDict`, the storage and tensor types, dtypes,
 * `torch.Size`, `torch.nn.parameter.Parameter` and the `torch._utils._rebuild_*` functions). A walk over the
 * opcodes, as `pickletools.genops` does; an opcode it does not know is reported too.
 */
function weightsOnlyCheck(pth: Uint8Array): { refused: string[]; globals: string[] } {
  const zip = readZipDirectorySync(pth, 'survival.pth');
  const pkl = [...zip.values()].find((e) => e.name.endsWith('/data.pkl'))!;
  const b = readZipEntrySync(pth, pkl, 'survival.pth');
  const storages = ['Double', 'Float', 'Half', 'BFloat16', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool', 'ComplexDouble', 'ComplexFloat', 'QUInt8', 'QInt8', 'QInt32', 'QUInt4x2', 'QUInt2x4'];
  const allowedGlobals = new Set([
    'collections.OrderedDict', 'torch.nn.parameter.Parameter', 'torch.serialization._get_layout', 'torch.Size', 'torch.Tensor',
    ...['complex32', 'complex64', 'complex128', 'float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64'].map((t) => `torch.${t}`),
    ...storages.map((t) => `torch.${t}Storage`), ...storages.map((t) => `torch.${t}Tensor`),
    ...['_rebuild_parameter', '_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_sparse_tensor', '_rebuild_meta_tensor_no_storage', '_rebuild_sparse_csr_tensor'].map((f) => `torch._utils.${f}`),
  ]);
  const u32 = (i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
  // opcode → bytes of its argument (a function of the position for the variable-length ones); torch's set only
  const args: Record<number, (i: number) => number> = {
    0x80: () => 1, 0x2e: () => 0, 0x4e: () => 0, 0x88: () => 0, 0x89: () => 0, 0x4b: () => 1, 0x4d: () => 2, 0x4a: () => 4,
    0x8a: (i) => 1 + b[i], 0x47: () => 8, 0x58: (i) => 4 + u32(i), 0x55: (i) => 1 + b[i], 0x29: () => 0, 0x85: () => 0,
    0x86: () => 0, 0x87: () => 0, 0x28: () => 0, 0x74: () => 0, 0x5d: () => 0, 0x61: () => 0, 0x65: () => 0, 0x7d: () => 0,
    0x8f: () => 0, 0x73: () => 0, 0x75: () => 0, 0x52: () => 0, 0x81: () => 0, 0x62: () => 0, 0x71: () => 1, 0x72: () => 4,
    0x68: () => 1, 0x6a: () => 4, 0x51: () => 0,
  };
  const refused: string[] = [];
  const globals = new Set<string>();
  const dec = new TextDecoder();
  for (let i = 0; i < b.length; ) {
    const op = b[i++];
    if (op === 0x63) {
      // GLOBAL: "module\nname\n"
      const nl1 = b.indexOf(10, i);
      const nl2 = b.indexOf(10, nl1 + 1);
      const name = `${dec.decode(b.subarray(i, nl1))}.${dec.decode(b.subarray(nl1 + 1, nl2))}`;
      globals.add(name);
      if (!allowedGlobals.has(name)) refused.push(`global ${name}`);
      i = nl2 + 1;
      continue;
    }
    const len = args[op];
    if (!len) {
      refused.push(`opcode 0x${op.toString(16)} at ${i - 1}`);
      break;
    }
    i += len(i);
    if (op === 0x2e) break;
  }
  return { refused, globals: [...globals].sort() };
}

/** A crash: the worker dies right after the survival checkpoint of iteration `k` (no end-of-epoch or end-of-run hooks save anything). */
class Crash extends Error {}

describe.runIf(existsSync(IMAGES) && existsSync(LABELS))('survival checkpoint (LeNet-5, MNIST)', () => {
  it('resumes mid-epoch after a crash with the losses of an uninterrupted run', async () => {
    const whole: TrainEvent[] = [];
    const wholeStore = new MemoryWorkDir();
    await startTrainSession(request(), env(wholeStore, whole)).done;
    expect(of(whole, 'error')).toEqual([]);
    const expected = losses(whole);
    expect([...expected.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

    // The interrupted run: survival checkpoints at 3 and 6; crash after 6 (epoch 2, 2 of 4 batches done).
    const store = new MemoryWorkDir();
    const first: TrainEvent[] = [];
    await startTrainSession(
      request(),
      env(store, first, (e) => {
        if (e.kind === 'survival' && e.iter === 6) throw new Crash('worker crashed');
      }),
    ).done;
    expect(of(first, 'error')[0].message).toBe('worker crashed');
    expect(of(first, 'survival').map((e) => [e.iter, e.epoch, e.innerIter])).toEqual([[3, 0, 3], [6, 1, 2]]);
    expect(await store.read(SURVIVAL_PARTIAL)).toBeNull();
    const info = (await readSurvivalInfo(store))!;
    expect(info).toMatchObject({ iter: 6, epoch: 1, inner_iter: 2, epoch_length: 4, last_ckpt: 'epoch_1.pth', reason: 'interval' });
    // An ordinary mmengine checkpoint: every section, the studio state in plain types under meta.studio.
    const survivalBytes = (await store.read(SURVIVAL_FILE))!;
    // Nothing torch.load's weights-only unpickler would refuse (what PyTorch ≥ 2.6 loads by default).
    expect(weightsOnlyCheck(survivalBytes)).toEqual({ refused: [], globals: ['collections.OrderedDict', 'torch.FloatStorage', 'torch._utils._rebuild_tensor_v2'] });
    // `scripts/check_survival_torch.py` loads it with PyTorch and mmengine's resume steps (a dev check).
    if (process.env.MMPW_SURVIVAL_PTH) writeFileSync(process.env.MMPW_SURVIVAL_PTH, survivalBytes);
    const ck = await loadCheckpoint(survivalBytes, SURVIVAL_FILE);
    expect(Object.keys(ck.other).sort()).toEqual(['message_hub', 'optimizer', 'param_schedulers']);
    expect(ck.meta).toMatchObject({ epoch: 1, iter: 6, seed: 0 });
    const studio = ck.meta!.studio as SurvivalMeta;
    expect(studio).toMatchObject({ survival: true, epoch: 1, inner_iter: 2, epoch_length: 4, sampler_seed: 0 });
    expect(studio.data_rng[0].mode).toBe(1); // every sample fetched once (epoch 1) at the start of epoch 2
    expect(studio.log_scalars['train/loss'].log_history).toHaveLength(6);
    expect(newestCheckpoint(info, 'epoch_1.pth')).toEqual({ file: SURVIVAL_FILE, survival: true });

    const second: TrainEvent[] = [];
    await startTrainSession({ ...request(), resume: true }, env(store, second)).done;
    expect(of(second, 'error')).toEqual([]);
    expect(of(second, 'started')[0].resumedFrom).toBe(SURVIVAL_FILE);
    const resumed = losses(second);
    expect([...resumed.keys()]).toEqual([7, 8, 9, 10, 11, 12]);
    const diffs = [...resumed].map(([step, loss]) => Math.abs(loss - expected.get(step)!));
    console.log(`survival resume: max |Δloss| over iterations 7..12 = ${Math.max(...diffs)}`);
    expect(Math.max(...diffs)).toBeLessThanOrEqual(1e-6);
    // The resumed run finishes as the whole one: the same final epoch checkpoint weights.
    const a = await loadCheckpoint((await wholeStore.read('epoch_3.pth'))!, 'a.pth');
    const b = await loadCheckpoint((await store.read('epoch_3.pth'))!, 'b.pth');
    let maxW = 0;
    for (const [k, v] of a.stateDict) {
      const w = b.stateDict.get(k)!.data as ArrayLike<number>;
      for (let i = 0; i < v.data.length; i++) maxW = Math.max(maxW, Math.abs(Number(v.data[i]) - Number(w[i])));
    }
    console.log(`survival resume: max |Δweight| of epoch_3.pth = ${maxW}`);
    expect(maxW).toBeLessThanOrEqual(1e-6);
  }, 120_000);

  it('writes at a pause, and a NaN loss names the iteration, the parameter group, the lr and the kept checkpoint', async () => {
    const store = new MemoryWorkDir();
    const events: TrainEvent[] = [];
    let paused = false;
    const session = startTrainSession(
      { ...request(['optim_wrapper.optimizer.lr=1e30']), survival: { interval_iters: null, interval_s: null } },
      env(store, events, (e) => {
        if (e.kind === 'progress' && e.position.iter === 0 && !paused) {
          paused = true;
          session.control.pause();
          setTimeout(() => session.control.resume(), 50);
        }
      }),
    );
    await session.done;
    const survival = of(events, 'survival');
    expect(survival.map((e) => [e.iter, e.reason])).toEqual([[1, 'pause']]);
    const error = of(events, 'error')[0];
    expect(error.invalidLoss).not.toBeNull();
    const { iter, lastCheckpoint, groups, keptIter } = error.invalidLoss!;
    expect(iter).toBeGreaterThan(1);
    expect(lastCheckpoint).toBe(SURVIVAL_FILE);
    expect(keptIter).toBe(1);
    expect(groups![0].lr).toBe(1e30);
    expect(groups![0].nonFinite.length).toBeGreaterThan(0);
    expect(error.message).toContain(`at iteration ${iter}`);
    expect(error.message).toContain('lr at that moment: 1e+30');
    expect(error.message).toMatch(/group 0 \(lr 1e\+30\): \d+ of \d+ parameters, backbone\./);
    expect(error.message).toContain('The last finite checkpoint survival.pth (iteration 1) is kept');
    console.log(`NaN diagnosis: ${error.message}`);
  }, 60_000);
});

describe('survival checkpoint store', () => {
  /** A work dir whose writes of `failing` fail as a full browser storage does. */
  class FullStore extends MemoryWorkDir {
    failing = new Set<string>();
    override async write(path: string, data: string | Uint8Array): Promise<void> {
      if (this.failing.has(path)) {
        // Half written, then the quota error (OPFS throws a DOMException named QuotaExceededError).
        await super.write(path, typeof data === 'string' ? data.slice(0, 3) : data.slice(0, 3));
        throw Object.assign(new Error('The operation failed because it would cause the application to exceed its storage quota.'), { name: 'QuotaExceededError' });
      }
      return super.write(path, data);
    }
  }
  const info = (iter: number) => ({ iter, epoch: 0, inner_iter: iter, epoch_length: 10, last_ckpt: null, reason: 'interval' as const, time: 't' });
  const estimate = async () => ({ usage: 1_599_000_000, quota: 1_600_000_000 });

  it('replaces the last good checkpoint only when the new one is complete; storage full keeps it and says why', async () => {
    const store = new FullStore('opfs:work_dirs/run');
    expect(await writeSurvivalCheckpoint(store, new Uint8Array([1, 2, 3, 4]), info(5), estimate)).toEqual({ ok: true });
    expect([...(await store.read(SURVIVAL_FILE))!]).toEqual([1, 2, 3, 4]);
    store.failing.add(SURVIVAL_PARTIAL);
    const r = await writeSurvivalCheckpoint(store, new Uint8Array(2_500_000), info(10), estimate);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.quota).toBe(true);
    expect(r.message).toBe(
      'Could not write the survival checkpoint opfs:work_dirs/run/survival.pth (2.5 MB, iteration 10): browser storage is full: 1599.0 MB used of a 1600.0 MB quota. ' +
        'The last good survival.pth is kept; training goes on. Free space: delete old work dirs or checkpoints in the Train panel.',
    );
    expect([...(await store.read(SURVIVAL_FILE))!]).toEqual([1, 2, 3, 4]);
    expect((await readSurvivalInfo(store))!.iter).toBe(5);
    expect(await store.read(SURVIVAL_PARTIAL)).toBeNull();
    expect(await store.list()).toEqual([SURVIVAL_INFO, SURVIVAL_FILE]);
  });

  it('without a rename, the final file is rewritten from the complete bytes', async () => {
    const store = new FullStore('memory:run');
    (store as { rename?: unknown }).rename = undefined;
    expect((await writeSurvivalCheckpoint(store, new Uint8Array([9, 9]), info(3), estimate)).ok).toBe(true);
    store.failing.add(SURVIVAL_FILE);
    const r = await writeSurvivalCheckpoint(store, new Uint8Array([7, 7, 7, 7]), info(6), estimate);
    expect(r.ok).toBe(false);
    // MemoryWorkDir is not atomic, but survival.json still names the last complete state (iteration 3).
    expect((await readSurvivalInfo(store))!.iter).toBe(3);
    expect(await store.read(SURVIVAL_PARTIAL)).toBeNull();
  });

  it('resumes from the newer of survival.pth and last_checkpoint', () => {
    const s = { ...info(6), file: SURVIVAL_FILE, bytes: 1, last_ckpt: 'epoch_1.pth' };
    expect(newestCheckpoint(s, 'epoch_1.pth')).toEqual({ file: SURVIVAL_FILE, survival: true });
    expect(newestCheckpoint(s, 'epoch_2.pth')).toEqual({ file: 'epoch_2.pth', survival: false });
    expect(newestCheckpoint({ ...s, last_ckpt: null }, null)).toEqual({ file: SURVIVAL_FILE, survival: true });
    expect(newestCheckpoint(null, 'epoch_2.pth')).toEqual({ file: 'epoch_2.pth', survival: false });
    expect(newestCheckpoint(null, null)).toBeNull();
  });
});

/** The JS heap in use once garbage is collected (V8's own `gc`, exposed for this test). */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

describe.runIf(existsSync(IMAGES) && existsSync(LABELS))('a long run through the session', () => {
  it('keeps the worker tensor count flat and the heap growth small over 1000 iterations (survival every 100)', async () => {
    const store = new MemoryWorkDir();
    const events: TrainEvent[] = [];
    const heap: number[] = [];
    const req = request(['train_dataloader.dataset.indices=8', 'train_dataloader.batch_size=1', 'train_cfg.max_epochs=125', 'default_hooks.logger.interval=50'], (cfg) => {
      cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = null;
    });
    const t0 = performance.now();
    await startTrainSession(
      { ...req, progressIntervalMs: 0, survival: { interval_iters: 100, interval_s: null } },
      env(store, events, (e) => {
        if (e.kind === 'progress' && e.position.iter % 100 === 0) heap.push(heapAfterGc());
      }),
    ).done;
    expect(of(events, 'error')).toEqual([]);
    const progress = of(events, 'progress').filter((e) => e.position.iter >= 20);
    expect(progress.at(-1)!.position.iter).toBe(1000);
    const tensors = new Set(progress.map((e) => e.memory!.numTensors));
    const growth = (heap.at(-1)! - heap[1]) / 1e6;
    console.log(`1000 iterations in ${((performance.now() - t0) / 1000).toFixed(1)} s: worker tensor counts ${[...tensors].join(', ')}; heap after GC ${(heap[1] / 1e6).toFixed(1)} MB at 100 → ${(heap.at(-1)! / 1e6).toFixed(1)} MB at 1000 (${growth.toFixed(1)} MB)`);
    expect(tensors.size).toBe(1);
    // after GC: a leak of 8 kB an iteration would show as 7 MB
    expect(growth).toBeLessThan(6);
    expect(of(events, 'survival').map((e) => e.iter)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  }, 60_000);
});
