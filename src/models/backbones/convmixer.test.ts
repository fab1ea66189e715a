/**
 * ConvMixer beyond the zoo fixture: MMPretrain's source on PyTorch with an even depthwise kernel (PyTorch's
 * asymmetric 'same' padding), ReLU and several outputs; metafile parameter counts, frozen stages, error messages.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import type { Sequential } from '../nn/container';
import type { ConvMixer } from './convmixer';
import { backboneErrors, fixtureCase } from './__fixtures__/group_a/load';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const build = (cfg: Record<string, unknown>) => MODELS.build<ConvMixer>({ type: 'ConvMixer', ...cfg });

describe('ConvMixer', () => {
  it('even kernel, ReLU, out_indices [0, 1, -1]: PyTorch keys in order, strict load, outputs within 1e-4, no leak', async () => {
    const f = fixtureCase('convmixer_even_kernel');
    const { type, ...cfg } = f.meta.cfg;
    expect(type).toBe('ConvMixer');
    const m = build(cfg);
    try {
      expect([...m.stateDictShapes().keys()]).toEqual(f.meta.keys);
      expect(m.toString()).toContain('(0): Conv2d(12, 12, kernel_size=(4, 4), stride=(1, 1), padding=same, groups=12)');
      m.loadStateDict(f.stateDict());
      m.eval();
      const errs = await backboneErrors(m, f.arrays.x, f.outs());
      console.log(`[ConvMixer even kernel] ${errs.map((e) => e.toExponential(2)).join(' ')}`);
      for (const e of errs) expect(e).toBeLessThan(1e-4);
      const before = tf.memory().numTensors;
      await backboneErrors(m, f.arrays.x, f.outs());
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      m.dispose();
    }
  });

  // Metafile "Parameters" (backbone + LinearClsHead 1000 classes after GAP).
  for (const [arch, params] of [['768/32', 21_110_248], ['1024/20', 24_383_464]] as const) {
    it(`convmixer-${arch}: ${params} parameters as the metafile`, () => {
      const m = build({ arch, act_cfg: { type: 'ReLU' } });
      expect(m.numParameters() + m.embedDims * 1000 + 1000).toBe(params);
      m.dispose();
    });
  }

  it('out_indices and frozen_stages (stages frozen and in eval, BN stats kept, stem trainable)', () => {
    const m = build({ arch: { embed_dims: 8, depth: 4, patch_size: 2, kernel_size: 3 }, out_indices: [1, -1], frozen_stages: 2 });
    expect(m.outIndices).toEqual([1, 3]);
    m.train();
    const stages = m.child<Sequential>('stages');
    expect(stages.at(0).training).toBe(false);
    expect(stages.at(1).training).toBe(false);
    expect(stages.at(2).training).toBe(true);
    const frozen = m.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n);
    expect(frozen.length).toBe(2 * 8);
    expect(frozen.every((n) => /^stages\.[01]\./.test(n))).toBe(true);
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[2, 4, 4, 8], [2, 4, 4, 8]]);
    tf.dispose([x, ...outs]);
    const sd = m.stateDict();
    expect(sd.get('stages.0.3.num_batches_tracked')!.data[0]).toBe(0n);
    expect(sd.get('stages.2.3.num_batches_tracked')!.data[0]).toBe(1n);
    m.dispose();
  });

  it('bad arch: MMPretrain messages', () => {
    expect(() => build({ arch: '512/8' })).toThrow("Unavailable arch, please choose from ({'768/32', '1024/20', '1536/20'}) or pass a dict.");
    expect(() => build({ arch: { embed_dims: 8, depth: 2 } })).toThrow("Custom arch needs a dict with keys {'embed_dims', 'depth', 'patch_size', 'kernel_size'}");
    expect(() => build({ arch: '768/32', drop_path_rate: 0.1 })).toThrow(/ConvMixer: unknown option 'drop_path_rate'/);
  });
});
