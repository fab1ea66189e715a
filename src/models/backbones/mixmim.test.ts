/**
 * MixMIMTransformer beyond the zoo fixture: other settings (custom arch with extra keys, uneven depths, no qkv bias,
 * mlp ratio, LN eps, grids smaller than the window, a non-square input, a bias-free patch embedding) and a block
 * given MixMIM's pre-training mask, against MMPretrain 1.2's own `mixmim.py` on PyTorch (group Q); MMPretrain's
 * parameter counts (metafile: 88,344,352 with the config's 1024→1000 head), get_flops' attention matmuls, the frozen
 * `absolute_pos_embed`, `get_layer_depth`, a training step on WASM and MMPretrain's messages for bad input.
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
import { blockMask, groupQCase, runGroupQCase } from './__fixtures__/group_q/load';
import { MIXMIM_ARCH_ZOO, MixMIMBlock, MixMIMTransformer } from './mixmim';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
  registerTrainingKernels('wasm');
});

const build = (cfg: Record<string, unknown>) => MODELS.build<MixMIMTransformer>({ type: 'MixMIMTransformer', ...cfg });
const archParams = (JSON.parse(readFileSync(fileURLToPath(new URL('./__fixtures__/group_q/cases.json', import.meta.url)), 'utf8')) as { arch_params: Record<string, number> }).arch_params;
const tiny = { embed_dims: 8, depths: [1, 1, 1, 1], num_heads: [1, 2, 2, 4] };

describe('MixMIMTransformer', () => {
  for (const name of ['mixmim_custom', 'mixmim_rect']) {
    it(`${name}: keys, output within 1e-4 of MMPretrain, no leak`, async () => {
      const c = groupQCase(name);
      const { type, ...cfg } = c.cfg;
      expect(type).toBe('MixMIMTransformer');
      const m = build(cfg);
      await expectFixtureParity(name, m, () => runGroupQCase(m, c), { outputs: 1 });
    });
  }

  it('a block with the pre-training attn_mask (attention within each image) and without, as MMPretrain', async () => {
    const c = groupQCase('mixmim_block_mask');
    const { type, ...cfg } = c.cfg;
    expect(type).toBe('MixMIMBlock');
    const blk = new MixMIMBlock(cfg as unknown as ConstructorParameters<typeof MixMIMBlock>[0]);
    const [, , h, w] = c.input_shape;
    const mask = tf.tensor3d(blockMask(h, w), [1, h * w, 1]);
    try {
      expect(blk.windowSize).toBe(4);
      const run = (x: tf.Tensor) => [blk.forwardMasked(x, mask), blk.call(x)];
      const { keysMatch, errors } = await runGroupQCase(blk, c, run);
      console.log(`[mixmim_block_mask] ${errors.map((e) => e.toExponential(2)).join(' ')}`);
      expect(keysMatch).toBe(true);
      expect(errors.length).toBe(2);
      for (const e of errors) expect(e).toBeLessThan(1e-4);
      // the mask changes the result (the two references differ)
      const [a, b] = tf.tidy(() => run(tf.randomNormal([2, h, w, 8], 0, 1, 'float32', 5)));
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeGreaterThan(1e-3);
      tf.dispose([a, b]);
    } finally {
      mask.dispose();
      blk.dispose();
    }
  });

  it('parameter counts equal MMPretrain 1.2 (base, large) and the metafile with the config head (88,344,352)', () => {
    expect(Object.keys(MIXMIM_ARCH_ZOO).sort()).toEqual(['b', 'base', 'h', 'huge', 'l', 'large']);
    expect(MIXMIM_ARCH_ZOO.huge).toEqual({ embed_dims: 352, depths: [2, 2, 18, 2], num_heads: [11, 22, 44, 88] });
    for (const arch of ['base', 'l'] as const) {
      const m = build({ arch });
      expect(m.numParameters(), arch).toBe(archParams[`MixMIMTransformer:${arch}`]);
      m.dispose();
    }
    const cls = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'MixMIMTransformer', arch: 'B', drop_path_rate: 0.1 }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: 1024 } });
    expect(cls.numParameters()).toBe(88344352);
    // absolute_pos_embed is a parameter with requires_grad=False
    expect(cls.numParameters(true)).toBe(88344352 - 56 * 56 * 128);
    cls.dispose();
  });

  it('get_flops counts q·kᵀ and attn·v of every window attention', () => {
    const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'MixMIMTransformer', arch: tiny, img_size: 64, window_size: [4, 4, 4, 2] }, head: { type: 'LinearClsHead', num_classes: 10, in_channels: 64 } });
    try {
      const { stats } = getModelComplexityInfo(m, [3, 64, 64]);
      // layer 0: a 16×16 grid of 8 channels in 16 windows of 16 tokens; layer 3: one 2×2 window of 64 channels
      const linear = (t: number, c: number) => t * c * 3 * c + t * c * c;
      expect(stats.flops.get('backbone.layers.0.blocks.0.attn')).toBe(2 * 16 * 16 * 16 * 8 + linear(256, 8));
      expect(stats.flops.get('backbone.layers.3.blocks.0.attn')).toBe(2 * 1 * 4 * 4 * 64 + linear(4, 64));
    } finally {
      m.dispose();
    }
  });

  it('a WASM training step (drop path) gives every trainable parameter a finite non-zero gradient; absolute_pos_embed stays frozen', () => {
    // (a 1×1 window's softmax is constant: its bias table gets no gradient, in PyTorch too; the last grid here is 2×2)
    const m = build({ arch: tiny, img_size: 32, patch_size: 2, window_size: [4, 2, 2, 2], drop_path_rate: 0.1, attn_drop_rate: 0.1 });
    try {
      initWeights(m);
      tf.tidy(() => m.absolutePosEmbed.assign(tf.randomNormal(m.absolutePosEmbed.shape, 0, 0.02, 'float32', 3)));
      m.train();
      m.requiresGrad(true);
      expect(m.absolutePosEmbed.trainable).toBe(false);
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1);
      expect(m.namedParameters().filter(([, p]) => p.trainable).length).toBe(m.namedParameters().length - 1);
      expectEveryParameterReached(m, () => tf.sum(tf.square(m.call(x)[0])) as tf.Scalar);
      x.dispose();
    } finally {
      m.dispose();
    }
  });

  it('get_layer_depth as MMPretrain (stem 0, block j of layer i at sum(depths[:i]) + j + 1, downsample with its layer)', () => {
    const m = build({ arch: { embed_dims: 8, depths: [2, 2, 3, 1], num_heads: [1, 1, 1, 1] }, img_size: 32, window_size: [2, 2, 2, 1] });
    try {
      const d = (n: string) => m.getLayerDepth(n, 'backbone.');
      expect(d('backbone.absolute_pos_embed')).toEqual([0, 10]);
      expect(d('backbone.patch_embed.projection.weight')).toEqual([0, 10]);
      expect(d('backbone.layers.0.blocks.1.attn.qkv.weight')).toEqual([2, 10]);
      expect(d('backbone.layers.2.blocks.0.ln1.weight')).toEqual([5, 10]);
      expect(d('backbone.layers.1.downsample.reduction.weight')).toEqual([4, 10]);
      expect(d('backbone.norm.weight')).toEqual([8, 10]);
      expect(d('neck.x')).toEqual([8, 10]);
      expect(d('head.fc.weight')).toEqual([9, 10]);
    } finally {
      m.dispose();
    }
  });

  it("MMPretrain's messages: unknown arch, custom arch without the essential keys, wrong input size", () => {
    expect(() => build({ arch: 'tiny' })).toThrow("Arch tiny is not in default archs {'b', 'base', 'l', 'large', 'h', 'huge'}");
    expect(() => build({ arch: { embed_dims: 8, depths: [1, 1] } })).toThrow("Custom arch needs a dict with keys {'embed_dims', 'depths', 'num_heads'}");
    const m = build({ arch: tiny, img_size: 32, window_size: [2, 2, 2, 1] });
    try {
      expect(() => tf.tidy(() => m.call(tf.zeros([1, 64, 64, 3])))).toThrow('the input image must have the backbone');
    } finally {
      m.dispose();
    }
  });
});
