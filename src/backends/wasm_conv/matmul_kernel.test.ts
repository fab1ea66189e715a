/**
 * The WASM BatchMatMul routed to tfjs's XNNPACK path (matmul_kernel.ts): every transpose combination and broadcast
 * shape gives the product a plain float64 loop gives, gradients match the CPU backend's, no tensor is left behind.
 */
import '@tensorflow/tfjs-backend-wasm';
import '../node_wasm_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { useBackend } from '../../models/node';
import { seeded } from './conv_test_cases';
import { fastConvs } from './fast_conv';

/** a·b in float64 for rank-≥2 arrays with batch dims [batchA] / [batchB] broadcast (one of them 1 or equal). */
function reference(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], ta: boolean, tb: boolean): Float64Array {
  const [ar, br] = [aShape.length, bShape.length];
  const m = ta ? aShape[ar - 1] : aShape[ar - 2];
  const k = ta ? aShape[ar - 2] : aShape[ar - 1];
  const n = tb ? bShape[br - 2] : bShape[br - 1];
  const batchA = aShape.slice(0, -2).reduce((x, y) => x * y, 1);
  const batchB = bShape.slice(0, -2).reduce((x, y) => x * y, 1);
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * m * n);
  for (let q = 0; q < batch; q++) {
    const [oa, ob] = [(batchA === 1 ? 0 : q) * m * k, (batchB === 1 ? 0 : q) * k * n];
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[oa + (ta ? p * m + i : i * k + p)] * b[ob + (tb ? j * k + p : p * n + j)];
        out[(q * m + i) * n + j] = s;
      }
  }
  return out;
}

const CASES: [number[], number[], boolean, boolean][] = [
  [[37, 19], [19, 23], false, false],
  [[37, 19], [23, 19], false, true], // Linear: x·Wᵀ
  [[19, 37], [19, 23], true, false], // a Linear weight's gradient: xᵀ·dy
  [[19, 37], [23, 19], true, true],
  [[3, 37, 19], [19, 23], false, false], // a batch of rows times one matrix
  [[2, 3, 37, 19], [23, 19], false, true],
  [[3, 37, 19], [1, 23, 19], false, true],
  [[4, 37, 19], [4, 23, 19], false, true], // attention's Q·Kᵀ: a batch of distinct products
  [[2, 3, 37, 19], [2, 3, 19, 21], false, false], // attention's ·V (n not a multiple of 8)
  [[4, 19, 37], [4, 19, 23], true, false], // their gradients
  [[4, 37, 19], [4, 23, 37], true, true],
  [[5, 3, 1], [5, 1, 9], false, false], // m < 4, k = 1
  [[4, 19, 37], [19, 23], true, false],
  [[1, 37, 19], [4, 19, 23], false, false],
];

beforeAll(async () => {
  await useBackend('wasm');
});

describe('WASM BatchMatMul through the fast path', () => {
  it.each(CASES)('%j · %j (transposeA %s, transposeB %s) equals the float64 product', (aShape, bShape, ta, tb) => {
    const a = seeded(aShape.reduce((x, y) => x * y, 1), 1);
    const b = seeded(bShape.reduce((x, y) => x * y, 1), 2);
    const want = reference(a, aShape, b, bShape, ta, tb);
    const before = tf.memory().numTensors;
    const y = tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb);
    const got = y.dataSync();
    const wantShape = tf.tidy(() => tf.matMul(tf.zeros(aShape), tf.zeros(bShape), ta, tb).shape);
    expect(y.shape).toEqual(wantShape);
    let err = 0;
    for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
    expect(got.length).toBe(want.length);
    expect(err).toBeLessThan(1e-5);
    tf.dispose(y);
    tf.disposeVariables();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2); // the two inputs made above
  });

  it('runs a batch of distinct products through the fast GEMM (one dispatch, counted per product)', () => {
    const fast = fastConvs.get(tf.backend());
    expect(fast).toBeDefined();
    const before = fast!.calls;
    tf.tidy(() => tf.matMul(tf.ones([6, 50, 64]), tf.ones([6, 50, 64]), false, true).dataSync());
    expect(fast!.calls - before).toBe(6);
  });

  // 2-D as Linear feeds it (tfjs-core's BatchMatMul gradient does not reduce a broadcast batch on any backend).
  it('gradients of x·Wᵀ (a Linear layer) match the CPU backend', async () => {
    const x = seeded(5 * 7 * 11, 3);
    const w = seeded(13 * 11, 4);
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.matMul(xx, ww, false, true)));
        const [gx, gw] = tf.grads(f)([tf.tensor(x, [35, 11]), tf.tensor(w, [13, 11])]);
        return [gx.dataSync().slice(), gw.dataSync().slice()];
      });
    };
    const [cx, cw] = await grads('cpu');
    const [wx, ww] = await grads('wasm');
    const rel = (p: Float32Array, q: Float32Array) => Math.max(...p.map((v, i) => Math.abs(v - q[i]) / Math.max(1, Math.abs(q[i]))));
    expect(rel(wx as Float32Array, cx as Float32Array)).toBeLessThan(1e-4);
    expect(rel(ww as Float32Array, cw as Float32Array)).toBeLessThan(1e-4);
  });
});
