/** RegNet: every arch of MMPretrain's arch_settings — stage layout and parameter counts as MMPretrain 1.2 and its metafile. */
import { describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { useBackend } from '../node';
import { initWeights } from '../nn/init';
import { REGNET_ARCH_SETTINGS, RegNet, regnetStages } from './regnet';

/** arch → [stage widths, stage blocks, group widths, MMPretrain backbone params, metafile params with a 1000-class head]. */
const ARCHS: Record<string, [number[], number[], number[], number, number]> = {
  'regnetx_400mf': [[32, 64, 160, 384], [1, 2, 7, 12], [16, 16, 16, 16], 4_772_512, 5_160_000],
  'regnetx_800mf': [[64, 128, 288, 672], [1, 3, 7, 5], [16, 16, 16, 16], 6_586_656, 7_260_000],
  'regnetx_1.6gf': [[72, 168, 408, 912], [2, 4, 10, 2], [24, 24, 24, 24], 8_277_136, 9_190_000],
  // The metafile says 3210000 ("# 32.1M") for 3.2gf, a typo: the model has 15.30M.
  'regnetx_3.2gf': [[96, 192, 432, 1008], [2, 6, 15, 2], [48, 48, 48, 48], 14_287_552, 15_300_000],
  'regnetx_4.0gf': [[80, 240, 560, 1360], [2, 5, 14, 2], [40, 40, 40, 40], 20_757_248, 22_120_000],
  'regnetx_6.4gf': [[168, 392, 784, 1624], [2, 4, 10, 1], [56, 56, 56, 56], 24_584_256, 26_210_000],
  'regnetx_8.0gf': [[80, 240, 720, 1920], [2, 5, 15, 1], [80, 120, 120, 120], 37_651_648, 39_570_000],
  'regnetx_12gf': [[224, 448, 896, 2240], [2, 5, 11, 1], [112, 112, 112, 112], 43_865_056, 46_110_000],
};

describe('RegNet', () => {
  it('stage widths, blocks and group widths of every arch equal MMPretrain 1.2', () => {
    expect(Object.keys(REGNET_ARCH_SETTINGS)).toEqual(Object.keys(ARCHS));
    for (const [arch, [w, b, g]] of Object.entries(ARCHS)) {
      const s = regnetStages(arch);
      expect([s.stageWidths, s.stageBlocks, s.groupWidths], arch).toEqual([w, b, g]);
    }
  });

  it('parameter counts of every arch equal MMPretrain 1.2 and, with the head, the metafile', async () => {
    await useBackend('wasm');
    for (const [arch, [w, , , params, meta]] of Object.entries(ARCHS)) {
      const m = new RegNet({ arch });
      expect(m.numParameters(), arch).toBe(params);
      expect(Math.round((params + w[3] * 1000 + 1000) / 1e4) * 1e4, arch).toBe(meta);
      expect(m.featDim).toBe(w[3]);
      m.dispose();
    }
  });

  it('regnetx_400mf: 3×3/2 stem without max pool, grouped 3×3, finite outputs at every stage', async () => {
    await useBackend('wasm');
    const m = new RegNet({ arch: 'regnetx_400mf', out_indices: [0, 1, 2, 3] });
    const s = m.stateDictShapes();
    expect(s.get('conv1.weight')).toEqual([32, 3, 3, 3]);
    expect(s.get('layer1.0.conv2.weight')).toEqual([32, 16, 3, 3]);
    expect(s.get('layer4.11.conv3.weight')).toEqual([384, 384, 1, 1]);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['conv1', 'bn1', 'relu', 'layer1', 'layer2', 'layer3', 'layer4']);
    initWeights(m);
    m.eval();
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[2, 16, 16, 32], [2, 8, 8, 64], [2, 4, 4, 160], [2, 2, 2, 384]]);
    for (const o of outs) {
      const d = o.dataSync();
      expect(d.every(Number.isFinite)).toBe(true);
      expect(d.some((v) => v !== 0)).toBe(true);
    }
    tf.dispose([x, ...outs]);
    m.dispose();
  });

  it('custom arch dicts (bot_mul ≠ 1, 3 stages), frozen_stages, errors', async () => {
    await useBackend('wasm');
    const arch = { w0: 8, wa: 10.3, wm: 2.6, group_w: 24, depth: 6, bot_mul: 2.0 };
    expect(regnetStages(arch)).toMatchObject({ stageWidths: [8, 24, 60], stageBlocks: [1, 2, 3], groupWidths: [16, 24, 24], numStages: 3 });
    expect(() => new RegNet({ arch })).toThrow(/strides/);
    const m = new RegNet({ arch, strides: [2, 2, 2], dilations: [1, 1, 1], out_indices: [0, 2], frozen_stages: 1 });
    expect(m.numParameters()).toBe(147_440); // MMPretrain 1.2, same dict
    m.train();
    const trainable = m.namedParameters().filter(([, v]) => v.trainable).map(([k]) => k);
    expect(trainable.some((k) => /^(conv1|bn1|layer1)\./.test(k))).toBe(false);
    expect(trainable.some((k) => k.startsWith('layer2.'))).toBe(true);
    const x = tf.zeros([1, 32, 32, 3]);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 8, 8, 8], [1, 2, 2, 60]]);
    tf.dispose([x, ...outs]);
    m.dispose();
    const half = new RegNet({ arch: { w0: 16, wa: 12.0, wm: 2.0, group_w: 8, depth: 8, bot_mul: 0.5 }, stem_channels: 16 });
    expect(half.numParameters()).toBe(62_224); // MMPretrain 1.2, same dict
    half.dispose();
    expect(() => new RegNet({ arch: 'regnety_400mf' })).toThrow('"arch": "regnety_400mf" is not one of the arch_settings');
    expect(() => new RegNet({ arch: { w0: 8 } as never })).toThrow(/Custom arch needs a dict with keys \{w0, wa, wm, group_w, depth, bot_mul\}/);
    expect(() => new RegNet({ arch: 'regnetx_400mf', deep_stem: true })).toThrow('deep_stem has not been implemented for RegNet');
    expect(() => new RegNet({ arch: 'regnetx_400mf', depth: 50 } as never)).toThrow(/depth/);
  });
});
