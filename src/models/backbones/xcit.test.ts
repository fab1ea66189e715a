/**
 * XCiT beyond the zoo fixture: MMPretrain 1.2's source on PyTorch (patch 16 with featmap outputs from both layer
 * kinds, raw tokens without position encoding or class-attention layer scale, avg_featmap on a non-square input of
 * another size), metafile parameter counts, frozen stages, error messages.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import { useBackend } from '../node';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { registerModels } from '../register_all';
import type { XCiT } from './xcit';
import { measureGroupLCase } from './__fixtures__/group_l/load';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const build = (cfg: Record<string, unknown>) => MODELS.build<XCiT>({ type: 'XCiT', ...cfg });

describe('XCiT', () => {
  for (const name of ['xcit_p16_featmap', 'xcit_raw_nopos', 'xcit_avg_dynamic']) {
    it(`${name}: PyTorch keys, strict load, outputs within 1e-4, no leak`, async () => {
      const r = await measureGroupLCase(name, build);
      console.log(`[XCiT ${name}] ${r.errors.map((e) => e.toExponential(2)).join(' ')}`);
      expect(r.keys).toEqual(r.refKeys);
      expect(r.errors.length).toBeGreaterThan(1);
      for (const e of r.errors) expect(e).toBeLessThan(1e-4);
      expect(r.leak).toBe(0);
    });
  }

  // Metafile "Parameters" = backbone + LinearClsHead(1000).
  const archs: [string, Record<string, unknown>, number][] = [
    ['xcit-nano-12-p16', { patch_size: 16, embed_dims: 128, depth: 12, num_heads: 4, tokens_norm: false }, 3_053_224],
    ['xcit-nano-12-p8', { patch_size: 8, embed_dims: 128, depth: 12, num_heads: 4, tokens_norm: false }, 3_049_016],
    ['xcit-tiny-12-p8', { patch_size: 8, embed_dims: 192, depth: 12, num_heads: 4, tokens_norm: true }, 6_706_504],
    ['xcit-tiny-24-p16', { patch_size: 16, embed_dims: 192, depth: 24, num_heads: 4, tokens_norm: true, layer_scale_init_value: 1e-5 }, 12_116_896],
  ];
  for (const [name, cfg, params] of archs) {
    it(`${name}: ${params} parameters as the metafile`, () => {
      const m = build(cfg);
      expect(m.numParameters() + m.embedDims * 1000 + 1000).toBe(params);
      m.dispose();
    });
  }

  it('frozen_stages: stem, then XCA layers i-1 for i < frozen_stages, cls_token past the XCA layers, norm at the end', () => {
    const base = { img_size: 16, patch_size: 8, embed_dims: 16, depth: 2, cls_attn_layers: 2, num_heads: 2 };
    const frozenOf = (m: XCiT) => new Set(m.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n.split('.').slice(0, 2).join('.')));
    let m = build({ ...base, frozen_stages: 1 });
    m.train();
    expect([...frozenOf(m)].sort()).toEqual(['patch_embed.proj', 'pos_embed.token_projection']);
    expect(m.child('patch_embed').training).toBe(false);
    expect(m.xcaLayers.at(0).training).toBe(true);
    m.dispose();
    m = build({ ...base, frozen_stages: 3 });
    m.train();
    expect([...frozenOf(m)].sort()).toEqual(['cls_token', 'patch_embed.proj', 'pos_embed.token_projection', 'xca_layers.0', 'xca_layers.1']);
    expect(m.xcaLayers.at(1).training).toBe(false);
    expect(m.caLayers.at(0).training).toBe(true);
    m.dispose();
    m = build({ ...base, frozen_stages: 4 });
    m.train();
    expect(frozenOf(m).has('ca_layers.0')).toBe(true);
    expect(frozenOf(m).has('ca_layers.1')).toBe(false);
    expect(frozenOf(m).has('norm.weight')).toBe(true);
    m.dispose();
    expect(() => build({ ...base, frozen_stages: 6 })).toThrow('frozen_stages must be less than 4 but get 6');
  });

  it('out_indices, out_type and option errors as MMPretrain', () => {
    const base = { img_size: 16, patch_size: 8, embed_dims: 16, depth: 2, cls_attn_layers: 1, num_heads: 2 };
    expect(() => build({ ...base, patch_size: 4 })).toThrow('For patch embedding, the patch size must be 16 or 8, but get patch size 4.');
    expect(() => build({ ...base, img_size: 20 })).toThrow('`patch_size` (8) should divide the image shape ((20, 20)) evenly.');
    expect(() => build({ ...base, out_indices: [4] })).toThrow('Invalid out_indices 4.');
    expect(build({ ...base, out_indices: [3, -3] }).outIndices).toEqual([3, 0]);
    const x = tf.randomNormal([1, 16, 16, 3], 0, 1, 'float32', 2);
    const noCls = build({ ...base, out_indices: [0] });
    noCls.eval();
    expect(() => noCls.call(x)).toThrow('Cannot output cls_token since there is no cls_token.');
    noCls.dispose();
    const noNorm = build({ ...base, final_norm: false });
    noNorm.eval();
    expect(() => noNorm.call(x)).toThrow("'XCiT' object has no attribute 'norm'");
    noNorm.dispose();
    const fm = build({ ...base, out_type: 'featmap', out_indices: [0, 2] });
    fm.eval();
    const outs = fm.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 2, 2, 16], [1, 2, 2, 16]]);
    tf.dispose([x, ...outs]);
    fm.dispose();
  });

  it('training mode with dropout and drop path: every parameter gets a finite, non-zero gradient, no leak', () => {
    const m = build({ img_size: 16, patch_size: 8, embed_dims: 16, depth: 2, cls_attn_layers: 1, num_heads: 2, drop_rate: 0.1, attn_drop_rate: 0.1, drop_path_rate: 0.2, out_type: 'raw', out_indices: [0, 2] });
    initWeights(m, new Generator(3));
    registerTrainingKernels('wasm');
    m.train();
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 5);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.addN(m.call(x).map((o) => tf.sum(tf.square(o)))) as tf.Scalar));
      const bad = Object.entries(grads).filter(([, g]) => {
        const d = g.dataSync();
        return !d.every(Number.isFinite) || d.every((v) => v === 0);
      });
      tf.dispose([value, ...Object.values(grads)]);
      return bad.length;
    };
    expect(step()).toBe(0);
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });
});
