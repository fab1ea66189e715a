/**
 * ViTSAM: the SAM-base config's parameter count, arch errors, windowed attention (zero padding to whole windows,
 * checked against per-window slicing; a window as large as the grid equals global attention), the neck and out
 * types, load-time resizing of `pos_embed` / `rel_pos_*` (equal to the run-time resizing for another input size),
 * frozen stages, gradients of every parameter (headless, as the zoo configs).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { readConfigFile, useBackend } from '../node';
import { buildClassifier } from '../builder';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import type { FFN } from '../nn/transformer';
import { registerModels } from '../register_all';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { ViTSAM, type ViTSAMOptions, type ViTSAMTransformerEncoderLayer } from './vit_sam';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
  registerTrainingKernels('wasm');
});

const tiny = { embed_dims: 32, num_layers: 2, num_heads: 2, feedforward_channels: 64, global_attn_indexes: [1] };
const make = (o: ViTSAMOptions = {}, seed = 1): ViTSAM => {
  const m = new ViTSAM({ arch: tiny, img_size: 64, patch_size: 8, out_channels: 16, window_size: 4, ...o });
  initWeights(m, new Generator(seed));
  tf.tidy(() => {
    for (const [n, v] of m.namedParameters()) if (n.includes('rel_pos_')) v.assign(tf.randomNormal(v.shape, 0, 0.5, 'float32', n.length));
  });
  return m.eval();
};
const input = (s = 64, seed = 3) => tf.randomNormal([2, s, s, 3], 0, 1, 'float32', seed);
const maxDiff = (a: Tensor, b: Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('ViTSAM', () => {
  it('configs/sam/vit-base-p16_sam_headless.py: 89,670,912 parameters (metafile: 89671000, rounded)', () => {
    const m = buildClassifier(readConfigFile('configs/sam/vit-base-p16_sam_headless.py'), { seed: null });
    try {
      expect(m.numParameters()).toBe(89_670_912);
      expect(m.head).toBeNull();
      const keys = m.stateDictShapes();
      expect(keys.get('backbone.pos_embed')).toEqual([1, 64, 64, 768]);
      expect(keys.get('backbone.layers.0.attn.rel_pos_h')).toEqual([27, 64]);
      expect(keys.get('backbone.layers.2.attn.rel_pos_h')).toEqual([127, 64]);
    } finally {
      m.dispose();
    }
  });

  it('arch table and errors', () => {
    const m = new ViTSAM({ arch: 'base', img_size: 64, out_channels: 0, use_rel_pos: false });
    expect(m.globalAttnIndexes).toEqual([2, 5, 8, 11]);
    m.dispose();
    expect(() => new ViTSAM({ arch: 'small' })).toThrow('Arch small is not in default archs');
    expect(() => new ViTSAM({ arch: { embed_dims: 32, num_layers: 1, num_heads: 2, feedforward_channels: 8 } as never })).toThrow(/global_attn_indexes/);
    expect(() => new ViTSAM({ arch: tiny, out_type: 'cls_token' as never })).toThrow('Unsupported `out_type` cls_token');
  });

  it('windowed attention pads with zeros to whole windows: equal to attending each window slice', () => {
    const m = make({ img_size: 48 }); // grid 6, window 4 → padded to 8
    const layer = m.layers.at(0) as ViTSAMTransformerEncoderLayer;
    const x = tf.randomNormal([2, 6, 6, 32], 0, 1, 'float32', 9);
    const got = layer.call(x);
    const want = tf.tidy(() => {
      const y = tf.pad(layer.child('ln1').call(x) as Tensor, [[0, 0], [0, 2], [0, 2], [0, 0]]);
      const rows = [0, 4].map((r) => tf.concat([0, 4].map((c) => layer.child('attn').call(tf.slice(y, [0, r, c, 0], [-1, 4, 4, -1])) as Tensor), 2));
      const h = tf.add(x, tf.slice(tf.concat(rows, 1), [0, 0, 0, 0], [-1, 6, 6, -1]));
      return layer.child<FFN>('ffn').forwardWithIdentity(layer.child('ln2').call(h) as Tensor, h);
    });
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
    tf.dispose([x, got, want]);
    m.dispose();
  });

  it('a window as large as the grid equals global attention', () => {
    const a = make({ window_size: 8, arch: { ...tiny, global_attn_indexes: [] } });
    const b = make({ window_size: 8, arch: { ...tiny, global_attn_indexes: [0, 1] } });
    b.loadStateDict(a.stateDict());
    const x = input();
    const [ya, yb] = [a.call(x)[0], b.call(x)[0]];
    expect(maxDiff(ya, yb)).toBeLessThan(1e-5);
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });

  it('out_channels / out_type / out_indices', () => {
    const x = input();
    const shapes = (o: ViTSAMOptions) => {
      const m = make(o);
      const y = m.call(x);
      const s = y.map((t) => t.shape);
      const keys = [...m.stateDictShapes().keys()];
      tf.dispose(y);
      m.dispose();
      return { s, neck: keys.some((k) => k.startsWith('channel_reduction')) };
    };
    expect(shapes({})).toEqual({ s: [[2, 8, 8, 16]], neck: true });
    expect(shapes({ out_channels: 0, out_indices: [0, 1] })).toEqual({ s: [[2, 8, 8, 32], [2, 8, 8, 32]], neck: false });
    expect(shapes({ out_type: 'avg_featmap' }).s).toEqual([[2, 16]]);
    expect(shapes({ use_abs_pos: false, use_rel_pos: false, out_type: 'featmap' }).s).toEqual([[2, 8, 8, 16]]);
    x.dispose();
  });

  it('resizes pos_embed and the global rel_pos tables at load, as the run-time resizing for a larger input', () => {
    const small = make(); // grid 8
    const big = new ViTSAM({ arch: tiny, img_size: 96, patch_size: 8, out_channels: 16, window_size: 4 }).eval(); // grid 12
    const report = big.loadStateDict(small.stateDict());
    expect(report.shapeMismatches).toEqual([]);
    expect(big.posEmbed!.shape).toEqual([1, 12, 12, 32]);
    expect(big.layers.at(1).child('attn').param('rel_pos_h').shape).toEqual([23, 16]);
    const x = input(96);
    const [a, b] = [small.call(x)[0], big.call(x)[0]];
    expect(a.shape).toEqual([2, 12, 12, 16]);
    expect(maxDiff(a, b)).toBeLessThan(1e-4);
    tf.dispose([x, a, b]);
    small.dispose();
    big.dispose();
  });

  it('getLayerDepth as MMPretrain', () => {
    const m = new ViTSAM({ arch: tiny, img_size: 64, patch_size: 8, out_channels: 16, window_size: 4 });
    expect(m.getLayerDepth('pos_embed')).toEqual([0, 4]);
    expect(m.getLayerDepth('layers.0.attn.rel_pos_h')).toEqual([1, 4]);
    expect(m.getLayerDepth('channel_reduction.0.weight')).toEqual([3, 4]);
    m.dispose();
  });

  it('frozen_stages', () => {
    const m = new ViTSAM({ arch: tiny, img_size: 64, patch_size: 8, out_channels: 16, window_size: 4, frozen_stages: 2 });
    const trainable = m.namedParameters().filter(([, v]) => v.trainable).map(([n]) => n);
    expect(trainable).toEqual([]);
    m.dispose();
    const n = new ViTSAM({ arch: tiny, img_size: 64, patch_size: 8, out_channels: 16, window_size: 4, frozen_stages: 1 });
    const t = n.namedParameters().filter(([, v]) => v.trainable).map(([k]) => k);
    expect(t.every((k) => k.startsWith('layers.1.') || k.startsWith('channel_reduction'))).toBe(true);
    n.dispose();
  });

  it('every parameter gets a finite non-zero gradient on WASM, no leak', () => {
    const m = make({ drop_path_rate: 0.1 }).train();
    const x = input();
    const vars = m.namedParameters();
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.call(x)[0])) as tf.Scalar, vars.map(([, v]) => v));
      const ok = Object.values(grads).filter((g) => {
        const d = g.dataSync();
        return d.every(Number.isFinite) && d.some((v) => v !== 0);
      }).length;
      tf.dispose([value, ...Object.values(grads)]);
      return ok;
    };
    expect(step()).toBe(vars.length);
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });
});
