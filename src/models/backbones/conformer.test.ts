/**
 * Conformer: parameter counts of the real archs equal MMPretrain's metafile, out_indices / with_cls_token / patch_size /
 * auto-padding behaviour, arch errors, and ConformerHead's tuple output, summed loss and summed-score predictions.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { MODELS } from '../../registry';
import { readConfigFile, useBackend } from '../node';
import { buildClassifier } from '../builder';
import type { ImageClassifier } from '../classifiers/image';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { toNHWC } from '../nn/layout';
import { parseNpz } from '../../fileio';
import { parityError } from '../testing/parity_core';
import { registerModels } from '../register_all';
import { detInput, fillDeterministic, keysDigest } from './__fixtures__/group_d/load';
import { Conformer } from './conformer';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const tiny = { embed_dims: 32, depths: 6, num_heads: 2, channel_ratio: 1 };

describe('Conformer', () => {
  it.each([
    // metafile "Parameters" (with the 1000-class ConformerHead)
    ['tiny', 16, [256, 384], 23_524_704],
    ['small', 16, [1024, 384], 37_673_424],
    ['small', 32, [1024, 384], 38_853_072],
    ['base', 16, [1536, 576], 83_289_136],
  ] as const)('%s p%d has the metafile parameter count', (arch, patch, inCh, params) => {
    const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'Conformer', arch, patch_size: patch }, head: { type: 'ConformerHead', num_classes: 1000, in_channels: [...inCh] } });
    try {
      expect(m.numParameters()).toBe(params);
      const keys = [...m.stateDictShapes().keys()];
      expect(keys[0]).toBe('backbone.cls_token');
      expect(keys).toContain('backbone.conv_trans_12.fusion_block.residual_conv.weight');
      expect(keys).not.toContain('backbone.conv_trans_11.fusion_block.residual_conv.weight');
      expect(keys).toContain('backbone.conv_trans_9.cnn_block.residual_bn.running_var');
      expect(keys.slice(-4)).toEqual(['head.conv_cls_head.weight', 'head.conv_cls_head.bias', 'head.trans_cls_head.weight', 'head.trans_cls_head.bias']);
    } finally {
      m.dispose();
    }
  });

  it.each([
    ['conformer-tiny-p16_8xb128_in1k', 23_524_704],
    ['conformer-small-p32_8xb128_in1k', 38_853_072],
  ])('configs/conformer/%s.py builds with the metafile parameter count', (name, params) => {
    const m = buildClassifier(readConfigFile(`configs/conformer/${name}.py`), { seed: null });
    try {
      expect(m.numParameters()).toBe(params);
      expect(m.head!.lossModule.constructor.name).toBe('LabelSmoothLoss');
    } finally {
      m.dispose();
    }
  });

  it('out_indices: one (conv, token) pair per index in block order; negative indices count from depths + 1', () => {
    const bb = new Conformer({ arch: tiny, base_channels: 8, out_indices: [-1, 2, 4] });
    try {
      expect(bb.outIndices).toEqual([6, 2, 4]);
      bb.eval();
      const x = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 3);
      tf.dispose(bb.call(x)); // eval-mode kernel caches
      const before = tf.memory().numTensors;
      const outs = bb.call(x);
      // blocks 2 (stage 1: 8 channels), 4 (stage 2: 16), 6 (stage 3: 32), each with a 32-d class token
      expect(outs.map((t) => t.shape)).toEqual([[1, 8], [1, 32], [1, 16], [1, 32], [1, 32], [1, 32]]);
      tf.dispose(outs);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    } finally {
      bb.dispose();
    }
  });

  it('without class token the transformer output is the normalised token mean; patch 32 and odd inputs are auto-padded', () => {
    for (const [opts, hw] of [[{ with_cls_token: false }, 64], [{ patch_size: 32 }, 72], [{}, 50]] as const) {
      const bb = new Conformer({ arch: tiny, base_channels: 8, ...opts });
      try {
        expect(bb.stateDictShapes().has('cls_token')).toBe(!('with_cls_token' in opts));
        initWeights(bb, new Generator(1));
        bb.eval();
        const x = tf.randomNormal([2, hw, hw, 3], 0, 1, 'float32', 4);
        const outs = bb.call(x);
        expect(outs.map((t) => t.shape)).toEqual([[2, 32], [2, 32]]);
        expect([...outs[0].dataSync(), ...outs[1].dataSync()].every(Number.isFinite)).toBe(true);
        if ('with_cls_token' in opts) {
          // trans_norm output averaged over tokens: LayerNorm (weight 1, bias 0) rows have zero mean, so the mean over
          // channels of the token mean is 0
          const m = tf.mean(outs[1], 1).dataSync();
          for (const v of m) expect(Math.abs(v)).toBeLessThan(1e-5);
        }
        tf.dispose([x, ...outs]);
      } finally {
        bb.dispose();
      }
    }
  });

  it('drop_path_rate is spread linearly over the blocks (trans_1 gets 0)', () => {
    const bb = new Conformer({ arch: 'tiny', drop_path_rate: 0.1 });
    try {
      expect(bb.transDpr[0]).toBe(0);
      expect(bb.transDpr[11]).toBeCloseTo(0.1, 7);
      expect(bb.transDpr[5]).toBeCloseTo((0.1 * 5) / 11, 7);
      expect(bb.child('conv_trans_12').child('fusion_block').child('drop_path').typeName).toBe('DropPath');
      expect(bb.child('conv_trans_12').child('cnn_block').child('drop_path').typeName).toBe('Identity');
      expect(bb.child('trans_1').child('ffn').child('dropout_layer').typeName).toBe('Identity');
    } finally {
      bb.dispose();
    }
  });

  it('init_weights: zero bn3 weights, unit norms, TruncNormal(0.02) linears', () => {
    const bb = new Conformer({ arch: tiny, base_channels: 8 });
    try {
      initWeights(bb, new Generator(0));
      const sd = bb.stateDict();
      const get = (k: string) => Array.from(sd.get(k)!.data as Float32Array);
      expect(get('conv_trans_2.fusion_block.bn3.weight').every((v) => v === 0)).toBe(true);
      expect(get('conv_1.bn3.weight').every((v) => v === 0)).toBe(true);
      expect(get('conv_1.bn1.weight').every((v) => v === 1)).toBe(true);
      expect(get('trans_norm.weight').every((v) => v === 1)).toBe(true);
      expect(get('trans_1.attn.qkv.bias').every((v) => v === 0)).toBe(true);
      const w = get('trans_1.attn.qkv.weight');
      const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
      expect(std).toBeGreaterThan(0.015);
      expect(std).toBeLessThan(0.025);
    } finally {
      bb.dispose();
    }
  });

  it('rejects bad archs and patch sizes with MMPretrain messages', () => {
    expect(() => new Conformer({ arch: 'huge' })).toThrow("Arch huge is not in default archs {'t', 'tiny', 's', 'small', 'b', 'base'}");
    expect(() => new Conformer({ arch: { embed_dims: 32, depths: 6, num_heads: 2 } as never })).toThrow("Custom arch needs a dict with keys {'embed_dims', 'depths', 'num_heads', 'channel_ratio'}");
    expect(() => new Conformer({ arch: tiny, patch_size: 8 })).toThrow('The patch size of Conformer must be divisible by 16.');
    expect(() => new Conformer({ arch: tiny, depth: 3 } as never)).toThrow(/unknown option 'depth'/);
  });
});

describe('Conformer against MMPretrain 1.2 on PyTorch (__fixtures__/group_h/make_fixtures.py)', () => {
  const here = (f: string) => fileURLToPath(new URL(`./__fixtures__/group_h/${f}`, import.meta.url));
  type Case = { name: string; cfg: { type: string }; input_shape: number[]; keys: { count: number; sha256: string }; out_shapes: number[][] };
  const cases = (JSON.parse(readFileSync(here('cases.json'), 'utf8')) as { cases: Case[] }).cases;
  it.each(cases.map((c) => [c.name, c] as const))('%s: keys and every output within 1e-4', (name, c) => {
    const bb = MODELS.build<Conformer>(structuredClone(c.cfg));
    try {
      expect(bb.stateDictShapes().size).toBe(c.keys.count);
      expect(keysDigest(bb)).toBe(c.keys.sha256);
      fillDeterministic(bb);
      bb.eval();
      const ref = parseNpz(new Uint8Array(readFileSync(here(`${name}.npz`))), `${name}.npz`);
      const x = tf.tidy(() => toNHWC(tf.tensor(detInput(c.input_shape), c.input_shape)));
      const outs = bb.call(x);
      expect(outs.map((t) => t.shape)).toEqual(c.out_shapes);
      outs.forEach((t, i) => expect(parityError(t.dataSync(), ref[`out_${i}`]), `out_${i}`).toBeLessThan(1e-4)); // (B, C): no layout change
      tf.dispose([x, ...outs]);
    } finally {
      bb.dispose();
    }
  });
});

describe('ConformerHead', () => {
  function model(loss: Record<string, unknown> = { type: 'CrossEntropyLoss' }, calAcc = false) {
    const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'Conformer', arch: tiny, base_channels: 8 }, head: { type: 'ConformerHead', num_classes: 5, in_channels: [32, 32], loss, cal_acc: calAcc, topk: [1, 2] } });
    initWeights(m, new Generator(2));
    return m.eval();
  }
  const logSoftmax = (r: number[]) => {
    const mx = Math.max(...r);
    const lse = mx + Math.log(r.reduce((a, v) => a + Math.exp(v - mx), 0));
    return r.map((v) => v - lse);
  };
  const rows = (t: Tensor): number[][] => t.arraySync() as number[][];

  it("mode 'tensor' gives [conv logits, transformer logits]; loss is the sum of both CE losses", () => {
    const m = model({ type: 'CrossEntropyLoss', loss_weight: 2 }, true);
    try {
      const x = tf.randomNormal([3, 3, 64, 64], 0, 1, 'float32', 5);
      const out = m.call(x) as Tensor[];
      expect(Array.isArray(out)).toBe(true);
      expect(out.map((t) => t.shape)).toEqual([[3, 5], [3, 5]]);
      const [a, b] = out.map(rows);
      const labels = [0, 3, 4];
      const ce = (r: number[][]) => r.reduce((s, row, i) => s - logSoftmax(row)[labels[i]], 0) / r.length;
      const losses = m.loss(x, labels.map((l) => ({ gt_label: [l] })));
      expect(losses.loss.dataSync()[0]).toBeCloseTo(2 * ce(a) + 2 * ce(b), 4);
      // accuracy from the summed scores
      const sum = a.map((r, i) => r.map((v, j) => v + b[i][j]));
      const top1 = sum.filter((r, i) => r.indexOf(Math.max(...r)) === labels[i]).length;
      expect(losses['accuracy_top-1'].dataSync()[0]).toBeCloseTo((100 * top1) / 3, 4);
      tf.dispose([x, ...out, ...Object.values(losses)]);
    } finally {
      m.dispose();
    }
  });

  it('loss on Mixup scores (gt_score) with LabelSmoothLoss: the two smoothed soft CEs summed', () => {
    const m = model({ type: 'LabelSmoothLoss', label_smooth_val: 0.1, mode: 'original' });
    try {
      const x = tf.randomNormal([2, 3, 64, 64], 0, 1, 'float32', 7);
      const out = m.call(x) as Tensor[];
      const scores = [[0.6, 0.4, 0, 0, 0], [0, 0, 0.25, 0, 0.75]];
      const smooth = scores.map((r) => r.map((v) => v * 0.9 + 0.1 / 5));
      const ce = (r: number[][]) => r.reduce((s, row, i) => s - logSoftmax(row).reduce((a, l, j) => a + smooth[i][j] * l, 0), 0) / r.length;
      const losses = m.loss(x, scores.map((g) => ({ gt_score: new Float32Array(g) })));
      expect(losses.loss.dataSync()[0]).toBeCloseTo(ce(rows(out[0])) + ce(rows(out[1])), 4);
      tf.dispose([x, ...out, ...Object.values(losses)]);
    } finally {
      m.dispose();
    }
  });

  it('predict: softmax of the summed logits (sync and async), no leak', async () => {
    const m = model();
    try {
      const x = tf.randomNormal([2, 3, 64, 64], 0, 1, 'float32', 6);
      const out = m.call(x) as Tensor[];
      const [a, b] = out.map(rows);
      tf.dispose(out);
      const before = tf.memory().numTensors;
      const preds = m.predict(x);
      expect(tf.memory().numTensors).toBe(before);
      const asyncPreds = await m.predictAsync(x);
      preds.forEach((p, i) => {
        const s = a[i].map((v, j) => v + b[i][j]);
        const expected = logSoftmax(s).map(Math.exp);
        expected.forEach((e, j) => expect(p.pred_score![j]).toBeCloseTo(e, 5));
        expect(p.pred_label).toEqual([s.indexOf(Math.max(...s))]);
        expect(Array.from(asyncPreds[i].pred_score!)).toEqual(Array.from(p.pred_score!));
      });
      const pre = m.extractFeat(x, 'pre_logits');
      expect(pre.shape).toEqual([2, 64]);
      tf.dispose([x, pre]);
    } finally {
      m.dispose();
    }
  });

  it('checks num_classes and in_channels', () => {
    expect(() => MODELS.build({ type: 'ConformerHead', num_classes: 0, in_channels: [8, 8] })).toThrow('num_classes=0 must be a positive integer');
    expect(() => MODELS.build({ type: 'ConformerHead', num_classes: 3, in_channels: 8 })).toThrow(/in_channels must be \[conv_dim, trans_dim\]/);
  });
});
