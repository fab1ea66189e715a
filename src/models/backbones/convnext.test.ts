/**
 * ConvNeXt beyond the zoo fixture: MMPretrain's own source on PyTorch for ConvNeXt-V2-style settings (GRN, no layer
 * scale, 1×1-conv pointwise layers, no GAP, all four outputs; custom stem, LN2d eps), parameter counts of the
 * metafiles, frozen stages, layer depths and error messages.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { ConvNeXt, linspace } from './convnext';
import { backboneErrors, fixtureCase } from './__fixtures__/group_a/load';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const build = (cfg: Record<string, unknown>) => MODELS.build<ConvNeXt>({ type: 'ConvNeXt', ...cfg });

describe('ConvNeXt', () => {
  for (const name of ['convnext_v2_conv_pw', 'convnext_grn_linear']) {
    it(`${name}: PyTorch keys in order, strict load, outputs within 1e-4`, async () => {
      const f = fixtureCase(name);
      const { type, ...cfg } = f.meta.cfg;
      expect(type).toBe('ConvNeXt');
      const m = build(cfg);
      try {
        expect([...m.stateDictShapes().keys()]).toEqual(f.meta.keys);
        m.loadStateDict(f.stateDict());
        m.eval();
        const errs = await backboneErrors(m, f.arrays.x, f.outs());
        console.log(`[${name}] ${errs.map((e) => e.toExponential(2)).join(' ')}`);
        for (const e of errs) expect(e).toBeLessThan(1e-4);
        const before = tf.memory().numTensors; // after the first pass cached the eval-mode kernels
        await backboneErrors(m, f.arrays.x, f.outs());
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        m.dispose();
      }
    });
  }

  // Metafile "Parameters" (backbone + LinearClsHead 1000 classes).
  const counts: [string, Record<string, unknown>, number][] = [
    ['convnext-tiny', { arch: 'tiny' }, 28_589_128],
    ['convnext-v2-atto', { arch: 'atto', use_grn: true, layer_scale_init_value: 0 }, 3_708_400],
    ['convnext-v2-femto', { arch: 'femto', use_grn: true, layer_scale_init_value: 0 }, 5_233_240],
    ['convnext-v2-pico', { arch: 'pico', use_grn: true, layer_scale_init_value: 0 }, 9_066_280],
    ['convnext-v2-nano', { arch: 'nano', use_grn: true, layer_scale_init_value: 0 }, 15_623_800],
    ['convnext-v2-tiny', { arch: 'tiny', use_grn: true, layer_scale_init_value: 0 }, 28_635_496],
  ];
  for (const [name, cfg, params] of counts) {
    it(`${name}: ${params} parameters as the metafile`, () => {
      const m = build(cfg);
      const c = m.channels[m.channels.length - 1];
      expect(m.numParameters() + c * 1000 + 1000).toBe(params);
      m.dispose();
    });
  }

  it('out_indices, gap_before_final_norm, in_channels, stem_patch_size: output shapes and norm layers', () => {
    const m = build({ arch: { depths: [1, 1, 1, 1], channels: [8, 16, 24, 32] }, out_indices: [0, 2, -1], gap_before_final_norm: false, in_channels: 1, stem_patch_size: 2 });
    m.eval();
    expect(m.outIndices).toEqual([0, 2, 3]);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['downsample_layers', 'stages', 'norm0', 'norm2', 'norm3']);
    const x = tf.zeros([1, 32, 32, 1]);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 16, 16, 8], [1, 4, 4, 24], [1, 2, 2, 32]]);
    tf.dispose([x, ...outs]);
    m.dispose();
    const g = build({ arch: 'atto', out_indices: [1, 3] });
    g.eval();
    const y = tf.zeros([2, 32, 32, 3]);
    const gouts = g.call(y);
    expect(gouts.map((o) => o.shape)).toEqual([[2, 80], [2, 320]]);
    tf.dispose([y, ...gouts]);
    g.dispose();
  });

  it('frozen_stages freezes downsample layers and stages (not the output norm) and keeps them frozen after train()', () => {
    const m = build({ arch: 'atto', frozen_stages: 2, drop_path_rate: 0.1 });
    m.train();
    const frozen = m.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n);
    expect(frozen.length).toBeGreaterThan(0);
    expect(frozen.every((n) => /^(downsample_layers|stages)\.[01]\./.test(n))).toBe(true);
    expect(m.namedParameters().filter(([n]) => /^(downsample_layers|stages)\.[01]\./.test(n)).every(([, v]) => !v.trainable)).toBe(true);
    expect(m.stages.at(0).training).toBe(false);
    expect(m.stages.at(2).training).toBe(true);
    expect(m.child('norm3').param('weight').trainable).toBe(true);
    m.dispose();
  });

  it('drop path: torch.linspace decay rule, DropPath only where the rate is positive', () => {
    expect(linspace(0, 0.1, 5)).toEqual([0, 0.025, 0.05, 0.075, 0.1].map(Math.fround));
    const m = build({ arch: { depths: [1, 1, 1, 1], channels: [8, 8, 8, 8] }, drop_path_rate: 0.3 });
    expect(m.stages.at(0).at(0).child('drop_path').typeName).toBe('Identity');
    expect(m.stages.at(3).at(0).child('drop_path').typeName).toBe('DropPath');
    m.dispose();
  });

  it('get_layer_depth as MMPretrain', () => {
    const m = build({ arch: { depths: [1, 1, 12, 1], channels: [8, 8, 8, 8] } });
    expect(m.getLayerDepth('backbone.downsample_layers.0.0.weight', 'backbone.')).toEqual([0, 14]);
    expect(m.getLayerDepth('backbone.downsample_layers.2.1.weight', 'backbone.')).toEqual([3, 14]);
    expect(m.getLayerDepth('backbone.downsample_layers.3.1.weight', 'backbone.')).toEqual([12, 14]);
    expect(m.getLayerDepth('backbone.stages.2.7.gamma', 'backbone.')).toEqual([5, 14]);
    expect(m.getLayerDepth('backbone.norm3.weight', 'backbone.')).toEqual([13, 14]);
    expect(m.getLayerDepth('head.fc.weight', 'backbone.')).toEqual([13, 14]);
    m.dispose();
  });

  it("default init_cfg (TruncNormal std 0.02 on Conv2d / Linear, LayerNorm2d 1 / 0), layer scale and GRN's zeros", () => {
    const m = build({ arch: { depths: [1, 1, 2, 1], channels: [16, 32, 64, 128] }, use_grn: true });
    initWeights(m, new Generator(0));
    const sd = m.stateDict();
    const std = (k: string) => {
      const d = sd.get(k)!.data as Float32Array;
      const mean = d.reduce((a, b) => a + b, 0) / d.length;
      return Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    };
    expect(std('stages.2.0.pointwise_conv1.weight')).toBeCloseTo(0.02, 3); // cut at ±2 (absolute), so σ stays 0.02
    expect([...(sd.get('stages.2.0.pointwise_conv1.bias')!.data as Float32Array)].every((v) => v === 0)).toBe(true);
    expect([...(sd.get('downsample_layers.1.0.weight')!.data as Float32Array)].every((v) => v === 1)).toBe(true);
    expect([...(sd.get('stages.0.0.gamma')!.data as Float32Array)].every((v) => v === Math.fround(1e-6))).toBe(true);
    expect([...(sd.get('stages.0.0.grn.gamma')!.data as Float32Array)].every((v) => v === 0)).toBe(true);
    m.dispose();
  });

  it('ConvNeXt-V2 block in training: every parameter (GRN included) gets a finite non-zero gradient, no leak', () => {
    registerTrainingKernels(tf.getBackend());
    const m = build({ arch: { depths: [1, 1, 1, 1], channels: [8, 8, 16, 16] }, use_grn: true, layer_scale_init_value: 0, linear_pw_conv: false });
    initWeights(m, new Generator(1));
    m.train();
    tf.tidy(() => {
      for (const [, v] of m.namedParameters()) if (v.shape.length === 1) v.assign(tf.add(v, tf.randomUniform(v.shape, 0.1, 0.5, 'float32', 7)));
    });
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 2);
    const params = m.namedParameters().map(([, v]) => v);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.call(x)[0])) as tf.Scalar, params);
    for (const [n, v] of m.namedParameters()) {
      const g = grads[v.name].dataSync();
      expect(g.every((e) => Number.isFinite(e)), n).toBe(true);
      expect(g.some((e) => e !== 0), n).toBe(true);
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  it('bad arch / options: MMPretrain messages', () => {
    expect(() => build({ arch: 'mini' })).toThrow("Unavailable arch, please choose from ({'atto', 'femto', 'pico', 'nano', 'tiny', 'small', 'base', 'large', 'xlarge', 'huge'}) or pass a dict.");
    expect(() => build({ arch: { depths: [1, 1, 1, 1] } })).toThrow('The arch dict must have "depths" and "channels", but got [\'depths\'].');
    expect(() => build({ arch: { depths: [1, 1], channels: [8] } })).toThrow(/should be both sequence with the same length/);
    expect(() => build({ arch: 'atto', norm_cfg: { type: 'BN' } })).toThrow(/only 'LN2d'/);
    expect(() => build({ arch: 'atto', use_gnr: true })).toThrow(/ConvNeXt: unknown option 'use_gnr' — did you mean 'use_grn'/);
    expect(() => build({ arch: 'atto', with_cp: true }).dispose()).not.toThrow();
  });
});
