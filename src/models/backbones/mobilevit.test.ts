/** MobileViT: MMPretrain's parameter counts, unfold/fold (with interpolation), out_indices, frozen_stages, arch errors. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { foldPatches, MobileViT, MobileVitBlock, unfoldPatches } from './mobilevit';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const classifier = (arch: string, inC: number) =>
  MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'MobileViT', arch }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: inC } });

const tiny = [
  ['mobilenetv2', 8, 1, 1, 2],
  ['mobilenetv2', 16, 2, 1, 2],
  ['mobilevit', 24, 2, 32, 64, 1, 2],
  ['mobilevit', 32, 2, 32, 64, 1, 2],
] as [string, ...number[]][];

describe('MobileViT', () => {
  it.each([
    ['small', 640, 5.58],
    ['x_small', 384, 2.32],
    ['xx_small', 320, 1.27],
  ] as const)('%s (head in_channels %i): parameters as the metafile (%sM)', (arch, inC, millions) => {
    const m = classifier(arch, inC);
    try {
      expect(Math.round(m.numParameters() / 1e4) / 100).toBe(millions);
      const keys = [...m.stateDictShapes().keys()];
      expect(keys).toContain('backbone.layers.4.1.global_rep.0.ffn.layers.0.0.weight');
      expect(keys).toContain('backbone.conv_1x1_exp.bn.running_var');
    } finally {
      m.dispose();
    }
  });

  it('unfold: sequence (i, j) of every patch, tokens in patch order; fold inverts it', () => {
    // NHWC [1, 4, 6, 1] holding 10·row + col.
    const x = tf.tensor4d(Array.from({ length: 24 }, (_, k) => 10 * Math.floor(k / 6) + (k % 6)), [1, 4, 6, 1]);
    const u = unfoldPatches(x, 2, 2);
    expect(u.shape).toEqual([4, 6, 1]);
    const d = u.arraySync() as number[][][];
    // sequence p = 2i + j, token n = 3r + s → pixel (2r + i, 2s + j)
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let r = 0; r < 2; r++) for (let s = 0; s < 3; s++) expect(d[2 * i + j][3 * r + s][0]).toBe(10 * (2 * r + i) + 2 * s + j);
    const f = foldPatches(u, 1, 2, 3, 2, 2);
    expect(f.arraySync()).toEqual(x.arraySync());
    tf.dispose([x, u, f]);
  });

  it('block: a map not divisible by the patch size is resized around the transformer (shape kept)', () => {
    const block = new MobileVitBlock({ in_channels: 4, transformer_dim: 8, ffn_dim: 16, out_channels: 4, num_transformer_blocks: 1 });
    block.eval();
    const x = tf.randomNormal([2, 7, 5, 4], 0, 1, 'float32', 3);
    const y = block.call(x);
    expect(y.shape).toEqual([2, 7, 5, 4]);
    expect(Number.isFinite(tf.sum(y).dataSync()[0])).toBe(true);
    tf.dispose([x, y]);
    block.dispose();
  });

  it('out_indices (negative too), odd input sizes, no leak', () => {
    const m = new MobileViT({ arch: tiny, stem_channels: 8, last_exp_factor: 2, out_indices: [0, 2, -1] });
    m.eval();
    const x = tf.randomNormal([1, 50, 42, 3], 0, 1, 'float32', 1);
    tf.dispose(m.call(x)); // first call fills the layers' caches
    const before = tf.memory().numTensors;
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 25, 21, 8], [1, 7, 6, 24], [1, 4, 3, 64]]);
    tf.dispose(outs);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  it('frozen_stages freezes layers[0..n) (not the stem) and keeps them in eval mode', () => {
    const m = new MobileViT({ arch: tiny, stem_channels: 8, frozen_stages: 2 });
    m.train();
    const frozen = m.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n);
    expect(frozen.length).toBeGreaterThan(0);
    expect(frozen.every((n) => n.startsWith('layers.0.') || n.startsWith('layers.1.'))).toBe(true);
    expect(m.namedParameters().filter(([n]) => n.startsWith('layers.1.')).every(([, v]) => !v.trainable)).toBe(true);
    expect(m.layers.at(1).training).toBe(false);
    expect(m.layers.at(2).training).toBe(true);
    m.dispose();
    expect(() => new MobileViT({ arch: tiny, frozen_stages: 4 })).toThrow('frozen_stages must be in range(-1, 4). But received 4');
  });

  it('arch errors', () => {
    expect(() => new MobileViT({ arch: 'large' })).toThrow("Unavailable arch, please choose from ({'small', 'x_small', 'xx_small'}) or pass a list.");
    expect(() => new MobileViT({ arch: [['conv', 8, 1, 1]] })).toThrow("unknown layer type 'conv'");
    expect(() => new MobileViT({ arch: 'small', width: 2 } as never)).toThrow('width');
  });
});
