/** ShuffleNetV1: parameter counts of every groups × widen_factor of the real MMPretrain 1.2 class, structure, options. */
import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { useBackend } from '../node';
import { initWeights } from '../nn/init';
import { ShuffleNetV1, ShuffleUnit } from './shufflenet_v1';

/** groups → params at widen_factor 0.5, 1.0, 1.5, 2.0 (null: MMPretrain fails to build it too). */
const COUNTS: Record<number, (number | null)[]> = {
  1: [245_484, 954_936, 2_128_356, 3_765_744],
  2: [243_320, 932_848, 2_073_180, 3_656_896],
  3: [237_324, 904_728, 2_002_212, 3_529_776],
  4: [null, 879_344, null, 3_416_528],
  8: [null, 897_768, null, 3_449_232],
};

describe('ShuffleNetV1', () => {
  it('parameter counts equal MMPretrain 1.2 for every groups × widen_factor; 1x g3 + head = 1.87M (metafile)', async () => {
    await useBackend('wasm');
    for (const [g, counts] of Object.entries(COUNTS)) {
      [0.5, 1.0, 1.5, 2.0].forEach((w, i) => {
        const expected = counts[i];
        if (expected === null) {
          expect(() => new ShuffleNetV1({ groups: Number(g), widen_factor: w }), `g${g} ×${w}`).toThrow(/divisible by groups/);
          return;
        }
        const m = new ShuffleNetV1({ groups: Number(g), widen_factor: w });
        expect(m.numParameters(), `g${g} ×${w}`).toBe(expected);
        m.dispose();
      });
    }
    expect(Math.round((904_728 + 960 * 1000 + 1000) / 1e4) * 1e4).toBe(1_870_000);
  });

  it('keys and units: first unit concat + avgpool with an ungrouped compress conv, others add', async () => {
    await useBackend('wasm');
    const m = new ShuffleNetV1({ groups: 3, widen_factor: 0.5 });
    const s = m.stateDictShapes();
    expect([...s.keys()].slice(0, 2)).toEqual(['conv1.conv.weight', 'conv1.bn.weight']);
    expect(s.get('layers.0.0.g_conv_1x1_compress.conv.weight')).toEqual([30, 12, 1, 1]);
    expect(s.get('layers.0.0.g_conv_1x1_expand.conv.weight')).toEqual([108, 10, 1, 1]);
    expect(s.get('layers.1.0.g_conv_1x1_compress.conv.weight')).toEqual([60, 40, 1, 1]); // grouped from stage 2 on
    const u0 = m.layers.items()[0].child<ShuffleUnit>('0');
    expect(u0.combine).toBe('concat');
    expect(u0.namedChildren().map(([n]) => n)).toEqual(['avgpool', 'g_conv_1x1_compress', 'depthwise_conv3x3_bn', 'g_conv_1x1_expand', 'act']);
    expect(m.layers.items()[2].child<ShuffleUnit>('3').combine).toBe('add');
    m.dispose();
  });

  it('out_indices (layer order), frozen_stages, norm_eval, finite outputs after init_weights, errors', async () => {
    await useBackend('wasm');
    const m = new ShuffleNetV1({ groups: 8, widen_factor: 1.0, out_indices: [2, 0], frozen_stages: 1, norm_eval: true });
    initWeights(m);
    m.train();
    const trainable = m.namedParameters().filter(([, v]) => v.trainable).map(([k]) => k);
    expect(trainable.some((k) => /^(conv1|layers\.0)\./.test(k))).toBe(false);
    expect(trainable.some((k) => k.startsWith('layers.1.'))).toBe(true);
    expect(m.layers.items()[0].training).toBe(false);
    expect(m.namedModules().filter(([, c]) => c.typeNames().includes('_BatchNorm')).every(([, c]) => !c.training)).toBe(true);
    const x = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 2);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 8, 8, 384], [1, 2, 2, 1536]]);
    for (const o of outs) expect(o.dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose([x, ...outs]);
    m.dispose();
    expect(() => new ShuffleNetV1({ groups: 5 })).toThrow('5 groups is not supported for 1x1 Grouped Convolutions');
    expect(() => new ShuffleNetV1({ out_indices: [3] })).toThrow('the item in out_indices must in range(0, 3). But received 3');
    expect(() => new ShuffleNetV1({ frozen_stages: 3 })).toThrow('frozen_stages must be in range(-1, 3). But received 3');
    expect(() => new ShuffleUnit({ in_channels: 8, out_channels: 16, combine: 'add' })).toThrow('in_channels must be equal to out_channels when combine is add');
  });
});
