import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { toFloat32 } from '../../fileio';
import { loadReferenceIO, loadReferenceModel, parityError, refPath } from '../testing/reference';

const NAME = 'lenet5';
const present = existsSync(refPath(NAME, '_io.npz'));

describe('LeNet5 parity with MMPretrain 1.2.0 (CPU backend)', () => {
  it.skipIf(!present)('loads .safetensors and .pth with no missing/unexpected keys and matches every output within 1e-4', async () => {
    await tf.setBackend('cpu');
    for (const ext of ['.safetensors', '.pth'] as const) {
      const { model, report } = await loadReferenceModel(NAME, ext);
      expect(report).toEqual({ missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
      const io = loadReferenceIO(NAME);
      const x = tf.tensor(toFloat32(io.input), io.input.shape);
      const [bb] = model.extractFeat(x, 'backbone');
      expect(bb.shape).toEqual(io.backbone_out_0.shape);
      expect(parityError(bb.dataSync(), io.backbone_out_0)).toBeLessThan(1e-4);
      const logits = model.call(x) as tf.Tensor;
      expect(parityError(logits.dataSync(), io.logits)).toBeLessThan(1e-4);
      const preds = model.predict(x);
      expect(preds.map((p) => p.pred_label)).toEqual([...io.pred_label.data].map((v) => [Number(v)]));
      expect(parityError(Float32Array.from(preds.flatMap((p) => [...p.pred_score!])), io.pred_score)).toBeLessThan(1e-4);
      // uint8 → data preprocessor → logits
      const raw = tf.tensor(Float32Array.from(io.raw_uint8.data as Uint8Array), io.raw_uint8.shape, 'int32');
      const { inputs } = model.dataPreprocessor.forward({ inputs: raw });
      expect(parityError(inputs.dataSync(), io.preproc_out)).toBeLessThan(1e-4);
      const l2 = model.call(inputs) as tf.Tensor;
      expect(parityError(l2.dataSync(), io.logits_from_uint8)).toBeLessThan(1e-4);
      tf.dispose([x, bb, logits, raw, inputs, l2]);
      const before = tf.memory().numTensors;
      const z = tf.zeros(io.input.shape);
      tf.dispose([model.call(z) as tf.Tensor, z]);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    }
  });
});
