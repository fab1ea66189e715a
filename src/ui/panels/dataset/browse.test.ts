import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../../../testing/shared';
import { loadConfig } from '../../../config';
import { NodeFS } from '../../../config/node_fs';
import type { BrowsedSample, RgbaImage } from '../../../tools/visualization/browse_dataset';
import { connect, inlinePort } from '../../../utils/rpc/rpc';
import { ENGINE_LANES } from '../../engine/lanes';
import { createEngineServices, type EngineServices } from '../../engine/services';
import { sampleTransferables } from './protocol';

/** The Dataset panel's calls through the engine's RPC (served on a MessageChannel, as inline on the page). */
function browseService() {
  const port = inlinePort(createEngineServices(), ENGINE_LANES);
  return { browse: connect<EngineServices>(port).api.browse, close: () => port.close() };
}

const mnistDir = sharedPath('data/mnist');
const names = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

describe('the engine\'s browse service on the real MNIST test files (as Blobs, as dropped Files are)', () => {
  it.skipIf(missingShared(mnistDir))('drop, open, page (streamed, cancelled by a newer page), drawResult; errors come back as messages', async () => {
    const { browse, close } = browseService();
    const got: BrowsedSample[] = [];
    const onProgress = (s: BrowsedSample) => void got.push(s);
    const files: [string, Blob][] = names.map((n) => [`mnist/${n}`, new Blob([readFileSync(`${mnistDir}/${n}`)])]);
    await expect(browse.page([0], {}, [], { onProgress })).rejects.toThrow('open a dataset first');

    expect(await browse.setDrop(files)).toMatchObject({ kind: 'MNIST', data_root: 'drop/mnist', split: 'test' });
    const { cfg } = loadConfig('configs/_base_/datasets/fashion_mnist_bs128.py', new NodeFS());
    const opened = await browse.open(cfg as Record<string, unknown>, 'train');
    expect(opened.length).toBe(10000);
    expect(opened.pipeline).toEqual(['Resize', 'RandomFlip', 'PackInputs']);

    // two pages at once: the second cancels the first after its current sample; samples stream in as drawn
    const first = browse.page([0, 1, 2, 3, 4, 5], { mode: 'concat' }, [], { onProgress });
    const second = browse.page([10, 11], { mode: 'original' }, [], { onProgress });
    expect(await first).toBe(false);
    expect(await second).toBe(true);
    expect(got.slice(-2).map((s) => s.index)).toEqual([10, 11]);
    expect(got.length).toBeLessThan(8);
    expect(sampleTransferables(got[got.length - 1]).length).toBeGreaterThanOrEqual(2);
    expect(got[got.length - 1].frame.data.length).toBe(got[got.length - 1].frame.width * got[got.length - 1].frame.height * 4); // the transferred pixels arrived

    // pinned parameters replay
    got.length = 0;
    await browse.page([7], { seed: 1 }, [], { onProgress });
    const flipped = !(got[0].randomParams.RandomFlip as { flip: boolean }).flip;
    await browse.page([7], { seed: 1 }, [[7, { RandomFlip: { flip: flipped, flip_direction: flipped ? 'horizontal' : null } }]], { onProgress });
    expect((got[1].randomParams.RandomFlip as { flip: boolean }).flip).toBe(flipped);

    const drawn: RgbaImage = await browse.drawResult({ sample_idx: 0, gt_label: [7], pred_label: [1], pred_score: [0, 0.9, 0, 0, 0, 0, 0, 0.1, 0, 0], confidence: 0.9 });
    expect(drawn.height).toBe(8 + 2 * 14 + 8 + 28 * 4 + 8); // 28 px enlarged x4 (>= 96)
    close();
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
    const { browse, close } = browseService();
    expect(await browse.setDrop([['pets.zip', new Blob([zip])]])).toMatchObject({ kind: 'CustomDataset', data_root: 'drop/pets.zip/pets' });
    const { cfg } = loadConfig('configs/_base_/datasets/imagenet_bs32.py', new NodeFS());
    const opened = await browse.open(cfg as Record<string, unknown>, 'train');
    expect(opened.datasetCfg.type).toBe('CustomDataset'); // not the config's ImageNet
    expect(opened.classes).toEqual(['bird', 'dog']);
    expect(opened.histogram.counts).toEqual([1, 2]);
    const got: BrowsedSample[] = [];
    await browse.page([0, 1, 2], { mode: 'pipeline' }, [], { onProgress: (s) => void got.push(s) });
    expect(got.map((s) => s.filename)).toEqual(['bird.JPEG', 'cat-dog.png', 'dog.jpg']);
    expect(got[0].steps.map((s) => s.name)).toEqual(['LoadImageFromFile', 'RandomResizedCrop', 'RandomFlip']);
    expect(got[0].steps[1].shape).toEqual([224, 224, 3]);
    expect(got[1].labelText).toBe('Ground truth: 1 (dog)');
    close();
  });
});
