/**
 * BEiTViT: metafile parameter counts (BEiT / BEiT v2 / CAE fine-tuning configs), the relative position bias options
 * (per layer, shared, none) and their keys, a shared checkpoint table expanded into per-layer tables at load, table
 * resizing at load, abs pos embed, qkv bias options, out types, frozen stages, gradients of the bias tables.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { readConfigFile, useBackend } from '../node';
import { buildClassifier } from '../builder';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { registerModels } from '../register_all';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { BEiTViT, type BEiTViTOptions } from './beit';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
  registerTrainingKernels('wasm');
});

const tiny = { embed_dims: 32, num_layers: 2, num_heads: 2, feedforward_channels: 64 };
const make = (o: BEiTViTOptions = {}, seed = 1): BEiTViT => {
  const m = new BEiTViT({ arch: tiny, img_size: 32, patch_size: 8, ...o });
  initWeights(m, new Generator(seed));
  // non-trivial tables, biases and layer scales
  tf.tidy(() => {
    for (const [n, v] of m.namedParameters()) if (/relative_position_bias_table|q_bias|v_bias|gamma_/.test(n)) v.assign(tf.randomNormal(v.shape, 0, 0.3, 'float32', n.length));
  });
  return m.eval();
};
const input = (s = 32) => tf.randomNormal([2, s, s, 3], 0, 1, 'float32', 3);
const maxDiff = (a: Tensor, b: Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('BEiTViT', () => {
  it.each([
    ['beit/benchmarks/beit-base-p16_8xb128-coslr-100e_in1k', 86_530_984],
    ['beitv2/benchmarks/beit-base-p16_8xb64_in1k', 86_530_984],
    ['cae/benchmarks/beit-base-p16_8xb128-coslr-100e_in1k', 86_682_280],
  ])('configs/%s.py has the metafile parameter count', (name, params) => {
    const m = buildClassifier(readConfigFile(`configs/${name}.py`), { seed: null });
    try {
      expect(m.numParameters()).toBe(params);
    } finally {
      m.dispose();
    }
  });

  it('has the arch table and MMPretrain’s errors', () => {
    const m = new BEiTViT({ arch: 'deit-tiny', img_size: 32, patch_size: 16 });
    expect(m.embedDims).toBe(192);
    expect(m.outType).toBe('avg_featmap');
    expect(m.finalNorm).toBe(false);
    m.dispose();
    expect(() => new BEiTViT({ arch: 'h' })).toThrow('Arch h is not in default archs');
    expect(() => new BEiTViT({ arch: tiny, use_shared_rel_pos_bias: true })).toThrow('`use_rel_pos_bias` and `use_shared_rel_pos_bias` cannot be set to True at the same time');
    expect(() => new BEiTViT({ arch: tiny, qkv_bias: false } as never)).toThrow(/qkv_bias/);
  });

  it('keys: per-layer tables, a shared table, abs pos embed, qkv bias options', () => {
    const keys = (o: BEiTViTOptions) => {
      const m = new BEiTViT({ arch: tiny, img_size: 32, patch_size: 8, ...o });
      const k = m.stateDictShapes();
      m.dispose();
      return k;
    };
    const perLayer = keys({});
    expect(perLayer.get('layers.0.attn.relative_position_bias_table')).toEqual([52, 2]);
    expect(perLayer.get('layers.0.attn.relative_position_index')).toEqual([17, 17]);
    expect(perLayer.has('pos_embed')).toBe(false);
    expect([...perLayer.keys()].slice(3, 5)).toEqual(['layers.0.gamma_1', 'layers.0.gamma_2']);
    const shared = keys({ use_rel_pos_bias: false, use_shared_rel_pos_bias: true, use_abs_pos_emb: true, final_norm: true, out_type: 'cls_token' });
    expect([...shared.keys()].slice(0, 6)).toEqual(['cls_token', 'pos_embed', 'patch_embed.projection.weight', 'patch_embed.projection.bias', 'rel_pos_bias.relative_position_bias_table', 'rel_pos_bias.relative_position_index']);
    expect(shared.get('pos_embed')).toEqual([1, 17, 32]);
    expect([...shared.keys()].some((k) => k.includes('attn.relative_position'))).toBe(false);
    expect(shared.has('ln1.weight') && !shared.has('ln2.weight')).toBe(true);
    const qkv = keys({ bias: true, layer_scale_init_value: 0 });
    expect(qkv.has('layers.0.attn.qkv.bias') && !qkv.has('layers.0.attn.q_bias') && !qkv.has('layers.0.gamma_1')).toBe(true);
    const none = keys({ bias: false });
    expect([...none.keys()].some((k) => /qkv\.bias|q_bias|v_bias/.test(k))).toBe(false);
  });

  it('a checkpoint with a shared table loads into per-layer tables and gives the same outputs', () => {
    const shared = make({ use_rel_pos_bias: false, use_shared_rel_pos_bias: true, out_indices: [0, 1] });
    const perLayer = new BEiTViT({ arch: tiny, img_size: 32, patch_size: 8, out_indices: [0, 1] }).eval();
    const report = perLayer.loadStateDict(shared.stateDict());
    expect(report).toEqual({ missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
    const x = input();
    const [a, b] = [shared.call(x), perLayer.call(x)];
    for (let i = 0; i < 2; i++) expect(maxDiff(a[i], b[i])).toBeLessThan(1e-5);
    tf.dispose([x, ...a, ...b]);
    shared.dispose();
    perLayer.dispose();
  });

  it('resizes per-layer tables of another grid at load (class-token rows kept)', () => {
    const src = make({ img_size: 48 }); // grid 6: 11·11 + 3 rows
    const dst = new BEiTViT({ arch: tiny, img_size: 32, patch_size: 8 });
    const report = dst.loadStateDict(src.stateDict());
    expect(report.shapeMismatches).toEqual([]);
    const t = dst.layers.at(1).child('attn').param('relative_position_bias_table');
    expect(t.shape).toEqual([52, 2]);
    const s = src.layers.at(1).child('attn').param('relative_position_bias_table');
    expect(maxDiff(tf.slice(t, [49, 0], [3, 2]), tf.slice(s, [121, 0], [3, 2]))).toBe(0);
    // the centre (zero offset) of the table stays on the grid point
    expect(maxDiff(tf.slice(t, [24, 0], [1, 2]), tf.slice(s, [60, 0], [1, 2]))).toBeLessThan(1e-5);
    src.dispose();
    dst.dispose();
  });

  it('out types; the relative bias needs the class token and the model grid', () => {
    const x = input();
    const shape = (o: BEiTViTOptions) => {
      const m = make(o);
      const y = m.call(x);
      const s = y.map((t) => t.shape);
      tf.dispose(y);
      m.dispose();
      return s;
    };
    expect(shape({})).toEqual([[2, 32]]);
    expect(shape({ out_type: 'cls_token', out_indices: [0, 1] })).toEqual([[2, 32], [2, 32]]);
    expect(shape({ out_type: 'raw' })).toEqual([[2, 17, 32]]);
    expect(shape({ out_type: 'featmap', use_rel_pos_bias: false, with_cls_token: false, use_abs_pos_emb: true })).toEqual([[2, 4, 4, 32]]);
    const m = make();
    const big = input(48);
    expect(() => m.call(big)).toThrow(/do not match the relative position bias/);
    big.dispose();
    m.dispose();
    x.dispose();
  });

  it('frozen_stages freezes the embeddings and the first layers', () => {
    const m = new BEiTViT({ arch: tiny, img_size: 32, patch_size: 8, frozen_stages: 1 });
    m.train();
    const frozen = m.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n);
    expect(frozen).toContain('cls_token');
    expect(frozen).toContain('patch_embed.projection.weight');
    expect(frozen).toContain('layers.0.attn.relative_position_bias_table');
    expect(frozen.some((n) => n.startsWith('layers.1.'))).toBe(false);
    expect(m.layers.at(0).training).toBe(false);
    m.dispose();
  });

  it('getLayerDepth as MMPretrain (layer-wise lr decay)', () => {
    const m = new BEiTViT({ arch: tiny, img_size: 32, patch_size: 8 });
    expect(m.getLayerDepth('backbone.cls_token', 'backbone.')).toEqual([0, 4]);
    expect(m.getLayerDepth('backbone.patch_embed.projection.weight', 'backbone.')).toEqual([0, 4]);
    expect(m.getLayerDepth('backbone.layers.1.attn.q_bias', 'backbone.')).toEqual([2, 4]);
    expect(m.getLayerDepth('backbone.ln2.weight', 'backbone.')).toEqual([3, 4]);
    expect(m.getLayerDepth('head.fc.weight', 'backbone.')).toEqual([3, 4]);
    m.dispose();
  });

  it('the per-layer and shared bias tables get gradients on WASM', () => {
    for (const o of [{}, { use_rel_pos_bias: false, use_shared_rel_pos_bias: true }]) {
      const m = make(o).train();
      const x = input();
      const vars = m.namedParameters().filter(([n]) => n.includes('relative_position_bias_table'));
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.call(x)[0])) as tf.Scalar, vars.map(([, v]) => v));
      expect(Object.keys(grads).length).toBe(vars.length);
      for (const g of Object.values(grads)) expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
      tf.dispose([value, ...Object.values(grads), x]);
      m.dispose();
    }
  });
});
