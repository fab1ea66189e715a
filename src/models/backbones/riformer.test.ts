/**
 * RIFormer beyond the zoo fixture: MMPretrain's source on PyTorch (custom arch, 2 input channels, GN with 2 groups,
 * four outputs) in the training form and after `switch_to_deploy()`; our `switchToDeploy()` gives PyTorch's folded
 * weights, keys (in PyTorch's post-switch order) and outputs, and its state dict loads strictly into a
 * `deploy: true` model. Metafile parameter counts, freezing rule, error messages.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { loadCheckpoint, writePth } from '../../fileio';
import { MODELS } from '../../registry';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { parityError } from '../testing/parity_core';
import type { RIFormer } from './riformer';
import { backboneErrors, fixtureCase } from './__fixtures__/group_a/load';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const build = (cfg: Record<string, unknown>) => MODELS.build<RIFormer>({ type: 'RIFormer', ...cfg });
const tiny = { layers: [1, 1, 1, 1], embed_dims: [8, 16, 24, 32], mlp_ratios: [2, 2, 2, 2] };

describe('RIFormer', () => {
  const f = fixtureCase('riformer_custom');
  const { type, ...cfg } = f.meta.cfg;

  it('training form: PyTorch keys in order, strict load, outputs within 1e-4, no leak', async () => {
    expect(type).toBe('RIFormer');
    const m = build(cfg);
    try {
      expect([...m.stateDictShapes().keys()]).toEqual(f.meta.keys);
      m.loadStateDict(f.stateDict());
      m.eval();
      const errs = await backboneErrors(m, f.arrays.x, f.outs());
      console.log(`[RIFormer train form] ${errs.map((e) => e.toExponential(2)).join(' ')}`);
      for (const e of errs) expect(e).toBeLessThan(1e-4);
      const before = tf.memory().numTensors;
      await backboneErrors(m, f.arrays.x, f.outs());
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      m.dispose();
    }
  });

  it("switchToDeploy: PyTorch's folded weights, keys and outputs; the state dict loads strictly into deploy: true", async () => {
    const m = build(cfg);
    const d = build({ ...cfg, deploy: true });
    try {
      m.loadStateDict(f.stateDict());
      m.eval();
      const before = tf.memory().numTensors;
      m.switchToDeploy();
      m.switchToDeploy(); // no-op once deployed
      expect(tf.memory().numTensors).toBeLessThan(before); // norm1 + affine freed, norm_reparam added
      expect(m.deploy).toBe(true);
      const sd = m.stateDict();
      // Exactly PyTorch's keys after switch_to_deploy (norm_reparam appended after mlp), with its values.
      expect([...sd.keys()]).toEqual(f.meta.deploy_keys);
      for (const [k, e] of f.stateDict('deploy_sd:')) expect(parityError(sd.get(k)!.data as Float32Array, e.data as Float32Array), k).toBeLessThan(1e-6);
      const errs = await backboneErrors(m, f.arrays.x, f.outs('deploy_out_'));
      console.log(`[RIFormer switched] ${errs.map((e) => e.toExponential(2)).join(' ')}`);
      for (const e of errs) expect(e).toBeLessThan(1e-4);
      // Same outputs as the training form too (the re-parameterisation is exact up to rounding).
      for (const e of await backboneErrors(m, f.arrays.x, f.outs())) expect(e).toBeLessThan(1e-4);

      // The deploy-form model has the same keys (its own order puts norm_reparam first) and loads the folded dict strictly.
      expect([...d.stateDictShapes().keys()].sort()).toEqual([...sd.keys()].sort());
      expect([...d.stateDictShapes()].map(([k, s]) => [k, s]).sort()).toEqual([...sd].map(([k, e]) => [k, e.shape]).sort());
      expect(d.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
      d.eval();
      for (const e of await backboneErrors(d, f.arrays.x, f.outs('deploy_out_'))) expect(e).toBeLessThan(1e-4);
      // Saved as an MMPretrain checkpoint (.pth) and read back: a deploy checkpoint.
      const asTensorData = new Map([...sd].map(([k, e]) => [k, { dtype: 'float32', originalDtype: 'float32', shape: e.shape, data: e.data as Float32Array } as const]));
      const ckpt = await loadCheckpoint(writePth(asTensorData), 'riformer_deploy.pth');
      expect([...ckpt.stateDict.keys()]).toEqual([...sd.keys()]);
      d.loadStateDict(ckpt.stateDict);
      for (const e of await backboneErrors(d, f.arrays.x, f.outs('deploy_out_'))) expect(e).toBeLessThan(1e-4);
      // …and PyTorch's own folded checkpoint as well.
      d.loadStateDict(f.stateDict('deploy_sd:'));
      for (const e of await backboneErrors(d, f.arrays.x, f.outs('deploy_out_'))) expect(e).toBeLessThan(1e-4);
    } finally {
      m.dispose();
      d.dispose();
    }
  });

  // Metafile "Parameters" (deploy form, rounded to thousands there; backbone + LinearClsHead 1000 classes after GAP).
  for (const [arch, params] of [['s12', 11_915_000], ['s24', 21_389_000], ['s36', 30_863_000], ['m36', 56_173_000]] as const) {
    it(`riformer-${arch}: ${params} parameters (deploy) as the metafile; the training form adds the affine convs`, () => {
      const d = build({ arch, deploy: true });
      const withHead = d.numParameters() + d.embedDims[3] * 1000 + 1000;
      expect(Math.round(withHead / 1000) * 1000).toBe(params);
      const t = build({ arch });
      let affine = 0;
      for (const [n, v] of t.namedParameters()) if (n.includes('token_mixer.affine')) affine += v.size;
      expect(t.numParameters()).toBe(d.numParameters() + affine);
      t.switchToDeploy();
      expect(t.numParameters()).toBe(d.numParameters());
      d.dispose();
      t.dispose();
    });
  }

  it("frozen_stages: MMPretrain's rule (none at -1; n ≥ 0 freezes patch_embed and network[0..n])", () => {
    const frozenOf = (c: Record<string, unknown>) => {
      const m = build({ arch: tiny, ...c });
      m.train();
      const r = m.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n.split('.').slice(0, 2).join('.'));
      m.dispose();
      return [...new Set(r)];
    };
    expect(frozenOf({})).toEqual([]);
    expect(frozenOf({ frozen_stages: 0 })).toEqual(['patch_embed.proj', 'network.0']);
    expect(frozenOf({ frozen_stages: 1, out_indices: [0, 1, 6] })).toEqual(['patch_embed.proj', 'network.0', 'network.1', 'norm0.weight', 'norm0.bias', 'norm1.weight', 'norm1.bias']);
  });

  it('bad arch / options: MMPretrain messages', () => {
    expect(() => build({ arch: 'x12' })).toThrow("Unavailable arch, please choose from ({'s12', 's24', 's36', 'm36', 'm48'}) or pass a dict.");
    expect(() => build({ arch: { embed_dims: [8, 8, 8, 8] } })).toThrow('The arch dict must have "layers" and "embed_dims", but got [\'embed_dims\'].');
    expect(() => build({ arch: tiny, pool_size: 3 })).toThrow(/RIFormer: unknown option 'pool_size'/);
  });
});
