import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../main';
import { sharedPath, missingShared } from '../../testing/shared';
import { loadCheckpointFile } from '../../fileio/node';
import { bytesOf } from '../../fileio/test_utils';

const lenetPth = sharedPath('reference/models/lenet5.pth');
const lenetSt = sharedPath('reference/models/lenet5.safetensors');
const runner = sharedPath('reference/checkpoints/runner_resnet18_cifar_w16_2cls_epoch_3.pth');
const fp16 = sharedPath('reference/checkpoints/lenet5_fp16.pth');
const evil = sharedPath('reference/checkpoints/malicious_os_system.pth');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['convert', ...argv], { out: (t) => void (out += t + '\n'), err: (t) => void (err += t + '\n') });
  return { code, out, err };
}

describe('convert', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convert-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(missingShared(lenetPth))('lenet5.pth → .safetensors gives the reference file byte for byte', async () => {
    const out = join(dir, 'lenet5.safetensors');
    const r = await run([lenetPth, out]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('lenet5.pth (pth-zip): 10 tensors, 61,706 values (float32 ×10)');
    expect(readFileSync(out).equals(readFileSync(lenetSt))).toBe(true);
  });

  it.skipIf(missingShared(runner))('runner checkpoint → .safetensors → .pth keeps weights and meta', async () => {
    const st = join(dir, 'r.safetensors');
    const pth = join(dir, 'r.pth');
    const a = await run([runner, st]);
    expect(a.code).toBe(0);
    expect(a.out).toContain('2 classes (cat, dog)');
    expect(a.out).toContain('not carried over: message_hub, optimizer, param_schedulers');
    expect((await run([st, pth, '-q'])).out).toBe('');
    const src = await loadCheckpointFile(runner);
    const back = await loadCheckpointFile(pth);
    expect(back.stateDictKey).toBe('state_dict');
    expect(back.classes).toEqual(['cat', 'dog']);
    expect(back.meta?.cfg).toBe(src.meta?.cfg);
    expect([...back.stateDict.keys()]).toEqual([...src.stateDict.keys()]);
    for (const [k, t] of src.stateDict) expect(bytesOf(back.stateDict.get(k)!).equals(bytesOf(t)), k).toBe(true);
  });

  it.skipIf(missingShared(fp16))('--float32 widens float16 storage; default keeps it', async () => {
    const keep = join(dir, 'h.safetensors');
    const wide = join(dir, 'f.pth');
    expect((await run([fp16, keep])).code).toBe(0);
    expect((await run([fp16, wide, '--float32', '--state-dict-only'])).code).toBe(0);
    expect((await loadCheckpointFile(keep)).stateDict.get('backbone.features.0.weight')!.originalDtype).toBe('float16');
    const w = await loadCheckpointFile(wide);
    expect(w.stateDictKey).toBeNull();
    expect(w.stateDict.get('backbone.features.0.weight')!.originalDtype).toBe('float32');
  });

  it.skipIf(missingShared(evil))('a malicious pickle fails clearly unless --allow-forbidden', async () => {
    const out = join(dir, 'm.pth');
    const r = await run([evil, out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("malicious_os_system.pth: archive/data.pkl: pickle uses the forbidden global 'posix.system'");
    expect(existsSync(out)).toBe(false);
    const ok = await run([evil, out, '--allow-forbidden']);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('forbidden globals kept inert and not written: posix.system');
    expect((await loadCheckpointFile(out)).placeholders).toEqual([]);
  });

  it('usage errors exit 2', async () => {
    expect((await run(['only-one.pth'])).code).toBe(2);
    const r = await run(['a.pth', 'b.onnx']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("cannot tell the output format from 'b.onnx'");
  });

  it('a missing input exits 1 naming it', async () => {
    const r = await run([join(dir, 'missing.pth'), join(dir, 'x.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/missing\.pth: cannot open .*ENOENT/);
  });
});
