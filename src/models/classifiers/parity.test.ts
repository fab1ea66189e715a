/**
 * Numeric parity with MMPretrain 1.2.0 on `shared/reference/models`: zero missing/unexpected keys for both
 * checkpoint formats; every stored output within 1e-4 on the CPU backend (small models) and 1e-3 on WASM.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../backends/tf';
import { measureParity, refPath } from '../testing/reference';

const cases: { name: string; backend: 'cpu' | 'wasm'; tol: number; formats: ('.safetensors' | '.pth')[] }[] = [
  { name: 'lenet5', backend: 'cpu', tol: 1e-4, formats: ['.safetensors', '.pth'] },
  { name: 'resnet18_cifar_w16', backend: 'cpu', tol: 1e-4, formats: ['.safetensors'] },
  { name: 'lenet5', backend: 'wasm', tol: 1e-3, formats: ['.safetensors'] },
  { name: 'resnet18_cifar_w16', backend: 'wasm', tol: 1e-3, formats: ['.safetensors', '.pth'] },
  { name: 'resnet50_w8', backend: 'wasm', tol: 1e-3, formats: ['.safetensors', '.pth'] },
];

describe('parity with MMPretrain reference models', () => {
  for (const c of cases) {
    for (const ext of c.formats) {
      it.skipIf(!existsSync(refPath(c.name, '_io.npz')))(`${c.name}${ext} on ${c.backend}: clean load, outputs within ${c.tol}`, async () => {
        await tf.setBackend(c.backend);
        await tf.ready();
        const r = await measureParity(c.name, ext);
        expect(r.report).toEqual({ missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
        console.log(`[parity] ${c.name}${ext} ${c.backend}: ${Object.entries(r.errors).map(([k, v]) => `${k}=${v.toExponential(2)}`).join(' ')}`);
        for (const [k, v] of Object.entries(r.errors)) expect(v, k).toBeLessThan(c.tol);
        expect(r.predLabelsMatch).toBe(true);
        expect(r.tensorLeak).toBe(0);
      });
    }
  }
});
