import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { sharedPath, missingShared } from '../../testing/shared';
import { textPlot } from './text_plot';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

const ref = sharedPath('reference/schedules/vit-base-p16_64xb64_in1k.json');

describe('vis-scheduler CLI', () => {
  it.skipIf(missingShared(ref))('--json prints mmengine\'s per-iteration values', async () => {
    const { io, out } = capture();
    expect(await main(['vis-scheduler', ref, '-d', '1000', '--json'], io)).toBe(0);
    const got = JSON.parse(out.join(''));
    const want = JSON.parse(readFileSync(ref, 'utf8'));
    expect(got).toMatchObject({ param: 'lr', iters_per_epoch: 15, total_iters: 4500, by_epoch: true });
    expect(got.values.length).toBe(4500);
    got.values.forEach((v: number, i: number) => expect(Math.abs(v - want.lr[i])).toBeLessThanOrEqual(1e-12 * want.lr[i]));
    const m = capture();
    expect(await main(['vis-scheduler', ref, '-d', '1000', '-p', 'momentum', '--json'], m.io)).toBe(0);
    expect(JSON.parse(m.out.join('')).values).toEqual(want.momentum);
  });

  it.skipIf(missingShared(ref))('prints a readable summary with the schedulers and a text plot; -n scales the batch', async () => {
    const { io, out } = capture();
    expect(await main(['vis-scheduler', ref, '-d', '1000', '-n', '2'], io)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('LinearLR (lr)');
    expect(text).toContain('CosineAnnealingLR (lr)');
    expect(text).toContain(' - Total batch size: 128');
    expect(text).toContain(' - Iterations per epoch: 7');
    expect(text).toMatch(/\|\s*\*+/);
  });

  it.skipIf(missingShared(ref))('-s saves the figure (SVG, PNG) or the CSV of every iteration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vis-sched-save-'));
    for (const ext of ['svg', 'png', 'csv']) {
      const { io } = capture();
      expect(await main(['vis-scheduler', ref, '-d', '1000', '-s', join(dir, `lr.${ext}`)], io)).toBe(0);
    }
    expect(readFileSync(join(dir, 'lr.svg'), 'utf8')).toContain('vit-base-p16_64xb64_in1k.json Learning Rate curve');
    expect([...readFileSync(join(dir, 'lr.png')).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const csv = readFileSync(join(dir, 'lr.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(4501);
    const { io, err } = capture();
    expect(await main(['vis-scheduler', ref, '-d', '1000', '-s', join(dir, 'lr.jpg')], io)).toBe(2);
    expect(err.join('')).toContain('--save-path must end with .png, .svg or .csv');
  });

  it('bad input: unknown parameter, scheduler end ≤ begin, dataset smaller than a batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vis-sched-'));
    const cfg = (ps: unknown) => {
      const p = join(dir, `cfg${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(p, JSON.stringify({ train_dataloader: { batch_size: 8 }, train_cfg: { by_epoch: true, max_epochs: 3 }, optim_wrapper: { optimizer: { type: 'SGD', lr: 0.1 } }, param_scheduler: ps }));
      return p;
    };
    const a = capture();
    expect(await main(['vis-scheduler', cfg([]), '-p', 'beta'], a.io)).toBe(2);
    const b = capture();
    expect(await main(['vis-scheduler', cfg({ type: 'StepLR', step_size: 1, begin: 3, end: 2 }), '-d', '64'], b.io)).toBe(1);
    expect(b.err.join('')).toContain('end should be larger than begin, but got begin=3, end=2');
    const c = capture();
    expect(await main(['vis-scheduler', cfg([]), '-d', '4'], c.io)).toBe(1);
    expect(c.err.join('')).toContain('smaller than one batch');
  });

  it('loads a Python config (Config.fromfile) and applies --cfg-options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vis-sched-py-'));
    writeFileSync(join(dir, 'base.py'), "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001))\n");
    const py = join(dir, 'cfg_4xb8.py');
    writeFileSync(
      py,
      [
        "_base_ = ['./base.py']",
        'train_dataloader = dict(batch_size=8)',
        'train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=1)',
        "param_scheduler = [dict(type='LinearLR', start_factor=0.5, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),",
        "                   dict(type='MultiStepLR', by_epoch=True, milestones=[2], gamma=0.1)]",
      ].join('\n'),
    );
    const { io, out } = capture();
    expect(await main(['vis-scheduler', py, '-d', '32', '--json', '--cfg-options', 'train_cfg.max_epochs=3', 'optim_wrapper.optimizer.lr=0.2'], io)).toBe(0);
    const got = JSON.parse(out.join(''));
    expect(got.total_iters).toBe(12);
    // Warm-up over epoch 0 (4 iterations, chained so it ends at 0.19999999999999998 as in Python), x0.1 at epoch 2.
    // Expected list computed with Python floats: v = 0.2 * 0.5, then v *= 1 + 0.5 / (3 * 0.5 + (t - 1) * 0.5).
    expect(got.values).toEqual([0.1, 0.13333333333333333, 0.16666666666666666, ...Array(5).fill(0.19999999999999998), 0.02, 0.02, 0.02, 0.02]);
  });

  it('textPlot shows a step as two levels', () => {
    const rows = textPlot([1, 1, 1, 1, 0, 0, 0, 0], { width: 8, height: 3 });
    expect(rows[0]).toMatch(/\|\*{4} {4}$/);
    expect(rows[2]).toMatch(/\| {4}\*{4}$/);
  });
});
