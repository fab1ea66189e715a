/**
 * TNT beyond the zoo fixture: other settings (qkv bias, ffn ratio, three FFN layers, LN eps, a non-square input,
 * other strides and patch sizes) against MMPretrain 1.2's own `tnt.py` on PyTorch (group Q), MMPretrain's
 * parameter counts (metafile: TNT-S 23.76M with its 1000-class head), get_flops' count of the attention inside
 * `nn.MultiheadAttention`, a training step on WASM, and MMPretrain's messages for bad input.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tf } from '../../backends/tf';
import { expectEveryParameterReached, expectFixtureParity } from '../testing/family_checks';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { MODELS } from '../../registry';
import { getModelComplexityInfo } from '../analysis/complexity';
import type { ImageClassifier } from '../classifiers/image';
import { initWeights } from '../nn/init';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { groupQCase, runGroupQCase } from './__fixtures__/group_q/load';
import { TNT, TNT_ARCH_ZOO } from './tnt';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
  registerTrainingKernels('wasm');
});

const build = (cfg: Record<string, unknown>) => MODELS.build<TNT>({ type: 'TNT', ...cfg });
const archParams = (JSON.parse(readFileSync(fileURLToPath(new URL('./__fixtures__/group_q/cases.json', import.meta.url)), 'utf8')) as { arch_params: Record<string, number> }).arch_params;
const tiny = { embed_dims_outer: 16, embed_dims_inner: 4, num_layers: 2, num_heads_outer: 2, num_heads_inner: 2 };

describe('TNT', () => {
  for (const name of ['tnt_custom', 'tnt_p9_s3']) {
    it(`${name}: keys, output within 1e-4 of MMPretrain, no leak`, async () => {
      const c = groupQCase(name);
      const { type, ...cfg } = c.cfg;
      expect(type).toBe('TNT');
      const m = build(cfg);
      await expectFixtureParity(name, m, () => runGroupQCase(m, c), { outputs: 1 });
    });
  }

  it('parameter counts equal MMPretrain 1.2 (s, b) and the metafile with the config head (TNT-S 23.76M)', () => {
    expect(Object.keys(TNT_ARCH_ZOO).sort()).toEqual(['b', 'base', 's', 'small']);
    for (const arch of ['s', 'b'] as const) {
      const m = build({ arch });
      expect(m.numParameters(), arch).toBe(archParams[`TNT:${arch}`]);
      m.dispose();
    }
    const cls = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'TNT', arch: 'small', qkv_bias: false }, neck: null, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: 384 } });
    expect(Math.round(cls.numParameters() / 1e4)).toBe(2376);
    cls.dispose();
    // qkv_bias adds in_proj_bias (3·C) to each inner and outer attention.
    const a = build({ arch: tiny, img_size: 32 });
    const b = build({ arch: tiny, img_size: 32, qkv_bias: true });
    expect(b.numParameters() - a.numParameters()).toBe(2 * (3 * 4 + 3 * 16));
    a.dispose();
    b.dispose();
  });

  it('get_flops counts the in-projection and both attention products of nn.MultiheadAttention', () => {
    const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'TNT', arch: tiny, img_size: 32, patch_size: 8 }, neck: null, head: { type: 'LinearClsHead', num_classes: 10, in_channels: 16 } });
    try {
      const { stats } = getModelComplexityInfo(m, [3, 32, 32]);
      // inner: 16 patches × 4 pixels × 4 channels; outer: 17 tokens × 16 channels (batch 1)
      const mha = (b: number, n: number, c: number) => b * n * c * 3 * c + 2 * b * n * n * c;
      expect(stats.flops.get('backbone.layers.0.inner_block.attn.attn')).toBe(mha(16, 4, 4) + 16 * 4 * 4 * 4);
      expect(stats.flops.get('backbone.layers.1.outer_block.attn.attn')).toBe(mha(1, 17, 16) + 17 * 16 * 16);
    } finally {
      m.dispose();
    }
  });

  it('a WASM training step (qkv bias, drop path, dropout) gives every parameter a finite non-zero gradient, no leak', () => {
    const m = build({ arch: tiny, img_size: 32, patch_size: 8, qkv_bias: true, drop_path_rate: 0.1, drop_rate: 0.1, attn_drop_rate: 0.1 });
    try {
      initWeights(m);
      m.train();
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1);
      expect(m.namedParameters().every(([, p]) => p.trainable)).toBe(true);
      expectEveryParameterReached(m, () => tf.sum(tf.square(m.call(x)[0])) as tf.Scalar);
      x.dispose();
    } finally {
      m.dispose();
    }
  });

  it("MMPretrain's messages: unknown arch, incomplete custom arch, wrong input size", () => {
    expect(() => build({ arch: 'tiny' })).toThrow("Arch tiny is not in default archs {'s', 'small', 'b', 'base'}");
    expect(() => build({ arch: 'Large' })).toThrow('Arch large is not in default archs');
    const { num_layers, ...partial } = tiny;
    void num_layers;
    expect(() => build({ arch: partial })).toThrow("Custom arch needs a dict with keys {'embed_dims_outer', 'embed_dims_inner', 'num_layers', 'num_heads_inner', 'num_heads_outer'}");
    expect(() => build({ arch: { ...tiny, extra: 1 } })).toThrow('Custom arch needs a dict with keys');
    const s = build({ arch: 'S' });
    expect(s.archSettings).toEqual({ embed_dims_outer: 384, embed_dims_inner: 24, num_layers: 12, num_heads_outer: 6, num_heads_inner: 4 });
    s.dispose();
    const m = build({ arch: tiny, img_size: 32, patch_size: 8 });
    try {
      expect(() => tf.tidy(() => m.call(tf.zeros([1, 32, 48, 3])))).toThrow("Input image size (32*48) doesn't match model (32*32).");
    } finally {
      m.dispose();
    }
  });
});
