/**
 * Grouped convolutions on WASM through FastConv.groupedConv2d (eval mode of `Conv2d` with 1 < groups < channels):
 * the same outputs as the split → conv → concat graph on the CPU backend, for strides, padding, dilation, bias,
 * fused ReLU and group widths that are not whole 8-channel panels; training mode keeps the graph (and gradients).
 */
import '@tensorflow/tfjs-backend-wasm';
import '../node_wasm_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { useBackend } from '../../models/node';
import { Conv2d } from '../../models/nn/conv';
import { seeded } from './conv_test_cases';
import { fastConvs } from './fast_conv';

beforeAll(async () => {
  await useBackend('wasm');
});

interface Case {
  cin: number;
  cout: number;
  groups: number;
  k: number;
  stride: number;
  padding: number;
  dilation: number;
  bias: boolean;
  relu: boolean;
  hw: number;
}

const CASES: Case[] = [
  { cin: 48, cout: 48, groups: 2, k: 3, stride: 1, padding: 1, dilation: 1, bias: false, relu: false, hw: 9 }, // RegNet: 24-channel groups
  { cin: 64, cout: 128, groups: 4, k: 3, stride: 2, padding: 1, dilation: 1, bias: true, relu: true, hw: 11 },
  { cin: 30, cout: 45, groups: 3, k: 1, stride: 1, padding: 0, dilation: 1, bias: true, relu: false, hw: 5 }, // 15-channel output groups
  { cin: 32, cout: 32, groups: 8, k: 3, stride: 1, padding: 2, dilation: 2, bias: false, relu: true, hw: 8 },
];

async function forward(c: Case, backend: 'wasm' | 'cpu'): Promise<Float32Array> {
  await tf.setBackend(backend);
  const conv = new Conv2d({ in_channels: c.cin, out_channels: c.cout, kernel_size: c.k, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups, bias: c.bias });
  tf.tidy(() => {
    conv.weight.assign(tf.tensor(seeded(conv.weight.size, 3), conv.weight.shape));
    conv.bias?.assign(tf.tensor(seeded(c.cout, 4)));
  });
  if (c.relu) conv.fusedActivation = 'relu';
  conv.eval();
  const y = tf.tidy(() => conv.call(tf.tensor(seeded(2 * c.hw * c.hw * c.cin, 5), [2, c.hw, c.hw, c.cin])).dataSync() as Float32Array);
  conv.dispose();
  return y;
}

describe('grouped convolutions on WASM', () => {
  it.each(CASES)('%j equals the split graph on CPU', async (c) => {
    const fast = fastConvs.get(tf.backend())!;
    const before = fast.calls;
    const want = await forward(c, 'cpu');
    const tensors = tf.memory().numTensors;
    const got = await forward(c, 'wasm');
    expect(fast.calls).toBeGreaterThan(before);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(got.length).toBe(want.length);
    let err = 0;
    for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
    expect(err).toBeLessThan(1e-5);
  });
});
