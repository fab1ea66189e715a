/**
 * Depthwise convolutions on WASM through FastConv.depthwiseConv2d (depthwise_wat.ts): the same outputs as tfjs's
 * CPU backend for the kernel sizes the zoo uses (3×3, 5×5, 7×7), strides, explicit and 'same' (asymmetric)
 * padding, dilation, bias, fused ReLU / ReLU6, batches and channel counts that are not whole 8-channel blocks;
 * a channel count that is not a multiple of 4, or a channel multiplier, keeps tfjs's kernel; gradients still flow (registerTrainingKernels' backprop kernels).
 */
import '@tensorflow/tfjs-backend-wasm';
import '../node_wasm_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../tf';
import { useBackend } from '../../models/node';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { maxRelativeError, onCpuThenWasm, seeded } from './conv_test_cases';

beforeAll(async () => {
  await useBackend('wasm');
  registerTrainingKernels('wasm');
});

interface Case {
  n: number;
  hw: number;
  c: number;
  k: number;
  stride: number;
  pad: number | 'same' | 'valid';
  dilation: number;
  bias: boolean;
  activation: 'linear' | 'relu' | 'relu6';
  multiplier?: number;
  /** Whether FastConv runs it (else tfjs's own kernel). */
  fast: boolean;
}

const CASES: Case[] = [
  { n: 1, hw: 14, c: 32, k: 3, stride: 1, pad: 1, dilation: 1, bias: true, activation: 'relu6', fast: true }, // MobileNetV2
  { n: 2, hw: 15, c: 40, k: 5, stride: 2, pad: 'same', dilation: 1, bias: true, activation: 'linear', fast: true }, // EfficientNet, asymmetric 'same'
  { n: 2, hw: 9, c: 96, k: 7, stride: 1, pad: 3, dilation: 1, bias: true, activation: 'linear', fast: true }, // ConvNeXt
  { n: 1, hw: 10, c: 12, k: 3, stride: 1, pad: 2, dilation: 2, bias: false, activation: 'relu', fast: true }, // a 4-channel tail, dilation
  { n: 3, hw: 7, c: 20, k: 3, stride: 2, pad: 'valid', dilation: 1, bias: false, activation: 'linear', fast: true },
  { n: 1, hw: 6, c: 6, k: 3, stride: 1, pad: 1, dilation: 1, bias: true, activation: 'relu', fast: false }, // channels not a multiple of 4
  { n: 1, hw: 6, c: 8, k: 3, stride: 1, pad: 1, dilation: 1, bias: false, activation: 'linear', multiplier: 2, fast: false },
];

function run(c: Case): Tensor4D {
  const m = c.multiplier ?? 1;
  const x = tf.tensor4d(seeded(c.n * c.hw * c.hw * c.c, 7), [c.n, c.hw, c.hw, c.c]);
  const w = tf.tensor4d(seeded(c.k * c.k * c.c * m, 8), [c.k, c.k, c.c, m]);
  const b = c.bias ? tf.tensor1d(seeded(c.c * m, 9)) : undefined;
  // linear without bias: tfjs runs DepthwiseConv2dNative; otherwise FusedDepthwiseConv2D
  return tf.fused.depthwiseConv2d({ x, filter: w, strides: c.stride, pad: c.pad, dilations: c.dilation, bias: b, activation: c.activation });
}

describe('depthwise convolutions on WASM', () => {
  it.each(CASES)('%j equals the CPU backend', async (c) => {
    const { cpu, wasm, fastRan, leaked } = await onCpuThenWasm(() => run(c));
    expect(fastRan).toBe(c.fast);
    expect(leaked).toBe(0);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(maxRelativeError(wasm.data, cpu.data)).toBeLessThan(1e-5);
  });

  it('passes gradients through (the backprop kernels) as on the CPU backend', async () => {
    const grads = async (backend: 'wasm' | 'cpu') => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d(seeded(2 * 8 * 8 * 16, 1), [2, 8, 8, 16]);
        const w = tf.tensor4d(seeded(3 * 3 * 16, 2), [3, 3, 16, 1]);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as Tensor4D, b as Tensor4D, 1, 'same'))));
        return g([x, w]).map((t) => t.dataSync() as Float32Array);
      });
    };
    const want = await grads('cpu');
    const got = await grads('wasm');
    for (let i = 0; i < want.length; i++) expect(maxRelativeError(got[i]!, want[i]!)).toBeLessThan(1e-4);
  });
});
