/** ResNeSt: parameter counts of the real MMPretrain 1.2 class, split attention, options. */
import { describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { useBackend } from '../node';
import type { Conv2d } from '../nn/conv';
import { randomizeWeights } from '../testing/reparam_check';
import { fuseConvBn } from '../utils/fuse_conv_bn';
import { ResNeSt, ResNeStBottleneck, RSoftmax, SplitAttentionConv2d } from './resnest';

const tiny = { stem_channels: 8, base_channels: 4 };
const flat = (m: ResNeSt, x: Tensor) => tf.tidy(() => tf.concat((m.call(x) as Tensor[]).map((o) => tf.reshape(o, [-1]))));

describe('ResNeSt', () => {
  it('parameter counts equal MMPretrain 1.2 (ResNeSt-50/101/200; ResNeSt-50 + head = 27.48M as published)', async () => {
    await useBackend('wasm');
    for (const [depth, params] of [[50, 25_434_240], [101, 46_121_472], [200, 68_048_000]] as const) {
      const m = new ResNeSt({ depth });
      expect(m.numParameters(), `ResNeSt-${depth}`).toBe(params);
      m.dispose();
    }
  });

  it('keys: deep stem, conv2 = SplitAttentionConv2d (conv, bn0, fc1, bn1, fc2), avd_layer on strided blocks', async () => {
    await useBackend('wasm');
    const m = new ResNeSt({ depth: 50, ...tiny, groups: 2, width_per_group: 4, radix: 2 });
    const shapes = m.stateDictShapes();
    expect([...shapes.keys()][0]).toBe('stem.0.conv.weight');
    // mid = groups·width_per_group·(out/4)/base = 2·4·4/4 = 8; conv: 8·radix out channels in groups·radix groups.
    expect(shapes.get('layer1.0.conv2.conv.weight')).toEqual([16, 2, 3, 3]);
    expect(shapes.get('layer1.0.conv2.fc1.weight')).toEqual([32, 4, 1, 1]); // max(8·2/4, 32) = 32, groups 2
    expect(shapes.get('layer1.0.conv2.fc2.bias')).toEqual([16]);
    expect([...shapes.keys()].some((k) => k.includes('bn2'))).toBe(false);
    const b = m.child('layer2').child<ResNeStBottleneck>('0');
    expect(b.namedChildren().map(([n]) => n)).toEqual(['conv1', 'bn1', 'conv2', 'conv3', 'bn3', 'relu', 'downsample', 'avd_layer']);
    expect(b.child('downsample').child('0').typeName).toBe('AvgPool2d');
    expect(m.child('layer2').child<ResNeStBottleneck>('1').avgDownStride).toBe(false);
    m.dispose();
    const n = new ResNeSt({ depth: 50, ...tiny, avg_down_stride: false });
    expect(n.child('layer2').child<ResNeStBottleneck>('0').namedChildren().map(([k]) => k)).not.toContain('avd_layer');
    n.dispose();
  });

  it('RSoftmax: softmax over the radix within each cardinal group (radix-major output); sigmoid for radix 1', async () => {
    await useBackend('wasm');
    // groups 2, radix 2, 1 channel each: input layout (g, r) → output layout (r, g).
    const x = tf.tensor([1, 2, 3, 5], [1, 1, 1, 4]);
    const y = new RSoftmax(2, 2).call(x).dataSync();
    const s = (a: number, b: number) => Math.exp(a) / (Math.exp(a) + Math.exp(b));
    [s(1, 2), s(3, 5), s(2, 1), s(5, 3)].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
    const z = new RSoftmax(1, 2).call(x).dataSync();
    expect(z[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    x.dispose();
    const sac = new SplitAttentionConv2d({ in_channels: 8, channels: 8, kernel_size: 3, padding: 1, radix: 1 });
    expect([...sac.stateDictShapes().keys()].filter((k) => k.endsWith('weight'))).toEqual(['conv.weight', 'bn0.weight', 'fc1.weight', 'bn1.weight', 'fc2.weight']);
    sac.dispose();
  });

  it('out_indices, frozen_stages, radix 4 with caffe style; BN folding keeps the outputs; bad options', async () => {
    await useBackend('wasm');
    const m = new ResNeSt({ depth: 50, ...tiny, radix: 4, style: 'caffe', out_indices: [0, 1, 2, 3], frozen_stages: 2 });
    m.train();
    const trainable = m.namedParameters().filter(([, v]) => v.trainable).map(([k]) => k);
    expect(trainable.some((k) => /^(stem|layer1|layer2)\./.test(k))).toBe(false);
    expect(m.child('layer2').training).toBe(false);
    randomizeWeights(m, 5);
    m.eval();
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 3);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[2, 16, 16, 16], [2, 8, 8, 32], [2, 4, 4, 64], [2, 2, 2, 128]]);
    tf.dispose(outs);
    const a = flat(m, x);
    const scale = tf.max(tf.abs(a)).dataSync()[0];
    fuseConvBn(m);
    const sac = m.child('layer3').child('1').child<SplitAttentionConv2d>('conv2');
    expect([sac.child<Conv2d>('conv').fusedActivation, sac.child<Conv2d>('fc1').fusedActivation]).toEqual(['relu', 'relu']);
    const b = flat(m, x);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / scale).toBeLessThan(1e-5);
    tf.dispose([a, b, x]);
    m.dispose();
    expect(() => new ResNeSt({ depth: 34 })).toThrow(/invalid depth 34 for ResNeSt/);
    expect(() => new ResNeSt({ depth: 50, deep_stem: false } as never)).toThrow(/deep_stem/);
  });
});
