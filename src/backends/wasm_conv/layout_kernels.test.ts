/**
 * The WASM Transpose (transpose_kernel.ts), Unpack and SplitV (split_kernels.ts): every permutation of ranks 2–6, with size-1 axes and mergeable runs,
 * float32 and int32, gives the CPU backend's result; the rank-≥5 cases take the copying path; nothing leaks.
 */
import '@tensorflow/tfjs-backend-wasm';
import '../node_wasm_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { useBackend } from '../../models/node';
import { simplifyTranspose } from './transpose_kernel';

beforeAll(async () => {
  await useBackend('wasm');
});

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

/** `run` gives the same result on WASM as on the CPU backend and leaves no tensor on WASM. */
async function sameOnCpuAndWasm(run: () => unknown): Promise<void> {
  await tf.setBackend('cpu');
  const want = run();
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  expect(run()).toEqual(want);
  expect(tf.memory().numTensors).toBe(before);
}

async function compare(shape: number[], perm: number[], dtype: 'float32' | 'int32'): Promise<void> {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => (dtype === 'int32' ? i : i * 0.5 - 3));
  const run = () => tf.tidy(() => {
    const y = tf.transpose(tf.tensor(values, shape, dtype), perm);
    return { shape: y.shape, data: Array.from(y.dataSync()) };
  });
  await sameOnCpuAndWasm(run);
}

describe('WASM Unpack', () => {
  it.each([
    [[3, 4, 2, 5, 3], 0],
    [[2, 3, 4, 5, 2], 2],
    [[2, 3, 4], 2],
    [[4, 1, 3], 1],
  ] as [number[], number][])('unstack %j along axis %i as the CPU backend', async (shape, axis) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) => i * 0.25 - 1);
    const run = () => tf.tidy(() => tf.unstack(tf.tensor(values, shape), axis).map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) })));
    await sameOnCpuAndWasm(run);
  });
});

describe('WASM SplitV', () => {
  it.each([
    [[4, 7, 3, 40], [8, 8, 24], 3],
    [[5, 6], 3, 1],
    [[2, 9, 4], [2, -1, 3], 1],
    [[6, 2, 2], [1, 5], 0],
  ] as [number[], number | number[], number][])('split %j into %j along axis %i as the CPU backend', async (shape, sizes, axis) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) => i * 0.5 - 7);
    const run = () => tf.tidy(() => tf.split(tf.tensor(values, shape), sizes, axis).map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) })));
    await sameOnCpuAndWasm(run);
  });
});

describe('WASM Transpose', () => {
  it('merges axes that stay neighbours and drops size-1 axes', () => {
    expect(simplifyTranspose([16, 197, 3, 6, 64], [2, 0, 3, 1, 4])).toEqual({ shape: [16, 197, 3, 6, 64], perm: [2, 0, 3, 1, 4] });
    expect(simplifyTranspose([2, 3, 4, 5], [0, 2, 3, 1])).toEqual({ shape: [2, 3, 20], perm: [0, 2, 1] });
    expect(simplifyTranspose([1, 7, 1, 5], [3, 2, 1, 0])).toEqual({ shape: [7, 5], perm: [1, 0] });
    expect(simplifyTranspose([1, 1], [1, 0])).toEqual({ shape: [], perm: [] });
    // Swin's window partition: [B, nH, w, nW, w, C] → [B, nH, nW, w, w, C]
    expect(simplifyTranspose([2, 4, 7, 4, 7, 96], [0, 1, 3, 2, 4, 5])).toEqual({ shape: [8, 7, 4, 672], perm: [0, 2, 1, 3] });
  });

  it.each([2, 3, 4, 5])('every permutation of a rank-%i tensor', async (rank) => {
    const shape = [2, 3, 4, 5, 3].slice(0, rank);
    for (const perm of permutations(rank)) await compare(shape, perm, 'float32');
  });

  it('rank 6 with size-1 axes, int32 and float32, and the attention / window shapes', async () => {
    for (const perm of permutations(6).filter((_, i) => i % 37 === 0)) {
      await compare([2, 1, 3, 2, 4, 3], perm, 'float32');
      await compare([2, 3, 2, 1, 2, 3], perm, 'int32');
    }
    await compare([4, 9, 3, 2, 8], [2, 0, 3, 1, 4], 'float32'); // qkv of attention, batch 4
    await compare([2, 2, 3, 2, 3, 5], [0, 1, 3, 2, 4, 5], 'float32'); // window partition
    await compare([2, 3, 4, 5, 6], [4, 3, 2, 1, 0], 'int32'); // no contiguous run
  });
});
