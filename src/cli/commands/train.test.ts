import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../fileio';
import { main } from '../main';
import { missingShared } from '../../testing/shared';

const FASHION = '/usr/share/datasets/fashion-mnist';

/** LeNet-5 on 48 real Fashion-MNIST images, an MMPretrain-style config file. */
const CONFIG = `
model = dict(
    type='ImageClassifier',
    backbone=dict(type='LeNet5', num_classes=10),
    neck=None,
    head=dict(type='ClsHead', loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
data_preprocessor = dict(mean=[33.46], std=[78.87], num_classes=10)
pipeline = [dict(type='Resize', scale=32), dict(type='PackInputs')]
dataset_type = 'FashionMNIST'
data_root = '${FASHION}'
train_dataloader = dict(
    batch_size=16, num_workers=0,
    dataset=dict(type=dataset_type, data_root=data_root, test_mode=False, pipeline=pipeline, indices=48),
    sampler=dict(type='DefaultSampler', shuffle=True))
test_dataloader = dict(
    batch_size=16, num_workers=0,
    dataset=dict(type=dataset_type, data_root=data_root, test_mode=True, pipeline=pipeline, indices=32),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_evaluator = dict(type='Accuracy', topk=(1, ))
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[1], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=1)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1))
randomness = dict(seed=0)
`;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

/** A fresh temporary folder holding CONFIG as `name`: the config's path and a work dir inside it. */
function configInTempDir(prefix: string, name: string): { dir: string; config: string; work: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const config = join(dir, name);
  writeFileSync(config, CONFIG);
  return { dir, config, work: join(dir, 'work') };
}

describe('mmpretrain-web train / test / eval-metric', () => {
  it.skipIf(missingShared(FASHION))('trains, resumes, tests a checkpoint and re-evaluates the saved predictions', async () => {
    const { dir, config, work } = configInTempDir('train-cli-', 'lenet5_fashion-mnist.py');
    let c = capture();
    expect(await main(["train", config, "--work-dir", work], c.io), c.err.join("\n")).toBe(0);
    expect(c.out.some((l) => /Epoch\(train\) \[1\]\[3\/3\]  lr: 1\.0000e-02  eta: \S+  time: [\d.]+  data_time: [\d.]+  loss: [\d.]+$/.test(l))).toBe(true);
    expect(readFileSync(join(work, 'last_checkpoint'), 'utf8')).toBe(`${work}/epoch_1.pth`);
    expect(readFileSync(join(work, 'lenet5_fashion-mnist.py'), 'utf8')).toContain("type='LeNet5'");

    c = capture();
    expect(await main(['train', config, '--work-dir', work, '--resume', '--cfg-options', 'train_cfg.max_epochs=2'], c.io)).toBe(0);
    expect(c.out.some((l) => l.includes('resumed epoch: 1, iter: 3'))).toBe(true);
    // As in mmengine, the first run's MultiStepLR ended with its max_epochs=1 before reaching milestone 1, and the
    // resumed optimizer keeps lr 0.01.
    expect(c.out.some((l) => /Epoch\(train\) \[2\]\[3\/3\]  lr: 1\.0000e-02/.test(l))).toBe(true);

    const results = join(dir, 'results.json');
    c = capture();
    expect(await main(['test', config, join(work, 'epoch_2.pth'), '--out', results, '--work-dir', work], c.io)).toBe(0);
    const metricLine = c.out.find((l) => l.includes('Epoch(test) [2/2]    accuracy/top1:'))!;
    const top1 = Number(/accuracy\/top1: ([\d.]+)/.exec(metricLine)![1]);
    const preds = JSON.parse(readFileSync(results, 'utf8'));
    expect(preds.length).toBe(32);
    expect(preds[0].pred_score.length).toBe(10);

    c = capture();
    expect(await main(['eval-metric', results, '--metric', 'type=Accuracy', '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out[0])['accuracy/top1']).toBeCloseTo(top1, 4);
  });

  const SHIPPED = resolve('public/models/lenet5_fashion-mnist.pth');
  it.skipIf(missingShared(FASHION))('fine-tunes: init_cfg Pretrained with prefix backbone loads the shipped backbone (lr 0 keeps it through an epoch)', async () => {
    const { config, work } = configInTempDir('train-cli-ft-', 'lenet5_finetune.py');
    const c = capture();
    const opts = ['model.backbone.init_cfg.type=Pretrained', `model.backbone.init_cfg.checkpoint=${SHIPPED}`, 'model.backbone.init_cfg.prefix=backbone', 'optim_wrapper.optimizer.lr=0', 'optim_wrapper.optimizer.momentum=0', 'optim_wrapper.optimizer.weight_decay=0'];
    expect(await main(['train', config, '--work-dir', work, '--cfg-options', ...opts], c.io), c.err.join('\n')).toBe(0);
    const shipped = await loadCheckpoint(readFileSync(SHIPPED), SHIPPED);
    const trained = await loadCheckpoint(readFileSync(join(work, 'epoch_1.pth')), 'epoch_1.pth');
    const backboneKeys = [...shipped.stateDict.keys()].filter((k) => k.startsWith('backbone.'));
    expect(backboneKeys.length).toBeGreaterThan(4);
    for (const k of backboneKeys) expect(Array.from(trained.stateDict.get(k)!.data as Float32Array), k).toEqual(Array.from(shipped.stateDict.get(k)!.data as Float32Array));
    const log = c.out.join('\n');
    expect(log).toMatch(/lenet5_fashion-mnist\.pth/);
  });
});

