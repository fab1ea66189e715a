/**
 * Twins PCPVT / SVT beyond the zoo fixture: MMPretrain 1.2's parameter counts, PyTorch references (MMPretrain's own
 * twins.py) of several layers per stage, padded patch embeddings, LSA windows padded right / bottom / both,
 * per-stage norms and `qkv_bias`; out_indices, drop path in training, init_weights, and the assertion texts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { initWeights } from '../nn/init';
import { LayerNorm } from '../nn/norm';
import { Generator } from '../../utils/random';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { groupNCases, runGroupNCase } from './__fixtures__/group_n/load';
import { lsaMask, PCPVT, PCPVT_ARCH_ZOO, SVT, SVT_ARCH_ZOO } from './twins';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
  registerTrainingKernels('wasm');
});

const TINY = { embed_dims: [8, 16, 24, 32], depths: [2, 1, 1, 1], num_heads: [1, 2, 2, 4], patch_sizes: [4, 2, 2, 2], strides: [4, 2, 2, 2], mlp_ratios: [2, 2, 2, 2], sr_ratios: [4, 2, 1, 1] };

for (const type of ['PCPVT', 'SVT']) {
  describe(type, () => {
    for (const c of groupNCases(type)) {
      it(`matches MMPretrain on PyTorch: ${c.name}`, async () => {
        const before = tf.memory().numTensors;
        const r = await runGroupNCase(c);
        console.log(`[twins] ${c.name}: ${r.errors.map((e) => e.toExponential(2)).join(' ')}`);
        expect(r.keysMatch).toBe(true);
        expect(r.shapes).toEqual(c.out_shapes);
        for (const e of r.errors) expect(e).toBeLessThan(1e-4);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  });
}

describe('Twins', () => {
  it('parameter counts equal MMPretrain 1.2 (backbone + 1000-class head; metafile 24.11M, 43.83M, 60.99M / 24.06M, 56.07M)', () => {
    const cases: [string, string, number, number][] = [
      ['PCPVT', 'small', 512, 24_092_712],
      ['PCPVT', 'base', 512, 43_803_432],
      ['PCPVT', 'large', 512, 60_954_472],
      ['SVT', 'small', 512, 24_044_776],
      ['SVT', 'base', 768, 56_042_344],
    ];
    for (const [type, arch, inC, params] of cases) {
      const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type, arch }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: inC } });
      expect(m.numParameters(), `${type} ${arch}`).toBe(params);
      m.dispose();
    }
    expect(Object.keys(PCPVT_ARCH_ZOO).sort()).toEqual(['b', 'base', 'l', 'large', 's', 'small']);
    expect(Object.keys(SVT_ARCH_ZOO).sort()).toEqual(['b', 'base', 'l', 'large', 's', 'small']);
    expect(SVT_ARCH_ZOO.large.embed_dims).toEqual([128, 256, 512, 1024]);
  });

  it('SVT alternates LSA (even layers) and GSA; the position encoding follows the first layer', () => {
    const m = new SVT({ arch: { ...TINY, depths: [3, 1, 1, 1], window_sizes: [4, 4, 4, 4] } });
    expect(m.stages.at(0).items().map((b) => b.typeName)).toEqual(['LSAEncoderLayer', 'GSAEncoderLayer', 'LSAEncoderLayer']);
    expect(m.stateDictShapes().has('stages.0.1.attn.sr.weight')).toBe(true);
    expect(m.stateDictShapes().has('stages.0.0.attn.qkv.weight')).toBe(true);
    m.dispose();
  });

  it('out_indices pick the stage maps (NHWC), in order; Identity norms keep outputs alive without leaks', () => {
    const m = new PCPVT({ arch: TINY, out_indices: [0, 2, 3] });
    m.eval();
    const x = tf.randomNormal([1, 32, 32, 3]);
    tf.dispose(m.call(x)); // first call caches the conv kernels
    const before = tf.memory().numTensors;
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 8, 8, 8], [1, 2, 2, 24], [1, 1, 1, 32]]);
    tf.dispose(outs);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  it('drop_path_rate: stochastic in training (double DropPath in GSA / FFN as in MMPretrain), identity in eval', () => {
    const m = new PCPVT({ arch: TINY, drop_path_rate: 0.5 });
    initWeights(m, new Generator(1));
    const x = tf.randomNormal([4, 32, 32, 3]);
    m.eval();
    const [a] = m.call(x);
    const [b] = m.call(x);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    m.train();
    const [c] = m.call(x);
    expect(tf.max(tf.abs(tf.sub(a, c))).dataSync()[0]).toBeGreaterThan(0);
    expect(m.namedModules().filter(([n]) => n.endsWith('attn.out_drop') || n.endsWith('ffn.dropout_layer') || n.endsWith('.drop_path')).every(([n, mod]) => n.startsWith('stages.0.0') ? mod.typeName === 'Identity' : mod.typeName === 'DropPath')).toBe(true);
    tf.dispose([x, a, b, c]);
    m.dispose();
  });

  it('LSA mask: uniform unless padded both at the bottom and on the right (MMPretrain\'s fill of -0:)', () => {
    expect(lsaMask(6, 6, 3, 0, 2)).toBeNull();
    expect(lsaMask(6, 6, 3, 2, 0)).toBeNull();
    const m = lsaMask(4, 4, 4, 1, 1)!;
    // token 0 (real) vs token 15 (padded) masked; token 0 vs 5 (both real) not.
    expect(m[0 * 16 + 15]).toBe(-1000);
    expect(m[0 * 16 + 5]).toBe(0);
    expect(m[15 * 16 + 12]).toBe(0);
  });

  it('init_weights: Linear TruncNormal(0.02) / zero bias, LN 1 / 0, Conv Normal(√(2/fan_out)) / zero bias', () => {
    const m = new PCPVT({ arch: { ...PCPVT_ARCH_ZOO.small, depths: [1, 1, 1, 1] } });
    initWeights(m, new Generator(3));
    const sd = m.namedParameters();
    const get = (k: string) => sd.find(([n]) => n === k)![1];
    const std = (v: tf.Variable) => tf.tidy(() => Math.sqrt(tf.moments(v).variance.dataSync()[0]));
    expect(std(get('stages.2.0.ffn.layers.0.0.weight'))).toBeCloseTo(0.02, 2);
    expect(tf.max(tf.abs(get('stages.2.0.attn.proj.bias'))).dataSync()[0]).toBe(0);
    expect(std(get('patch_embeds.0.projection.weight')) / Math.sqrt(2 / (16 * 64))).toBeCloseTo(1, 1);
    expect(std(get('position_encodings.2.proj.weight')) / Math.sqrt(2 / 9)).toBeCloseTo(1, 1);
    expect(m.namedModules().filter(([, x]) => x instanceof LayerNorm).every(([, x]) => (x as LayerNorm).weight!.dataSync().every((v) => v === 1))).toBe(true);
    m.dispose();
  });

  it('errors: bad arch, custom arch keys, unequal lengths, norm_after_stage, unknown options', () => {
    expect(() => new PCPVT({ arch: 'tiny' })).toThrow(/Arch tiny is not in default archs \{'s', 'small', 'b', 'base', 'l', 'large'\}/);
    expect(() => new SVT({ arch: TINY as never })).toThrow("Custom arch needs a dict with keys {'embed_dims', 'depths', 'num_heads', 'patch_sizes', 'strides', 'mlp_ratios', 'sr_ratios', 'window_sizes'}.");
    expect(() => new PCPVT({ arch: { ...TINY, depths: [1, 1, 1] } })).toThrow('Length of setting item in arch dict must be type of list and have the same length.');
    expect(() => new PCPVT({ arch: TINY, norm_after_stage: [true, false] })).toThrow('Number of norm_after_stage(2) should be equal to the number of stages(4).');
    expect(() => new PCPVT({ arch: TINY, norm_after_stage: [true, false, 1, true] as never })).toThrow('norm_after_stage should be bool or List[bool].');
    expect(() => new PCPVT({ arch: TINY, window_size: 3 } as never)).toThrow(/window_size/);
    const m = new PCPVT({ arch: 'S' });
    expect(m.numStage).toBe(4);
    m.dispose();
  });
});
