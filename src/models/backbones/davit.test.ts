/**
 * DaViT beyond the zoo fixture: MMPretrain 1.2's exact parameter counts (metafile), PyTorch references (MMPretrain's
 * own davit.py) of 'same'-padded patch embedding, windows padded to fit, `pad_small_map`, several outputs,
 * `out_after_downsample`, `qk_scale`, a numerically padded downsample on odd maps; frozen stages, drop path,
 * the assertion texts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { groupNCases, runGroupNCase } from './__fixtures__/group_n/load';
import { DAVIT_ARCH_ZOO, DaViT } from './davit';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
  registerTrainingKernels('wasm');
});

const SMALL = { embed_dims: 8, depths: [1, 1, 1, 1], num_heads: [1, 2, 2, 4] };

describe('DaViT', () => {
  for (const c of groupNCases('DaViT')) {
    it(`matches MMPretrain on PyTorch: ${c.name}`, async () => {
      const before = tf.memory().numTensors;
      const r = await runGroupNCase(c);
      console.log(`[davit] ${c.name}: ${r.errors.map((e) => e.toExponential(2)).join(' ')}`);
      expect(r.keysMatch).toBe(true);
      expect(r.shapes).toEqual(c.out_shapes);
      for (const e of r.errors) expect(e).toBeLessThan(1e-4);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('parameter counts equal MMPretrain 1.2 metafile (backbone + 1000-class head: 28360168, 49745896, 87954408)', () => {
    const cases: [string, number, number][] = [
      ['t', 768, 28_360_168],
      ['small', 768, 49_745_896],
      ['b', 1024, 87_954_408],
    ];
    for (const [arch, inC, params] of cases) {
      const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'DaViT', arch }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: inC } });
      expect(m.numParameters(), arch).toBe(params);
      m.dispose();
    }
    expect(Object.keys(DAVIT_ARCH_ZOO).sort()).toEqual(['b', 'base', 'g', 'giant', 'h', 'huge', 'l', 'large', 's', 'small', 't', 'tiny']);
    expect(DAVIT_ARCH_ZOO.giant).toEqual({ embed_dims: 384, depths: [1, 1, 12, 3], num_heads: [12, 24, 48, 96] });
    expect(DAVIT_ARCH_ZOO.h.embed_dims).toBe(256);
    expect(DAVIT_ARCH_ZOO.l.num_heads).toEqual([6, 12, 24, 48]);
  });

  it('frozen_stages freezes patch_embed, the first stages and their output norms, also after train()', () => {
    const m = new DaViT({ arch: SMALL, out_indices: [0, 1, 3], frozen_stages: 0 });
    m.train();
    const frozen = m.namedParameters().filter(([, v]) => !v.trainable).map(([k]) => k);
    expect(frozen.every((k) => k.startsWith('patch_embed.') || k.startsWith('stages.0.') || k.startsWith('norm0.'))).toBe(true);
    expect(frozen).toContain('stages.0.downsample.projection.weight');
    expect(frozen).toContain('norm0.weight');
    expect(frozen).toContain('patch_embed.norm.weight');
    expect(m.namedParameters().filter(([k]) => k.startsWith('stages.1.') || k.startsWith('norm1.')).every(([, v]) => v.trainable)).toBe(true);
    expect(m.child('stages').child('0').training).toBe(false);
    expect(m.child('stages').child('1').training).toBe(true);
    m.dispose();
  });

  it('drop_path_rate: per-block linear decay, stochastic in training, identity in eval; no leak', () => {
    const m = new DaViT({ arch: { ...SMALL, depths: [1, 1, 2, 1] }, window_size: 2, drop_path_rate: 0.4 });
    initWeights(m, new Generator(2));
    const probs = m.namedModules().filter(([n]) => n.endsWith('spatial_block.attn.drop')).map(([, x]) => (x as unknown as { dropProb?: number }).dropProb ?? 0);
    expect(probs.map((p) => Math.round(p * 1e6) / 1e6)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    const x = tf.randomNormal([2, 64, 64, 3]);
    m.eval();
    tf.dispose(m.call(x));
    const before = tf.memory().numTensors;
    const [a] = m.call(x);
    const [b] = m.call(x);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBe(0);
    m.train();
    const [c] = m.call(x);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, c))).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  it('out_indices: one norm per output; NHWC maps of the stages (before their downsample)', () => {
    const m = new DaViT({ arch: SMALL, window_size: 2, out_indices: [0, 2] });
    expect(m.namedChildren().map(([n]) => n)).toEqual(['patch_embed', 'stages', 'norm0', 'norm2']);
    initWeights(m, new Generator(0));
    m.eval();
    const x = tf.randomNormal([1, 64, 64, 3]);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 16, 16, 8], [1, 4, 4, 32]]);
    tf.dispose([x, ...outs]);
    m.dispose();
  });

  it('errors: bad arch, custom arch keys (extra keys allowed), small maps, odd token counts, out_after_downsample norms', () => {
    expect(() => new DaViT({ arch: 'x' })).toThrow(/Arch x is not in default archs \{'t', 'tiny', 's', 'small'/);
    expect(() => new DaViT({ arch: { embed_dims: 8, depths: [1] } as never })).toThrow("Custom arch needs a dict with keys {'embed_dims', 'depths', 'num_heads'}");
    const extra = new DaViT({ arch: { ...SMALL, note: 1 } as never, window_size: 2 });
    extra.dispose();
    expect(() => new DaViT({ arch: SMALL, windows: 2 } as never)).toThrow(/windows/);
    const run = (m: DaViT, shape: number[]) => {
      const x = tf.zeros(shape);
      try {
        tf.dispose(m.call(x));
      } finally {
        x.dispose();
        m.dispose();
      }
    };
    expect(() => run(new DaViT({ arch: SMALL, window_size: 7 }), [1, 64, 64, 3])).toThrow('The input shape (4, 4) is smaller than the window size (7). Please set `pad_small_map=True`, or decrease the `window_size`.');
    expect(() => run(new DaViT({ arch: SMALL, window_size: 1 }), [1, 36, 36, 3])).toThrow(/input feature has wrong size/);
    expect(() => run(new DaViT({ arch: SMALL, window_size: 1, out_after_downsample: true, out_indices: [0] }), [1, 64, 64, 3])).toThrow(/norm0 expects 8 channels/);
  });
});
