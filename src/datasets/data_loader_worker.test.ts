import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sharedPath, missingShared } from '../testing/shared';
import { serveDataLoader, transferables, WorkerDataLoader, type PortLike } from './data_loader_remote';
import { buildDataLoader } from './data_loader';
import { FileSystem, MemorySource } from '../fileio/sources';
import { registerDatasets } from './register_all';
import { registerTransforms } from './transforms/register_all';

const bin = sharedPath('data/cifar10/data_batch_1.first258.bin');

describe('data loading over a message port (the Web Worker protocol)', () => {
  it('transferables: only buffers a typed array owns', () => {
    const own = new Uint8Array(8);
    const shared = new Uint8Array(16).subarray(4, 8);
    expect(transferables({ inputs: [{ data: own }, { data: shared }], n: 1 })).toEqual([own.buffer]);
  });

  it.skipIf(missingShared(bin))('streams the same batches as an in-process DataLoader, epoch after epoch; leaving an epoch early is safe', async () => {
    const records = new Uint8Array(readFileSync(bin));
    const loaderCfg = {
      batch_size: 64,
      num_workers: 1,
      dataset: { type: 'CIFAR10', data_root: 'drop', split: 'test', pipeline: [{ type: 'RandomCrop', crop_size: 32, padding: 4 }, { type: 'RandomFlip', prob: 0.5 }, { type: 'PackInputs' }] },
      sampler: { type: 'DefaultSampler', shuffle: true },
      collate_fn: { type: 'default_collate' },
    };
    const channel = new MessageChannel();
    serveDataLoader(channel.port1 as unknown as PortLike);
    const remote = new WorkerDataLoader(channel.port2 as unknown as PortLike, { loader: loaderCfg as never, seed: 4, mounts: [{ prefix: 'drop', files: { 'test_batch.bin': records.slice() } }] });
    expect(await remote.init()).toBe(5);
    expect(remote.samples).toBe(258);
    expect(remote.metainfo.classes?.[0]).toBe('airplane');

    registerDatasets();
    registerTransforms();
    const fs = new FileSystem(null);
    fs.mount('drop', new MemorySource({ 'test_batch.bin': records }));
    const local = await buildDataLoader(loaderCfg as never, { seed: 4, ctx: { fileSystem: fs, seed: 4 } });

    for (const epoch of [0, 1]) {
      remote.setEpoch(epoch);
      local.setEpoch(epoch);
      const got: string[] = [];
      for await (const b of remote) got.push((b.inputs as { data: Uint8Array }).data.join());
      const want: string[] = [];
      for await (const b of local) want.push((b.inputs as { data: Uint8Array }).data.join());
      expect(got.length).toBe(5);
      expect(got).toEqual(want);
    }
    // leave an epoch after one batch, then run a full one: no stale batch leaks into it
    for await (const b of remote) {
      expect((b.inputs as { shape: number[] }).shape).toEqual([64, 3, 32, 32]);
      break;
    }
    let n = 0;
    for await (const b of remote) n += (b.inputs as { shape: number[] }).shape[0];
    expect(n).toBe(258);
    remote.close();
    channel.port1.close();
    channel.port2.close();
  });

  it('reports build errors to the page', async () => {
    const channel = new MessageChannel();
    serveDataLoader(channel.port1 as unknown as PortLike);
    const remote = new WorkerDataLoader(channel.port2 as unknown as PortLike, { loader: { dataset: { type: 'CIFAR10', data_root: 'missing' } } as never });
    await expect(remote.init()).rejects.toThrow(/CIFAR10: dataset files not found under 'missing'/);
    channel.port1.close();
    channel.port2.close();
  });
});
