/**
 * `mmpretrain-web forward MODEL.json W.pth --input x.npy --out y.npy --backend wasm --strict [--stage backbone|neck]`
 * on reference-zoo families, as the zoo's parity is checked from outside: every written `.npy` matches PyTorch's within
 * 1e-4·max(1, |ref|). Conformer's head gives two logits, written as `y_0.npy`, `y_1.npy`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy, parseNpz } from '../../fileio';
import { parityError } from '../../models/testing/parity_core';
import { zooBackboneRegistered, zooPath } from '../../models/testing/zoo';
import { main } from '../main';
import { missingShared } from '../../testing/shared';

const dir = mkdtempSync(join(tmpdir(), 'forward-zoo-'));
const quiet = { out: () => {}, err: (t: string) => console.error(t) };
const read = (p: string) => parseNpy(new Uint8Array(readFileSync(p)));

describe('mmpretrain-web forward on the reference zoo (wasm, --strict)', () => {
  for (const family of ['ShuffleNetV2', 'Conformer', 'HRNet']) {
    const npz = zooPath(`${family}_tiny_io.npz`);
    it.skipIf(missingShared(npz) || !zooBackboneRegistered(family))(`${family}: logits, backbone and neck stages`, async () => {
      const io = parseNpz(new Uint8Array(readFileSync(npz)), npz);
      const x = join(dir, `${family}_x.npy`);
      writeFileSync(x, encodeNpy(io.x));
      const base = ['forward', zooPath(`${family}_tiny_model.json`), zooPath(`${family}_tiny.pth`), '--input', x, '--backend', 'wasm', '--strict'];
      for (const [stage, prefix] of [['logits', 'logits'], ['backbone', 'backbone_out_'], ['neck', 'neck_out_']] as const) {
        const refs = Object.keys(io).filter((k) => (prefix === 'logits' ? /^logits(_\d+)?$/.test(k) : k.startsWith(prefix))).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
        if (refs.length === 0) continue;
        const out = join(dir, `${family}_${stage}.npy`);
        expect(await main([...base, '--stage', stage, '--out', out], quiet), stage).toBe(0);
        const tuple = stage !== 'logits' || refs.length > 1;
        for (const [i, k] of refs.entries()) {
          const y = read(tuple ? out.replace(/\.npy$/, `_${i}.npy`) : out);
          expect(y.shape, k).toEqual(io[k].shape);
          expect(parityError(y.data as Float32Array, io[k]), k).toBeLessThan(1e-4);
        }
      }
    });
  }
});
