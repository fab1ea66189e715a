/** The `transform` command: replays the manifest's parameters, prints what it drew, reads image files. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main';
import { parseNpy } from '../../fileio/npy';
import { sharedPath, missingShared } from '../../testing/shared';

const ref = sharedPath('reference/pipeline');
const tmp = mkdtempSync(join(tmpdir(), 'transform-cli-'));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['transform', ...args], { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') });
  return { code, out, err };
}

const cifarPipeline = join(tmp, 'cifar.json');
writeFileSync(cifarPipeline, JSON.stringify([
  { type: 'RandomCrop', crop_size: 32, padding: 4 },
  { type: 'RandomFlip', prob: 0.5, direction: 'horizontal' },
  { type: 'PackInputs' },
]));

describe.skipIf(missingShared(ref))('mmpretrain-web transform', () => {
  it('replays --params and reproduces MMPretrain\'s packed output', async () => {
    const params = join(tmp, 'params.json');
    writeFileSync(params, JSON.stringify({ RandomCrop: { padded_shape: [40, 40], offset_h: 5, offset_w: 0, target_h: 32, target_w: 32 }, RandomFlip: { flip: false, flip_direction: null } }));
    const out = join(tmp, 'out.npy');
    const r = await run(['--pipeline', cifarPipeline, '--input', join(ref, 'inputs/cifar_like_32x32.npy'), '--out', out, '--params', params]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).RandomCrop.offset_h).toBe(5);
    const got = parseNpy(new Uint8Array(readFileSync(out)));
    const want = parseNpy(new Uint8Array(readFileSync(join(ref, 'cifar_train_pipeline_seed0_out.npy'))));
    expect(got.shape).toEqual([3, 32, 32]);
    expect(Array.from(got.data as Uint8Array)).toEqual(Array.from(want.data as Uint8Array));
  });

  it('the same --seed draws the same parameters; what it prints replays to the same output', async () => {
    const input = join(ref, 'inputs/cifar_like_32x32.npy');
    const a = await run(['--pipeline', cifarPipeline, '--input', input, '--out', join(tmp, 'a.npy'), '--seed', '7']);
    const b = await run(['--pipeline', cifarPipeline, '--input', input, '--out', join(tmp, 'b.npy'), '--seed', '7']);
    expect(a.out).toBe(b.out);
    const drawn = join(tmp, 'drawn.json');
    writeFileSync(drawn, a.out);
    const c = await run(['--pipeline', cifarPipeline, '--input', input, '--out', join(tmp, 'c.npy'), '--params', drawn, '--seed', '99']);
    expect(c.out).toBe(a.out);
    expect(readFileSync(join(tmp, 'c.npy'))).toEqual(readFileSync(join(tmp, 'a.npy')));
  });

  it('reads an image file through LoadImageFromFile', async () => {
    const p = join(tmp, 'imagenet.json');
    writeFileSync(p, JSON.stringify([{ type: 'LoadImageFromFile' }, { type: 'ResizeEdge', scale: 256, edge: 'short' }, { type: 'CenterCrop', crop_size: 224 }]));
    const out = join(tmp, 'img.npy');
    const r = await run(['--pipeline', p, '--input', sharedPath('data/images/demo.JPEG'), '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(parseNpy(new Uint8Array(readFileSync(out))).shape).toEqual([224, 224, 3]);
  });

  it('--trace writes the image after every step', async () => {
    const dir = join(tmp, 'trace');
    const r = await run(['--pipeline', cifarPipeline, '--input', join(ref, 'inputs/cifar_like_32x32.npy'), '--out', join(tmp, 't.npy'), '--seed', '1', '--trace', dir]);
    expect(r.code, r.err).toBe(0);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir).sort()).toEqual(['00_Original.npy', '01_RandomCrop.npy', '02_RandomFlip.npy']);
    expect(parseNpy(new Uint8Array(readFileSync(join(dir, '01_RandomCrop.npy')))).shape).toEqual([32, 32, 3]);
  });

  it('bad usage and bad pipelines give clear messages', async () => {
    expect((await run(['--pipeline', cifarPipeline])).code).toBe(2);
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ type: 'RandomCrop', crop_size: 32, paddding: 4 }]));
    const r = await run(['--pipeline', bad, '--input', join(ref, 'inputs/cifar_like_32x32.npy'), '--out', join(tmp, 'x.npy')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/pipeline\[0\] \(RandomCrop\): RandomCrop: unknown option 'paddding' — did you mean 'padding'/);
    writeFileSync(bad, JSON.stringify([{ type: 'RandomCorp', crop_size: 32 }]));
    const r2 = await run(['--pipeline', bad, '--input', join(ref, 'inputs/cifar_like_32x32.npy'), '--out', join(tmp, 'x.npy')]);
    expect(r2.err).toMatch(/did you mean 'RandomCrop'/);
  });
});
