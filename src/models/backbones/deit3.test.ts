/**
 * DeiT3: metafile parameter counts, layer scale keys and values, the patch-only position embedding (added before
 * the class token; resized at load and for other inputs), out types, MMPretrain 1.2's unused `ln2`, option errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { MODELS } from '../../registry';
import { readConfigFile, useBackend } from '../node';
import { buildClassifier } from '../builder';
import type { ImageClassifier } from '../classifiers/image';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { registerModels } from '../register_all';
import { resizePosEmbed } from '../utils/embed';
import { DeiT3 } from './deit3';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const tiny = { embed_dims: 32, num_layers: 2, num_heads: 2, feedforward_channels: 64 };
const make = (o: Record<string, unknown> = {}, seed = 1): DeiT3 => {
  const m = new DeiT3({ arch: tiny, img_size: 32, patch_size: 8, ...o });
  initWeights(m, new Generator(seed));
  return m.eval();
};
const input = (s = 32, seed = 3) => tf.randomNormal([2, s, s, 3], 0, 1, 'float32', seed);

describe('DeiT3', () => {
  it.each([
    ['deit3-small-p16_64xb64_in1k', 22_059_496],
    ['deit3-small-p16_64xb64_in1k-384px', 22_205_416],
    ['deit3-medium-p16_64xb64_in1k', 38_849_512],
  ])('configs/deit3/%s.py has the metafile parameter count', (name, params) => {
    const m = buildClassifier(readConfigFile(`configs/deit3/${name}.py`), { seed: null });
    try {
      expect(m.numParameters()).toBe(params);
    } finally {
      m.dispose();
    }
  });

  it('has every arch of arch_zoo and MMPretrain’s errors', () => {
    for (const [a, dims] of [['s', 384], ['medium', 512], ['B', 768]] as const) {
      const m = new DeiT3({ arch: a, img_size: 32, patch_size: 16 });
      expect(m.embedDims).toBe(dims);
      m.dispose();
    }
    expect(() => new DeiT3({ arch: 'tiny' })).toThrow('Arch tiny is not in default archs');
    expect(() => new DeiT3({ arch: { embed_dims: 8 } as never })).toThrow('Custom arch needs a dict with keys');
    expect(() => new DeiT3({ frozen_stages: 1 } as never)).toThrow(/frozen_stages/);
    expect(() => new DeiT3({ arch: tiny, with_cls_token: false })).toThrow('with_cls_token must be True when `out_type="cls_token"`.');
  });

  it('registers layer scale as gamma1.weight / gamma2.weight (1e-5), none without use_layer_scale', () => {
    const m = new DeiT3({ arch: tiny, img_size: 32, patch_size: 8 });
    const keys = [...m.stateDictShapes().keys()];
    expect(keys.slice(0, 3)).toEqual(['cls_token', 'pos_embed', 'patch_embed.projection.weight']);
    expect(m.stateDictShapes().get('pos_embed')).toEqual([1, 16, 32]);
    expect(keys).toContain('layers.1.attn.gamma1.weight');
    expect(keys).toContain('layers.1.ffn.gamma2.weight');
    expect(m.layers.at(0).child('ffn').child('gamma2').param('weight').dataSync()[0]).toBeCloseTo(1e-5, 10);
    m.dispose();
    const n = new DeiT3({ arch: tiny, img_size: 32, patch_size: 8, use_layer_scale: false });
    expect([...n.stateDictShapes().keys()].some((k) => k.includes('gamma'))).toBe(false);
    n.dispose();
  });

  it('normalises the FFN input with ln1 (MMPretrain 1.2): ln2 does not change the output', () => {
    const m = make();
    const x = input();
    const a = m.call(x)[0];
    m.layers.at(0).child('ln2').param('weight').assign(tf.fill([32], 3));
    const b = m.call(x)[0];
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    tf.dispose([a, b, x]);
    m.dispose();
  });

  it('gives cls_token / raw / featmap outputs; avg_featmap fails at forward as in MMPretrain (no ln2)', () => {
    const x = input();
    const shapes = (o: Record<string, unknown>) => {
      const m = make(o);
      const outs = m.call(x);
      const s = outs.map((t) => t.shape);
      tf.dispose(outs);
      m.dispose();
      return s;
    };
    expect(shapes({ out_indices: [0, 1] })).toEqual([[2, 32], [2, 32]]);
    expect(shapes({ out_type: 'raw' })).toEqual([[2, 17, 32]]);
    expect(shapes({ out_type: 'featmap' })).toEqual([[2, 4, 4, 32]]); // NHWC inside
    expect(shapes({ out_type: 'featmap', with_cls_token: false })).toEqual([[2, 4, 4, 32]]);
    expect(shapes({ out_type: 'raw', with_cls_token: false })).toEqual([[2, 16, 32]]);
    const m = make({ out_type: 'avg_featmap' });
    expect([...m.stateDictShapes().keys()]).not.toContain('ln2.weight');
    expect(() => m.call(x)).toThrow(/no attribute 'ln2'/);
    m.dispose();
    x.dispose();
  });

  it('adds pos_embed to the patch tokens only (before the class token), resized for another input size', () => {
    const m = make({ out_type: 'raw' });
    let tokens: Tensor | null = null;
    let layerIn: Tensor | null = null;
    m.child('patch_embed').registerForwardHook((_m, _i, o) => (tokens = tf.keep(tf.clone(o as Tensor))));
    m.layers.at(0).registerForwardHook((_m, i) => (layerIn = tf.keep(tf.clone(i as Tensor))));
    const x = input(48);
    tf.dispose(m.call(x));
    expect(layerIn!.shape).toEqual([2, 37, 32]);
    const cls = tf.slice(layerIn!, [0, 0, 0], [-1, 1, -1]);
    expect(tf.max(tf.abs(tf.sub(cls, m.clsToken!))).dataSync()[0]).toBe(0);
    const want = tf.add(tokens!, resizePosEmbed(m.posEmbed!, [4, 4], [6, 6], 'bicubic', 0));
    expect(tf.max(tf.abs(tf.sub(tf.slice(layerIn!, [0, 1, 0], [-1, -1, -1]), want))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, tokens!, layerIn!, cls, want]);
    m.dispose();
  });

  it('resizes a checkpoint pos_embed of another grid (no extra-token slot) at load', () => {
    const src = make({ img_size: 48 }, 5);
    const dst = new DeiT3({ arch: tiny, img_size: 32, patch_size: 8 });
    const report = dst.loadStateDict(src.stateDict());
    expect(report.shapeMismatches).toEqual([]);
    const want = resizePosEmbed(src.posEmbed!, [6, 6], [4, 4], 'bicubic', 0);
    expect(tf.max(tf.abs(tf.sub(want, dst.posEmbed!))).dataSync()[0]).toBeLessThan(1e-6);
    want.dispose();
    src.dispose();
    dst.dispose();
  });

  it('builds in a classifier and predicts', () => {
    const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'DeiT3', arch: tiny, img_size: 32, patch_size: 8, drop_path_rate: 0.1 }, head: { type: 'VisionTransformerClsHead', num_classes: 5, in_channels: 32 } });
    initWeights(m, new Generator(0));
    m.eval();
    const x = tf.randomNormal([2, 3, 32, 32], 0, 1, 'float32', 2);
    tf.dispose(m.call(x));
    const before = tf.memory().numTensors;
    const y = m.call(x) as Tensor;
    expect(y.shape).toEqual([2, 5]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });
});
