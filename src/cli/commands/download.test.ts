import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../apis/node';
import { LocalHub, sha256Hex } from '../../apis/hub/local_hub';
import { unregisterModels } from '../../apis/model_hub';
import { sharedPath, missingShared } from '../../testing/shared';
import { main } from '../main';
import { hubOptions } from './download';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

const images = sharedPath('data/images');
const LENET = readFileSync(join(REPO_ROOT, 'public/models/lenet5_fashion-mnist.pth'));
const SHA = sha256Hex(LENET);
const KEY = `lenet5_fashion-mnist_20261207-${SHA.slice(0, 8)}.pth`;
const PATH = `/mmclassification/v0/lenet/${KEY}`;
const NAME = 'lenet5_cli-hub-test_fashion-mnist';

let hub: LocalHub;
let dir: string;
let index: string;
beforeAll(async () => {
  hub = await new LocalHub().start();
  hub.serve(`/mirror${PATH}`, LENET, { dropAfter: [100_000] });
  dir = mkdtempSync(join(tmpdir(), 'cli-hub-'));
  index = join(dir, 'index.json');
  // a model index entry as configs/model-index.json has them (MMPretrain's register_model_index)
  writeFileSync(index, JSON.stringify([{ name: NAME, config: 'configs/lenet/lenet5_1xb32-sgd-coslr-3e_fashion-mnist.py', weights: `https://download.openmmlab.com${PATH}` }]));
});
afterAll(async () => {
  unregisterModels([NAME]); // the index is per process, as MMPretrain's ModelHub: leave it as found
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('hub options', () => {
  it('--hub / --cache win over $MMPRETRAIN_HUB / $MMPRETRAIN_WEB_CACHE, which win over the defaults', () => {
    const env = { MMPRETRAIN_HUB: 'http://mirror.local:81/o', MMPRETRAIN_WEB_CACHE: '/tmp/mm-cache', HOME: '/home/u' };
    expect(hubOptions({}, env)).toMatchObject({ store: { dir: '/tmp/mm-cache' }, opts: { hub: 'http://mirror.local:81/o', maxRetries: 3 } });
    expect(hubOptions({ hub: 'http://127.0.0.1:1', cache: '/c', retries: '0' }, env)).toMatchObject({ store: { dir: '/c' }, opts: { hub: 'http://127.0.0.1:1', maxRetries: 0 } });
    expect(hubOptions({}, { XDG_CACHE_HOME: '/x' })).toMatchObject({ store: { dir: '/x/mmpretrain-web/checkpoints' }, opts: { hub: null } });
    expect(() => hubOptions({ retries: '-1' }, {})).toThrow(/--retries must be a non-negative integer/);
  });
});

describe.skipIf(missingShared(images))('mmpretrain-web download / inference NAME through --hub', () => {
  it('download: progress on stderr, resumes after a dropped connection, prints path and sha256; then inference NAME from the cache offline equals infer with the same weights', async () => {
    const cache = join(dir, 'cache');
    const d = capture();
    expect(await main(['download', NAME, '--cache', cache, '--hub', hub.base('/mirror'), '--model-index', index, '--json'], d.io)).toBe(0);
    const [row] = JSON.parse(d.out.join('\n')) as { path: string; sha256: string; bytes: number; cached: boolean; retries: number; url: string }[];
    expect(row).toMatchObject({ path: join(cache, KEY), sha256: SHA, bytes: LENET.length, cached: false, retries: 1, url: hub.base('/mirror') + PATH });
    expect(sha256Hex(readFileSync(row.path))).toBe(SHA);
    expect(d.err.some((l) => l.startsWith(`${NAME}: `) && l.includes('MB /'))).toBe(true);
    expect(d.err.at(-1)).toMatch(/from http:\/\/127\.0\.0\.1:\d+\/mirror\/.* MB\/s, .*1 reconnection/);

    // text output, second run: from the cache
    const t = capture();
    expect(await main(['download', NAME, '--cache', cache, '--hub', hub.base('/mirror'), '--model-index', index], t.io)).toBe(0);
    expect(t.out.join('\n')).toBe(`${join(cache, KEY)}\n  sha256 ${SHA}  ${(LENET.length / 1024).toFixed(1)} KB  (cached)`);

    await hub.stop();
    const img = `${images}/dog.jpg`;
    const inf = capture();
    expect(await main(['inference', NAME, img, '--cache', cache, '--hub', hub.base('/mirror'), '--model-index', index, '--topk', '3', '--json'], inf.io)).toBe(0);
    const a = JSON.parse(inf.out.join('\n')) as { model: string; checkpoint: string; results: { pred_label: number; pred_scores: number[]; topk: unknown[] }[] };
    expect(a.model).toBe(NAME);
    expect(a.checkpoint).toBe(KEY);
    expect(a.results[0].topk).toHaveLength(3);
    const ref = capture();
    expect(await main(['infer', 'lenet5_1xb32-sgd-coslr-3e_fashion-mnist', 'released', img, '--json'], ref.io)).toBe(0);
    const b = JSON.parse(ref.out.join('\n')) as { results: { pred_label: number; pred_scores: number[] }[] };
    expect(a.results[0].pred_label).toBe(b.results[0].pred_label);
    expect(a.results[0].pred_scores).toEqual(b.results[0].pred_scores);

    // a config path with --checkpoint: the same numbers
    const c = capture();
    expect(await main(['inference', 'configs/lenet/lenet5_1xb32-sgd-coslr-3e_fashion-mnist.py', img, '--checkpoint', row.path, '--json'], c.io)).toBe(0);
    expect((JSON.parse(c.out.join('\n')) as typeof b).results[0].pred_scores).toEqual(b.results[0].pred_scores);
  });

  it('bad input: an unknown name suggests the closest; a hash mismatch names both hashes; no NAME is a usage error', async () => {
    const u = capture();
    expect(await main(['download', 'resnet50_8xb32_in1kk', '--cache', join(dir, 'c2')], u.io)).toBe(1);
    expect(u.err.join('\n')).toMatch(/Failed to find model "resnet50_8xb32_in1kk"\. Did you mean: resnet50_8xb32_in1k/);
    const i = capture();
    expect(await main(['inference', 'resnet50_8xb32_in1kk', `${images}/dog.jpg`, '--cache', join(dir, 'c2')], i.io)).toBe(1);
    expect(i.err.join('\n')).toMatch(/did you mean 'resnet50_8xb32_in1k'/);

    const bad = await new LocalHub().start();
    try {
      // the real index entry's path, serving other bytes: its hash (ea4938fc) does not match
      bad.serve('/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth', LENET);
      const m = capture();
      expect(await main(['download', 'resnet50_8xb32_in1k', '--cache', join(dir, 'c3'), '--hub', bad.base()], m.io)).toBe(1);
      expect(m.err.join('\n')).toContain(`resnet50_8xb32_in1k_20210831-ea4938fc.pth: sha256 ${SHA} does not start with ea4938fc`);
      expect(existsSync(join(dir, 'c3', 'resnet50_8xb32_in1k_20210831-ea4938fc.pth'))).toBe(false);
    } finally {
      await bad.stop();
    }
    const n = capture();
    expect(await main(['download'], n.io)).toBe(2);
    expect(n.err.join('\n')).toMatch(/expected at least one model NAME/);
  });
});
