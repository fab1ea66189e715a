/**
 * SwinTransformer beyond the zoo fixture: MMPretrain 1.2's exact parameter counts, PyTorch references of padded /
 * small maps, absolute position embeddings, out_after_downsample, block configs, window 7, and loading a checkpoint
 * of another window and image size (relative position bias table and absolute position embedding resized at load,
 * checked against MMPretrain's own hooks and scipy's interp2d); frozen stages, errors, old checkpoint keys.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { MODELS } from '../../registry';
import { toFloat32 } from '../../fileio';
import type { ImageClassifier } from '../classifiers/image';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { ShiftWindowMSA } from '../utils/shift_window_msa';
import { resizeRelativePositionBiasTable } from '../utils/window_msa';
import { groupICases, rpbResizeArrays, runGroupICase } from './__fixtures__/group_i/load';
import { SWIN_ARCH_ZOO, SwinTransformer } from './swin_transformer';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
  registerTrainingKernels('wasm');
});

const small = { embed_dims: 16, depths: [2, 2], num_heads: [2, 4] };

describe('SwinTransformer', () => {
  it('parameter counts equal MMPretrain 1.2 (backbone + 1000-class head; metafile 28.29M, 49.61M, 87.90M)', () => {
    const cases: [Record<string, unknown>, number, number][] = [
      [{ arch: 'tiny' }, 768, 28_288_354],
      [{ arch: 'small' }, 768, 49_606_258],
      [{ arch: 'base', img_size: 384, window_size: 12 }, 1024, 87_903_584],
    ];
    for (const [bb, inC, params] of cases) {
      const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'SwinTransformer', ...bb }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: inC } });
      expect(m.numParameters(), JSON.stringify(bb)).toBe(params);
      m.dispose();
    }
    expect(Object.keys(SWIN_ARCH_ZOO).sort()).toEqual(['b', 'base', 'l', 'large', 's', 'small', 't', 'tiny']);
  });

  for (const c of groupICases().filter((x) => x.cfg.type === 'SwinTransformer')) {
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

  it('resize_relative_position_bias_table equals MMPretrain (scipy interp2d cubic, clamped outside)', () => {
    const a = rpbResizeArrays();
    for (const k of Object.keys(a).filter((n) => n.startsWith('src_'))) {
      const [s, d] = k.slice(4).split('_').map(Number);
      const src = toFloat32(a[k]);
      const want = toFloat32(a[`dst_${s}_${d}`]);
      const got = resizeRelativePositionBiasTable(s, d, src, a[k].shape[1]);
      expect(got.length).toBe(want.length);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      expect(worst, k).toBeLessThan(1e-5);
    }
  });

  it('frozen_stages freezes patch_embed, the first stages and their output norms, also after train()', () => {
    const m = new SwinTransformer({ arch: small, img_size: 32, window_size: 4, out_indices: [0, 1], frozen_stages: 0 });
    m.train();
    const frozen = m.namedParameters().filter(([, v]) => !v.trainable).map(([k]) => k);
    expect(frozen.length).toBeGreaterThan(0);
    expect(frozen.every((k) => k.startsWith('patch_embed.') || k.startsWith('stages.0.') || k.startsWith('norm0.'))).toBe(true);
    expect(frozen).toContain('stages.0.downsample.reduction.weight');
    expect(frozen).toContain('norm0.weight');
    expect(m.namedParameters().filter(([k]) => k.startsWith('stages.1.') || k.startsWith('norm1.')).every(([, v]) => v.trainable)).toBe(true);
    expect(m.child('stages').child('0').training).toBe(false);
    expect(m.child('stages').child('1').training).toBe(true);
    m.dispose();
  });

  it('a training step through padded, shifted windows gives finite gradients (pad_small_map, abs pos embed)', () => {
    const m = new SwinTransformer({ arch: small, img_size: 32, window_size: 4, pad_small_map: true, use_abs_pos_embed: true, out_indices: [1], drop_path_rate: 0.2 });
    const x = tf.randomNormal([1, 36, 28, 3], 0, 1, 'float32', 3);
    const vars = m.parameters().filter((v) => v.trainable);
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(m.call(x)[0])) as tf.Scalar, vars);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const [k, g] of Object.entries(grads)) expect(g.dataSync().every(Number.isFinite), k).toBe(true);
    expect(Object.keys(grads).length).toBe(vars.length);
    tf.dispose([x, value, ...Object.values(grads)]);
    m.dispose();
  });

  it('error texts: unknown arch, custom arch keys, small map without pad_small_map, unknown option', () => {
    expect(() => new SwinTransformer({ arch: 'huge' })).toThrow("Arch huge is not in default archs {'t', 'tiny', 's', 'small', 'b', 'base', 'l', 'large'}");
    expect(() => new SwinTransformer({ arch: { embed_dims: 16, depths: [2] } as never })).toThrow("Custom arch needs a dict with keys {'embed_dims', 'depths', 'num_heads'}");
    const m = new SwinTransformer({ arch: small, img_size: 32, window_size: 4, out_indices: [1] });
    const x = tf.zeros([1, 24, 24, 3]);
    expect(() => m.call(x)).toThrow('The input shape (3, 3) is smaller than the window size (4). Please set `pad_small_map=True`, or decrease the `window_size`.');
    expect(() => new SwinTransformer({ arch: small, windows_size: 4 } as never)).toThrow(/unknown option 'windows_size'/);
    x.dispose();
    m.dispose();
  });

  it('hooked blocks / stages keep their outputs; norm_cfg null gives Identity output norms; no leak', () => {
    const m = new SwinTransformer({ arch: small, img_size: 32, window_size: 4, out_indices: [0, 1], norm_cfg: null });
    m.eval();
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 5);
    tf.dispose(m.call(x));
    const before = tf.memory().numTensors;
    const outs0 = m.call(x);
    expect(outs0.map((o) => o.shape)).toEqual([[1, 8, 8, 16], [1, 4, 4, 32]]);
    tf.dispose(outs0);
    expect(tf.memory().numTensors).toBe(before);
    const seen: tf.Tensor[] = [];
    const stages = m.child('stages');
    const removers = [stages.child('0').child('blocks').child('1'), stages.child('1'), stages.child('0').child('downsample')].map((mod) =>
      mod.registerForwardHook((_m, _i, out) => seen.push(out as tf.Tensor)),
    );
    const outs = m.call(x);
    expect(seen.length).toBe(3);
    expect(seen.every((t) => !t.isDisposed)).toBe(true);
    removers.forEach((r) => r());
    tf.dispose([x, ...outs, ...seen]);
    m.dispose();
  });

  it('ShiftWindowMSA.matmulCost: q·kᵀ and attn·v over the padded windows (for FLOP counting)', () => {
    const a = new ShiftWindowMSA({ embed_dims: 16, num_heads: 2, window_size: 4, shift_size: 2 });
    // 7×7 pads to 8×8: 4 windows of 16 tokens; 2·4·16²·16 multiply-adds; attn [4, 2, 16, 16] + out [4, 16, 16]
    expect(a.matmulCost([1, 7, 7, 16])).toEqual({ flops: 32768, acts: 3072 });
    a.dispose();
  });

  it('getLayerDepth as MMPretrain (layer-wise lr decay)', () => {
    const m = new SwinTransformer({ arch: { embed_dims: 16, depths: [2, 3], num_heads: [2, 4] }, img_size: 32, window_size: 4, out_indices: [1] });
    expect(m.getLayerDepth('backbone.patch_embed.projection.weight', 'backbone.')).toEqual([0, 7]);
    expect(m.getLayerDepth('backbone.stages.0.blocks.1.attn.w_msa.qkv.weight', 'backbone.')).toEqual([2, 7]);
    expect(m.getLayerDepth('backbone.stages.0.downsample.reduction.weight', 'backbone.')).toEqual([2, 7]);
    expect(m.getLayerDepth('backbone.stages.1.blocks.2.norm2.bias', 'backbone.')).toEqual([5, 7]);
    expect(m.getLayerDepth('backbone.norm1.weight', 'backbone.')).toEqual([6, 7]);
    expect(m.getLayerDepth('head.fc.weight', 'backbone.')).toEqual([6, 7]);
    m.dispose();
  });

  it('old checkpoints: `norm.*` is renamed to the last stage norm, `attn_mask` buffers are dropped', () => {
    const m = new SwinTransformer({ arch: small, img_size: 32, window_size: 4, out_indices: [1] });
    const sd = m.stateDict();
    const renamed = new Map([...sd].map(([k, e]) => [k.replace(/^norm1\./, 'norm.'), e]));
    renamed.set('stages.0.blocks.1.attn.attn_mask', { dtype: 'float32', shape: [4, 16, 16], data: new Float32Array(4 * 256) });
    expect(m.loadStateDict(renamed)).toEqual({ missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
    m.dispose();
  });
});
