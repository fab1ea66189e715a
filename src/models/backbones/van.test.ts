/**
 * VAN beyond the zoo fixture: parameter counts of every arch (MMPretrain 1.2's own count, the metafile's rounded
 * figures), output shapes for every stage, frozen_stages / norm_eval, drop path, block_cfgs and the error texts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { DropPath } from '../nn/dropout';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { VAN, VAN_ARCH_ZOO } from './van';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const tinyArch = { embed_dims: [8, 16, 24, 32], depths: [1, 1, 2, 1], ffn_ratios: [2, 2, 2, 2] };

describe('VAN', () => {
  it('parameter counts of every arch equal MMPretrain (backbone + 1000-class head; metafile 4.11M, 13.86M, 26.58M, 44.77M)', () => {
    const cases: [string, number, number][] = [
      ['tiny', 256, 4_105_800],
      ['small', 512, 13_861_800],
      ['base', 512, 26_578_472],
      ['large', 512, 44_765_608],
    ];
    for (const [arch, inC, params] of cases) {
      const m = MODELS.build<ImageClassifier>({
        type: 'ImageClassifier', backbone: { type: 'VAN', arch, drop_path_rate: 0.1 }, neck: { type: 'GlobalAveragePooling' },
        head: { type: 'LinearClsHead', num_classes: 1000, in_channels: inC },
      });
      expect(m.numParameters(), arch).toBe(params);
      m.dispose();
    }
    expect(Object.keys(VAN_ARCH_ZOO).sort()).toEqual(['b', 'base', 'l', 'large', 's', 'small', 't', 'tiny']);
    expect(VAN_ARCH_ZOO.L).toBeUndefined();
    const upper = new VAN({ arch: 'Tiny' });
    expect(upper.archSettings).toBe(VAN_ARCH_ZOO.tiny);
    upper.dispose();
  });

  it('every stage as output: NHWC maps at strides 4, 8, 16, 32, finite, no leak', () => {
    const m = new VAN({ arch: tinyArch, out_indices: [0, 1, 2, 3] });
    m.eval();
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1);
    tf.dispose(m.call(x));
    const before = tf.memory().numTensors;
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[2, 16, 16, 8], [2, 8, 8, 16], [2, 4, 4, 24], [2, 2, 2, 32]]);
    for (const o of outs) expect(o.dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose(outs);
    expect(tf.memory().numTensors).toBe(before);
    // out_indices are used as given (no negative indices, as MMPretrain's VAN)
    const neg = new VAN({ arch: tinyArch, out_indices: [-1] });
    neg.eval();
    expect(neg.call(x)).toEqual([]);
    tf.dispose(x);
    m.dispose();
    neg.dispose();
  });

  it('frozen_stages and norm_eval act on train()', () => {
    const m = new VAN({ arch: tinyArch, frozen_stages: 1, norm_eval: true });
    m.train();
    for (const [n, v] of m.namedParameters()) {
      const stage = Number(/(?:patch_embed|blocks|norm)(\d)/.exec(n)![1]);
      expect(v.trainable, n).toBe(stage > 2);
    }
    expect(m.child('patch_embed2').training).toBe(false);
    expect(m.child('blocks3').training).toBe(true);
    const bns = m.namedModules().filter(([, v]) => v.typeNames().includes('_BatchNorm'));
    expect(bns.length).toBeGreaterThan(0);
    expect(bns.every(([, v]) => !v.training)).toBe(true);
    expect(m.child('norm4').training).toBe(true);
    m.dispose();
  });

  it('drop_path_rate grows linearly; block_cfgs reach every block', () => {
    const m = new VAN({ arch: tinyArch, drop_path_rate: 0.4, block_cfgs: { layer_scale_init_value: 0, act_cfg: { type: 'ReLU' } } });
    const dps = m.namedModules().filter(([, v]) => v instanceof DropPath) as [string, DropPath][];
    expect(dps.map(([n, d]) => [n, d.dropProb])).toEqual([
      ['blocks2.0.drop_path', Math.fround(0.1)],
      ['blocks3.0.drop_path', Math.fround(0.2)],
      ['blocks3.1.drop_path', Math.fround(0.3)],
      ['blocks4.0.drop_path', Math.fround(0.4)],
    ]);
    const keys = [...m.stateDictShapes().keys()];
    expect(keys.some((k) => k.includes('layer_scale'))).toBe(false);
    expect(m.child('blocks1').child('0').child('attn').child('activation').typeName).toBe('ReLU');
    m.dispose();
    const d = new VAN({ arch: tinyArch });
    expect(d.stateDictShapes().get('blocks1.0.layer_scale_1')).toEqual([8]);
    d.dispose();
  });

  it('errors use MMPretrain text', () => {
    expect(() => new VAN({ arch: 'huge' })).toThrow("Arch huge is not in default archs {'t', 'tiny', 's', 'small', 'b', 'base', 'l', 'large'}");
    expect(() => new VAN({ arch: { embed_dims: [8], depths: [1] } as never })).toThrow("Custom arch needs a dict with keys {'embed_dims', 'depths', 'ffn_ratios'}");
    expect(() => new VAN({ arch: tinyArch, block_cfgs: { ffn_ratio: 2 } as never })).toThrow(/VAN block_cfgs: unknown option 'ffn_ratio'/);
    expect(() => MODELS.build({ type: 'VAN', arch: 'tiny', drop_path: 0.1 })).toThrow(/VAN: unknown option 'drop_path' — did you mean 'drop_path_rate'/);
  });
});
