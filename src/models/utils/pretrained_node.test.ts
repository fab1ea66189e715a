import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sharedPath, missingShared } from '../../testing/shared';
import { readPretrainedFiles } from './pretrained';
import { pretrainedFilesForNode, torchHubCheckpointsDir } from './pretrained_node';

const LENET = sharedPath('reference/models/lenet5.pth');
const URL_CKPT = 'https://download.openmmlab.com/mmclassification/v0/lenet/lenet5_mnist_20230101-abcdef01.pth';
const cfgWith = (checkpoint: string) => ({ model: { type: 'ImageClassifier', backbone: { type: 'LeNet5', init_cfg: { type: 'Pretrained', checkpoint, prefix: 'backbone' } } } });

let dir = '';
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe.skipIf(missingShared(LENET))('Pretrained checkpoints in Node (CLI train)', () => {
  it('torch hub cache dir as torch picks it', () => {
    expect(torchHubCheckpointsDir({ TORCH_HOME: '/t' })).toBe('/t/hub/checkpoints');
    expect(torchHubCheckpointsDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/torch/hub/checkpoints');
  });

  it('a local path is read; a URL comes from the cache, or is downloaded into it once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pretrained-node-'));
    const bytes = readFileSync(LENET);
    const local = await pretrainedFilesForNode(cfgWith(LENET), { cacheDir: dir });
    expect(local.map((f) => [f.checkpoint, f.name])).toEqual([[LENET, 'lenet5.pth']]);
    expect((await readPretrainedFiles(local)).get(LENET)!.stateDict.has('backbone.features.0.weight')).toBe(true);

    const fetched: string[] = [];
    const fetchImpl = async (u: string) => (fetched.push(u), new Response(bytes));
    const logs: string[] = [];
    const first = await pretrainedFilesForNode(cfgWith(URL_CKPT), { cacheDir: dir, fetchImpl, log: (l) => logs.push(l) });
    expect(fetched).toEqual([URL_CKPT]);
    expect(logs[0]).toBe(`Downloading: "${URL_CKPT}" to ${join(dir, 'lenet5_mnist_20230101-abcdef01.pth')}`);
    expect(readFileSync(join(dir, 'lenet5_mnist_20230101-abcdef01.pth')).equals(bytes)).toBe(true);
    const again = await pretrainedFilesForNode(cfgWith(URL_CKPT), { cacheDir: dir, fetchImpl });
    expect(fetched).toHaveLength(1); // from the cache
    expect(Buffer.from(again[0].data as Uint8Array).equals(Buffer.from(first[0].data as Uint8Array))).toBe(true);
  });

  it('a missing local file or a failed download names the init_cfg / URL and what to do', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pretrained-node-'));
    await expect(pretrainedFilesForNode(cfgWith('/nope/x.pth'), { cacheDir: dir })).rejects.toThrow("model.backbone.init_cfg: Pretrained checkpoint '/nope/x.pth' does not exist");
    await expect(pretrainedFilesForNode(cfgWith(URL_CKPT), { cacheDir: dir, fetchImpl: async () => new Response('', { status: 404 }) })).rejects.toThrow(/the download failed \(HTTP 404\); download it yourself into .*lenet5_mnist_20230101-abcdef01\.pth/);
    await expect(pretrainedFilesForNode(cfgWith(URL_CKPT), { cacheDir: dir, fetchImpl: () => Promise.reject(new TypeError('fetch failed')) })).rejects.toThrow(/the download failed \(fetch failed\)/);
    expect(existsSync(join(dir, 'lenet5_mnist_20230101-abcdef01.pth'))).toBe(false); // nothing half-written
  });
});
