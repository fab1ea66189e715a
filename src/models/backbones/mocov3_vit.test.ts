/**
 * MoCoV3ViT: metafile parameter counts of the linear-probe configs, the `mocov3-small` arch, MoCo v3's init (fixed
 * frozen 2-D sin-cos `pos_embed`, per-block qkv Xavier bounds), `stop_grad_conv1`, its `frozen_stages` semantics,
 * the required `patch_size`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { readConfigFile, useBackend } from '../node';
import { buildClassifier } from '../builder';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { registerModels } from '../register_all';
import { MultiheadAttention } from '../utils/attention';
import { build2dSincosPositionEmbedding } from '../utils/sincos_pos_embed';
import { MoCoV3ViT } from './mocov3_vit';
import { VisionTransformer } from './vision_transformer';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const tiny = { embed_dims: 32, num_layers: 2, num_heads: 2, feedforward_channels: 64 };

describe('MoCoV3ViT', () => {
  it.each([
    ['vit-small-p16_8xb128-linear-coslr-90e_in1k', 22_050_664, 0],
    ['vit-base-p16_8xb128-linear-coslr-90e_in1k', 86_567_656, 0],
  ])('configs/mocov3/benchmarks/%s.py has the metafile parameter count; frozen_stages=12 leaves only the head', (name, params) => {
    const m = buildClassifier(readConfigFile(`configs/mocov3/benchmarks/${name}.py`), { seed: null });
    try {
      expect(m.numParameters()).toBe(params);
      m.train();
      const trainable = m.namedParameters().filter(([, v]) => v.trainable).map(([n]) => n);
      expect(trainable).toEqual(['head.layers.head.weight', 'head.layers.head.bias']);
    } finally {
      m.dispose();
    }
  });

  it('adds mocov3-small to the ViT archs (not to VisionTransformer’s) and needs patch_size', () => {
    const m = new MoCoV3ViT({ arch: 'mocov3-s', img_size: 32, patch_size: 16 });
    expect(m.embedDims).toBe(384);
    expect(m.layers.at(0).child<MultiheadAttention>('attn').numHeads).toBe(12);
    m.dispose();
    const b = new MoCoV3ViT({ arch: 'deit-tiny', img_size: 32, patch_size: 16 });
    expect(b.embedDims).toBe(192);
    b.dispose();
    expect(() => new VisionTransformer({ arch: 'mocov3-small' })).toThrow('Arch mocov3-small is not in default archs');
    expect(() => new MoCoV3ViT({ arch: tiny })).toThrow(/patch_size/);
    expect(() => new MoCoV3ViT({ arch: tiny, patch_size: 8, foo: 1 } as never)).toThrow(/foo/);
  });

  it('init: fixed sin-cos pos_embed (frozen), zero linear biases, qkv bound per Q/K/V block, tiny class token', () => {
    const m = new MoCoV3ViT({ arch: tiny, img_size: 32, patch_size: 8 });
    initWeights(m, new Generator(0));
    const want = build2dSincosPositionEmbedding([4, 4], 32, 10000, true);
    const pe = m.posEmbed!.dataSync();
    let d = 0;
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(want[i] - pe[i]));
    expect(d).toBe(0);
    expect(m.posEmbed!.trainable).toBe(false);
    // token 1 + m: first coordinate ⌊m/h⌋, second m mod h; [sin(a·ω), cos(a·ω), sin(b·ω), cos(b·ω)], ω_0 = 1
    expect(pe[(1 + 5) * 32 + 0]).toBeCloseTo(Math.sin(1), 6); // m=5 → a=1
    expect(pe[(1 + 5) * 32 + 16]).toBeCloseTo(Math.sin(1), 6); // b=1
    expect(pe[(1 + 6) * 32 + 16]).toBeCloseTo(Math.sin(2), 6); // m=6 → b=2
    expect(Array.from(pe.slice(0, 32)).every((v) => v === 0)).toBe(true);
    const qkv = m.layers.at(0).child('attn').child('qkv');
    const bound = Math.sqrt(6 / (32 + 32));
    expect(tf.max(tf.abs(qkv.param('weight'))).dataSync()[0]).toBeLessThanOrEqual(bound);
    expect(tf.max(tf.abs(qkv.param('weight'))).dataSync()[0]).toBeGreaterThan(Math.sqrt(6 / (96 + 32)));
    expect(tf.max(tf.abs(qkv.param('bias'))).dataSync()[0]).toBe(0);
    const proj = m.child('patch_embed').child('projection');
    expect(tf.max(tf.abs(proj.param('weight'))).dataSync()[0]).toBeLessThanOrEqual(Math.sqrt(6 / (3 * 64 + 32)));
    expect(tf.max(tf.abs(proj.param('bias'))).dataSync()[0]).toBe(0);
    expect(tf.max(tf.abs(m.clsToken!)).dataSync()[0]).toBeLessThan(1e-5);
    m.dispose();
  });

  it('stop_grad_conv1 and frozen_stages (0: embeddings only; num_layers: every layer and ln1), kept by train()', () => {
    const frozen = (o: Record<string, unknown>) => {
      const m = new MoCoV3ViT({ arch: tiny, img_size: 32, patch_size: 8, ...o });
      m.train();
      const f = m.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n);
      const training = m.layers.items().map((l) => l.training);
      m.dispose();
      return { f, training };
    };
    expect(frozen({}).f).toEqual([]);
    expect(frozen({ stop_grad_conv1: true }).f).toEqual(['patch_embed.projection.weight', 'patch_embed.projection.bias']);
    const f0 = frozen({ frozen_stages: 0 });
    expect(f0.f).toEqual(['cls_token', 'pos_embed', 'patch_embed.projection.weight', 'patch_embed.projection.bias']);
    expect(f0.training).toEqual([true, true]);
    const f1 = frozen({ frozen_stages: 1 });
    expect(f1.f.some((n) => n.startsWith('layers.0.')) && !f1.f.some((n) => n.startsWith('layers.1.'))).toBe(true);
    expect(f1.training).toEqual([false, true]);
    const f2 = frozen({ frozen_stages: 2 });
    expect(f2.f).toContain('ln1.weight');
  });
});
