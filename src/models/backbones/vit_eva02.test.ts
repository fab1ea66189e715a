/**
 * ViTEVA02 beyond the zoo fixture: parameter counts of real archs (metafile), the rotary tables against PyTorch's
 * buffers, RoPE at other grids, sub-LN, out_indices / out_type / frozen_stages, and the error texts.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { loadCheckpoint, toFloat32 } from '../../fileio';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { useBackend } from '../node';
import { groupKCases, runGroupKCase } from './__fixtures__/group_k/load';
import { registerModels } from '../register_all';
import { zooModelCfg, zooPath } from '../testing/zoo';
import { RotaryEmbeddingFast, rotatePairs } from '../utils/rope';
import { EVA02_ARCH, ViTEVA02 } from './vit_eva02';
import { missingShared } from '../../testing/shared';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const tiny = { embed_dims: 32, num_layers: 3, num_heads: 2, feedforward_channels: 48 };

describe('ViTEVA02', () => {
  it('parameter counts equal the metafile (in1k configs, 1000-class LinearClsHead)', () => {
    const cases: [string, number, number, number, boolean][] = [
      ['t', 336, 192, 5_758_888, false],
      ['s', 336, 384, 22_133_608, false],
      ['b', 448, 768, 87_126_760, true],
    ];
    for (const [arch, img, c, params, sub_ln] of cases) {
      const m = MODELS.build<ImageClassifier>({
        type: 'ImageClassifier',
        backbone: { type: 'ViTEVA02', arch, img_size: img, patch_size: 14, sub_ln, final_norm: false, out_type: 'avg_featmap' },
        head: { type: 'LinearClsHead', num_classes: 1000, in_channels: c },
      });
      expect(m.numParameters(), arch).toBe(params);
      m.dispose();
    }
    expect(Object.keys(EVA02_ARCH).sort()).toEqual(['b', 'base', 'l', 'large', 's', 'small', 't', 'ti', 'tiny']);
    expect(EVA02_ARCH.large).toEqual({ embed_dims: 1024, num_layers: 24, num_heads: 16, feedforward_channels: 2730 });
  });

  it.skipIf(missingShared(zooPath('ViTEVA02_tiny.pth')))('computes the same rotary tables as PyTorch stores', async () => {
    const ck = await loadCheckpoint(new Uint8Array(readFileSync(zooPath('ViTEVA02_tiny.pth'))), 'ViTEVA02_tiny.pth');
    const m = MODELS.build<ImageClassifier>(zooModelCfg('ViTEVA02') as { type: string });
    const ours = m.stateDict();
    let n = 0;
    for (const [k, e] of ck.stateDict) {
      if (!k.includes('rope.')) continue;
      const a = toFloat32(e as never) as Float32Array;
      const b = ours.get(k)!.data as Float32Array;
      expect(b.length, k).toBe(a.length);
      let err = 0;
      for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
      expect(err, k).toBeLessThan(1e-6);
      n++;
    }
    expect(n).toBe(6);
    m.dispose();
  });

  it('rotates interleaved pairs and recomputes its tables for other grids', () => {
    const x = tf.tensor([1, 2, 3, 4], [1, 1, 1, 4]);
    expect(Array.from(rotatePairs(x).dataSync())).toEqual([-2, 1, -4, 3]);
    const r = new RotaryEmbeddingFast(8, 4);
    const r2 = new RotaryEmbeddingFast(8, [3, 5]);
    r.grid = [3, 5];
    const q = tf.randomNormal([2, 2, 15, 8], 0, 1, 'float32', 3);
    const a = r.call(q);
    const b = r2.call(q);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-6);
    // Position 0 has angle 0: unchanged.
    const first = tf.slice(tf.sub(a, q), [0, 0, 0, 0], [-1, -1, 1, -1]);
    expect(tf.max(tf.abs(first)).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, q, a, b, first]);
    r.dispose();
    r2.dispose();
  });

  it('keys with and without sub-LN, default LN eps 1e-5, other input sizes, no leak', () => {
    const plain = new ViTEVA02({ arch: tiny, img_size: 28, patch_size: 7 });
    const keys = [...plain.stateDictShapes().keys()];
    expect(keys.some((k) => k.includes('mlp.norm'))).toBe(false);
    expect(keys.slice(-4)).toEqual(['ln1.weight', 'ln1.bias', 'rope.freqs_cos', 'rope.freqs_sin']);
    expect(plain.stateDictShapes().get('layers.0.mlp.w12.weight')).toEqual([96, 32]);
    expect(plain.stateDictShapes().get('rope.freqs_cos')).toEqual([16, 16]);
    expect((plain.child('ln1') as unknown as { eps: number }).eps).toBe(1e-5);
    const sub = new ViTEVA02({ arch: tiny, img_size: 28, patch_size: 7, sub_ln: true });
    expect(sub.stateDictShapes().get('layers.2.mlp.norm.weight')).toEqual([48]);
    plain.eval();
    const x = tf.randomNormal([1, 35, 42, 3], 0, 1, 'float32', 1); // 5×6 grid
    tf.dispose(plain.call(x)); // first call fills weight caches
    const before = tf.memory().numTensors;
    const [y] = plain.call(x);
    expect(y.shape).toEqual([1, 32]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    plain.dispose();
    sub.dispose();
  });

  it('out_indices, out_type and with_cls_token', () => {
    const m = new ViTEVA02({ arch: tiny, img_size: 28, patch_size: 7, out_indices: [0, -1], out_type: 'featmap' });
    m.eval();
    const x = tf.randomNormal([2, 28, 28, 3], 0, 1, 'float32', 2);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[2, 4, 4, 32], [2, 4, 4, 32]]);
    tf.dispose(outs);
    const noCls = new ViTEVA02({ arch: tiny, img_size: 28, patch_size: 7, with_cls_token: false, out_type: 'avg_featmap' });
    expect(noCls.stateDictShapes().get('pos_embed')).toEqual([1, 16, 32]);
    noCls.eval();
    const [y] = noCls.call(x);
    expect(y.shape).toEqual([2, 32]);
    expect(() => new ViTEVA02({ arch: tiny, with_cls_token: false })).toThrow('with_cls_token must be True when `out_type="cls_token"`.');
    tf.dispose([x, y]);
    m.dispose();
    noCls.dispose();
  });

  it('frozen_stages freezes the embeddings and the first layers; drop path is identity in eval', () => {
    const m = new ViTEVA02({ arch: tiny, img_size: 28, patch_size: 7, frozen_stages: 2, drop_path_rate: 0.5 });
    m.train();
    const frozen = m.namedParameters().filter(([, v]) => !v.trainable).map(([k]) => k);
    expect(frozen).toContain('pos_embed');
    expect(frozen).toContain('layers.1.mlp.w3.weight');
    expect(frozen.some((k) => k.startsWith('layers.2.'))).toBe(false);
    expect(m.child('layers').child('1').training).toBe(false);
    m.eval();
    const x = tf.randomNormal([1, 28, 28, 3], 0, 1, 'float32', 4);
    const [a] = m.call(x);
    const [b] = m.call(x);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    tf.dispose([x, a, b]);
    m.dispose();
  });

  it('bad arch and options fail with clear messages', () => {
    expect(() => new ViTEVA02({ arch: 'huge' })).toThrow(/Arch huge is not in default archs/);
    expect(() => new ViTEVA02({ arch: { embed_dims: 8 } as never })).toThrow(/Custom arch needs a dict with keys/);
    expect(() => new ViTEVA02({ bogus: 1 } as never)).toThrow(/bogus/);
  });

  for (const name of groupKCases('eva02')) {
    it(`matches MMPretrain on PyTorch: ${name} (__fixtures__/group_k)`, async () => {
      const r = await runGroupKCase(name);
      console.log(`[group_k] ${name}: ${r.errors.map((e) => e.toExponential(2)).join(' ')}`);
      expect(r.keysMatch).toBe(true);
      for (const e of r.errors) expect(e).toBeLessThan(1e-4);
      expect(r.leak).toBe(0);
    });
  }
});
