import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../../../testing/shared';
import { loadConfig } from '../../../config';
import { NodeFS } from '../../../config/node_fs';
import type { BrowsedSample, RgbaImage } from '../../../tools/visualization/browse_dataset';
import { BrowseSession, type OpenedDataset } from './browseSession';
import { handleBrowseRequest } from './handle';
import { BrowseCommands, sampleTransferables } from './protocol';

const mnistDir = sharedPath('data/mnist');
const names = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

describe('the Dataset worker handler on the real MNIST test files (as Blobs, as dropped Files are)', () => {
  it.skipIf(missingShared(mnistDir))('drop, open, page (streamed, cancelled by a newer page), drawResult; errors come back as messages', async () => {
    const session = new BrowseSession();
    const got: BrowsedSample[] = [];
    const onSample = (_id: number, s: BrowsedSample) => void got.push(s);
    const files: [string, Blob][] = names.map((n) => [`mnist/${n}`, new Blob([readFileSync(`${mnistDir}/${n}`)])]);
    const early = await handleBrowseRequest(session, { id: 1, kind: BrowseCommands.Page, indices: [0], opts: {}, pinned: [] }, onSample);
    expect(early).toEqual({ id: 1, ok: false, error: 'open a dataset first' });

    const drop = await handleBrowseRequest(session, { id: 2, kind: BrowseCommands.Drop, files }, onSample);
    expect(drop).toMatchObject({ ok: true, result: { kind: 'MNIST', data_root: 'drop/mnist', split: 'test' } });
    const { cfg } = loadConfig('configs/_base_/datasets/fashion_mnist_bs128.py', new NodeFS());
    const open = await handleBrowseRequest(session, { id: 3, kind: BrowseCommands.Open, cfg: cfg as Record<string, unknown>, phase: 'train' }, onSample);
    expect(open.ok).toBe(true);
    const opened = (open as { result: OpenedDataset }).result;
    expect(opened.length).toBe(10000);
    expect(opened.pipeline).toEqual(['Resize', 'RandomFlip', 'PackInputs']);
    expect(structuredClone(opened)).toEqual(opened); // crosses postMessage

    // two pages at once: the second cancels the first after its current sample
    const first = handleBrowseRequest(session, { id: 4, kind: BrowseCommands.Page, indices: [0, 1, 2, 3, 4, 5], opts: { mode: 'concat' }, pinned: [] }, onSample);
    const second = handleBrowseRequest(session, { id: 5, kind: BrowseCommands.Page, indices: [10, 11], opts: { mode: 'original' }, pinned: [] }, onSample);
    expect(await first).toEqual({ id: 4, ok: true, result: false });
    expect(await second).toEqual({ id: 5, ok: true, result: true });
    expect(got.slice(-2).map((s) => s.index)).toEqual([10, 11]);
    expect(got.length).toBeLessThan(8);
    expect(sampleTransferables(got[got.length - 1]).length).toBeGreaterThanOrEqual(2);

    // pinned parameters replay
    got.length = 0;
    await handleBrowseRequest(session, { id: 6, kind: BrowseCommands.Page, indices: [7], opts: { seed: 1 }, pinned: [] }, onSample);
    const flipped = !(got[0].randomParams.RandomFlip as { flip: boolean }).flip;
    await handleBrowseRequest(session, { id: 7, kind: BrowseCommands.Page, indices: [7], opts: { seed: 1 }, pinned: [[7, { RandomFlip: { flip: flipped, flip_direction: flipped ? 'horizontal' : null } }]] }, onSample);
    expect((got[1].randomParams.RandomFlip as { flip: boolean }).flip).toBe(flipped);

    const drawn = await handleBrowseRequest(session, { id: 8, kind: BrowseCommands.DrawResult, sample: { sample_idx: 0, gt_label: [7], pred_label: [1], pred_score: [0, 0.9, 0, 0, 0, 0, 0, 0.1, 0, 0], confidence: 0.9 } }, onSample);
    expect(drawn.ok).toBe(true);
    expect((drawn as { result: RgbaImage }).result.height).toBe(8 + 2 * 14 + 8 + 28 * 4 + 8); // 28 px enlarged x4 (>= 96)
  });
});

describe('a dropped .zip of class folders (real demo images)', () => {
  const images = sharedPath('data/images');
  it.skipIf(missingShared(images))('is recognised inside the archive, loads with LoadImageFromFile and goes through the ImageNet pipeline', async () => {
    const { zipSync } = await import('fflate');
    const zip = zipSync({
      'pets/bird/bird.JPEG': new Uint8Array(readFileSync(`${images}/bird.JPEG`)),
      'pets/dog/dog.jpg': new Uint8Array(readFileSync(`${images}/dog.jpg`)),
      'pets/dog/cat-dog.png': new Uint8Array(readFileSync(`${images}/cat-dog.png`)),
    });
    const session = new BrowseSession();
    const drop = await handleBrowseRequest(session, { id: 1, kind: BrowseCommands.Drop, files: [['pets.zip', new Blob([zip])]] }, () => {});
    expect(drop).toMatchObject({ ok: true, result: { kind: 'CustomDataset', data_root: 'drop/pets.zip/pets' } });
    const { cfg } = loadConfig('configs/_base_/datasets/imagenet_bs32.py', new NodeFS());
    const open = await handleBrowseRequest(session, { id: 2, kind: BrowseCommands.Open, cfg: cfg as Record<string, unknown>, phase: 'train' }, () => {});
    expect(open).toMatchObject({ ok: true });
    expect((open as { result: OpenedDataset }).result.datasetCfg.type).toBe('CustomDataset'); // not the config's ImageNet
    const opened = (open as { result: OpenedDataset }).result;
    expect(opened.classes).toEqual(['bird', 'dog']);
    expect(opened.histogram.counts).toEqual([1, 2]);
    const got: BrowsedSample[] = [];
    await handleBrowseRequest(session, { id: 3, kind: BrowseCommands.Page, indices: [0, 1, 2], opts: { mode: 'pipeline' }, pinned: [] }, (_i, s) => void got.push(s));
    expect(got.map((s) => s.filename)).toEqual(['bird.JPEG', 'cat-dog.png', 'dog.jpg']);
    expect(got[0].steps.map((s) => s.name)).toEqual(['LoadImageFromFile', 'RandomResizedCrop', 'RandomFlip']);
    expect(got[0].steps[1].shape).toEqual([224, 224, 3]);
    expect(got[1].labelText).toBe('Ground truth: 1 (dog)');
  });
});
