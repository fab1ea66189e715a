import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config';
import { NodeFS } from '../../../config/node_fs';
import { datasetExpectations, datasetMounts, placeDatasetFiles } from './datasetFiles';
import { resolveRunConfig, workDirNameFor } from './runConfig';

const fs = new NodeFS();
const noCurrent = { config: null, configPath: null };

describe('the run config', () => {
  it('a config file with the panel cfg-options: plain data, dumped text, work dir named after the config', () => {
    const r = resolveRunConfig({ kind: 'file', path: 'configs/lenet/lenet5_mnist.py' }, 'train_cfg.max_epochs=1\n# a comment\ntrain_dataloader.dataset.indices=64', noCurrent, fs);
    if (!r.ok) throw new Error(r.error);
    expect(r.workDirName).toBe('lenet5_mnist');
    expect(r.cfgFileName).toBe('lenet5_mnist.py');
    expect((r.cfg.train_cfg as { max_epochs: number }).max_epochs).toBe(1);
    expect(r.cfgText).toMatch(/train_cfg = dict\(by_epoch=True, max_epochs=1, val_interval=1\)/);
    expect(JSON.parse(JSON.stringify(r.cfg))).toEqual(r.cfg);
  });

  it('the current config (from the Config panel) with options on top; errors name the option line', () => {
    const current = { config: loadConfig('configs/resnet/resnet18_8xb16_cifar10.py', fs).cfg, configPath: 'configs/resnet/resnet18_8xb16_cifar10.py' };
    const r = resolveRunConfig({ kind: 'current' }, 'train_dataloader.batch_size=4', current, fs);
    if (!r.ok) throw new Error(r.error);
    expect((r.cfg.train_dataloader as { batch_size: number }).batch_size).toBe(4);
    expect(r.workDirName).toBe('resnet18_8xb16_cifar10');
    const bad = resolveRunConfig({ kind: 'file', path: 'configs/lenet/lenet5_mnist.py' }, 'train_cfg.max_epochs=1\nnot an option', noCurrent, fs);
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/^--cfg-options:2/) });
    expect(resolveRunConfig({ kind: 'current' }, '', noCurrent, fs)).toMatchObject({ ok: false, error: expect.stringMatching(/Config panel/) });
    expect(workDirNameFor('my run?.py')).toBe('my_run_');
    const named = resolveRunConfig({ kind: 'file', path: 'configs/lenet/lenet5_mnist.py' }, "work_dir='./work_dirs/lenet_try2/'", noCurrent, fs);
    expect(named).toMatchObject({ ok: true, workDirName: 'lenet_try2' });
  });
});

describe('dataset files', () => {
  it('says which files each loader reads and mounts them at the dataset roots', () => {
    const mnist = loadConfig('configs/lenet/lenet5_mnist.py', fs).cfg;
    const ex = datasetExpectations(mnist);
    expect(ex.map((e) => [e.loader, e.type, e.split, e.root])).toEqual([
      ['train_dataloader', 'MNIST', 'train', 'data/mnist'],
      ['val_dataloader', 'MNIST', 'test', 'data/mnist'],
      ['test_dataloader', 'MNIST', 'test', 'data/mnist'],
    ]);
    expect(ex[1].files[0]).toMatch(/^t10k-images-idx3-ubyte\.gz/);
    expect(datasetMounts(mnist)).toEqual(['data/mnist']);
    const cifar = loadConfig('configs/resnet/resnet18_8xb16_cifar10.py', fs).cfg;
    expect(datasetExpectations(cifar)[0]).toMatchObject({ type: 'CIFAR10', root: 'data/cifar10', files: [expect.stringMatching(/^cifar-10-binary\.tar\.gz/)] });
    expect(datasetMounts(cifar)).toEqual(['data/cifar10']);
  });

  it('dropped paths are placed relative to the dataset root, without aliases', () => {
    const data = new Uint8Array(1);
    const paths = (files: string[], roots: string[]) => placeDatasetFiles(files.map((path) => ({ path, data })), roots).map((f) => f.path);
    expect(paths(['mnist/a.gz', 'mnist/b.gz'], ['data/mnist'])).toEqual(['a.gz', 'b.gz']);
    expect(paths(['data/mnist/a.gz', 'data/mnist/b.gz'], ['data/mnist'])).toEqual(['a.gz', 'b.gz']);
    expect(paths(['a.gz', 'b.gz'], ['data/mnist'])).toEqual(['a.gz', 'b.gz']);
    expect(paths(['cifar-10-batches-bin/test_batch.bin'], ['data/cifar10'])).toEqual(['cifar-10-batches-bin/test_batch.bin']);
    expect(paths(['pets/cat/1.jpg', 'pets/dog/2.jpg'], ['data/imagenet'])).toEqual(['pets/cat/1.jpg', 'pets/dog/2.jpg']);
  });
});

describe('a fine-tuning config (backbone init_cfg Pretrained)', () => {
  const OPTIONS = [
    'model.backbone.init_cfg.type=Pretrained',
    'model.backbone.init_cfg.checkpoint=https://download.openmmlab.com/mmclassification/v0/lenet/lenet5.pth',
    'model.backbone.init_cfg.prefix=backbone',
  ].join('\n');

  it('lists its Pretrained init_cfgs; "train from scratch" takes them out of the config and its text', () => {
    const r = resolveRunConfig({ kind: 'file', path: 'configs/lenet/lenet5_mnist.py' }, OPTIONS, noCurrent, fs);
    if (!r.ok) throw new Error(r.error);
    expect(r.pretrainedInits).toEqual([{ key: 'model.backbone.init_cfg', checkpoint: 'https://download.openmmlab.com/mmclassification/v0/lenet/lenet5.pth', prefix: 'backbone' }]);
    expect(r.cfgText).toMatch(/init_cfg=dict\(\s*checkpoint=\s*'https:\/\/download\.openmmlab\.com/);
    const scratch = resolveRunConfig({ kind: 'file', path: 'configs/lenet/lenet5_mnist.py' }, OPTIONS, noCurrent, fs, { withoutPretrained: true });
    if (!scratch.ok) throw new Error(scratch.error);
    expect(scratch.pretrainedInits).toEqual(r.pretrainedInits);
    expect((scratch.cfg.model as { backbone: Record<string, unknown> }).backbone).toEqual({ type: 'LeNet5', num_classes: 10 });
    expect(scratch.cfgText).not.toMatch(/Pretrained|init_cfg/);
    const plain = resolveRunConfig({ kind: 'file', path: 'configs/lenet/lenet5_mnist.py' }, '', noCurrent, fs, { withoutPretrained: true });
    expect(plain.ok && plain.pretrainedInits).toEqual([]);
  });
});
