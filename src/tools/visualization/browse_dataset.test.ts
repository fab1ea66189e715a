import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registerAll } from '../../engine/setup_env';
import { parseConfigText } from '../../config';
import { FileSystem, MemorySource } from '../../fileio/sources';
import { sharedPath, missingShared } from '../../testing/shared';
import { browseDataset, DatasetBrowser, groundTruthText, scaleNearest, toRgba, type RgbaImage } from './browse_dataset';

const cifarBin = sharedPath('data/cifar10/data_batch_1.first258.bin');
const mnistDir = sharedPath('data/mnist');

// MMPretrain 1.x configs/_base_/datasets/cifar10_bs16.py (train pipeline; the records stand in for the test batch)
const cifarConfig = `
dataset_type = 'CIFAR10'
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=16,
    dataset=dict(type=dataset_type, data_root='data/cifar10', split='test', pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
`;

function cifarFs(records: Uint8Array): FileSystem {
  const fs = new FileSystem(null);
  fs.mount('data/cifar10', new MemorySource({ 'cifar-10-batches-bin/test_batch.bin': records }, 'CIFAR-10 records'));
  return fs;
}

/** RGB of record `r` at (y, x) from the raw R, G, B planes. */
function recordRgb(records: Uint8Array, r: number, y: number, x: number): number[] {
  const base = r * 3073 + 1;
  return [0, 1, 2].map((c) => records[base + c * 1024 + y * 32 + x]);
}

function rgbAt(img: RgbaImage, y: number, x: number): number[] {
  const k = (y * img.width + x) * 4;
  return [img.data[k], img.data[k + 1], img.data[k + 2]];
}

describe('browse_dataset on real CIFAR-10 records (cifar10_bs16 train pipeline)', () => {
  it.skipIf(missingShared(cifarBin))('original/transformed/concat/pipeline frames; crop+flip pixels follow the drawn parameters; replay pins them', async () => {
    registerAll();
    const records = new Uint8Array(readFileSync(cifarBin));
    const cfg = parseConfigText(cifarConfig, 'cifar10_bs16.py') as Record<string, unknown>;
    const ctx = { fileSystem: cifarFs(records) };
    const labels = readFileSync(sharedPath('data/cifar10/batches.meta.txt'), 'utf8').split('\n').filter(Boolean);

    const original = [];
    for await (const s of browseDataset(cfg, { mode: 'original', channelOrder: 'RGB', showNumber: 3, start: 1, ctx })) original.push(s);
    expect(original.map((s) => s.index)).toEqual([1, 2, 3]);
    expect(original[0].filename).toBe('1.jpg');
    const r = 1;
    expect(original[0].gtLabel).toEqual([records[r * 3073]]);
    expect(original[0].labelText).toBe(`Ground truth: ${records[r * 3073]} (${labels[records[r * 3073]]})`);
    // the loaded image is the stored RGB planes, pasted under the one-line caption
    const first = original[0].steps[0].images[0];
    for (const [y, x] of [[0, 0], [5, 17], [31, 31]]) expect(rgbAt(first, y, x)).toEqual(recordRgb(records, r, y, x));
    const frame = original[0].frame;
    const top = 8 + 14 + 8; // GAP + one caption line + GAP
    expect(rgbAt(frame, top + 5, 8 + 17)).toEqual(recordRgb(records, r, 5, 17));

    const browser = await DatasetBrowser.create((cfg.train_dataloader as { dataset: never }).dataset, ctx);
    expect(browser.length).toBe(258);
    expect(browser.histogram().counts.reduce((a, b) => a + b, 0)).toBe(258);
    for (let i = 0; i < 6; i++) {
      const s = await browser.browse(i, { mode: 'pipeline', channelOrder: 'RGB', seed: 3 });
      expect(s.steps.map((st) => st.name)).toEqual(['Original', 'RandomCrop', 'RandomFlip']);
      const crop = s.randomParams.RandomCrop as { offset_h: number; offset_w: number };
      const flip = (s.randomParams.RandomFlip as { flip: boolean }).flip;
      expect(s.steps[1].params).toEqual(s.randomParams.RandomCrop);
      const out = s.steps[2].images[0];
      expect([out.height, out.width]).toEqual([32, 32]);
      // output (y, x) comes from padded (y + oh, x' + ow), i.e. original (y + oh - 4, x' + ow - 4), zero outside
      for (const [y, x] of [[0, 0], [10, 3], [16, 16], [31, 30]]) {
        const xs = flip ? 31 - x : x;
        const oy = y + crop.offset_h - 4;
        const ox = xs + crop.offset_w - 4;
        const want = oy < 0 || ox < 0 || oy > 31 || ox > 31 ? [0, 0, 0] : recordRgb(records, i, oy, ox);
        expect(rgbAt(out, y, x)).toEqual(want);
      }
      // the same (seed, index, redraw) draws the same; pinning the params reproduces them under another redraw
      const again = await browser.browse(i, { mode: 'transformed', channelOrder: 'RGB', seed: 3 });
      expect(again.randomParams).toEqual(s.randomParams);
      const pinned = await browser.browse(i, { mode: 'transformed', channelOrder: 'RGB', seed: 3, redraw: 7, params: s.randomParams });
      expect(Array.from(pinned.steps.at(-1)!.images[0].data)).toEqual(Array.from(out.data));
    }
    // re-drawing gives other crops for most samples
    let changed = 0;
    for (let i = 0; i < 8; i++) {
      const a = await browser.browse(i, { seed: 3 });
      const b = await browser.browse(i, { seed: 3, redraw: 1 });
      if (JSON.stringify(a.randomParams) !== JSON.stringify(b.randomParams)) changed++;
    }
    expect(changed).toBeGreaterThanOrEqual(6);

    // grid modes: cells enlarged to >= 128 px (x4 for 32 px), titles and caption above
    const concat = await browser.browse(0, { mode: 'concat', channelOrder: 'RGB' });
    expect(concat.frame.width).toBe(8 + 128 + 8 + 128 + 8);
    expect(concat.frame.height).toBe(8 + 14 + 8 + 2 * 14 + 128 + 8);
    // BGR order swaps red and blue of the same data
    const bgr = await browser.browse(0, { mode: 'original', channelOrder: 'BGR' });
    expect(rgbAt(bgr.steps[0].images[0], 3, 3)).toEqual(recordRgb(records, 0, 3, 3).reverse());
  });
});

describe('browse_dataset on real MNIST test files', () => {
  it.skipIf(missingShared(mnistDir))('original mode rescales with mmcv.imrescale; labels with class names', async () => {
    registerAll();
    const cfg = {
      test_dataloader: {
        dataset: { type: 'MNIST', data_root: mnistDir, test_mode: true, pipeline: [{ type: 'Resize', scale: 32 }, { type: 'PackInputs' }] },
      },
    };
    const got = [];
    for await (const s of browseDataset(cfg, { phase: 'test', mode: 'original', rescaleFactor: 2, showNumber: 2 })) got.push(s);
    expect(got[0].labelText).toBe('Ground truth: 7 (7 - seven)');
    expect(got[1].labelText).toBe('Ground truth: 2 (2 - two)');
    // 28 x 28 rescaled by 2 -> 56 x 56 inside the frame
    expect(got[0].frame.height).toBe(8 + 14 + 8 + 56 + 8);
    const transformed = [];
    for await (const s of browseDataset(cfg, { phase: 'test', showNumber: 1 })) transformed.push(s);
    expect(transformed[0].steps.map((s) => s.shape)).toEqual([[28, 28, 1], [32, 32, 1]]);
    await expect(async () => {
      for await (const _ of browseDataset(cfg, { phase: 'val' })) void _;
    }).rejects.toThrow(/no val_dataloader/);
  });
});

describe('drawing helpers', () => {
  it('groundTruthText follows visualize_cls; toRgba stretches floats; scaleNearest sizes as mmcv', () => {
    expect(groundTruthText([1, 3], ['a', 'b', 'c', 'd'])).toBe('Ground truth: 1 (b)\n              3 (d)');
    expect(groundTruthText(null, null)).toBe('');
    const f = toRgba({ data: new Float32Array([-2, 0, 2]), height: 1, width: 3, channels: 1 });
    expect([f.data[0], f.data[4], f.data[8]]).toEqual([0, 128, 255]);
    const s = scaleNearest({ data: new Uint8ClampedArray(4 * 3 * 2), width: 3, height: 2 }, 1.5);
    expect([s.width, s.height]).toEqual([5, 3]);
  });
});

describe('tileFrames', () => {
  it('places frames row by row in equal cells', async () => {
    const { tileFrames } = await import('./browse_dataset');
    const solid = (w: number, h: number, v: number): RgbaImage => ({ data: new Uint8ClampedArray(w * h * 4).fill(v), width: w, height: h });
    const t = tileFrames([solid(4, 2, 10), solid(2, 2, 20), solid(4, 4, 30)], 2);
    expect([t.width, t.height]).toEqual([8, 8]);
    expect(rgbAt(t, 1, 0)).toEqual([10, 10, 10]); // first cell, centred vertically in 4 rows
    expect(rgbAt(t, 1, 5)).toEqual([20, 20, 20]); // second, centred horizontally
    expect(rgbAt(t, 0, 4)).toEqual([255, 255, 255]);
    expect(rgbAt(t, 7, 3)).toEqual([30, 30, 30]); // third row starts a new row
  });
});

describe('browse_dataset with MultiView (self-supervised pipelines)', () => {
  it.skipIf(missingShared(cifarBin))('every view is kept and stacked in its column', async () => {
    registerAll();
    const records = new Uint8Array(readFileSync(cifarBin));
    const dataset = {
      type: 'CIFAR10',
      data_root: 'data/cifar10',
      split: 'test',
      pipeline: [
        { type: 'MultiView', num_views: 2, transforms: [[{ type: 'RandomResizedCrop', scale: 16 }, { type: 'RandomFlip', prob: 0.5 }]] },
        { type: 'PackInputs' },
      ],
    };
    const browser = await DatasetBrowser.create(dataset as never, { fileSystem: cifarFs(records) });
    const s = await browser.browse(4, { mode: 'pipeline', channelOrder: 'RGB' });
    expect(s.steps.map((st) => st.name)).toEqual(['Original', 'MultiView']);
    expect(s.steps[1].images.map((i) => [i.height, i.width])).toEqual([[16, 16], [16, 16]]);
    expect((s.randomParams.MultiView as unknown[]).length).toBe(2);
    // 32 px original enlarged x4 = 128; the two 16 px views x4 = 64 each, stacked with a gap
    expect(s.frame.height).toBe(8 + 14 + 8 + 2 * 14 + Math.max(128, 64 + 8 + 64) + 8);
  });
});
