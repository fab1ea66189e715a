/**
 * The WASM LayerNorm and GELU kernels (norm_kernels.ts, called through backends/fused_ops.ts) give what the tfjs
 * graph gives on the CPU backend, forward and backward, and leave no tensor behind.
 */
import '@tensorflow/tfjs-backend-wasm';
import '../node_wasm_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../tf';
import { gelu, geluGraph, layerNorm, layerNormGraph, silu } from '../fused_ops';
import { useBackend } from '../../models/node';
import { seeded } from './conv_test_cases';
import { GELU, LAYER_NORM, SILU } from './norm_kernels';

beforeAll(async () => {
  await useBackend('wasm');
});

/** `f` on both backends: the WASM values (kernels) and the CPU ones (graph), as plain arrays. */
async function onBoth(f: () => Tensor[]): Promise<[Float32Array[], Float32Array[]]> {
  const read = () => tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));
  await tf.setBackend('wasm');
  const wasm = read();
  await tf.setBackend('cpu');
  const cpu = read();
  await tf.setBackend('wasm');
  return [wasm, cpu];
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return e;
}

describe('WASM LayerNorm and GELU kernels', () => {
  it('are registered for the WASM backend only', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel(LAYER_NORM, 'wasm')).toBeDefined();
    expect(tf.getKernel(GELU, 'wasm')).toBeDefined();
    expect(tf.getKernel(LAYER_NORM, 'cpu')).toBeUndefined();
  });

  it.each([
    [[3, 7, 384], true, true], // SIMD (layer_norm_wat.ts), the calling thread
    [[64, 40, 96], true, false], // SIMD, rows shared by the pool's threads
    [[3, 5, 16], false, false],
    [[5, 33], true, false], // d not a multiple of 4: the scalar loop
    [[2, 4, 1], false, false],
  ] as [number[], boolean, boolean][])('LayerNorm %j (weight %s, bias %s): values and gradients as the graph', async (shape, hasW, hasB) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const d = shape[shape.length - 1];
    const xs = seeded(n, 5).map((v, i) => v * 3 + (i % d) * 0.01 + 2); // an offset mean, as activations have
    const ws = seeded(d, 6);
    const bs = seeded(d, 7);
    const before = tf.memory().numTensors;
    const [wasm, cpu] = await onBoth(() => {
      const x = tf.tensor(xs, shape);
      const w = hasW ? tf.tensor(ws) : null;
      const b = hasB ? tf.tensor(bs) : null;
      const loss = (...t: Tensor[]) => tf.sum(tf.mul(layerNorm(t[0], w ? t[1] : null, b ? t[2] : null, 1e-6), tf.reshape(tf.mod(tf.range(0, n), 5), shape)));
      const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
      return [layerNorm(x, w, b, 1e-6), ...tf.grads(loss)(inputs)];
    });
    expect(wasm.length).toBe(1 + (hasW ? 1 : 0) + (hasB ? 1 : 0) + 1);
    for (let i = 0; i < wasm.length; i++) expect(maxRelErr(wasm[i], cpu[i]), `output ${i}`).toBeLessThan(2e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('GELU: values (|x| up to 12) and gradients as the graph', async () => {
    const xs = Float32Array.from({ length: 4001 }, (_, i) => (i - 2000) * 0.006);
    const before = tf.memory().numTensors;
    const [wasm, cpu] = await onBoth(() => {
      const x = tf.tensor(xs);
      return [gelu(x), tf.grad((t: Tensor) => tf.sum(tf.mul(gelu(t), t)))(x)];
    });
    expect(maxRelErr(wasm[0], cpu[0])).toBeLessThan(1e-6);
    expect(maxRelErr(wasm[1], cpu[1])).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('SiLU: values (|x| up to 120, past the exponent clamp, and 4001 elements: a tail the SIMD loop leaves) and gradients as x·σ(x) on CPU', async () => {
    const xs = Float32Array.from({ length: 4001 }, (_, i) => (i - 2000) * 0.06);
    const before = tf.memory().numTensors;
    const [wasm, cpu] = await onBoth(() => {
      const x = tf.tensor(xs);
      return [silu(x), tf.grad((t: Tensor) => tf.sum(tf.mul(silu(t), t)))(x)];
    });
    expect(maxRelErr(wasm[0], cpu[0])).toBeLessThan(1e-6);
    expect(maxRelErr(wasm[1], cpu[1])).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
    // the kernel on WASM (the other name is customGrad's scope)
    const x = tf.tensor(xs);
    const { kernelNames } = await tf.profile(() => tf.tidy(() => silu(x).dispose()));
    expect(kernelNames.filter((k) => k !== 'unnamed scope')).toEqual([SILU]);
    x.dispose();
  });

  it('the graph forms are what the kernels replace (same values on WASM with the kernels bypassed)', () => {
    const x = tf.tensor(seeded(2 * 64, 8), [2, 64]);
    const w = tf.tensor(seeded(64, 9));
    const b = tf.tensor(seeded(64, 10));
    expect(maxRelErr(layerNorm(x, w, b, 1e-5).dataSync() as Float32Array, layerNormGraph(x, w, b, 1e-5).dataSync() as Float32Array)).toBeLessThan(1e-5);
    expect(maxRelErr(gelu(x).dataSync() as Float32Array, geluGraph(x).dataSync() as Float32Array)).toBeLessThan(1e-6);
    tf.dispose([x, w, b]);
  });
});
