/**
 * RevVisionTransformer beyond the zoo fixture: metafile parameter counts, reversibility of the layers (the inputs
 * are recovered from the outputs), fusion modes, out_type, frozen_stages and the error texts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { useBackend } from '../node';
import { groupKCases, runGroupKCase } from './__fixtures__/group_k/load';
import { registerModels } from '../register_all';
import { REVVIT_ARCH, RevTransformerEncoderLayer, RevVisionTransformer } from './revvit';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const tiny = { embed_dims: 16, num_layers: 3, num_heads: 2, feedforward_channels: 32 };
const maxDiff = (a: Tensor, b: Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('RevVisionTransformer', () => {
  // The metafile figures (22,435,432 and 87,337,192) are 2·C above MMPretrain 1.2's class with its config defaults:
  // they include a class token and its pos_embed slot (with_cls_token=True gives them exactly).
  it('parameter counts: the revvit-small / revvit-base configs, and the metafile figures with a class token', () => {
    const cases = [['deit-small', 384, 22_435_432], ['deit-base', 768, 87_337_192]] as const;
    for (const [arch, c, params] of cases) {
      for (const withCls of [false, true]) {
        const m = MODELS.build<ImageClassifier>({
          type: 'ImageClassifier',
          backbone: { type: 'RevVisionTransformer', arch, img_size: 224, patch_size: 16, out_type: 'avg_featmap', with_cls_token: withCls },
          head: { type: 'LinearClsHead', num_classes: 1000, in_channels: 2 * c },
        });
        expect(m.numParameters(), `${arch} cls=${withCls}`).toBe(withCls ? params : params - 2 * c);
        m.dispose();
      }
    }
    expect(Object.keys(REVVIT_ARCH).length).toBe(14);
    expect(REVVIT_ARCH['eva-g']).toBeUndefined();
  });

  it('a layer is reversible: x₂ = y₂ − ffn(ln2(y₁)), x₁ = y₁ − attn(ln1(x₂))', () => {
    const layer = new RevTransformerEncoderLayer({ embed_dims: 16, num_heads: 2, feedforward_channels: 32 });
    initWeights(layer, new Generator(1));
    layer.eval();
    const x1 = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 1);
    const x2 = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 2);
    const [y1, y2] = layer.forwardStreams(x1, x2);
    const r2 = tf.sub(y2, layer.child('ffn').call(layer.child('ln2').call(y1)) as Tensor);
    const r1 = tf.sub(y1, layer.child('attn').call(layer.child('ln1').call(r2)) as Tensor);
    expect(maxDiff(r1, x1)).toBeLessThan(1e-5);
    expect(maxDiff(r2, x2)).toBeLessThan(1e-5);
    const cat = layer.call(tf.concat([x1, x2], -1));
    expect(maxDiff(cat, tf.concat([y1, y2], -1))).toBe(0);
    tf.dispose([x1, x2, y1, y2, r1, r2, cat]);
    layer.dispose();
  });

  it('training drop path: one mask per sample for both branches (PyTorch reseeds the same generator)', () => {
    const layer = new RevTransformerEncoderLayer({ embed_dims: 8, num_heads: 2, feedforward_channels: 16, drop_path_rate: 0.5 });
    initWeights(layer, new Generator(2));
    layer.train();
    const x1 = tf.randomNormal([32, 3, 8], 0, 1, 'float32', 5);
    const x2 = tf.randomNormal([32, 3, 8], 0, 1, 'float32', 6);
    const [y1, y2] = layer.forwardStreams(x1, x2);
    const same = (a: Tensor, b: Tensor) => Array.from(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b)), [1, 2])).dataSync()).map((v) => v === 0);
    const s1 = same(y1, x1);
    const s2 = same(y2, x2);
    expect(s1).toEqual(s2);
    const dropped = s1.filter(Boolean).length;
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(32);
    layer.eval();
    const [e1] = layer.forwardStreams(x1, x2);
    expect(same(e1, x1).some(Boolean)).toBe(false);
    tf.dispose([x1, x2, y1, y2, e1]);
    layer.dispose();
  });

  it('fusion modes and out types give the documented shapes; final ln1 spans both streams', () => {
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3);
    const shapes: Record<string, number[]> = {};
    const outs: Tensor[] = [];
    for (const fusion_mode of ['concat', 'add', 'max', 'min', 'avg'] as const) {
      const m = new RevVisionTransformer({ arch: tiny, img_size: 32, patch_size: 8, fusion_mode });
      initWeights(m, new Generator(0));
      m.eval();
      expect(m.stateDictShapes().get('ln1.weight')).toEqual([32]);
      const [y] = m.call(x);
      shapes[fusion_mode] = y.shape;
      outs.push(y);
      m.dispose();
    }
    expect(shapes).toEqual({ concat: [2, 32], add: [2, 16], max: [2, 16], min: [2, 16], avg: [2, 16] });
    // add = 2·avg, max ≥ min.
    expect(maxDiff(outs[1], tf.mul(outs[4], 2))).toBeLessThan(1e-5);
    expect(tf.min(tf.sub(outs[2], outs[3])).dataSync()[0]).toBeGreaterThanOrEqual(0);
    const f = new RevVisionTransformer({ arch: tiny, img_size: 32, patch_size: 8, out_type: 'featmap' });
    const [fm] = f.call(x);
    expect(fm.shape).toEqual([2, 4, 4, 32]);
    const c = new RevVisionTransformer({ arch: tiny, img_size: 32, patch_size: 8, out_type: 'cls_token', with_cls_token: true });
    expect([...c.stateDictShapes().keys()].slice(0, 2)).toEqual(['cls_token', 'pos_embed']);
    expect(c.stateDictShapes().get('pos_embed')).toEqual([1, 17, 16]);
    const [ct] = c.call(x);
    expect(ct.shape).toEqual([2, 32]);
    const noNorm = new RevVisionTransformer({ arch: tiny, img_size: 32, patch_size: 8, final_norm: false, out_type: 'raw' });
    expect([...noNorm.stateDictShapes().keys()].some((k) => k.startsWith('ln1.'))).toBe(false);
    const [raw] = noNorm.call(x);
    expect(raw.shape).toEqual([2, 16, 32]);
    tf.dispose([x, fm, ct, raw, ...outs]);
    f.dispose();
    c.dispose();
    noNorm.dispose();
  });

  it('frozen_stages: embeddings, the first layers and (all frozen) the final norm; no leak', () => {
    const m = new RevVisionTransformer({ arch: tiny, img_size: 32, patch_size: 8, frozen_stages: 3 });
    m.train();
    const trainable = m.namedParameters().filter(([, v]) => v.trainable).map(([k]) => k);
    expect(trainable).toEqual([]);
    const p = new RevVisionTransformer({ arch: tiny, img_size: 32, patch_size: 8, frozen_stages: 1, drop_path_rate: 0.2 });
    p.train();
    const frozen = p.namedParameters().filter(([, v]) => !v.trainable).map(([k]) => k);
    expect(frozen).toContain('layers.0.ffn.layers.1.weight');
    expect(frozen.some((k) => k.startsWith('layers.1.') || k.startsWith('ln1.'))).toBe(false);
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 4);
    tf.dispose(p.call(x));
    const before = tf.memory().numTensors;
    tf.dispose(p.call(x));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
    p.dispose();
  });

  it('bad arch and options fail with clear messages', () => {
    expect(() => new RevVisionTransformer({ arch: 'eva-g' })).toThrow(/Arch eva-g is not in default archs/);
    expect(() => new RevVisionTransformer({ arch: { embed_dims: 8 } as never })).toThrow(/Custom arch needs a dict with keys/);
    expect(() => new RevVisionTransformer({ arch: tiny, out_type: 'cls_token' })).toThrow('with_cls_token must be True when `out_type="cls_token"`.');
    expect(() => new RevVisionTransformer({ arch: tiny, fusion_mode: 'mul' as never })).toThrow(/NotImplementedError/);
    expect(() => new RevVisionTransformer({ arch: tiny, out_indices: [0] } as never)).toThrow(/out_indices/);
  });

  for (const name of groupKCases('revvit')) {
    it(`matches MMPretrain on PyTorch: ${name} (__fixtures__/group_k)`, async () => {
      const r = await runGroupKCase(name);
      console.log(`[group_k] ${name}: ${r.errors.map((e) => e.toExponential(2)).join(' ')}`);
      expect(r.keysMatch).toBe(true);
      for (const e of r.errors) expect(e).toBeLessThan(1e-4);
      expect(r.leak).toBe(0);
    });
  }
});
