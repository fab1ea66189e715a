/**
 * FusedBatchNorm on WASM through FastConv.batchNorm (affine_wat.ts): the CPU backend's numbers with and without scale
 * and offset, rank 2 and 4, on one thread and on the pool (a large map); channels not a multiple of 4, or a statistic
 * that is not one value a channel, keep tfjs's kernel; nothing leaks; the gradient is tfjs's, as on CPU.
 */
import '@tensorflow/tfjs-backend-wasm';
import '../node_wasm_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../tf';
import { useBackend } from '../../models/node';
import { maxRelativeError, onCpuThenWasm, seeded } from './conv_test_cases';

beforeAll(async () => {
  await useBackend('wasm');
});

interface Case {
  shape: number[];
  scale: boolean;
  offset: boolean;
  /** Whether FastConv runs it. */
  fast: boolean;
}

const CASES: Case[] = [
  { shape: [2, 5, 7, 12], scale: true, offset: true, fast: true },
  { shape: [3, 8], scale: false, offset: true, fast: true },
  { shape: [1, 4, 4, 16], scale: true, offset: false, fast: true },
  { shape: [4, 56, 56, 64], scale: true, offset: true, fast: true }, // on every thread
  { shape: [2, 3, 3, 6], scale: true, offset: true, fast: false },
];

function run(c: Case): Tensor {
  const C = c.shape[c.shape.length - 1]!;
  const x = tf.tensor(seeded(c.shape.reduce((a, b) => a * b, 1), 11), c.shape);
  const mean = tf.tensor1d(seeded(C, 12));
  const variance = tf.abs(tf.tensor1d(seeded(C, 13)));
  return tf.batchNorm(x, mean, variance, c.offset ? tf.tensor1d(seeded(C, 14)) : undefined, c.scale ? tf.tensor1d(seeded(C, 15)) : undefined, 1e-5);
}

describe('FusedBatchNorm on WASM', () => {
  it.each(CASES)('%j equals the CPU backend', async (c) => {
    const { cpu, wasm, fastRan, leaked } = await onCpuThenWasm(() => run(c));
    expect(fastRan).toBe(c.fast);
    expect(leaked).toBe(0);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(maxRelativeError(wasm.data, cpu.data)).toBeLessThan(1e-5);
  });

  it('has the CPU backend’s gradients', async () => {
    const grads = async (backend: 'wasm' | 'cpu') => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d(seeded(2 * 3 * 3 * 8, 1), [2, 3, 3, 8]);
        const [mean, variance, scale, offset] = [tf.tensor1d(seeded(8, 2)), tf.abs(tf.tensor1d(seeded(8, 3))), tf.tensor1d(seeded(8, 4)), tf.tensor1d(seeded(8, 5))];
        const g = tf.grads((a: Tensor, s: Tensor, o: Tensor) => tf.sum(tf.square(tf.batchNorm(a, mean, variance, o, s, 1e-3))));
        return g([x, scale, offset]).map((t) => t.dataSync() as Float32Array);
      });
    };
    const want = await grads('cpu');
    const got = await grads('wasm');
    for (let i = 0; i < want.length; i++) expect(maxRelativeError(got[i]!, want[i]!)).toBeLessThan(1e-4);
  });
});
