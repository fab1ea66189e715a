import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../testing/shared';
import { Evaluator } from '../../evaluation/evaluator';
import { Accuracy } from '../../evaluation/metrics/single_label';
import { CheckpointHook } from '../hooks/checkpoint_hook';
import { DistSamplerSeedHook } from '../hooks/dist_sampler_seed_hook';
import { IterTimerHook } from '../hooks/iter_timer_hook';
import { LoggerHook } from '../hooks/logger_hook';
import { ParamSchedulerHook } from '../hooks/param_scheduler_hook';
import { RuntimeInfoHook } from '../hooks/runtime_info_hook';
import type { DataBatch, RunnerDataLoader, RunnerModel, RunnerOptimWrapper, RunnerScheduler } from './interfaces';
import { Runner } from './runner';
import { MemoryWorkDir } from './work_dir';

const REF = sharedPath('reference/runner_run');
type Line = Record<string, number>;

/** A loader of `n` batches of 8 samples with labels alternating 0/1. */
function loader(n: number, meta?: Record<string, unknown>): RunnerDataLoader & { epochs: number[] } {
  const epochs: number[] = [];
  return {
    length: n,
    datasetMeta: meta,
    epochs,
    setEpoch: (e: number) => epochs.push(e),
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < n; i++) yield { inputs: null, data_samples: Array.from({ length: 8 }, (_, k) => ({ gt_label: k % 2 })) } as DataBatch;
    },
  };
}

describe('Runner reproduces an MMPretrain training run (runner_run)', () => {
  it.skipIf(!existsSync(`${REF}/scalars.json`))('writes scalars.json, the text log and checkpoints as mmengine does', async () => {
    const ref: Line[] = readFileSync(`${REF}/scalars.json`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const train = ref.filter((l) => 'lr' in l);
    // Raw per-iteration losses behind mmengine's 10-iteration window means.
    const raw: number[] = [];
    train.forEach((l, i) => {
      const n = Math.min(i + 1, 10);
      const dropped = i + 1 > 10 ? raw[i - 10] : 0;
      const prevSum = raw.slice(Math.max(0, i - 9), i).reduce((a, b) => a + b, 0);
      raw.push(l.loss * n - prevSum + 0 * dropped);
    });
    const state = { lr: 0.1, epoch: 0, step: 0 };
    const model: RunnerModel = {
      trainStep: () => ({ loss: raw[state.step++] }),
      valStep: (b) => b.data_samples.map((s) => ({ pred_score: s.gt_label === 0 ? [0.9, 0.1] : [0.2, 0.8], gt_label: s.gt_label as number })),
      testStep: () => [],
      train: () => {},
      eval: () => {},
      stateDict: () => new Map([['head.fc.bias', { dtype: 'float32', shape: [2], data: new Float32Array([0.5, -0.5]) }]]),
      loadStateDict: () => ({}),
    };
    const optim: RunnerOptimWrapper = { getLr: () => ({ lr: [state.lr] }), stateDict: () => ({ state: {}, param_groups: [{ lr: state.lr }] }) };
    const multiStep: RunnerScheduler = {
      byEpoch: true,
      step: () => {
        state.epoch += 1;
        if (state.epoch === 2) state.lr = state.lr * 0.1;
      },
      stateDict: () => ({ last_step: state.epoch }),
    };
    let t = 0;
    const clock = () => (t += 0.01);
    const store = new MemoryWorkDir('work');
    const serialized: Record<string, unknown>[] = [];
    const trainLoader = loader(4, { classes: ['cat', 'dog'] });
    const runner = new Runner({
      cfg: {},
      cfgText: "model = dict(type='ImageClassifier')\n",
      cfgFileName: 'run.py',
      model,
      workDir: store,
      trainDataloader: trainLoader,
      trainCfg: { by_epoch: true, max_epochs: 3, val_interval: 1 },
      valDataloader: loader(2),
      valEvaluator: new Evaluator(new Accuracy({ topk: [1] })),
      optimWrapper: optim,
      paramSchedulers: [multiStep],
      hooks: [
        new RuntimeInfoHook(),
        new IterTimerHook({}, clock),
        new DistSamplerSeedHook(),
        new LoggerHook({ interval: 1 }),
        new ParamSchedulerHook(),
        new CheckpointHook({ interval: 1, save_best: 'auto' }),
      ],
      timestamp: '20261122_024215',
      serializeCheckpoint: (c) => {
        serialized.push(c);
        return new TextEncoder().encode(JSON.stringify(Object.keys(c)));
      },
    });
    await runner.train();

    const ours: Line[] = store.text('20261122_024215/vis_data/scalars.json')!.trim().split('\n').map((l) => JSON.parse(l));
    expect(ours.length).toBe(ref.length);
    ours.forEach((line, i) => {
      expect(Object.keys(line), `line ${i + 1}`).toEqual(Object.keys(ref[i]));
      for (const k of ['lr', 'epoch', 'iter', 'step', 'accuracy/top1']) if (k in ref[i]) expect(line[k], `${k} @ line ${i + 1}`).toBe(ref[i][k]);
      if ('loss' in ref[i]) expect(Math.abs(line.loss - ref[i].loss)).toBeLessThan(1e-12);
    });
    // The same lines in the run's own json log, and the format as Python writes it.
    expect(store.text('20261122_024215/vis_data/20261122_024215.json')).toBe(store.text('20261122_024215/vis_data/scalars.json'));
    expect(store.text('20261122_024215/vis_data/scalars.json')!.split('\n')[4]).toMatch(/^\{"accuracy\/top1": 100\.0, "data_time": [\d.e-]+, "time": [\d.e-]+, "step": 1\}$/);

    const log = store.text('20261122_024215/20261122_024215.log')!;
    const refLog = readFileSync(`${REF}/train.log`, 'utf8');
    const strip = (s: string) => s.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d - /gm, '').replace(/(time|data_time): [\d.]+/g, '$1: T').replace(/Exp name: \S+/g, 'Exp name: X');
    const pick = (s: string) => strip(s).split('\n').filter((l) => /Epoch\((train|val)\)|best checkpoint|Saving checkpoint|Exp name/.test(l));
    expect(pick(log)).toEqual(pick(refLog));
    expect(strip(log)).toContain(strip(refLog).match(/mmengine - INFO - Hooks will be executed in the following order:\nbefore_run:[\s\S]*?after_run:\n.*\n -------------------- /)![0]);

    expect((await store.list()).filter((p) => p.endsWith('.pth'))).toEqual(['best_accuracy_top1_epoch_1.pth', 'epoch_1.pth', 'epoch_2.pth', 'epoch_3.pth']);
    expect(store.text('last_checkpoint')).toBe('work/epoch_3.pth');
    expect(store.text('run.py')).toBe("model = dict(type='ImageClassifier')\n");
    const last = serialized.find((c) => (c.meta as { epoch: number }).epoch === 3 && 'optimizer' in c)!;
    expect(last.meta).toMatchObject({ epoch: 3, iter: 12, seed: 0, dataset_meta: { classes: ['cat', 'dog'] } });
    expect(Object.keys(last)).toEqual(['meta', 'state_dict', 'message_hub', 'optimizer', 'param_schedulers']);
    expect(trainLoader.epochs).toEqual([0, 1, 2]);
  });
});

describe('Runner stops on an invalid loss', () => {
  it('names the iteration and the last good checkpoint, which stays on disk', async () => {
    const losses = [0.9, 0.8, 0.7, 0.6, Number.NaN, 0.4];
    let step = 0;
    const model: RunnerModel = {
      trainStep: () => ({ loss: losses[step++] }),
      valStep: () => [],
      testStep: () => [],
      train: () => {},
      eval: () => {},
      stateDict: () => new Map(),
      loadStateDict: () => ({}),
    };
    const store = new MemoryWorkDir('work');
    const runner = new Runner({
      cfg: {},
      cfgText: '',
      model,
      workDir: store,
      trainDataloader: loader(4),
      trainCfg: { max_epochs: 3 },
      optimWrapper: { getLr: () => ({ lr: [0.1] }), stateDict: () => ({}) },
      hooks: [new RuntimeInfoHook(), new CheckpointHook({ interval: 1 })],
      serializeCheckpoint: () => new Uint8Array([1]),
    });
    await expect(runner.train()).rejects.toThrow("loss 'loss' became NaN at iteration 5 (epoch 2); training stopped. The last finite checkpoint epoch_1.pth is kept: resume from it with a lower lr.");
    expect(await store.list()).toContain('epoch_1.pth');
  });
});
