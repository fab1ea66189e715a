import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import jpeg from 'jpeg-js';
import { main } from '../main';
import { sharedPath, missingShared } from '../../testing/shared';
import type { CliIO } from '../command';

const images = sharedPath('data/images');

function capture(): CliIO & { outText: string[]; errText: string[] } {
  const outText: string[] = [];
  const errText: string[] = [];
  return { outText, errText, out: (t) => void outText.push(t), err: (t) => void errText.push(t) };
}

function makeConfig(): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'browse-'));
  mkdirSync(join(dir, 'data/bird'), { recursive: true });
  mkdirSync(join(dir, 'data/dog'), { recursive: true });
  copyFileSync(join(images, 'bird.JPEG'), join(dir, 'data/bird/bird.JPEG'));
  copyFileSync(join(images, 'dog.jpg'), join(dir, 'data/dog/dog.jpg'));
  const config = join(dir, 'cfg.py');
  writeFileSync(config, [
    "train_pipeline = [dict(type='LoadImageFromFile'), dict(type='RandomResizedCrop', scale=64), dict(type='RandomFlip', prob=0.5), dict(type='PackInputs')]",
    `train_dataloader = dict(batch_size=2, dataset=dict(type='CustomDataset', data_root='${dir}/data', pipeline=train_pipeline))`,
    '',
  ].join('\n'));
  return { dir, config };
}

describe('browse-dataset CLI', () => {
  it.skipIf(missingShared(images))('writes one PNG per image, named after it; original mode rescales; pipeline mode has every step', async () => {
    const { dir, config } = makeConfig();
    const io = capture();
    expect(await main(['browse-dataset', config, '-m', 'original', '-r', '0.5', '-o', join(dir, 'orig')], io)).toBe(0);
    expect(readdirSync(join(dir, 'orig')).sort()).toEqual(['bird.png', 'dog.png']);
    const dog = jpeg.decode(readFileSync(join(images, 'dog.jpg')));
    const png = decode(readFileSync(join(dir, 'orig/dog.png')));
    // GAP on each side; the image is imrescale'd by 0.5 (int(w * 0.5 + 0.5)) unless the caption is wider
    expect(png.height).toBe(8 + 14 + 8 + Math.trunc(dog.height * 0.5 + 0.5) + 8);
    expect(png.width).toBeGreaterThanOrEqual(Math.trunc(dog.width * 0.5 + 0.5) + 16);

    const io2 = capture();
    expect(await main(['browse-dataset', config, '-m', 'pipeline', '-n', '1', '-o', join(dir, 'pipe')], io2)).toBe(0);
    expect(readdirSync(join(dir, 'pipe'))).toEqual(['bird.png']);
    expect(io2.outText.join('\n')).toMatch(/1 images \(pipeline, train\)/);
    const pipe = decode(readFileSync(join(dir, 'pipe/bird.png')));
    // three image columns (loaded, crop, flip); the crops are 64 px, enlarged x2 to 128
    expect(pipe.width).toBeGreaterThan(128 * 2);
  });

  it('rejects bad usage clearly', async () => {
    await expect(main(['browse-dataset', 'x.py', '-m', 'bogus', '-o', '/tmp/x'], capture())).resolves.not.toBe(0);
    const io = capture();
    await main(['browse-dataset', 'x.py', '-p', 'dev', '-o', '/tmp/x'], io);
    expect(io.errText.join('\n')).toMatch(/--phase must be train, val or test, got 'dev'/);
    const io2 = capture();
    await main(['browse-dataset', 'x.py'], io2);
    expect(io2.errText.join('\n')).toMatch(/--output-dir/);
  });
});
