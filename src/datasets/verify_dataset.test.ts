import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { strToU8 } from 'fflate';
import { sharedPath, missingShared } from '../testing/shared';
import { createVerifyHandler, VerifyCommands, type VerifyEvent } from './verify_dataset_remote';
import { phaseDatasetConfig, stripPipelines } from './verify_dataset';

const images = sharedPath('data/images');

describe('verify-dataset worker logic', () => {
  it('finds the phase dataset in 1.x and 0.x configs', () => {
    const ds = { type: 'ImageNet', data_prefix: 'data/imagenet/val' };
    expect(phaseDatasetConfig({ val_dataloader: { dataset: ds } }, 'val')).toBe(ds);
    expect(phaseDatasetConfig({ data: { samples_per_gpu: 32, val: ds } }, 'val')).toBe(ds);
    expect(() => phaseDatasetConfig({}, 'test')).toThrow(/no test_dataloader/);
  });

  it('strips pipelines in wrappers and finds LoadImageFromFile', () => {
    const load = { type: 'LoadImageFromFile', to_float32: false };
    const { cfg, load: found } = stripPipelines({ type: 'ConcatDataset', datasets: [{ type: 'CustomDataset', pipeline: [load, { type: 'PackInputs' }] }] });
    expect(found).toEqual(load);
    expect((cfg.datasets as Array<{ pipeline: unknown[] }>)[0].pipeline).toEqual([]);
  });

  it.skipIf(missingShared(images))('mounted drops are checked off the main thread: progress, broken files, done', async () => {
    const events: VerifyEvent[] = [];
    const handle = createVerifyHandler((e) => events.push(e), null);
    const dog = new Uint8Array(readFileSync(`${images}/dog.jpg`));
    await handle({
      type: VerifyCommands.Verify,
      id: 7,
      datasetCfg: { type: 'CustomDataset', data_prefix: 'drop/train', pipeline: [{ type: 'LoadImageFromFile' }, { type: 'PackInputs' }] },
      mounts: [{ prefix: 'drop', files: { 'train/a/dog.jpg': dog, 'train/a/empty.png': strToU8(''), 'train/b/bird.JPEG': new Blob([readFileSync(`${images}/bird.JPEG`)]) } }],
    });
    const done = events.find((e) => e.type === 'done');
    expect(done && done.type === 'done' && done.result.total).toBe(3);
    expect(done && done.type === 'done' && done.result.broken.map((b) => b.img_path)).toEqual(['drop/train/a/empty.png']);
    expect(events.filter((e) => e.type === 'broken').length).toBe(1);
    expect(events.filter((e) => e.type === 'progress').at(-1)).toMatchObject({ done: 3, total: 3, broken: 1 });
    await handle({ type: VerifyCommands.Verify, id: 8, datasetCfg: { type: 'CustomDataset', data_prefix: 'nowhere' } });
    expect(events.at(-1)).toMatchObject({ type: 'error', id: 8 });
  });
});
