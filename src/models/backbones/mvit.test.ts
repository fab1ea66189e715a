/**
 * MViT beyond the zoo fixture, against MMPretrain 1.2's own `mvit.py` on PyTorch (group R, through group Q's set-up):
 * two heads, uneven stages and every scale out; absolute position embeddings without relative positions or residual
 * pooling, the width change in the MLP half, no qkv bias, another kv stride, a non-square input; and the default
 * attention on an input larger than `img_size` (position embeddings and relative tables resized at forward time)
 * with a 5×5 pooling kernel. Also a WASM training step and MMPretrain's messages for bad archs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { MODELS } from '../../registry';
import { initWeights } from '../nn/init';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { expectEveryParameterReached, expectFixtureParity } from '../testing/family_checks';
import { fixtureCase, runGroupQCase } from './__fixtures__/group_q/load';
import type { MViT } from './mvit';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
  registerTrainingKernels('wasm');
});

const GROUP_R = new URL('./__fixtures__/group_r/', import.meta.url);
const build = (cfg: Record<string, unknown>) => MODELS.build<MViT>({ type: 'MViT', ...cfg });

describe('MViT', () => {
  for (const name of ['mvit_abs_pos', 'mvit_rel_pos_larger_input']) {
    it(`${name}: keys, every scale within 1e-4 of MMPretrain, no leak`, async () => {
      const c = fixtureCase(GROUP_R, name);
      const { type, ...cfg } = c.cfg;
      expect(type).toBe('MViT');
      const m = build(cfg);
      await expectFixtureParity(name, m, () => runGroupQCase(m, c), { outputs: c.out_shapes.length });
    });
  }

  it('a WASM training step (relative positions, residual pooling, drop path) reaches every parameter, no leak', () => {
    const m = build({ arch: { embed_dims: 8, num_layers: 3, num_heads: 1, downscale_indices: [2] }, img_size: 32, use_abs_pos_embed: true, drop_path_rate: 0.1, out_scales: [0, 1] });
    try {
      initWeights(m);
      m.train();
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1);
      expectEveryParameterReached(m, () => tf.addN(m.call(x).map((t) => tf.sum(tf.square(t)))) as tf.Scalar);
      x.dispose();
    } finally {
      m.dispose();
    }
  });

  it("MMPretrain's messages: unknown arch, incomplete custom arch", () => {
    expect(() => build({ arch: 'huge' })).toThrow("Arch huge is not in default archs {'tiny', 'small', 'base', 'large'}");
    expect(() => build({ arch: { embed_dims: 8, num_layers: 2, num_heads: 1 } })).toThrow("Custom arch needs a dict with keys {'embed_dims', 'num_layers', 'num_heads', 'downscale_indices'}");
  });
});
