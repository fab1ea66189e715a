/**
 * Numeric parity with MMPretrain 1.2.0 on `shared/reference/models`: zero missing/unexpected keys for both
 * checkpoint formats; every stored output within 1e-4 on the CPU backend (small models) and 1e-3 on WASM, which
 * runs as the CLI runs it: threaded, through our own convolutions (direct and Winograd).
 */
import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { fastConvs } from '../../backends/wasm_conv/fast_conv';
import { useBackend } from '../node';
import { measureParity, refPath } from '../testing/reference';
import { missingShared } from '../../testing/shared';

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
      it.skipIf(missingShared(refPath(c.name, '_io.npz')))(`${c.name}${ext} on ${c.backend}: clean load, outputs within ${c.tol}`, async () => {
        await useBackend(c.backend);
        const fast = fastConvs.get(tf.backend());
        expect(fast !== undefined).toBe(c.backend === 'wasm');
        const winogradBefore = fast?.winogradCalls ?? 0;
        const r = await measureParity(c.name, ext);
        if (fast && c.name.startsWith('resnet')) expect(fast.winogradCalls).toBeGreaterThan(winogradBefore);
        expect(r.report).toEqual({ missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
        console.log(`[parity] ${c.name}${ext} ${c.backend}: ${Object.entries(r.errors).map(([k, v]) => `${k}=${v.toExponential(2)}`).join(' ')}`);
        for (const [k, v] of Object.entries(r.errors)) expect(v, k).toBeLessThan(c.tol);
        expect(r.predLabelsMatch).toBe(true);
        expect(r.tensorLeak).toBe(0);
      });
    }
  }
});
