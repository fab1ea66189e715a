/**
 * `mmpretrain-web reparameterize` (MMPretrain's reparameterize_model.py) on reference-zoo models: the deploy
 * checkpoint it writes loads strictly into the deploy form (`deploy=True`) and gives PyTorch's logits (the
 * training form's, from the fixture) within 1e-4·max(1,|ref|) through `forward --strict`; fewer tensors than before.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy, parseNpz } from '../../fileio';
import { loadCheckpointFile } from '../../fileio/node';
import { parityError } from '../../models/testing/parity_core';
import { zooModelCfg, zooPath } from '../../models/testing/zoo';
import { sharedPath, missingShared } from '../../testing/shared';
import { main } from '../main';

const dir = mkdtempSync(join(tmpdir(), 'reparam-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t + '\n'), err: (t) => void (err += t + '\n') });
  return { code, out, err };
}

describe('mmpretrain-web reparameterize', () => {
  for (const family of ['RepVGG', 'MobileOne', 'RIFormer', 'RepMLPNet']) {
    const npz = zooPath(`${family}_tiny_io.npz`);
    it(`${family}: the deploy checkpoint gives PyTorch's logits in the deploy form`, async () => {
      const io = parseNpz(new Uint8Array(readFileSync(npz)), npz);
      const x = join(dir, `${family}_x.npy`);
      writeFileSync(x, encodeNpy(io.x));
      const saved = join(dir, `${family}_deploy.pth`);
      const r = await run(['reparameterize', zooPath(`${family}_tiny_model.json`), zooPath(`${family}_tiny.pth`), saved, '--shape', io.x.shape.join(',')]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/logits within \d\.\d\de-\d+/);

      const cfg = zooModelCfg(family) as Record<string, Record<string, unknown>>;
      const deployCfg = { ...cfg, backbone: { ...cfg.backbone, deploy: true } };
      const cfgPath = join(dir, `${family}_deploy.json`);
      writeFileSync(cfgPath, JSON.stringify(deployCfg));
      const y = join(dir, `${family}_y.npy`);
      const f = await run(['forward', cfgPath, saved, '--input', x, '--out', y, '--backend', 'wasm', '--strict']);
      expect(f.code, f.err).toBe(0);
      const out = parseNpy(new Uint8Array(readFileSync(y)));
      expect(out.shape).toEqual(io.logits.shape);
      expect(parityError(out.data as Float32Array, io.logits)).toBeLessThan(1e-4);

      const [train, deploy] = await Promise.all([loadCheckpointFile(zooPath(`${family}_tiny.pth`)), loadCheckpointFile(saved)]);
      expect(deploy.stateDict.size).toBeLessThan(train.stateDict.size);
    });
  }

  const lenet = sharedPath('reference/models/lenet5.pth');
  it.skipIf(missingShared(lenet))('a model without re-parameterisable blocks, and a non-.pth output, are refused with the reason', async () => {
    const cfg = 'configs/lenet/lenet5_1xb32-sgd-coslr-3e_fashion-mnist.py';
    const a = await run(['reparameterize', cfg, lenet, join(dir, 'x.pth'), '--shape', '1,1,32,32']);
    expect(a.code).not.toBe(0);
    expect(a.err).toContain('LeNet5 has nothing to re-parameterise');
    const b = await run(['reparameterize', cfg, lenet, join(dir, 'x.safetensors')]);
    expect(b.code).not.toBe(0);
    expect(b.err).toContain('must be a .pth');
  });
});
