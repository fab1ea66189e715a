import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import jpeg from 'jpeg-js';
import { sharedPath, missingShared } from '../testing/shared';
import { FileSystem, MemorySource } from '../fileio/sources';
import { registerTransforms } from './transforms/register_all';
import { registerDatasets } from './register_all';
import { buildDataLoader } from './data_loader';

const images = sharedPath('data/images');

describe('datasets with the registered MMPretrain transforms', () => {
  it.skipIf(missingShared(images))('an ImageNet-style zip dropped in the page: decode, resize, crop, pack, batch', async () => {
    registerTransforms();
    registerDatasets();
    const jpg = (n: string) => new Uint8Array(readFileSync(`${images}/${n}`));
    const fs = new FileSystem(null);
    fs.mount('drop', new MemorySource({
      'pets.zip': zipSync({ 'pets/train/bird/bird.JPEG': jpg('bird.JPEG'), 'pets/train/dog/dog.jpg': jpg('dog.jpg'), 'pets/train/dog/demo.JPEG': jpg('demo.JPEG'), 'pets/train/dog/cut.jpg': jpg('dog.jpg').subarray(0, 300) }),
    }, 'dropped files'));
    const pipeline = [
      { type: 'LoadImageFromFile' },
      { type: 'ResizeEdge', scale: 40, edge: 'short' },
      { type: 'CenterCrop', crop_size: 32 },
      { type: 'RandomFlip', prob: 0.5, direction: 'horizontal' },
      { type: 'PackInputs' },
    ];
    const refetched: string[] = [];
    const loader = await buildDataLoader(
      {
        batch_size: 2,
        dataset: { type: 'ImageNet', data_root: 'drop/pets.zip/pets', split: 'train', classes: ['bird', 'dog'], pipeline },
        sampler: { type: 'DefaultSampler', shuffle: false },
        collate_fn: { type: 'default_collate' },
      },
      { seed: 0, ctx: { fileSystem: fs, seed: 1, onRefetch: (e) => refetched.push(e.img_path ?? '') } },
    );
    const batches = [];
    for await (const b of loader) batches.push(b);
    expect(batches.length).toBe(2);
    for (const b of batches) expect((b.inputs as { shape: number[] }).shape).toEqual([2, 3, 32, 32]);
    // the truncated JPEG (sorted first in dog/) was replaced by another sample and reported
    expect(refetched).toEqual(['drop/pets.zip/pets/train/dog/cut.jpg']);
    const samples = batches.flatMap((b) => b.data_samples as Array<{ gt_label: number[]; metainfo: { img_path: string; ori_shape: number[] } }>);
    expect(samples.find((s) => s.metainfo.img_path.endsWith('bird.JPEG'))?.gt_label).toEqual([0]);
    expect(samples.every((s) => !s.metainfo.img_path.endsWith('cut.jpg'))).toBe(true);
    const dog = jpeg.decode(jpg('dog.jpg'));
    expect(samples.find((s) => s.metainfo.img_path.endsWith('dog.jpg'))?.metainfo.ori_shape).toEqual([dog.height, dog.width]);
  });
});

describe("MMPretrain's own dataset config (configs/_base_/datasets/cifar10_bs16.py)", () => {
  const bin = sharedPath('data/cifar10/data_batch_1.first258.bin');
  // The text of MMPretrain 1.x configs/_base_/datasets/cifar10_bs16.py (dataloader part).
  const configText = `
dataset_type = 'CIFAR10'
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='PackInputs'),
]
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root='data/cifar10/',
        split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
`;

  it.skipIf(missingShared(bin))('val_dataloader batches CHW RGB uint8 inputs equal to the raw planes, in order', async () => {
    registerTransforms();
    registerDatasets();
    const { parseConfigText } = await import('../config');
    const cfg = parseConfigText(configText, 'cifar10_bs16.py') as { val_dataloader: never };
    const records = new Uint8Array(readFileSync(bin));
    const fs = new FileSystem(null);
    fs.mount('data/cifar10', new MemorySource({ 'cifar-10-batches-bin/test_batch.bin': records }, 'dropped CIFAR-10'));
    const loader = await buildDataLoader(cfg.val_dataloader, { seed: 0, ctx: { fileSystem: fs } });
    expect(loader.length).toBe(Math.ceil(258 / 16));
    let seen = 0;
    for await (const batch of loader) {
      const inputs = batch.inputs as Array<{ shape: number[]; data: Uint8Array }>;
      const samples = batch.data_samples as Array<{ gt_label: number[] }>;
      inputs.forEach((input, k) => {
        const r = seen + k;
        expect(input.shape).toEqual([3, 32, 32]);
        // PackInputs' CHW of MMPretrain's HWC RGB image is exactly the stored R, G, B planes
        expect(Array.from(input.data)).toEqual(Array.from(records.subarray(r * 3073 + 1, (r + 1) * 3073)));
        expect(samples[k].gt_label).toEqual([records[r * 3073]]);
      });
      seen += inputs.length;
    }
    expect(seen).toBe(258);
  });
});

describe('reproducible augmentation', () => {
  const bin = sharedPath('data/cifar10/data_batch_1.first258.bin');

  it.skipIf(missingShared(bin))('with a seed, each sample draws the same crop/flip whatever the batching and prefetch; epochs differ', async () => {
    registerTransforms();
    registerDatasets();
    const records = new Uint8Array(readFileSync(bin));
    const fs = new FileSystem(null);
    fs.mount('c', new MemorySource({ 'test_batch.bin': records }));
    const pipeline = [{ type: 'RandomCrop', crop_size: 32, padding: 4 }, { type: 'RandomFlip', prob: 0.5, direction: 'horizontal' }, { type: 'PackInputs' }];
    const run = async (batch_size: number, num_workers: number, epochs: number) => {
      const loader = await buildDataLoader(
        { batch_size, num_workers, dataset: { type: 'CIFAR10', data_root: 'c', split: 'test', pipeline }, sampler: { type: 'DefaultSampler', shuffle: true } },
        { seed: 11, ctx: { fileSystem: fs, seed: 3 } },
      );
      const byEpoch: Array<Map<number, string>> = [];
      for (let e = 0; e < epochs; e++) {
        loader.setEpoch(e);
        const drawn = new Map<number, string>();
        for await (const b of loader) {
          const inputs = b.inputs as Array<{ data: Uint8Array }>;
          (b.data_samples as Array<{ metainfo: { sample_idx: number } }>).forEach((d, k) => drawn.set(d.metainfo.sample_idx, inputs[k].data.join()));
        }
        byEpoch.push(drawn);
      }
      return byEpoch;
    };
    const a = await run(16, 0, 2);
    const b = await run(5, 2, 1);
    expect(a[0].size).toBe(258);
    for (const [idx, params] of a[0]) expect(b[0].get(idx)).toBe(params);
    const changed = [...a[0]].filter(([idx, p]) => a[1].get(idx) !== p).length;
    expect(changed).toBeGreaterThan(200);
  });
});
