/**
 * MMPretrain's own pipelines (configs/_base_/datasets/imagenet_bs64_swin_224.py and imagenet_bs32_simclr.py,
 * values copied) on a real image: they build, give the shapes MMPretrain gives, are reproducible from a seed and
 * replay exactly from what they record.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../../testing/shared';
import { Compose } from './compose';
import type { PackedInput, PackedResults } from './formatting';
import { registerTransforms } from './register_all';

registerTransforms();
const bgrMean = [103.53, 116.28, 123.675];
const bgrStd = [57.375, 57.12, 58.395];

const swinTrain = [
  { type: 'LoadImageFromFile' },
  { type: 'RandomResizedCrop', scale: 224, backend: 'pillow', interpolation: 'bicubic' },
  { type: 'RandomFlip', prob: 0.5, direction: 'horizontal' },
  { type: 'RandAugment', policies: 'timm_increasing', num_policies: 2, total_level: 10, magnitude_level: 9, magnitude_std: 0.5, hparams: { pad_val: bgrMean.map(Math.round), interpolation: 'bicubic' } },
  { type: 'RandomErasing', erase_prob: 0.25, mode: 'rand', min_area_ratio: 0.02, max_area_ratio: 1 / 3, fill_color: bgrMean, fill_std: bgrStd },
  { type: 'PackInputs' },
];
const swinTest = [
  { type: 'LoadImageFromFile' },
  { type: 'ResizeEdge', scale: 256, edge: 'short', backend: 'pillow', interpolation: 'bicubic' },
  { type: 'CenterCrop', crop_size: 224 },
  { type: 'PackInputs' },
];
const simclrView = [
  { type: 'RandomResizedCrop', scale: 224, backend: 'pillow' },
  { type: 'RandomFlip', prob: 0.5 },
  { type: 'RandomApply', transforms: [{ type: 'ColorJitter', brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2 }], prob: 0.8 },
  { type: 'RandomGrayscale', prob: 0.2, keep_channels: true, channel_weights: [0.114, 0.587, 0.2989] },
  { type: 'GaussianBlur', magnitude_range: [0.1, 2.0], magnitude_std: 'inf', prob: 0.5 },
];
const simclrTrain = [{ type: 'LoadImageFromFile' }, { type: 'MultiView', num_views: 2, transforms: [simclrView] }, { type: 'PackInputs' }];

const imgPath = sharedPath('data/images/demo.JPEG');

describe.skipIf(missingShared(imgPath))('MMPretrain config pipelines on demo.JPEG', () => {
  const bytes = new Uint8Array(readFileSync(imgPath));
  const runOnce = (cfg: object[], seed: number, params?: Record<string, unknown>) =>
    new Compose(cfg as { type: string }[], { seed }).transform({ img_bytes: bytes, img_path: imgPath, gt_label: 3 }, { params }) as PackedResults;

  it('swin train pipeline: 3×224×224, seeded, replayable', () => {
    for (const seed of [0, 1, 2]) {
      const a = runOnce(swinTrain, seed);
      const inp = a.inputs as PackedInput;
      expect(inp.shape).toEqual([3, 224, 224]);
      expect(a.data_samples.gt_label).toEqual([3]);
      expect(a.data_samples.metainfo).toMatchObject({ ori_shape: [375, 500], img_shape: [224, 224, 3] });
      const again = runOnce(swinTrain, seed);
      expect(again.random_params).toEqual(a.random_params);
      const replayed = runOnce(swinTrain, 1234, a.random_params as Record<string, unknown>);
      expect((replayed.inputs as PackedInput).data).toEqual(inp.data);
      expect(Object.keys(a.random_params!)).toEqual(expect.arrayContaining(['RandomResizedCrop', 'RandomFlip', 'RandAugment', 'RandomErasing']));
    }
  });

  it('swin test pipeline is deterministic and draws nothing', () => {
    const a = runOnce(swinTest, 0);
    expect((a.inputs as PackedInput).shape).toEqual([3, 224, 224]);
    expect(a.random_params ?? {}).toEqual({});
    expect(a.data_samples.metainfo).toMatchObject({ img_shape: [224, 224], scale_factor: [256 / 375, 341 / 500].reverse() });
  });

  it('SimCLR two-view pipeline packs both views and records each', () => {
    const a = runOnce(simclrTrain, 5);
    const views = a.inputs as PackedInput[];
    expect(views.map((v) => v.shape)).toEqual([[3, 224, 224], [3, 224, 224]]);
    const perView = a.random_params!.MultiView as Record<string, unknown>[];
    expect(perView).toHaveLength(2);
    expect(Object.keys(perView[0])).toEqual(expect.arrayContaining(['RandomResizedCrop', 'RandomFlip', 'RandomApply', 'RandomGrayscale', 'GaussianBlur']));
    const replayed = runOnce(simclrTrain, 99, a.random_params as Record<string, unknown>);
    expect((replayed.inputs as PackedInput[])[1].data).toEqual(views[1].data);
  });
});
