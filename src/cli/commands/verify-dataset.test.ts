import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main';
import { sharedPath, missingShared } from '../../testing/shared';
import type { CliIO } from '../command';

const images = sharedPath('data/images');

function capture(): CliIO & { outText: string[]; errText: string[] } {
  const outText: string[] = [];
  const errText: string[] = [];
  return { outText, errText, out: (t) => void outText.push(t), err: (t) => void errText.push(t) };
}

function makeDataset(withBroken: boolean): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'verify-'));
  mkdirSync(join(dir, 'data/train/bird'), { recursive: true });
  mkdirSync(join(dir, 'data/train/dog'), { recursive: true });
  copyFileSync(join(images, 'bird.JPEG'), join(dir, 'data/train/bird/bird.JPEG'));
  copyFileSync(join(images, 'dog.jpg'), join(dir, 'data/train/dog/dog.jpg'));
  copyFileSync(join(images, 'cat-dog.png'), join(dir, 'data/train/dog/cat-dog.png'));
  if (withBroken) {
    writeFileSync(join(dir, 'data/train/dog/cut.jpg'), readFileSync(join(images, 'dog.jpg')).subarray(0, 400));
    writeFileSync(join(dir, 'data/train/bird/notes.jpg'), 'this is not an image');
  }
  const config = join(dir, 'cfg.py');
  writeFileSync(config, [
    "train_pipeline = [dict(type='LoadImageFromFile'), dict(type='RandomResizedCrop', scale=224), dict(type='PackInputs')]",
    'train_dataloader = dict(',
    '    batch_size=2,',
    `    dataset=dict(type='RepeatDataset', times=1, dataset=dict(type='CustomDataset', data_root='${dir}/data', data_prefix='train', pipeline=train_pipeline)),`,
    "    sampler=dict(type='DefaultSampler', shuffle=True))",
    'val_dataloader = dict(batch_size=2, dataset=dict(type=\'CIFAR10\', data_root=\'nowhere\', pipeline=[]))',
    '',
  ].join('\n'));
  return { dir, config };
}

describe('verify-dataset CLI', () => {
  it.skipIf(missingShared(images))('lists the files that do not decode and writes brokenfiles.log', async () => {
    const { dir, config } = makeDataset(true);
    const out = join(dir, 'brokenfiles.log');
    const io = capture();
    expect(await main(['verify-dataset', config, '--phase', 'train', '--out-path', out], io)).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(`${dir}/data/train/bird/notes.jpg\n${dir}/data/train/dog/cut.jpg\n`);
    expect(io.outText.join('\n')).toMatch(/cut\.jpg cannot be read correctly, please check it/);
    expect(io.outText.at(-1)).toBe(`2 broken files found, name list save in file:${out}`);
    expect(io.errText.at(-1)).toMatch(/\] 5\/5, .*broken: 2/);
  });

  it.skipIf(missingShared(images))('no broken file: says so and removes the log; bad phase or pipeline are reported', async () => {
    const { dir, config } = makeDataset(false);
    const out = join(dir, 'brokenfiles.log');
    const io = capture();
    expect(await main(['verify-dataset', config, '--out-path', out], io)).toBe(0);
    expect(io.outText.at(-1)).toBe('There is no broken file found.');
    expect(existsSync(out)).toBe(false);
    const bad = capture();
    expect(await main(['verify-dataset', config, '--phase', 'valid'], bad)).toBe(2);
    const noLoad = capture();
    expect(await main(['verify-dataset', config, '--phase', 'val', '--out-path', out], noLoad)).toBe(1);
    expect(noLoad.errText.join()).toMatch(/only for datasets that load images from files/);
    const noTest = capture();
    expect(await main(['verify-dataset', config, '--phase', 'test', '--out-path', out], noTest)).toBe(1);
    expect(noTest.errText.join()).toMatch(/the config has no test_dataloader/);
  });
});
