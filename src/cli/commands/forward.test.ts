import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy } from '../../fileio';
import { loadReferenceIO, parityError, refPath } from '../../models/testing/reference';
import { sharedPath, missingShared } from '../../testing/shared';
import { main } from '../main';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'forward-'));

describe('mmpretrain-web forward', () => {
  it.skipIf(missingShared(refPath('lenet5', '_io.npz')))('writes lenet5 logits (float input) and logits from uint8 matching MMPretrain', async () => {
    const io = loadReferenceIO('lenet5');
    writeFileSync(join(dir, 'x.npy'), encodeNpy(io.input));
    writeFileSync(join(dir, 'raw.npy'), encodeNpy(io.raw_uint8));
    const c = capture();
    const args = [refPath('lenet5', '_cfg.json'), refPath('lenet5', '.pth'), '--backend', 'cpu', '--strict'];
    expect(await main(['forward', ...args, '--input', join(dir, 'x.npy'), '--out', join(dir, 'y.npy')], c.io)).toBe(0);
    const y = parseNpy(new Uint8Array(readFileSync(join(dir, 'y.npy'))));
    expect(y.shape).toEqual([2, 10]);
    expect(parityError(y.data as Float32Array, io.logits)).toBeLessThan(1e-4);
    expect(await main(['forward', ...args, '--input', join(dir, 'raw.npy'), '--from-uint8', '--out', join(dir, 'y2.npy')], c.io)).toBe(0);
    const y2 = parseNpy(new Uint8Array(readFileSync(join(dir, 'y2.npy'))));
    expect(parityError(y2.data as Float32Array, io.logits_from_uint8)).toBeLessThan(1e-4);
    expect(c.err).toEqual([]);
  });

  const runnerCfg = sharedPath('reference/runner_run/config.py');
  const runnerCkpt = sharedPath('reference/checkpoints/runner_resnet18_cifar_w16_2cls_epoch_3.pth');
  it.skipIf(missingShared(runnerCfg) || missingShared(runnerCkpt))('reads a dumped MMPretrain .py config and its Runner checkpoint cleanly; tuple stages get _i suffixes', async () => {
    const io = loadReferenceIO('resnet18_cifar_w16');
    writeFileSync(join(dir, 'c.npy'), encodeNpy(io.input));
    const c = capture();
    const code = await main(['forward', runnerCfg, runnerCkpt, '--input', join(dir, 'c.npy'), '--stage', 'backbone', '--out', join(dir, 'bb.npy'), '--strict'], c.io);
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    const bb = parseNpy(new Uint8Array(readFileSync(join(dir, 'bb_0.npy'))));
    expect(bb.shape).toEqual([2, 128, 4, 4]);
  });

  it('rejects bad usage with a clear message', async () => {
    const c = capture();
    expect(await main(['forward', 'a.json'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/expected <config> and <checkpoint>/);
    const c2 = capture();
    expect(await main(['forward', 'a.json', 'b.pth', '--input', 'x.npy', '--out', 'y.npy', '--stage', 'head'], c2.io)).toBe(2);
    expect(c2.err.join('\n')).toMatch(/--stage must be one of/);
  });

  it.skipIf(missingShared(refPath('lenet5', '_io.npz')))('names the checkpoint when it belongs to another architecture', async () => {
    const io = loadReferenceIO('lenet5');
    writeFileSync(join(dir, 'x.npy'), encodeNpy(io.input));
    const c = capture();
    const code = await main(['forward', refPath('lenet5', '_cfg.json'), refPath('resnet50_w8', '.safetensors'), '--backend', 'cpu', '--input', join(dir, 'x.npy'), '--out', join(dir, 'z.npy')], c.io);
    expect(code).toBe(1);
    expect(c.err.join('\n')).toMatch(/resnet50_w8\.safetensors: no key matches this model/);
  });
});
