/**
 * EdgeNeXt: MMPretrain's parameter counts, SDTA channel splits, position encodings, out_indices with and without
 * gap_before_final_norm, frozen_stages, arch errors; ChannelMultiheadAttention and PositionEncodingFourier pieces.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { ChannelMultiheadAttention } from '../utils/channel_attention';
import { PositionEncodingFourier } from '../utils/position_encoding_fourier';
import { EdgeNeXt, SDTAEncoder } from './edgenext';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const tiny = { channels: [16, 32, 48, 64], depths: [1, 1, 2, 1], num_heads: [2, 2, 2, 2] };

describe('EdgeNeXt', () => {
  it.each([
    ['xxsmall', 168, 1_327_216],
    ['xsmall', 192, 2_336_804],
    ['small', 304, 5_586_832],
    ['base', 584, 18_511_292],
  ] as const)('%s (head in_channels %i): %i parameters (metafile)', (arch, inC, params) => {
    const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'EdgeNeXt', arch, out_indices: [3], gap_before_final_norm: true }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: inC } });
    try {
      expect(m.numParameters()).toBe(params);
    } finally {
      m.dispose();
    }
  });

  it('SDTA: uneven channel groups (88 in 3 scales: 30, 30, 28), positional encoding only where asked', () => {
    const b = new SDTAEncoder({ in_channel: 88, scales: 3, num_heads: 4, use_pos_emb: false });
    expect(b.convChannels).toBe(30);
    expect(b.numConvs).toBe(2);
    expect([...b.stateDictShapes().keys()].some((k) => k.startsWith('pos_embed'))).toBe(false);
    b.eval();
    const x = tf.randomNormal([2, 3, 5, 88], 0, 1, 'float32', 1);
    const y = b.call(x);
    expect(y.shape).toEqual([2, 3, 5, 88]);
    tf.dispose([x, y]);
    b.dispose();
    expect(() => new SDTAEncoder({ in_channel: 8, scales: 1 })).toThrow('index out of range');
  });

  it('out_indices: normalised maps without gap_before_final_norm, (N, C) with it; no leak', () => {
    const x = tf.randomNormal([1, 32, 64, 3], 0, 1, 'float32', 2);
    const maps = new EdgeNeXt({ arch: tiny, out_indices: [0, 2, -1], gap_before_final_norm: false });
    maps.eval();
    expect(maps.child('norm0').typeName).toBe('LayerNorm2d');
    tf.dispose(maps.call(x));
    const before = tf.memory().numTensors;
    const outs = maps.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 8, 16, 16], [1, 2, 4, 48], [1, 1, 2, 64]]);
    tf.dispose(outs);
    expect(tf.memory().numTensors).toBe(before);
    const gap = new EdgeNeXt({ arch: tiny, out_indices: [1, 3] });
    gap.eval();
    expect(gap.child('norm1').typeName).toBe('LayerNorm');
    const g = gap.call(x);
    expect(g.map((o) => o.shape)).toEqual([[1, 32], [1, 64]]);
    tf.dispose([...g, x]);
    maps.dispose();
    gap.dispose();
  });

  it('use_pos_embd_global adds a PositionEncodingFourier (key pos_embed.proj first)', () => {
    const m = new EdgeNeXt({ arch: tiny, use_pos_embd_global: true });
    const keys = [...m.stateDictShapes()];
    expect(keys[0]).toEqual(['pos_embed.proj.weight', [16, 64, 1, 1]]);
    m.eval();
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 3);
    const [y] = m.call(x);
    expect(y.shape).toEqual([1, 64]);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('frozen_stages freezes downsample_layers[i] and stages[i] for i < n', () => {
    const m = new EdgeNeXt({ arch: tiny, frozen_stages: 2 });
    m.train();
    const frozen = m.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n);
    expect(frozen.length).toBeGreaterThan(0);
    expect(frozen.every((n) => /^(downsample_layers|stages)\.[01]\./.test(n))).toBe(true);
    expect(m.stages.at(1).training).toBe(false);
    expect(m.stages.at(2).training).toBe(true);
    m.dispose();
  });

  it('arch errors', () => {
    expect(() => new EdgeNeXt({ arch: 'tiny' })).toThrow("Arch tiny is not in default archs {'xxsmall', 'xsmall', 'small', 'base'}");
    expect(() => new EdgeNeXt({ arch: { channels: [8, 8, 8, 8], depths: [1, 1, 1, 1] } as never })).toThrow("Custom arch needs a dict with keys {'channels', 'depths', 'num_heads'}");
    expect(() => new EdgeNeXt({ arch: tiny, global_block_type: ['None', 'SDTA', 'MHSA', 'SDTA'] })).toThrow('Global block type MHSA is not supported');
  });
});

describe('EdgeNeXt pieces', () => {
  it('ChannelMultiheadAttention: per-head channel attention with a learnable scale [heads, 1, 1]', () => {
    const a = new ChannelMultiheadAttention({ embed_dims: 8, num_heads: 2, qkv_bias: true });
    expect([...a.stateDictShapes()]).toEqual([['scale', [2, 1, 1]], ['qkv.weight', [24, 8]], ['qkv.bias', [24]], ['proj.weight', [8, 8]], ['proj.bias', [8]]]);
    // Reference: the same computation written out per head on plain arrays.
    tf.tidy(() => {
      for (const [n, v] of a.namedParameters()) v.assign(tf.randomNormal(v.shape, 0, n === 'scale' ? 1 : 0.5, 'float32', 7));
      const x = tf.randomNormal([1, 5, 8], 0, 1, 'float32', 8);
      const y = a.call(x).arraySync() as number[][][];
      const qkv = (a.child('qkv').call(x).arraySync() as number[][][])[0]; // [5, 24]
      const scale = a.param('scale').dataSync();
      const mixed: number[][] = Array.from({ length: 5 }, () => Array(8).fill(0));
      for (let h = 0; h < 2; h++) {
        const col = (part: number, d: number) => qkv.map((row) => row[part * 8 + h * 4 + d]); // length N
        const unit = (v: number[]) => { const s = Math.max(Math.hypot(...v), 1e-12); return v.map((e) => e / s); };
        for (let i = 0; i < 4; i++) {
          const qi = unit(col(0, i));
          const logits = [0, 1, 2, 3].map((j) => qi.reduce((acc, e, t) => acc + e * unit(col(1, j))[t], 0) * scale[h]);
          const mx = Math.max(...logits);
          const ex = logits.map((l) => Math.exp(l - mx));
          const sum = ex.reduce((p, q) => p + q, 0);
          for (let t = 0; t < 5; t++) mixed[t][h * 4 + i] = [0, 1, 2, 3].reduce((acc, j) => acc + (ex[j] / sum) * col(2, j)[t], 0);
        }
      }
      const ref = a.child('proj').call(tf.tensor3d([mixed])).arraySync() as number[][][];
      for (let t = 0; t < 5; t++) for (let c = 0; c < 8; c++) expect(y[0][t][c]).toBeCloseTo(ref[0][t][c], 5);
    });
    a.dispose();
  });

  it('PositionEncodingFourier: sin on even, cos on odd channels of the normalised row then column positions', () => {
    const p = new PositionEncodingFourier({ in_channels: 4, embed_dims: 8 });
    // Identity-like projection: weight picks input channel c for output c (c < 8), no bias.
    tf.tidy(() => {
      const w = new Float32Array(8 * 8);
      for (let c = 0; c < 8; c++) w[c * 8 + c] = 1;
      p.child('proj').param('weight').assign(tf.tensor4d(w, [8, 8, 1, 1]));
      p.child('proj').param('bias').assign(tf.zeros([8]));
    });
    const y = p.call([2, 3, 4]);
    expect(y.shape).toEqual([2, 3, 4, 8]);
    const d = y.arraySync() as number[][][][];
    const dimT = [1, 1, 100, 100];
    const [r, c] = [1, 2];
    const ye = ((r + 1) / 3) * 2 * Math.PI;
    const xe = ((c + 1) / 4) * 2 * Math.PI;
    const expected = [...[0, 1, 2, 3].map((k) => (k % 2 ? Math.cos : Math.sin)(ye / dimT[k])), ...[0, 1, 2, 3].map((k) => (k % 2 ? Math.cos : Math.sin)(xe / dimT[k]))];
    for (let k = 0; k < 8; k++) expect(d[1][r][c][k]).toBeCloseTo(expected[k], 5);
    y.dispose();
    p.dispose();
  });
});
