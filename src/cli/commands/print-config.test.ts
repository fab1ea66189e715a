import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../main';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtureDump = (p: string): string => readFileSync(join(repoRoot, 'src/config/__fixtures__/dumps', p), 'utf8');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t.endsWith('\n') ? t : t + '\n'), err: (t: string) => void (err += t.endsWith('\n') ? t : t + '\n') };
  const prev = process.cwd();
  process.chdir(repoRoot);
  try {
    return { code: await main(argv, io), out, err };
  } finally {
    process.chdir(prev);
  }
}

describe('print-config', () => {
  it('prints the merged config as mmengine dumps it', async () => {
    const r = await run(['print-config', 'configs/resnet/resnet18_8xb16_cifar10.py']);
    expect(r).toEqual({ code: 0, out: fixtureDump('configs/resnet/resnet18_8xb16_cifar10.py'), err: '' });
  });

  it('applies --cfg-options (several after one flag, list index keys, floats)', async () => {
    const r = await run(['print-config', 'configs/resnet/resnet18_8xb16_cifar10.py', '--cfg-options', 'model.head.num_classes=3', 'train_dataloader.dataset.pipeline.1.prob=0.0', '--cfg-options', 'model.head.topk=(1,2)']);
    expect(r.code).toBe(0);
    expect(r.out).toContain("dict(direction='horizontal', prob=0.0, type='RandomFlip')");
    expect(r.out).toContain('        num_classes=3,\n        topk=(\n            1,\n            2,\n        ),\n');
  });

  it('--json prints Config.to_dict() as JSON: tuples as lists, key order kept', async () => {
    const r = await run(['print-config', 'configs/lenet/lenet5_mnist.py', '--json']);
    expect(r.code).toBe(0);
    const cfg = JSON.parse(r.out);
    expect(Object.keys(cfg).slice(0, 3)).toEqual(['model', 'dataset_type', 'data_preprocessor']);
    expect(cfg.val_evaluator).toEqual({ type: 'Accuracy', topk: [1] });
    expect(r.out).toContain('"loss_weight": 1.0');
  });

  it('exits 1 with file:line:column on a config error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'print-config-'));
    writeFileSync(join(dir, 'base.py'), "model = dict(\n    type='X',\n    depth=50 50)\n");
    writeFileSync(join(dir, 'child.py'), "_base_ = './base.py'\n");
    const r = await run(['print-config', join(dir, 'child.py')]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`${join(dir, 'base.py')}:3:14: expected ',' or ')' in the argument list, found '50'\n`);
  });

  it('exits 1 for a missing file and 2 for bad usage', async () => {
    expect((await run(['print-config', 'configs/nope.py'])).code).toBe(1);
    const r = await run(['print-config']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: mmpretrain-web print-config');
  });
});

describe('explain-name', () => {
  it('prints the five parts and the details', async () => {
    const r = await run(['explain-name', 'beit_beit-base-p16_8xb256-amp-coslr-300e_in1k']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('algorithm   beit\nmodule      beit-base-p16\npretrain    -\ntraining    8xb256-amp-coslr-300e\ndata        in1k\n');
    expect(r.out).toContain('- 8xb256: 8 GPUs × 256 images per GPU = batch 2048');
  });

  it('--json prints the explanation object', async () => {
    const r = await run(['explain-name', 'resnet50_8xb32_in1k_20210831-ea4938fc.pth', '--json']);
    expect(JSON.parse(r.out)).toMatchObject({ kind: 'checkpoint', module: 'resnet50', details: { date: '2021-08-31', hash: 'ea4938fc' } });
  });
});
