/** ClsBatchNormNeck against hand-computed batch normalisation of (N, C) class tokens. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import type { ClsBatchNormNeck } from './cls_batch_norm';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const tokens = [
  [1.0, -2.0, 0.5],
  [3.0, 0.0, -1.5],
  [-0.5, 4.0, 2.0],
  [2.5, 1.0, 0.0],
];

describe('ClsBatchNormNeck', () => {
  it('has only running statistics by default (affine=False) and normalises with them in eval', () => {
    const neck = MODELS.build<ClsBatchNormNeck>({ type: 'ClsBatchNormNeck', input_features: 3 });
    try {
      expect([...neck.stateDictShapes().keys()]).toEqual(['bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
      const mean = [0.5, -1, 2];
      const vr = [4, 0.25, 9];
      neck.loadStateDict(new Map([
        ['bn.running_mean', { dtype: 'float32', shape: [3], data: new Float32Array(mean) }],
        ['bn.running_var', { dtype: 'float32', shape: [3], data: new Float32Array(vr) }],
        ['bn.num_batches_tracked', { dtype: 'int64', shape: [], data: new BigInt64Array([7n]) }],
      ]));
      neck.eval();
      const x = tf.tensor2d(tokens);
      const [y, y2] = neck.call([x, x]);
      const got = y.arraySync() as number[][];
      tokens.forEach((row, i) => row.forEach((v, c) => expect(got[i][c]).toBeCloseTo((v - mean[c]) / Math.sqrt(vr[c] + 1e-6), 5)));
      expect(y2.arraySync()).toEqual(got);
      tf.dispose([x, y, y2]);
    } finally {
      neck.dispose();
    }
  });

  it('training: batch statistics (biased variance) with affine parameters; running stats updated with momentum 0.1', () => {
    const neck = MODELS.build<ClsBatchNormNeck>({ type: 'ClsBatchNormNeck', input_features: 3, affine: true, eps: 1e-5 });
    try {
      expect([...neck.stateDictShapes().keys()]).toEqual(['bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
      neck.train();
      const x = tf.tensor2d(tokens);
      const [y] = neck.call([x]);
      const got = y.arraySync() as number[][];
      const n = tokens.length;
      for (let c = 0; c < 3; c++) {
        const col = tokens.map((r) => r[c]);
        const mu = col.reduce((a, v) => a + v, 0) / n;
        const v = col.reduce((a, t) => a + (t - mu) ** 2, 0) / n;
        col.forEach((t, i) => expect(got[i][c]).toBeCloseTo((t - mu) / Math.sqrt(v + 1e-5), 5));
        const sd = neck.stateDict();
        expect((sd.get('bn.running_mean')!.data as Float32Array)[c]).toBeCloseTo(0.1 * mu, 5);
        expect((sd.get('bn.running_var')!.data as Float32Array)[c]).toBeCloseTo(0.9 + 0.1 * ((v * n) / (n - 1)), 5);
      }
      tf.dispose([x, y]);
    } finally {
      neck.dispose();
    }
  });

  it('rejects feature maps and unknown keys', () => {
    const neck = MODELS.build<ClsBatchNormNeck>({ type: 'ClsBatchNormNeck', input_features: 3 });
    const x = tf.zeros([1, 2, 2, 3]);
    expect(() => neck.call([x])).toThrow(/expected \(N, C\) class tokens/);
    x.dispose();
    neck.dispose();
    expect(() => MODELS.build({ type: 'ClsBatchNormNeck', input_features: 3, momentum: 0.1 })).toThrow(/unknown option 'momentum'/);
  });
});
