/**
 * MlpMixer beyond the zoo fixture: MMPretrain 1.2's source on PyTorch (non-square input, ReLU, two outputs),
 * arch parameter counts (metafile), MMPretrain's out_indices rule, fixed input size, error messages.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import type { MlpMixer } from './mlp_mixer';
import { measureGroupLCase } from './__fixtures__/group_l/load';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const build = (cfg: Record<string, unknown>) => MODELS.build<MlpMixer>({ type: 'MlpMixer', ...cfg });

describe('MlpMixer', () => {
  it('custom arch, 24×32 input, ReLU, out_indices [-3, -1]: PyTorch keys, strict load, outputs within 1e-4, no leak', async () => {
    const r = await measureGroupLCase('mlp_mixer_custom', build);
    console.log(`[MlpMixer custom] ${r.errors.map((e) => e.toExponential(2)).join(' ')}`);
    expect(r.keys).toEqual(r.refKeys);
    expect(r.errors.length).toBe(2);
    for (const e of r.errors) expect(e).toBeLessThan(1e-4);
    expect(r.leak).toBe(0);
  });

  // Exact counts from MMPretrain's source; + LinearClsHead(1000) they round to the metafile's 59.88M (base).
  for (const [arch, params] of [['s', 18_015_264], ['b', 59_111_472]] as const) {
    it(`arch '${arch}': ${params} backbone parameters`, () => {
      const m = build({ arch });
      expect(m.numParameters()).toBe(params);
      if (arch === 'b') expect(Math.round((m.numParameters() + 768 * 1000 + 1000) / 1e4) / 100).toBe(59.88);
      m.dispose();
    });
  }

  it("MMPretrain's out_indices rule, fixed input size", () => {
    const arch = { embed_dims: 8, num_layers: 3, tokens_mlp_dims: 4, channels_mlp_dims: 8 };
    expect(() => build({ arch, img_size: 16, patch_size: 4, out_indices: [0] })).toThrow('Invalid out_indices 0');
    expect(() => build({ arch, img_size: 16, patch_size: 4, out_indices: [-4] })).toThrow('Invalid out_indices -4');
    const m = build({ arch, img_size: 16, patch_size: 4, out_indices: [-2, -1, 3] });
    expect(m.outIndices).toEqual([1, 2, 3]);
    const x = tf.randomNormal([1, 16, 16, 3], 0, 1, 'float32', 1);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 8, 16], [1, 8, 16]]);
    const bad = tf.zeros([1, 20, 16, 3]);
    expect(() => m.call(bad)).toThrow("The MLP-Mixer doesn't support dynamic input shape. Please input images with shape (16, 16)");
    tf.dispose([x, bad, ...outs]);
    m.dispose();
  });

  it('bad arch: MMPretrain messages', () => {
    expect(() => build({ arch: 'h' })).toThrow("Arch h is not in default archs {'s', 'small', 'b', 'base', 'l', 'large'}");
    expect(() => build({ arch: { embed_dims: 8, num_layers: 2 } })).toThrow("Custom arch needs a dict with keys {'embed_dims', 'num_layers', 'tokens_mlp_dims', 'channels_mlp_dims'}");
    expect(() => build({ frozen_stages: 1 })).toThrow(/MlpMixer: unknown option 'frozen_stages'/);
  });
});
