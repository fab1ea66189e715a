/**
 * HRNet and the HRFuseScales neck: outputs equal the real MMPretrain modules' on deterministic weights
 * (`__fixtures__/group_d`: a custom `extra` with several HRModules per stage and a Bottleneck stage 2, with
 * `multiscale_output` both ways; w18 with HRFuseScales), PyTorch's key order for every arch, the metafile's parameter
 * counts of the zoo classifiers (`neck=[HRFuseScales, GlobalAveragePooling]`), `norm_eval`, `zero_init_residual`,
 * gradients, BN folding and the error messages.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../backends/tf';
import { MODELS } from '../../registry';
import { getModelComplexityInfo } from '../analysis/complexity';
import { buildClassifier } from '../builder';
import type { ImageClassifier } from '../classifiers/image';
import { useBackend } from '../node';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { registerModels } from '../register_all';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { fuseConvBn } from '../utils/fuse_conv_bn';
import { HRFuseScales } from '../necks/hr_fuse';
import { fillDeterministic, runGroupDCase } from './__fixtures__/group_d/load';
import { HRNET_ARCH_ZOO, HRNet, type HRNetExtra } from './hrnet';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

const TINY: HRNetExtra = {
  stage1: { num_modules: 1, num_branches: 1, block: 'BOTTLENECK', num_blocks: [1], num_channels: [4] },
  stage2: { num_modules: 1, num_branches: 2, block: 'BASIC', num_blocks: [1, 1], num_channels: [2, 4] },
  stage3: { num_modules: 2, num_branches: 3, block: 'BASIC', num_blocks: [1, 1, 1], num_channels: [2, 4, 8] },
  stage4: { num_modules: 2, num_branches: 4, block: 'BASIC', num_blocks: [1, 1, 1, 1], num_channels: [2, 4, 8, 16] },
};

describe('HRNet against MMPretrain (deterministic weights)', () => {
  for (const name of ['hrnet_multi_ms1', 'hrnet_multi_ms0', 'hrnet_w18_fuse']) {
    it(name, async () => {
      const r = await runGroupDCase(name);
      expect(Object.values(r.keysMatch).every(Boolean), JSON.stringify(r.keysMatch)).toBe(true);
      for (const [i, e] of r.errors.entries()) expect(e, `out_${i}`).toBeLessThan(1e-4);
    }, 30000);
  }
});

describe('HRNet structure', () => {
  it('has the arch table of MMPretrain (w18 … w64)', () => {
    expect(Object.keys(HRNET_ARCH_ZOO)).toEqual(['w18', 'w30', 'w32', 'w40', 'w44', 'w48', 'w64']);
    expect(HRNET_ARCH_ZOO.w64[3]).toEqual([3, 4, 'BASIC', [4, 4, 4, 4], [64, 128, 256, 512]]);
    expect(HRNET_ARCH_ZOO.w30[2]).toEqual([4, 3, 'BASIC', [4, 4, 4], [30, 60, 120]]);
  });

  // The metafile's counts include HRFuseScales and the 2048 → 1000 head (w30 37_708_380, w40 57_553_320,
  // w44 67_061_144 and w64 128_056_104 also match; left out for time).
  const counts: [string, number, number][] = [['w18', 18, 21_295_164], ['w32', 32, 41_228_840], ['w48', 48, 77_466_024]];
  for (const [arch, w, params] of counts) {
    it(`hrnet-${arch}: ${params} parameters as the metafile, keys neck.0.* for the listed neck`, () => {
      const model = MODELS.build<ImageClassifier>({
        type: 'ImageClassifier',
        backbone: { type: 'HRNet', arch },
        neck: [{ type: 'HRFuseScales', in_channels: [w, 2 * w, 4 * w, 8 * w] }, { type: 'GlobalAveragePooling' }],
        head: { type: 'LinearClsHead', in_channels: 2048, num_classes: 1000 },
      } as never);
      try {
        expect(model.numParameters()).toBe(params);
        const keys = [...model.stateDictShapes().keys()];
        expect(keys).toContain('backbone.stage4.2.fuse_layers.3.0.2.0.weight');
        expect(keys).toContain('neck.0.increase_layers.3.0.downsample.0.weight');
        expect(keys).toContain('neck.0.final_layer.bn.running_var');
      } finally {
        model.dispose();
      }
    });
  }

  it('returns four branches at 1/4 … 1/32, or only the first with multiscale_output: false', () => {
    for (const ms of [true, false]) {
      const m = new HRNet({ extra: TINY, multiscale_output: ms });
      m.eval();
      const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 3);
      const outs = m.call(x);
      expect(outs.map((o) => o.shape)).toEqual(ms ? [[1, 8, 8, 2], [1, 4, 4, 4], [1, 2, 2, 8], [1, 1, 1, 16]] : [[1, 8, 8, 2]]);
      expect(m.outChannels).toEqual(ms ? [2, 4, 8, 16] : [2]);
      // multiscale_output only trims the last HRModule's fuse layers.
      const keys = [...m.stateDictShapes().keys()];
      expect(keys.some((k) => k.startsWith('stage4.1.fuse_layers.1.'))).toBe(ms);
      expect(keys.some((k) => k.startsWith('stage4.0.fuse_layers.3.'))).toBe(true);
      tf.dispose([x, ...outs]);
      m.dispose();
    }
  });

  it('leaves no tensor behind', () => {
    const m = new HRNet({ extra: TINY });
    m.eval();
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 3);
    tf.dispose(m.call(x));
    const before = tf.memory().numTensors;
    tf.dispose(m.call(x));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  it('rejects bad configs with MMPretrain messages', () => {
    expect(() => new HRNet({ arch: 'w20' })).toThrow("Invalid arch, please choose arch from ['w18', 'w30', 'w32', 'w40', 'w44', 'w48', 'w64'], or specify `extra` argument directly.");
    const { stage4: _drop, ...three } = TINY;
    void _drop;
    expect(() => new HRNet({ extra: three as never })).toThrow('Missing stage4 config in "extra".');
    expect(() => new HRNet({ extra: { ...TINY, stage2: { ...TINY.stage2, num_blocks: [1] } } })).toThrow(/num_branches/);
    expect(() => new HRNet({ extra: { ...TINY, stage2: { ...TINY.stage2, block: 'DENSE' } } })).toThrow(/'BASIC', 'BOTTLENECK'/);
    expect(() => new HRNet({ arch: 'w18', frozen_stages: 1 } as never)).toThrow(/unknown option 'frozen_stages'/);
  });

  it('norm_eval keeps every BatchNorm in eval mode while training', () => {
    const m = new HRNet({ extra: TINY, norm_eval: true });
    m.train();
    const bns = m.namedModules().filter(([, x]) => x.typeNames().includes('_BatchNorm'));
    expect(bns.length).toBeGreaterThan(20);
    expect(bns.every(([, x]) => !x.training)).toBe(true);
    expect(m.child('stage2').training).toBe(true);
    m.dispose();
  });

  it('zero_init_residual changes nothing, as in MMPretrain (the blocks inside nn.Sequential ResLayers are never initialised by their init_cfg)', () => {
    const norms = (zero: boolean) => {
      const m = new HRNet({ extra: TINY, zero_init_residual: zero });
      initWeights(m, new Generator(0));
      const w = Array.from(m.child('stage2').child('0').child('branches').child('0').child('0').child('bn2').param('weight').dataSync());
      m.dispose();
      return w;
    };
    expect(norms(true)).toEqual(norms(false));
    expect(norms(true).every((v) => v === 1)).toBe(true);
  });

  it('folding BN into the convs (and the stem ReLUs into the kernels) keeps the outputs', () => {
    const m = new HRNet({ extra: TINY });
    fillDeterministic(m);
    m.eval();
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 5);
    const ref = m.call(x);
    fuseConvBn(m);
    expect(m.child<import('../nn/conv').Conv2d>('conv1').fusedActivation).toBe('relu');
    const fused = m.call(x);
    for (const [i, o] of fused.entries()) expect(tf.max(tf.abs(tf.sub(o, ref[i]))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, ...ref, ...fused]);
    m.dispose();
  });

  it('a training step gives every parameter a finite, non-zero gradient when the loss uses every branch', () => {
    registerTrainingKernels('wasm');
    const m = new HRNet({ extra: TINY });
    initWeights(m, new Generator(1));
    m.train();
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 4);
    const params = m.parameters();
    const { value, grads } = tf.variableGrads(() => {
      const outs = m.call(x);
      return tf.addN(outs.map((o, i) => tf.mean(tf.mul(o, i + 1)))) as tf.Scalar;
    }, params);
    const bad = Object.entries(grads).filter(([, g]) => {
      const d = g.dataSync();
      return !d.every(Number.isFinite) || d.every((v) => v === 0);
    });
    expect(bad.map(([n]) => n)).toEqual([]);
    expect(Object.keys(grads).length).toBe(params.length);
    tf.dispose([x, value, ...Object.values(grads)]);
    m.dispose();
  });

  it('get_flops counts each nearest Upsample as its output size (fvcore aten::upsample_nearest2d)', () => {
    const model = buildClassifier({ type: 'ImageClassifier', backbone: { type: 'HRNet', extra: TINY }, neck: { type: 'GlobalAveragePooling' } }, { seed: null });
    const { stats } = getModelComplexityInfo(model, [3, 32, 32]);
    // stage2's branch 1 (4 channels at 4×4) upsampled ×2 into branch 0 (2 channels at 8×8): 2·8·8 outputs.
    expect(stats.flops.get('backbone.stage2.0.fuse_layers.0.1.2')).toBe(2 * 8 * 8);
    expect(stats.flops.get('backbone.stage4.1.fuse_layers.0.3.2')).toBe(2 * 8 * 8);
    model.dispose();
  });
});

describe('HRFuseScales', () => {
  it('fuses four scales into one out_channels map at the lowest resolution', () => {
    const neck = new HRFuseScales({ in_channels: [2, 4, 8, 16], out_channels: 32 });
    neck.eval();
    const xs = [[1, 16, 16, 2], [1, 8, 8, 4], [1, 4, 4, 8], [1, 2, 2, 16]].map((s, i) => tf.randomNormal(s, 0, 1, 'float32', i));
    const [y] = neck.call(xs);
    expect(y.shape).toEqual([1, 2, 2, 32]);
    const keys = [...neck.stateDictShapes()];
    expect(keys[0]).toEqual(['increase_layers.0.0.conv1.weight', [32, 2, 1, 1]]);
    expect(keys.find(([k]) => k === 'downsample_layers.2.conv.weight')?.[1]).toEqual([1024, 512, 3, 3]);
    expect(keys.at(-1)?.[0]).toBe('final_layer.bn.num_batches_tracked');
    expect(() => neck.call(xs.slice(0, 3))).toThrow(/expected 4 feature maps/);
    tf.dispose([...xs, y]);
    neck.dispose();
  });

  it('builds the zoo classifier and predicts 1000 finite scores', () => {
    const model = buildClassifier({
      type: 'ImageClassifier',
      backbone: { type: 'HRNet', extra: TINY },
      neck: [{ type: 'HRFuseScales', in_channels: [2, 4, 8, 16], out_channels: 64 }, { type: 'GlobalAveragePooling' }],
      head: { type: 'LinearClsHead', in_channels: 64, num_classes: 1000 },
    });
    model.eval();
    const x = tf.randomNormal([1, 3, 32, 32], 0, 1, 'float32', 6);
    const y = model.call(x) as Tensor;
    expect(y.shape).toEqual([1, 1000]);
    expect(y.dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });
});
