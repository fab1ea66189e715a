/**
 * Parity with `shared/reference/cam/*.npz`: CAMs computed by PyTorch with pytorch-grad-cam's formulas on the
 * reference checkpoints (maps at feature resolution, min-max scaled). Runs on tfjs's WASM backend.
 */
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { parseNpz, toFloat32, type NpyArray } from '../../fileio';
import { loadReferenceModel, refPath } from '../../models/testing/reference';
import { sharedPath, missingShared } from '../../testing/shared';
import { CAM_METHODS, computeCams, methodFileName } from './index';

const CASES = [
  { file: 'resnet18_cifar_w16_layer4_pred', model: 'resnet18_cifar_w16', layer: 'backbone.layer4', category: null },
  { file: 'resnet18_cifar_w16_layer3.1_cat3', model: 'resnet18_cifar_w16', layer: 'backbone.layer3[-1]', category: 3 },
  { file: 'resnet50_w8_layer3_cat7', model: 'resnet50_w8', layer: 'backbone.layer3', category: 7 },
] as const;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  registerTrainingKernels('wasm');
});

describe('CAM parity with PyTorch (pytorch-grad-cam formulas)', () => {
  for (const c of CASES) {
    const npz = sharedPath(`reference/cam/${c.file}.npz`);
    it.skipIf(missingShared(npz) || missingShared(refPath(c.model, '.safetensors')))(`${c.file}: six methods within 1e-4, no tensor leak`, async () => {
      const ref = parseNpz(new Uint8Array(readFileSync(npz)), `${c.file}.npz`) as Record<string, NpyArray>;
      const { model } = await loadReferenceModel(c.model);
      const x = tf.tensor(toFloat32(ref.input), ref.input.shape);
      // the first pass builds the convolutions' kernel caches; the second must leave the tensor count as it was
      const opts = { targetLayers: [c.layer], targetCategory: c.category };
      await computeCams(model, x, ['GradCAM'], opts);
      const before = tf.memory().numTensors;
      const results = await computeCams(model, x, [...CAM_METHODS], opts);
      expect(tf.memory().numTensors).toBe(before);
      const errors: Record<string, number> = {};
      for (const r of results) {
        expect(r.categories).toEqual(Array.from(ref.categories.data as BigInt64Array, Number));
        const key = methodFileName(r.method);
        const maps = r.layers[0].maps;
        expect([r.layers[0].height, r.layers[0].width]).toEqual(ref[key].shape.slice(1));
        // the principal component's sign is arbitrary per image: each image may match the map or its _flipsign twin
        const size = maps.length / r.categories.length;
        const want = toFloat32(ref[key]);
        const twin = ref[`${key}_flipsign`] ? toFloat32(ref[`${key}_flipsign`]) : null;
        let err = 0;
        for (let i = 0; i < r.categories.length; i++) {
          const part = (a: Float32Array) => a.subarray(i * size, (i + 1) * size);
          const e = maxAbsDiff(part(maps), part(want));
          err = Math.max(err, twin ? Math.min(e, maxAbsDiff(part(maps), part(twin))) : e);
        }
        errors[key] = err;
      }
      console.log(`[cam parity] ${c.file}: ${JSON.stringify(errors)}`);
      for (const [k, e] of Object.entries(errors)) expect(e, k).toBeLessThan(1e-4);
      x.dispose();
      model.dispose();
    });
  }
});
