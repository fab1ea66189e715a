/**
 * EfficientFormer and EfficientFormerClsHead: MMPretrain's parameter counts, output layouts (tokens as (B, C, N), or
 * reshaped maps), vit_num 0, attention-bias indices, frozen_stages, arch errors, the distilled head.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { EfficientFormerClsHead } from '../heads/efficientformer_head';
import { GlobalAveragePooling } from '../necks/gap';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { AttentionWithBias, EfficientFormer } from './efficientformer';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const small = { layers: [1, 1, 1, 2], embed_dims: [8, 16, 24, 32], downsamples: [false, true, true, true], vit_num: 1 };

describe('EfficientFormer', () => {
  it.each([
    // The metafile says 12_278_696 for l1 (11_232 fewer); l3 and l7, built by the same code, match it exactly.
    ['l1', 448, 12_289_928],
    ['l3', 512, 31_406_000],
    ['l7', 768, 82_229_328],
  ] as const)('%s with the distilled head (in_channels %i): %i parameters (metafile)', (arch, inC, params) => {
    const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'EfficientFormer', arch }, neck: { type: 'GlobalAveragePooling', dim: 1 }, head: { type: 'EfficientFormerClsHead', in_channels: inC, num_classes: 1000 } });
    try {
      expect(m.numParameters()).toBe(params);
    } finally {
      m.dispose();
    }
  });

  it('attention bias indices as LeViT: 49 offsets on a 7×7 grid, symmetric, 0 on the diagonal', () => {
    const a = new AttentionWithBias({ embed_dims: 16 });
    expect(a.attentionBiases.shape).toEqual([8, 49]);
    const idx = a.attentionBiasIdxs.arraySync() as number[][];
    expect(idx.length).toBe(49);
    for (let i = 0; i < 49; i++) {
      expect(idx[i][i]).toBe(0);
      for (let j = 0; j < 49; j++) expect(idx[i][j]).toBe(idx[j][i]);
    }
    // point 0 = (0, 0), point 8 = (1, 1): offset (1, 1), the 9th offset met (row-major over (0, 0)'s partners).
    expect(idx[0][8]).toBe(8);
    expect(Math.max(...idx.flat())).toBe(48);
    a.dispose();
  });

  it('outputs: (B, C, N) tokens by default, NCHW maps with reshape_last_feat, every stage; GAP dim 1 pools N', () => {
    const x = tf.randomNormal([1, 3, 224, 224], 0, 1, 'float32', 1);
    const cls = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'EfficientFormer', arch: small }, neck: { type: 'GlobalAveragePooling', dim: 1 }, head: { type: 'EfficientFormerClsHead', in_channels: 32, num_classes: 5 } });
    cls.eval();
    const feats = cls.extractFeat(x, 'backbone');
    expect(feats.map((f) => f.shape)).toEqual([[1, 32, 49]]);
    const neck = cls.extractFeat(x, 'neck');
    expect(neck[0].shape).toEqual([1, 32]);
    const mean = tf.mean(feats[0], 2);
    expect(tf.max(tf.abs(tf.sub(mean, neck[0]))).dataSync()[0]).toBeLessThan(1e-6);
    const logits = cls.call(x) as tf.Tensor;
    expect(logits.shape).toEqual([1, 5]);
    tf.dispose([...feats, ...neck, mean, logits]);
    cls.dispose();

    const bb = new EfficientFormer({ arch: small, out_indices: [0, 1, 2, 3], reshape_last_feat: true });
    bb.eval();
    const xn = tf.transpose(x, [0, 2, 3, 1]);
    const outs = bb.call(xn);
    expect(outs.map((o) => o.shape)).toEqual([[1, 56, 56, 8], [1, 28, 28, 16], [1, 14, 14, 24], [1, 7, 7, 32]]);
    expect(bb.child('norm3').typeName).toBe('GroupNorm');
    tf.dispose(outs);
    bb.dispose();
    tf.dispose([x, xn]);
  });

  it('GlobalAveragePooling on (B, C, N) tokens as PyTorch: dim 1 pools N, dim 2 (unbatched 2-D pool) pools all to (B, 1)', () => {
    const t = tf.tensor3d([[[1, 2, 3], [4, 5, 6]]]);
    const g1 = new GlobalAveragePooling({ dim: 1 });
    const g2 = new GlobalAveragePooling();
    const [a] = g1.call([t]);
    const [b] = g2.call([t]);
    expect(a.arraySync()).toEqual([[2, 5]]);
    expect(b.arraySync()).toEqual([[3.5]]);
    tf.dispose([t, a, b]);
  });

  it('vit_num 0: no attention; the last stage is still flattened, so only reshape_last_feat gives an output', () => {
    const bb = new EfficientFormer({ arch: { ...small, vit_num: 0 }, reshape_last_feat: true });
    bb.eval();
    expect(bb.namedModules().some(([, m]) => m.typeName === 'Meta3D')).toBe(false);
    expect(bb.network[3].namedChildren().map(([, m]) => m.typeName)).toEqual(['ConvModule', 'Meta4D', 'Meta4D', 'Flat']);
    const x = tf.randomNormal([1, 64, 96, 3], 0, 1, 'float32', 2);
    const [y] = bb.call(x);
    expect(y.shape).toEqual([1, 2, 3, 32]);
    const plain = new EfficientFormer({ arch: { ...small, vit_num: 0 } });
    expect(() => plain.call(x)).toThrow('set reshape_last_feat');
    tf.dispose([x, y]);
    bb.dispose();
    plain.dispose();
  });

  it('the last stage: vit_num = layers[3] flattens before its first block', () => {
    const bb = new EfficientFormer({ arch: { ...small, vit_num: 2 } });
    const stage = bb.network[3];
    expect(stage.namedChildren().map(([, m]) => m.typeName)).toEqual(['ConvModule', 'Flat', 'Meta3D', 'Meta3D']);
    bb.dispose();
    const l1 = new EfficientFormer({ arch: 'l1' });
    expect(l1.network[3].namedChildren().map(([, m]) => m.typeName)).toEqual(['ConvModule', 'Meta4D', 'Meta4D', 'Meta4D', 'Flat', 'Meta3D']);
    l1.dispose();
  });

  it('frozen_stages: patch_embed and network[0..n) with their norms frozen and in eval mode', () => {
    const bb = new EfficientFormer({ arch: small, frozen_stages: 1, out_indices: [0, 3] });
    bb.train();
    const frozen = bb.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n);
    expect(frozen.every((n) => n.startsWith('patch_embed.') || n.startsWith('network.0.') || n.startsWith('norm0.'))).toBe(true);
    expect(frozen).toContain('norm0.weight');
    expect(frozen).toContain('patch_embed.0.conv.weight');
    expect(bb.child('patch_embed').training).toBe(false);
    expect(bb.network[1].training).toBe(true);
    bb.dispose();
  });

  it('arch errors', () => {
    expect(() => new EfficientFormer({ arch: 'l2' })).toThrow("Unavailable arch, please choose from ({'l1', 'l3', 'l7'}) or pass a dict.");
    expect(() => new EfficientFormer({ arch: { layers: [1, 1, 1, 1], embed_dims: [8, 8, 8, 8] } as never })).toThrow("The arch dict must have {'layers', 'embed_dims', 'downsamples', 'vit_num'}, but got ['layers', 'embed_dims'].");
    expect(() => new EfficientFormer({ arch: { ...small, vit_num: 3 } })).toThrow("'vit_num' must be an integer smaller than layer number");
  });

  it('head: mean of head and dist_head; without distillation only head; bad num_classes', () => {
    const h = new EfficientFormerClsHead({ num_classes: 3, in_channels: 4 });
    expect([...h.stateDictShapes().keys()]).toEqual(['head.weight', 'head.bias', 'dist_head.weight', 'dist_head.bias']);
    const f = tf.randomNormal([2, 4], 0, 1, 'float32', 5);
    const y = h.call([f]);
    const ref = tf.div(tf.add(h.child('head').call(f) as tf.Tensor, h.child('dist_head').call(f) as tf.Tensor), 2);
    expect(tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0]).toBeLessThan(1e-6);
    const h2 = new EfficientFormerClsHead({ num_classes: 3, in_channels: 4, distillation: false });
    expect([...h2.stateDictShapes().keys()]).toEqual(['head.weight', 'head.bias']);
    tf.dispose([f, y, ref]);
    h.dispose();
    h2.dispose();
    expect(() => new EfficientFormerClsHead({ num_classes: 0, in_channels: 4 })).toThrow('num_classes=0 must be a positive integer');
  });
});
