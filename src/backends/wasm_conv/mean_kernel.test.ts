/**
 * Mean on WASM through FastConv.meanRows (mean_wat.ts): the CPU backend's numbers for a global average pool over an
 * NHWC map (with and without keepDims, negative axes), a mean over tokens and BatchNorm's batch statistics (the leading
 * axes); a mean over the last axis, or an inner size that is not a multiple of 4, keeps tfjs's kernel; nothing
 * leaks; gradients as on CPU.
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

const CASES: Array<{ shape: number[]; axis: number[]; keepDims: boolean; fast: boolean }> = [
  { shape: [2, 5, 7, 12], axis: [1, 2], keepDims: true, fast: true },
  { shape: [2, 5, 7, 12], axis: [-3, -2], keepDims: false, fast: true },
  { shape: [3, 9, 16], axis: [1], keepDims: false, fast: true },
  { shape: [4, 6, 8], axis: [0, 1], keepDims: false, fast: true },
  { shape: [2, 5, 7, 12], axis: [3], keepDims: true, fast: false },
  { shape: [2, 3, 3, 6], axis: [1, 2], keepDims: true, fast: false },
  { shape: [2, 3, 3, 8], axis: [0, 2], keepDims: false, fast: false }, // not consecutive
];

describe('Mean on WASM', () => {
  it.each(CASES)('%j equals the CPU backend', async (c) => {
    const run = () => tf.mean(tf.tensor(seeded(c.shape.reduce((a, b) => a * b, 1), 21), c.shape), c.axis, c.keepDims);
    const { cpu, wasm, fastRan, leaked } = await onCpuThenWasm(run);
    expect(fastRan).toBe(c.fast);
    expect(leaked).toBe(0);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(maxRelativeError(wasm.data, cpu.data)).toBeLessThan(1e-6);
  });

  it('has the CPU backend’s gradients', async () => {
    const grad = async (backend: 'wasm' | 'cpu') => {
      await tf.setBackend(backend);
      return tf.tidy(() => tf.grad((t: Tensor) => tf.sum(tf.square(tf.mean(t, [1, 2]))))(tf.tensor(seeded(2 * 4 * 4 * 8, 3), [2, 4, 4, 8])).dataSync() as Float32Array);
    };
    expect(maxRelativeError(await grad('wasm'), await grad('cpu'))).toBeLessThan(1e-6);
  });
});
