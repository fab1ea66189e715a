/**
 * TinyViT: parity with MMPretrain 1.2's source on PyTorch (LCG weights, `__fixtures__/group_m`) with padded windows,
 * token-map outputs of every stage, a custom arch / activation / conv sizes; metafile parameter counts; out_indices,
 * frozen_stages, drop_path decay, errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { DropPath } from '../nn/dropout';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { toNHWC } from '../nn/layout';
import { caseInput, fillCase, groupMCase, outputErrors } from './__fixtures__/group_m/load';
import { TinyViT, type TinyViTOptions } from './tinyvit';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

describe('TinyViT', () => {
  it.each(['tinyvit_5m_160_pad', 'tinyvit_custom_gap'])('%s: every output as PyTorch', async (name) => {
    const c = groupMCase(name);
    const { type, ...opts } = c.backbone;
    expect(type).toBe('TinyViT');
    const m = new TinyViT(opts as TinyViTOptions);
    const x = caseInput(c);
    const xn = toNHWC(x as tf.Tensor4D);
    try {
      expect(m.numParameters()).toBe(c.num_params);
      fillCase(m, c);
      m.eval();
      const errs = await outputErrors(m.call(xn), c.outputs);
      console.log(`[tinyvit] ${name}: ${errs.map((e) => e.toExponential(1)).join(' ')}`);
      for (const e of errs) expect(e).toBeLessThan(1e-4);
    } finally {
      tf.dispose([x, xn]);
      m.dispose();
    }
  }, 60_000);

  it.each([
    ['5m', 320, 5_392_764],
    ['11m', 448, 10_996_972],
    ['21m', 576, 21_198_568],
  ] as const)('%s with a 1000-class LinearClsHead on %i features: %i parameters (metafile)', (arch, inC, params) => {
    const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'TinyViT', arch }, head: { type: 'LinearClsHead', in_channels: inC, num_classes: 1000 } });
    expect(m.numParameters()).toBe(params);
    m.dispose();
  });

  it('21m at 384 (window sizes [12, 12, 24, 12]): 21_230_488 parameters (metafile), only the attention-bias tables grow', () => {
    const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'TinyViT', arch: '21m', img_size: [384, 384], window_size: [12, 12, 24, 12] }, head: { type: 'LinearClsHead', in_channels: 576, num_classes: 1000 } });
    expect(m.numParameters()).toBe(21_230_488);
    m.dispose();
  });

  const small = { channels: [8, 16, 24, 32], num_heads: [1, 2, 3, 4], depths: [1, 2, 1, 1] };

  it('out_indices: negative from 4, norms only for the chosen stages (width of the stage after), NHWC maps without GAP', () => {
    const m = new TinyViT({ arch: small, img_size: [64, 64], window_size: [2, 2, 2, 2], out_indices: [0, -2, 3], gap_before_final_norm: false, drop_path_rate: 0 });
    expect(m.outIndices).toEqual([0, 2, 3]);
    const norms = [...m.stateDictShapes()].filter(([k]) => /^norm\d/.test(k));
    expect(norms).toEqual([
      ['norm0.weight', [16]],
      ['norm0.bias', [16]],
      ['norm2.weight', [32]],
      ['norm2.bias', [32]],
      ['norm3.weight', [32]],
      ['norm3.bias', [32]],
    ]);
    m.eval();
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1);
    tf.dispose(m.call(x)); // builds the cached kernels and bias-lookup matrices
    const before = tf.memory().numTensors;
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([
      [2, 8, 8, 16],
      [2, 2, 2, 32],
      [2, 2, 2, 32],
    ]);
    tf.dispose(outs);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
    expect(() => new TinyViT({ arch: small, out_indices: [-5] })).toThrow('Invalid out_indices -5');
  });

  it('frozen_stages: those stages stay in eval with frozen parameters, the patch embedding and later stages train', () => {
    const m = new TinyViT({ arch: small, img_size: [64, 64], window_size: [2, 2, 2, 2], frozen_stages: 2 });
    m.train();
    const stages = m.child('stages').namedChildren();
    for (const [i, s] of stages) {
      const frozen = Number(i) < 2;
      expect(s.training, `stage ${i}`).toBe(!frozen);
      expect(s.parameters().every((p) => p.trainable === !frozen), `stage ${i}`).toBe(true);
    }
    expect(m.child('patch_embed').parameters().every((p) => p.trainable)).toBe(true);
    m.dispose();
  });

  it('drop_path_rate: linearly increasing over every block (the MBConv blocks first), Identity at 0', () => {
    const m = new TinyViT({ arch: small, img_size: [64, 64], window_size: [2, 2, 2, 2], drop_path_rate: 0.5 });
    const probs = m
      .namedModules()
      .filter(([, mod]) => mod instanceof DropPath)
      .map(([n, mod]) => [n, Number((mod as DropPath).dropProb.toFixed(6))]);
    // linspace(0, 0.5, 5): the first (0) is Identity.
    expect(probs).toEqual([
      ['stages.1.blocks.0.drop_path', 0.125],
      ['stages.1.blocks.1.drop_path', 0.25],
      ['stages.2.blocks.0.drop_path', 0.375],
      ['stages.3.blocks.0.drop_path', 0.5],
    ]);
    m.dispose();
  });

  it('arch errors with MMPretrain’s text; conv3 of each MBConv starts with a zero BN weight', () => {
    expect(() => new TinyViT({ arch: '7m' })).toThrow("Unavaiable arch, please choose from ({'5m', '11m', '21m'} or pass a dict.");
    expect(() => new TinyViT({ arch: { channels: [8], num_heads: [1] } as never })).toThrow('The arch dict must have"channels", "num_heads", "window_sizes" keys');
    expect(() => new TinyViT({ arch: '5m', foo: 1 } as never)).toThrow(/foo/);
    const m = new TinyViT({ arch: small, img_size: [64, 64], window_size: [2, 2, 2, 2] });
    const w = m.stateDict().get('stages.0.blocks.0.conv3.bn2d.weight')!;
    expect(Array.from(w.data as Float32Array).every((v) => v === 0)).toBe(true);
    expect(Array.from(m.stateDict().get('stages.0.blocks.0.conv1.bn2d.weight')!.data as Float32Array).every((v) => v === 1)).toBe(true);
    m.dispose();
  });
});
