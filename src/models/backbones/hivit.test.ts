import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { gradientStep } from '../testing/gradients';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { MODELS } from '../../registry';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { initWeights } from '../nn/init';
import { toNCHW } from '../nn/layout';
import { groupOCase, runGroupOCase } from './__fixtures__/group_o/load';
import type { HiViT } from './hivit';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
  registerTrainingKernels('wasm');
});

const build = (cfg: Record<string, unknown>) => MODELS.build<HiViT>({ type: 'HiViT', ...cfg });

describe('HiViT', () => {
  for (const name of ['hivit_rpe_ls', 'hivit_plain']) {
    it(`${name}: keys, outputs within 1e-4 of MMPretrain, no leak`, async () => {
      const c = groupOCase(name);
      const { type, ...cfg } = c.cfg;
      expect(type).toBe('HiViT');
      const m = build(cfg);
      try {
        const { keysMatch, errors } = await runGroupOCase(m, c);
        console.log(`[${name}] ${errors.map((e) => e.toExponential(2)).join(' ')}`);
        expect(keysMatch).toBe(true);
        for (const e of errors) expect(e).toBeLessThan(1e-4);
        const before = tf.memory().numTensors;
        await runGroupOCase(m, c);
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        m.dispose();
      }
    });
  }

  it('parameter counts (rpe, as the zoo configs) with a 1000-class linear head equal the metafile', () => {
    for (const [arch, dims, metafile] of [['tiny', 384, 19.181e6], ['small', 384, 37.526e6], ['base', 512, 79.051e6]] as const) {
      const m = build({ arch, rpe: true });
      expect(Math.round((m.numParameters() + dims * 1000 + 1000) / 1000), arch).toBe(metafile / 1000);
      m.dispose();
    }
  });

  it('out_indices (last replaced by depths[-1] - 1, stem entries counted separately), stem maps, pos_embed resized for other inputs', () => {
    const m = build({ arch: { embed_dims: 32, depths: [1, 1, 7], num_heads: 2 }, img_size: 32, out_indices: [1, 5, 99] });
    try {
      initWeights(m);
      m.eval();
      expect(m.outIndices).toEqual([1, 5, 6]);
      const shapes = tf.tidy(() => {
        const outs = m.call(tf.randomNormal([1, 48, 64, 3], 0, 1, 'float32', 2));
        expect(outs.every((o) => o.dataSync().every(Number.isFinite))).toBe(true);
        return outs.map((o) => [...toNCHW(o).shape]);
      });
      // the same list serves both loops: stem block 1 (inner grids 4×4 of 8 channels), PatchMerge 5 (1×1 of 32),
      // then main blocks 1, 5 and 6 on the 3×4 patch grid
      expect(shapes).toEqual([[1, 8, 12, 16], [1, 32, 3, 4], [1, 32, 3, 4], [1, 32, 3, 4], [1, 32, 3, 4]]);
    } finally {
      m.dispose();
    }
  });

  it('frozen_stages freezes pos_embed, patch_embed and the first blocks; bad arch errors', () => {
    const m = build({ arch: { embed_dims: 32, depths: [1, 1, 2], num_heads: 2 }, img_size: 32, frozen_stages: 2 });
    try {
      m.train();
      expect(m.posEmbed!.trainable).toBe(false);
      expect(m.child('patch_embed').parameters().every((p) => !p.trainable)).toBe(true);
      expect(m.blocks.at(1).parameters().every((p) => !p.trainable)).toBe(true);
      expect(m.blocks.at(1).training).toBe(false);
      expect(m.blocks.at(2).parameters().every((p) => p.trainable)).toBe(true);
    } finally {
      m.dispose();
    }
    const t = build({ arch: 'tiny', img_size: 64 });
    expect(t.getLayerDepth('backbone.pos_embed', 'backbone.')).toEqual([0, 18]);
    expect(t.getLayerDepth('backbone.patch_embed.proj.weight', 'backbone.')).toEqual([0, 18]);
    expect(t.getLayerDepth('backbone.blocks.3.mlp.fc1.weight', 'backbone.')).toEqual([17, 18]);
    expect(t.getLayerDepth('head.layers.head.weight', 'backbone.')).toEqual([17, 18]);
    t.dispose();
    expect(() => build({ arch: 'huge' })).toThrow("Arch huge is not in default archs {'t', 'tiny', 's', 'small', 'b', 'base', 'l', 'large'}");
    expect(() => build({ arch: { embed_dims: 32, depths: [1, 1, 2] } })).toThrow("Custom arch needs a dict with keys {'embed_dims', 'depths', 'num_heads'}");
    expect(() => build({ arch: 'tiny', img_size: [224, 192], rpe: true })).toThrow('If you use relative position, make sure H == W of input size');
  });

  it('a WASM training step (rpe, layer scale, drop path) gives every trainable parameter a finite non-zero gradient, no leak', () => {
    const m = build({ arch: { embed_dims: 32, depths: [1, 1, 2], num_heads: 2 }, img_size: 32, rpe: true, layer_scale_init_value: 0.5, drop_path_rate: 0.1 });
    try {
      initWeights(m);
      m.train();
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1);
      const trainable = m.namedParameters().filter(([, p]) => p.trainable);
      const step = () => gradientStep(() => tf.sum(tf.square(m.call(x).at(-1)!)) as tf.Scalar, trainable).withoutGradient;
      expect(step()).toEqual([]);
      const before = tf.memory().numTensors;
      step();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    } finally {
      m.dispose();
    }
  });
});
