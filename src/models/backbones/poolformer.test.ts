/**
 * PoolFormer beyond the zoo fixture: MMPretrain's source on PyTorch with equal neighbouring widths (no downsampling
 * between them, so `network` is shorter), pool size 5, GN with 4 groups, fractional MLP ratios, custom patch
 * embeddings and four outputs; metafile parameter counts; MMPretrain's freezing rule; error messages.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import type { PoolFormer } from './poolformer';
import { backboneErrors, fixtureCase } from './__fixtures__/group_a/load';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const build = (cfg: Record<string, unknown>) => MODELS.build<PoolFormer>({ type: 'PoolFormer', ...cfg });
const tiny = { layers: [1, 1, 1, 1], embed_dims: [8, 16, 24, 32], mlp_ratios: [2, 2, 2, 2], layer_scale_init_value: 1e-5 };

describe('PoolFormer', () => {
  it('custom arch and options: PyTorch keys in order, strict load, outputs within 1e-4, no leak', async () => {
    const f = fixtureCase('poolformer_custom');
    const { type, ...cfg } = f.meta.cfg;
    expect(type).toBe('PoolFormer');
    const m = build(cfg);
    try {
      expect(m.network.length).toBe(5);
      expect([...m.stateDictShapes().keys()]).toEqual(f.meta.keys);
      m.loadStateDict(f.stateDict());
      m.eval();
      const errs = await backboneErrors(m, f.arrays.x, f.outs());
      console.log(`[PoolFormer custom] ${errs.map((e) => e.toExponential(2)).join(' ')}`);
      for (const e of errs) expect(e).toBeLessThan(1e-4);
      const before = tf.memory().numTensors;
      await backboneErrors(m, f.arrays.x, f.outs());
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      m.dispose();
    }
  });

  // Metafile "Parameters" (backbone + LinearClsHead 1000 classes after GAP).
  for (const [arch, params] of [['s12', 11_915_176], ['s24', 21_388_968], ['s36', 30_862_760], ['m36', 56_172_520]] as const) {
    it(`poolformer-${arch}: ${params} parameters as the metafile`, () => {
      const m = build({ arch });
      expect(m.numParameters() + m.embedDims[3] * 1000 + 1000).toBe(params);
      m.dispose();
    });
  }

  it("frozen_stages: MMPretrain's rule (patch_embed frozen from 0 on, then network[0..n-1] and their output norms)", () => {
    const frozenOf = (cfg: Record<string, unknown>) => {
      const m = build({ arch: tiny, ...cfg });
      m.train();
      const r = m.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n.split('.').slice(0, 2).join('.'));
      m.dispose();
      return [...new Set(r)];
    };
    expect(frozenOf({})).toEqual(['patch_embed.proj']);
    expect(frozenOf({ frozen_stages: -1 })).toEqual([]);
    expect(frozenOf({ frozen_stages: 2, out_indices: [0, 6] })).toEqual(['patch_embed.proj', 'network.0', 'network.1', 'norm0.weight', 'norm0.bias']);
  });

  it('out_indices: one normalised map per index, in network order, norm widths embed_dims[(i + 1) // 2]', () => {
    const m = build({ arch: tiny, out_indices: [4, 0, -1] });
    expect(m.outIndices).toEqual([4, 0, 6]);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['patch_embed', 'network', 'norm4', 'norm0', 'norm6']);
    m.eval();
    const x = tf.zeros([1, 64, 64, 3]);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 16, 16, 8], [1, 4, 4, 24], [1, 2, 2, 32]]);
    tf.dispose([x, ...outs]);
    m.dispose();
  });

  it('bad arch / options: MMPretrain messages', () => {
    expect(() => build({ arch: 's6' })).toThrow("Unavailable arch, please choose from ({'s12', 's24', 's36', 'm36', 'm48'}) or pass a dict.");
    expect(() => build({ arch: { layers: [1, 1, 1, 1] } })).toThrow('The arch dict must have "layers" and "embed_dims", but got [\'layers\'].');
    expect(() => build({ arch: tiny, in_channels: 4 })).toThrow(/PoolFormer: unknown option 'in_channels'/);
  });
});
