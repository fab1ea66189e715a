import '@tensorflow/tfjs-backend-wasm';
import '../node_wasm_threads'; // switches on relaxed SIMD in Node 20
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { largestAbs, maxAbsDiff, seeded } from './conv_test_cases';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { FastConv, type WasmBackendLike } from './fast_conv';
import { installFastConv } from './install';

interface GradCase {
  name: string;
  x: [number, number, number, number]; // NHWC
  cout: number;
  pad: 'same' | 'valid';
}

const CASES: GradCase[] = [
  { name: 'odd sizes (blocks cut by dy’s edge), 12 output channels (a partial panel)', x: [3, 9, 11, 8], cout: 12, pad: 'same' },
  { name: 'no padding', x: [6, 10, 7, 16], cout: 20, pad: 'valid' },
  { name: 'ResNet-18-CIFAR’s last stage at batch 32 (4×4, one block per 2×2)', x: [32, 4, 4, 64], cout: 64, pad: 'same' },
];

/** dW[ky][kx][ci][co] = Σ x[n][oy + ky − top][ox + kx − left][ci] · dy[n][oy][ox][co], in float64. */
function referenceFilterGradient(c: GradCase, x: Float32Array, dy: Float32Array, oh: number, ow: number, top: number, left: number): Float64Array {
  const [n, h, w, ci] = c.x;
  const co = c.cout;
  const out = new Float64Array(9 * ci * co);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ky = 0; ky < 3; ky++) {
          const iy = oy + ky - top;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < 3; kx++) {
            const ix = ox + kx - left;
            if (ix < 0 || ix >= w) continue;
            for (let i = 0; i < ci; i++) {
              const xv = x[((b * h + iy) * w + ix) * ci + i]!;
              const row = ((ky * 3 + kx) * ci + i) * co;
              const d = ((b * oh + oy) * ow + ox) * co;
              for (let o = 0; o < co; o++) out[row + o] += xv * dy[d + o]!;
            }
          }
        }
  return out;
}

describe('filter gradients by Winograd F(3×3, 2×2)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });
  afterAll(() => tf.removeBackend('wasm'));

  for (const fma of [false, true]) {
    for (const [i, c] of CASES.entries()) {
      it(`${fma ? 'FMA' : 'mul + add'}, ${c.name}: equals the definition within 5e-5 of its largest entry`, async () => {
        const fast = (await FastConv.create(tf.backend() as unknown as WasmBackendLike, 1, null, fma))!;
        const info = tf.backend_util.computeConv2DInfo(c.x, [3, 3, c.x[3], c.cout], 1, 1, c.pad, undefined, false, 'channelsLast');
        const x = seeded(c.x.reduce((a, b) => a * b), 3 * i + 1);
        const dy = seeded(c.x[0] * info.outHeight * info.outWidth * c.cout, 3 * i + 2);
        const expected = referenceFilterGradient(c, x, dy, info.outHeight, info.outWidth, info.padInfo.top, info.padInfo.left);
        const got = tf.tidy(() => {
          const out = fast.filterGradient(tf.tensor4d(x, c.x), tf.tensor4d(dy, [c.x[0], info.outHeight, info.outWidth, c.cout]), info);
          expect(out).not.toBeNull();
          return tf.engine().makeTensorFromTensorInfo(out!).dataSync().slice();
        });
        expect(fast.gradientCalls).toBe(1);
        expect(got.length).toBe(expected.length);
        expect(maxAbsDiff(got, expected)).toBeLessThan(5e-5 * Math.max(1, largestAbs(expected)));
        expect(largestAbs(got)).toBeGreaterThan(1);
      });
    }
  }

  it('declines what it does not cover: stride 2, 5×5, channels not in fours, too few blocks, Winograd off', async () => {
    const fast = (await FastConv.create(tf.backend() as unknown as WasmBackendLike, 1, null))!;
    const info = (x: [number, number, number, number], k: number, co: number, stride = 1) => tf.backend_util.computeConv2DInfo(x, [k, k, x[3], co], stride, 1, 'same', undefined, false, 'channelsLast');
    const x = tf.zeros([8, 8, 8, 8]);
    const dy = tf.zeros([8, 8, 8, 8]);
    expect(fast.filterGradient(x, dy, info([8, 8, 8, 8], 3, 8, 2))).toBeNull();
    expect(fast.filterGradient(x, dy, info([8, 8, 8, 8], 5, 8))).toBeNull();
    expect(fast.filterGradient(x, dy, info([8, 8, 8, 6], 3, 8))).toBeNull();
    expect(fast.filterGradient(x, dy, info([1, 8, 8, 8], 3, 8))).toBeNull(); // 16 blocks
    fast.winograd = 'off';
    expect(fast.filterGradient(x, dy, info([8, 8, 8, 8], 3, 8))).toBeNull();
    tf.dispose([x, dy]);
  });

  it('tf.grads of a 3×3 convolution reaches it through the training kernels: the filter gradient equals the definition, nothing leaks', async () => {
    registerTrainingKernels('wasm');
    const fast = (await installFastConv(tf.backend(), { threads: 1, spawn: null }))!;
    const c: GradCase = { name: 'batch 8 of 8×8, 16 → 24 channels', x: [8, 8, 8, 16], cout: 24, pad: 'same' };
    const info = tf.backend_util.computeConv2DInfo(c.x, [3, 3, 16, 24], 1, 1, 'same', undefined, false, 'channelsLast');
    const xs = seeded(c.x.reduce((a, b) => a * b), 11);
    const dys = seeded(8 * 8 * 8 * 24, 12);
    const x = tf.tensor4d(xs, c.x);
    const f = tf.tensor4d(seeded(9 * 16 * 24, 13), [3, 3, 16, 24]);
    const weight = tf.tensor4d(dys, [8, 8, 8, 24]); // d(Σ weight · y)/dy = weight
    const before = tf.memory().numTensors;
    const calls = fast.gradientCalls;
    const [df] = tf.grads((b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, b as tf.Tensor4D, 1, 'same'), weight)))([f]);
    const got = df!.dataSync().slice();
    df!.dispose();
    expect(fast.gradientCalls).toBe(calls + 1);
    expect(tf.memory().numTensors).toBe(before);
    const expected = referenceFilterGradient(c, xs, dys, 8, 8, info.padInfo.top, info.padInfo.left);
    expect(maxAbsDiff(got, expected)).toBeLessThan(5e-5 * Math.max(1, largestAbs(expected)));
    tf.dispose([x, f, weight]);
  });
});
