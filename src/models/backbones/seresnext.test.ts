/** SE-ResNeXt: parameter counts of the real MMPretrain 1.2 class, SE layers, options. */
import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { useBackend } from '../node';
import { SEResNeXt } from './seresnext';

describe('SEResNeXt', () => {
  it('parameter counts equal MMPretrain 1.2 (32x4d: 50/101/152; SE-ResNeXt-50 + head = 27.56M as published)', async () => {
    await useBackend('wasm');
    for (const [depth, params] of [[50, 25_510_896], [101, 46_906_416], [152, 64_531_440]] as const) {
      const m = new SEResNeXt({ depth });
      expect(m.numParameters(), `SEResNeXt-${depth}`).toBe(params);
      m.dispose();
    }
  });

  it('grouped conv2 and an SE layer per block; se_ratio is accepted but, as in MMPretrain 1.2, the SE layers use 16', async () => {
    await useBackend('wasm');
    const m = new SEResNeXt({ depth: 50, groups: 4, width_per_group: 2, stem_channels: 8, base_channels: 8, se_ratio: 4 });
    const s = m.stateDictShapes();
    expect(s.get('layer1.0.conv2.weight')).toEqual([8, 2, 3, 3]);
    // make_divisible(256 // 16, 8) = 16 (ratio 4 would give 64).
    expect(s.get('layer4.0.se_layer.conv1.conv.weight')).toEqual([16, 256, 1, 1]);
    expect([...s.keys()].filter((k) => k.startsWith('layer1.0.') && k.endsWith('.weight')).slice(-4)).toEqual([
      'layer1.0.downsample.0.weight', 'layer1.0.downsample.1.weight', 'layer1.0.se_layer.conv1.conv.weight', 'layer1.0.se_layer.conv2.conv.weight',
    ]);
    m.dispose();
  });

  it('out_indices, deep stem + avg_down, frozen_stages, norm_eval, errors', async () => {
    await useBackend('wasm');
    const m = new SEResNeXt({ depth: 50, groups: 2, width_per_group: 4, stem_channels: 8, base_channels: 8, deep_stem: true, avg_down: true, out_indices: [0, 3], frozen_stages: 0, norm_eval: true });
    m.train();
    expect(m.stateDictShapes().has('stem.2.conv.weight')).toBe(true);
    expect(m.child('layer2').child('0').child('downsample').child('0').typeName).toBe('AvgPool2d');
    const frozen = m.namedParameters().filter(([, v]) => !v.trainable).map(([k]) => k);
    expect(frozen.length).toBeGreaterThan(0);
    expect(frozen.every((k) => k.startsWith('stem.'))).toBe(true);
    expect(m.namedModules().filter(([, c]) => c.typeNames().includes('_BatchNorm')).every(([, c]) => !c.training)).toBe(true);
    const x = tf.zeros([1, 64, 64, 3]);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 16, 16, 32], [1, 2, 2, 256]]);
    tf.dispose([x, ...outs]);
    m.dispose();
    expect(() => new SEResNeXt({ depth: 18 })).toThrow('invalid depth 18 for SEResNet');
  });
});
