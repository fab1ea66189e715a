import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from './register_training_kernels';

/** Seeded uniform values in [-1, 1) (a linear congruential generator, so the test inputs never change). */
function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

type Case = { x: [number, number, number, number]; k: number; cout: number; stride: number; pad: 'same' | 'valid' | number };

/** Gradients of Σ w · conv(x, f) with respect to x and f, computed on `backend`. */
async function convGrads(backend: string, c: Case, depthwise: boolean) {
  await tf.setBackend(backend);
  const [n, h, w, cin] = c.x;
  const fShape: [number, number, number, number] = [c.k, c.k, cin, depthwise ? 1 : c.cout];
  const x = tf.tensor4d(seeded(n * h * w * cin, 1), c.x);
  const f = tf.tensor4d(seeded(fShape.reduce((a, b) => a * b), 2), fShape);
  const conv = (a: tf.Tensor4D, b: tf.Tensor4D) =>
    depthwise ? tf.depthwiseConv2d(a, b, c.stride, c.pad as 'same') : tf.conv2d(a, b, c.stride, c.pad as 'same');
  const yShape = tf.tidy(() => conv(x, f).shape);
  const wgt = tf.tensor(seeded(yShape.reduce((a, b) => a * b), 3), yShape);
  const before = tf.memory().numTensors;
  const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), wgt)))([x, f]);
  const out = { dx: await dx.data(), df: await df.data(), leaked: 0 };
  tf.dispose([dx, df]);
  out.leaked = tf.memory().numTensors - before;
  tf.dispose([x, f, wgt]);
  return out;
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

const CASES: Case[] = [
  { x: [2, 8, 8, 3], k: 3, cout: 4, stride: 1, pad: 'same' },
  { x: [2, 9, 9, 4], k: 3, cout: 5, stride: 2, pad: 'same' },
  { x: [1, 10, 7, 2], k: 3, cout: 3, stride: 2, pad: 1 },
  { x: [2, 11, 11, 3], k: 7, cout: 4, stride: 2, pad: 3 },
  { x: [3, 6, 6, 5], k: 1, cout: 6, stride: 1, pad: 'valid' },
  { x: [2, 8, 8, 4], k: 1, cout: 3, stride: 2, pad: 'valid' },
  { x: [1, 9, 9, 2], k: 3, cout: 2, stride: 1, pad: 'valid' },
];

describe('training kernels for the WASM backend', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerTrainingKernels('wasm');
  });

  it('adds only the kernels WASM lacks', () => {
    expect(registerTrainingKernels('wasm')).toEqual([]);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeDefined();
  });

  for (const c of CASES) {
    for (const depthwise of [false, true]) {
      it(`${depthwise ? 'depthwise ' : ''}conv x=${c.x} k=${c.k} stride=${c.stride} pad=${c.pad}: gradients equal the CPU backend's within 1e-4, no leak`, async () => {
        const cpu = await convGrads('cpu', c, depthwise);
        const wasm = await convGrads('wasm', c, depthwise);
        expect(maxRelErr(wasm.dx, cpu.dx)).toBeLessThan(1e-4);
        expect(maxRelErr(wasm.df, cpu.df)).toBeLessThan(1e-4);
        expect(wasm.leaked).toBe(0);
      });
    }
  }
});

describe('Tile on WASM as a broadcast', () => {
  it('equals the CPU backend for broadcastable and general repeats', async () => {
    for (const [shape, reps] of [
      [[2, 1, 1, 3], [1, 4, 5, 1]],
      [[1, 3], [2, 1]],
      [[2, 3], [2, 2]],
    ] as [number[], number[]][]) {
      const values = seeded(shape.reduce((a, b) => a * b), 7);
      await tf.setBackend('cpu');
      const cpu = tf.tidy(() => tf.tile(tf.tensor(values, shape), reps).dataSync());
      await tf.setBackend('wasm');
      const wasm = tf.tidy(() => tf.tile(tf.tensor(values, shape), reps).dataSync());
      expect(Array.from(wasm)).toEqual(Array.from(cpu));
    }
  });
});
