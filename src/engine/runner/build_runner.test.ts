import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import '@tensorflow/tfjs-backend-wasm';
import { Hook } from '../hooks/hook';
import { buildRunner } from './build_runner';
import type { Runner } from './runner';
import { MemoryWorkDir } from './work_dir';

const FASHION = '/usr/share/datasets/fashion-mnist';

/** LeNet-5 on 64 real Fashion-MNIST images, MMPretrain's lenet5_mnist settings (shrunk). */
function lenetConfig(): Record<string, unknown> {
  const pipeline = [{ type: 'Resize', scale: 32 }, { type: 'PackInputs' }];
  const dataset = (test: boolean) => ({ type: 'FashionMNIST', data_root: FASHION, test_mode: test, pipeline, indices: test ? 32 : 64 });
  return {
    model: {
      type: 'ImageClassifier',
      backbone: { type: 'LeNet5', num_classes: 10 },
      neck: null,
      head: { type: 'ClsHead', loss: { type: 'CrossEntropyLoss', loss_weight: 1.0 } },
    },
    data_preprocessor: { mean: [33.46], std: [78.87], num_classes: 10 },
    train_dataloader: { batch_size: 16, num_workers: 0, dataset: dataset(false), sampler: { type: 'DefaultSampler', shuffle: true } },
    val_dataloader: { batch_size: 16, num_workers: 0, dataset: dataset(true), sampler: { type: 'DefaultSampler', shuffle: false } },
    val_evaluator: { type: 'Accuracy', topk: [1] },
    optim_wrapper: { optimizer: { type: 'SGD', lr: 0.01, momentum: 0.9, weight_decay: 0.0001 } },
    param_scheduler: { type: 'MultiStepLR', by_epoch: true, milestones: [1], gamma: 0.1 },
    train_cfg: { by_epoch: true, max_epochs: 2, val_interval: 1 },
    val_cfg: {},
    default_hooks: {
      timer: { type: 'IterTimerHook' },
      logger: { type: 'LoggerHook', interval: 2 },
      param_scheduler: { type: 'ParamSchedulerHook' },
      checkpoint: { type: 'CheckpointHook', interval: 1, save_best: 'auto', max_keep_ckpts: 1 },
      sampler_seed: { type: 'DistSamplerSeedHook' },
    },
    randomness: { seed: 0 },
  };
}

describe('buildRunner (Runner.from_cfg) on a real dataset', () => {
  beforeAll(() => tf.setBackend('wasm'));
  it.skipIf(!existsSync(FASHION))('trains LeNet-5 for 2 epochs, validates, writes logs and checkpoints; tensor count flat', async () => {
    const store = new MemoryWorkDir('work_dirs/lenet5');
    const saved: string[] = [];
    const { runner, model } = await buildRunner(lenetConfig(), {
      cfgText: '# lenet5\n',
      cfgFileName: 'lenet5_fashion.py',
      workDir: store,
      phase: 'train',
      serializeCheckpoint: (c) => {
        saved.push(Object.keys(c).join(','));
        return new Uint8Array([1]);
      },
      now: () => new Date(2026, 10, 22, 3, 0, 0),
    });
    // Tensor count after every iteration: flat once the optimizer has made its momentum buffers.
    const counts: number[] = [];
    class TensorCountHook extends Hook<Runner> {
      override afterTrainIter() {
        counts.push(tf.memory().numTensors);
      }
    }
    runner.registerHook(new TensorCountHook('LOWEST'));
    await runner.train();
    expect(counts.length).toBe(8);
    // Flat within each epoch; the first validation adds the eval-mode kernel caches (one per conv), once.
    expect(new Set(counts.slice(1, 4)).size, `tensor counts ${counts}`).toBe(1);
    expect(new Set(counts.slice(4)).size, `tensor counts ${counts}`).toBe(1);
    expect(counts[4] - counts[3], 'eval caches of the 3 convs').toBe(3);
    const lines = store.text('20261122_030000/vis_data/scalars.json')!.trim().split('\n').map((l) => JSON.parse(l));
    const train = lines.filter((l) => 'lr' in l);
    const val = lines.filter((l) => 'accuracy/top1' in l);
    expect(train.map((l) => [l.epoch, l.iter, l.lr])).toEqual([
      [1, 2, 0.01],
      [1, 4, 0.01],
      [2, 6, 0.001],
      [2, 8, 0.001],
    ]);
    expect(val.map((l) => l.step)).toEqual([1, 2]);
    for (const l of train) expect(Number.isFinite(l.loss) && l.loss > 0).toBe(true);
    expect((await store.list()).filter((p) => p.endsWith('.pth')).sort()).toEqual([expect.stringMatching(/^best_accuracy_top1_epoch_\d\.pth$/), 'epoch_2.pth']);
    expect(saved[0]).toBe('meta,state_dict,message_hub,optimizer,param_schedulers');
    expect(store.text('lenet5_fashion.py')).toBe('# lenet5\n');
    model.dispose();
  });

  it('names what a training config lacks', async () => {
    const cfg = lenetConfig();
    delete cfg.optim_wrapper;
    const before = tf.memory().numTensors;
    await expect(buildRunner(cfg, { cfgText: '', workDir: null, phase: 'train' })).rejects.toThrow(/training needs optim_wrapper \(missing\)/);
    expect(tf.memory().numTensors, 'the model built before the failure is freed').toBe(before);
  });
});
