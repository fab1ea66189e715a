/**
 * SwinTransformerV2 beyond the zoo fixture: MMPretrain 1.2's exact parameter counts, PyTorch references of per-stage
 * window sizes with `pretrained_window_sizes`, extra norms, absolute position embeddings, a 3×3 'same' pre-norm
 * PatchMerging, and loading a checkpoint of another window / image size (index and coordinate tables rebuilt,
 * absolute position embedding resized); frozen stages and error texts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { groupICases, runGroupICase } from './__fixtures__/group_i/load';
import { SWIN_V2_ARCH_ZOO, SwinTransformerV2 } from './swin_transformer_v2';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const small = { embed_dims: 16, depths: [2, 2], num_heads: [2, 4], extra_norm_every_n_blocks: 0 };

describe('SwinTransformerV2', () => {
  it('parameter counts equal MMPretrain 1.2 (backbone + 1000-class head; metafile 28.35M, 87.92M)', () => {
    const cases: [Record<string, unknown>, number, number][] = [
      [{ arch: 'tiny' }, 768, 28_347_154],
      [{ arch: 'small', window_size: 16 }, 768, 49_728_418],
      [{ arch: 'base', img_size: 384, window_size: [24, 24, 24, 12], pretrained_window_sizes: [12, 12, 12, 6] }, 1024, 87_918_816],
    ];
    for (const [bb, inC, params] of cases) {
      const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'SwinTransformerV2', ...bb }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: inC } });
      expect(m.numParameters(), JSON.stringify(bb)).toBe(params);
      m.dispose();
    }
    expect(Object.keys(SWIN_V2_ARCH_ZOO).sort()).toEqual(['b', 'base', 'g', 'giant', 'h', 'huge', 'l', 'large', 's', 'small', 't', 'tiny']);
    // huge / giant: an extra norm after every 6th block
    expect(SWIN_V2_ARCH_ZOO.huge.extra_norm_every_n_blocks).toBe(6);
  });

  for (const c of groupICases().filter((x) => x.cfg.type === 'SwinTransformerV2')) {
    it(`matches MMPretrain on PyTorch: ${c.name}`, async () => {
      const before = tf.memory().numTensors;
      const r = await runGroupICase(c);
      console.log(`[swin] ${c.name}: ${r.errors.map((e) => e.toExponential(2)).join(' ')}`);
      expect(r.keysMatch).toBe(true);
      if (r.report) expect(r.report).toEqual({ missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
      expect(r.shapes).toEqual(c.out_shapes);
      expect(r.finite).toBe(true);
      for (const e of r.errors) expect(e).toBeLessThan(1e-4);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('extra norms: norm3 after every n-th block', () => {
    const m = new SwinTransformerV2({ arch: { ...small, depths: [2, 4], extra_norm_every_n_blocks: 2 }, img_size: 32, window_size: 4, out_indices: [1] });
    const names = m.namedModules().map(([n]) => n).filter((n) => n.endsWith('.norm3'));
    expect(names).toEqual(['stages.0.blocks.1.norm3', 'stages.1.blocks.1.norm3', 'stages.1.blocks.3.norm3']);
    m.dispose();
  });

  it('frozen_stages freezes patch_embed, the first stages and their output norms', () => {
    const m = new SwinTransformerV2({ arch: small, img_size: 32, window_size: 4, out_indices: [0, 1], frozen_stages: 1 });
    m.train();
    expect(m.namedParameters().filter(([, v]) => v.trainable).map(([k]) => k)).toEqual([]);
    const n = new SwinTransformerV2({ arch: small, img_size: 32, window_size: 4, out_indices: [0, 1], frozen_stages: 0 });
    const frozen = n.namedParameters().filter(([, v]) => !v.trainable).map(([k]) => k);
    expect(frozen.every((k) => k.startsWith('patch_embed.') || k.startsWith('stages.0.') || k.startsWith('norm0.'))).toBe(true);
    expect(frozen).toContain('stages.0.blocks.0.attn.w_msa.logit_scale');
    expect(n.namedParameters().filter(([k]) => k.startsWith('stages.1.')).every(([, v]) => v.trainable)).toBe(true);
    m.dispose();
    n.dispose();
  });

  it('error texts: unknown arch, custom arch keys, window_size length', () => {
    expect(() => new SwinTransformerV2({ arch: 'xl' })).toThrow("Arch xl is not in default archs {'t', 'tiny', 's', 'small', 'b', 'base', 'l', 'large', 'h', 'huge', 'g', 'giant'}");
    expect(() => new SwinTransformerV2({ arch: { embed_dims: 16, depths: [2], num_heads: [2] } as never })).toThrow("Custom arch needs a dict with keys {'embed_dims', 'depths', 'num_heads', 'extra_norm_every_n_blocks'}");
    expect(() => new SwinTransformerV2({ arch: small, window_size: [4, 4, 4] })).toThrow('Length of window_sizes 3 is not equal to length of stages 2.');
  });
});
