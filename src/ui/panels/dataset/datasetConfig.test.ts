import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../../../testing/shared';
import { registerAll } from '../../../engine/setup_env';
import { FileSystem, MemorySource } from '../../../fileio/sources';
import { loadConfig } from '../../../config';
import { NodeFS } from '../../../config/node_fs';
import { DatasetBrowser } from '../../../tools/visualization/browse_dataset';
import { browseDatasetConfig, commonFolder, detectDataset, DROP_MOUNT } from './datasetConfig';

const mnistDir = sharedPath('data/mnist');

describe('detectDataset', () => {
  it('recognises MNIST, CIFAR and class folders; null otherwise', () => {
    expect(detectDataset(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'])).toMatchObject({ kind: 'MNIST', data_root: 'drop', split: 'test' });
    expect(detectDataset(['mnist/train-images-idx3-ubyte', 'mnist/train-labels-idx1-ubyte', 'mnist/t10k-images-idx3-ubyte'])).toMatchObject({ kind: 'MNIST', data_root: 'drop/mnist' });
    expect(detectDataset(['cifar/cifar-10-batches-bin/test_batch.bin'])).toMatchObject({ kind: 'CIFAR10', data_root: 'drop/cifar', split: 'test', channelOrder: 'RGB' });
    expect(detectDataset(['cifar-10-binary.tar.gz'])?.split).toBeUndefined();
    expect(detectDataset(['c100/cifar-100-binary/test.bin'])).toMatchObject({ kind: 'CIFAR100', data_root: 'drop/c100', split: 'test' });
    expect(detectDataset(['pets/train/cat/a.jpg', 'pets/train/dog/b.PNG', 'pets/readme.txt'])).toMatchObject({ kind: 'CustomDataset', data_root: 'drop/pets/train' });
    expect(detectDataset(['pets.zip/pets/cat/a.jpg', 'pets.zip/pets/dog/b.jpg'])?.data_root).toBe('drop/pets.zip/pets');
    expect(detectDataset(['notes.txt'])).toBeNull();
    expect(commonFolder(['a/b/c', 'a/b/d', 'a/b'])).toBe('a/b');
  });
});

describe('browseDatasetConfig with the real MNIST test files', () => {
  it.skipIf(missingShared(mnistDir))('keeps the config pipeline and a same-family type; the dropped files browse', async () => {
    registerAll();
    const { cfg } = loadConfig('configs/_base_/datasets/fashion_mnist_bs128.py', new NodeFS());
    const names = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
    const guess = detectDataset(names)!;
    const dsCfg = browseDatasetConfig(cfg as Record<string, unknown>, 'train', guess);
    expect(dsCfg).toMatchObject({ type: 'FashionMNIST', data_root: 'drop', split: 'test' });
    expect((dsCfg.pipeline as { type: string }[]).map((t) => t.type)).toEqual(['Resize', 'RandomFlip', 'PackInputs']);
    // no config: an MNIST dataset without pipeline
    expect(browseDatasetConfig(null, 'val', guess)).toEqual({ type: 'MNIST', data_root: 'drop', split: 'test', pipeline: [] });
    // a CIFAR config over MNIST files: the files decide the type, the config's pipeline stays
    const cifar = loadConfig('configs/_base_/datasets/cifar10_bs16.py', new NodeFS()).cfg as Record<string, unknown>;
    expect(browseDatasetConfig(cifar, 'train', guess)).toMatchObject({ type: 'MNIST' });

    const fs = new FileSystem(null);
    fs.mount(DROP_MOUNT, new MemorySource(Object.fromEntries(names.map((n) => [n, new Uint8Array(readFileSync(`${mnistDir}/${n}`))])), 'dropped files'));
    const browser = await DatasetBrowser.create(dsCfg as never, { fileSystem: fs });
    expect(browser.length).toBe(10000);
    expect(browser.histogram().counts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    const s = await browser.browse(0, { mode: 'pipeline' });
    expect(s.steps.map((st) => st.name)).toEqual(['Original', 'Resize', 'RandomFlip']);
    expect(s.steps[1].shape).toEqual([32, 32, 1]);
  });
});
