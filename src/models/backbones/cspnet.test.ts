/**
 * CSPNet family beyond the keys-only zoo fixtures: parameter counts against MMPretrain's metafile, every stage's
 * output at 64×64 against MMPretrain's own classes (deterministic LCG weights, summarised reference outputs),
 * frozen_stages / norm_eval on train(), the deep stem, the general CSPNet (custom arch, depthwise Darknet blocks,
 * drop path) and MMPretrain's error texts.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { ConvModule } from '../nn/bricks';
import { DropPath } from '../nn/dropout';
import { toNCHW, toNHWC } from '../nn/layout';
import { fillLcg, Lcg, summaryErrors, type OutputSummary } from '../testing/lcg_weights';
import { useBackend } from '../node';
import { registerModels } from '../register_all';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { fuseConvBn } from '../utils/fuse_conv_bn';
import { CSPDarkNet, CSPNet, CSPResNet, CSPResNetBottleneck, CSPResNeXt, CSPResNeXtBottleneck, DarknetBottleneck } from './cspnet';

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

/**
 * Outputs of MMPretrain 1.2's own classes (PyTorch 1.13) under the LCG weights of `testing/lcg_weights.ts` and an LCG
 * input: shape, Σy, Σ|y| and 48 evenly spaced values per output (`__fixtures__/group_f/build_refs.sh` made them).
 */
const REF = JSON.parse(readFileSync(new URL('./__fixtures__/group_f/cspnet_lcg_ref.json', import.meta.url), 'utf8')) as Record<string, { outputs: OutputSummary[] }>;

const classifier = (backbone: Record<string, unknown>, inC: number) => ({
  type: 'ImageClassifier', backbone, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: inC },
});

describe('CSPNet family', () => {
  it('parameter counts equal the metafile (27.64M, 21.62M, 20.57M with the 1000-class head)', () => {
    const cases: [Record<string, unknown>, number, number][] = [
      [{ type: 'CSPDarkNet', depth: 53 }, 1024, 27_642_184],
      [{ type: 'CSPResNet', depth: 50 }, 1024, 21_616_168],
      [{ type: 'CSPResNeXt', depth: 50 }, 2048, 20_569_896],
    ];
    for (const [bb, inC, params] of cases) {
      const m = MODELS.build<ImageClassifier>(classifier(bb, inC));
      expect(m.numParameters(), String(bb.type)).toBe(params);
      expect(Math.round(params / 1e4) / 100).toBe({ CSPDarkNet: 27.64, CSPResNet: 21.62, CSPResNeXt: 20.57 }[bb.type as string]);
      m.dispose();
    }
  });

  for (const [name, make] of [
    ['CSPDarkNet', () => new CSPDarkNet({ depth: 53, out_indices: [0, 1, 2, 3, 4] })],
    ['CSPResNet', () => new CSPResNet({ depth: 50, out_indices: [0, 1, 2, 3] })],
    ['CSPResNeXt', () => new CSPResNeXt({ depth: 50, out_indices: [0, 1, 2, 3] })],
    // The fixture also has CSPResNet_deep_stem (deep stem, last stage); left out here to keep the file's run time down.
  ] as const) {
    it(`${name}: every requested stage at 64×64 matches MMPretrain (LCG weights, sampled values and sums), no leak`, () => {
      const ref = REF[name].outputs;
      const m = make();
      fillLcg(m, 7);
      m.eval();
      const x = toNHWC(tf.tensor(Float32Array.from(new Lcg(99).take(3 * 64 * 64)), [1, 3, 64, 64]));
      tf.dispose(m.call(x));
      const before = tf.memory().numTensors;
      const outs = m.call(x).map((o) => {
        const t = toNCHW(o);
        o.dispose();
        return t;
      });
      expect(outs.map((o) => o.shape)).toEqual(ref.map((r) => r.shape));
      outs.forEach((o, i) => {
        const e = summaryErrors(o.dataSync(), ref[i]);
        expect(e.absSum, `${name} out ${i} Σ|y|`).toBeLessThan(1e-5);
        expect(e.sum, `${name} out ${i} Σy`).toBeLessThan(1e-5);
        expect(e.samples, `${name} out ${i} samples`).toBeLessThan(1e-4);
      });
      tf.dispose(outs);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(x);
      m.dispose();
    });
  }

  it('default out_indices are the last stage; the deep stem has MMPretrain keys', () => {
    const d = new CSPDarkNet({ depth: 53 });
    expect(d.outIndices).toEqual([4]);
    d.dispose();
    const r = new CSPResNet({ depth: 50, deep_stem: true });
    expect(r.outIndices).toEqual([3]);
    const keys = [...r.stateDictShapes().keys()];
    expect(keys.slice(0, 2)).toEqual(['stem.0.conv.weight', 'stem.0.bn.weight']);
    expect(r.stateDictShapes().get('stem.2.conv.weight')).toEqual([64, 32, 3, 3]);
    expect(keys).toContain('stages.1.downsample_conv.conv.weight');
    expect(keys.some((k) => k.startsWith('stages.0.downsample_conv'))).toBe(false);
    r.dispose();
    const x = new CSPResNeXt({ depth: 50 });
    expect(x.stateDictShapes().get('stages.1.downsample_conv.conv.weight')).toEqual([256, 8, 3, 3]); // groups 32
    expect(x.stateDictShapes().get('stages.3.blocks.0.conv2.weight')).toEqual([1024, 32, 3, 3]);
    x.dispose();
  });

  it('frozen_stages freezes the stem and stages ≤ k on train(); norm_eval keeps BatchNorms in eval', () => {
    const m = new CSPResNet({ depth: 50, frozen_stages: 1, norm_eval: true });
    m.train();
    for (const [n, v] of m.namedParameters()) {
      const frozen = n.startsWith('stem.') || n.startsWith('stages.0.') || n.startsWith('stages.1.');
      expect(v.trainable, n).toBe(!frozen);
    }
    expect(m.child('stem').training).toBe(false);
    expect(m.stages.at(1).training).toBe(false);
    expect(m.stages.at(2).training).toBe(true);
    const bns = m.namedModules().filter(([, v]) => v.typeNames().includes('_BatchNorm'));
    expect(bns.every(([, v]) => !v.training)).toBe(true);
    m.eval();
    m.train();
    expect(m.stages.at(0).training).toBe(false);
    m.dispose();
    expect(() => new CSPDarkNet({ depth: 53, frozen_stages: 5 })).toThrow('frozen_stages must be in range(-1, 5). But received 5');
  });

  it('the general CSPNet: custom arch, depthwise Darknet blocks, drop path, LeakyReLU slope', () => {
    const stem = (inC: number) => new ConvModule({ in_channels: inC, out_channels: 8, kernel_size: 3, padding: 1, norm_cfg: { type: 'BN' }, act_cfg: { type: 'ReLU' } });
    const m = new CSPNet({
      arch: { block_fn: DarknetBottleneck, in_channels: [8, 16], out_channels: [16, 32], num_blocks: [1, 2], expand_ratio: [2, 1], bottle_ratio: 1, down_growth: true, block_args: { use_depthwise: true } },
      stem_fn: stem,
      out_indices: [0, 1],
      drop_path_rate: 0.2,
      act_cfg: { type: 'LeakyReLU', negative_slope: 0.1 },
    });
    const keys = [...m.stateDictShapes().keys()];
    expect(keys).toContain('stages.1.blocks.1.conv2.depthwise_conv.conv.weight');
    expect(keys).toContain('stages.1.blocks.1.conv2.pointwise_conv.bn.running_var');
    const dps = m.namedModules().filter(([, v]) => v instanceof DropPath) as [string, DropPath][];
    expect(dps.map(([n, d]) => [n, d.dropProb])).toEqual([
      ['stages.1.blocks.0.drop_path', Math.fround(0.1)],
      ['stages.1.blocks.1.drop_path', Math.fround(0.2)],
    ]);
    m.eval();
    const x = tf.randomNormal([1, 16, 16, 3], 0, 1, 'float32', 2);
    const outs = m.call(x);
    expect(outs.map((o) => o.shape)).toEqual([[1, 8, 8, 16], [1, 4, 4, 32]]);
    tf.dispose([x, ...outs]);
    m.dispose();
    expect(() => new CSPNet({ arch: { block_fn: DarknetBottleneck, in_channels: [8, 16], out_channels: [16, 32], num_blocks: [1] }, stem_fn: stem })).toThrow(
      'The length of num_blocks (1) does not equals to the number of stages (2)',
    );
  });

  it('fuseConvBn keeps the outputs of ResNet / ResNeXt bottlenecks with their LeakyReLU (not folded as a ReLU)', () => {
    for (const block_fn of [CSPResNetBottleneck, CSPResNeXtBottleneck]) {
      const wide = block_fn === CSPResNeXtBottleneck;
      const m = new CSPNet({
        arch: { block_fn, in_channels: wide ? [32, 64] : [8, 16], out_channels: wide ? [64, 128] : [16, 32], num_blocks: [1, 2], expand_ratio: wide ? 8 : 2, bottle_ratio: 2, block_args: wide ? { base_channels: 32 } : {} },
        stem_fn: (inC) => new ConvModule({ in_channels: inC, out_channels: wide ? 32 : 8, kernel_size: 3, padding: 1, norm_cfg: { type: 'BN' }, act_cfg: { type: 'LeakyReLU' } }),
      });
      fillLcg(m, 3);
      m.eval();
      const x = tf.randomNormal([1, 16, 16, 3], 0, 1, 'float32', 5);
      const [ref] = m.call(x);
      for (const [, mod] of m.namedModules()) fuseConvBn(mod);
      for (const [, mod] of m.namedModules()) (mod as { fuseActivations?: () => void }).fuseActivations?.();
      expect(m.namedModules().some(([, v]) => v.typeNames().includes('_BatchNorm'))).toBe(false);
      const [y] = m.call(x);
      const [a, b] = [y.dataSync(), ref.dataSync()];
      let err = 0;
      for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
      expect(err).toBeLessThan(1e-4);
      tf.dispose([x, ref, y]);
      m.dispose();
    }
  });

  it('a training step of each block kind gives every parameter a finite non-zero gradient, no leak', () => {
    registerTrainingKernels(tf.getBackend());
    for (const block_fn of [DarknetBottleneck, CSPResNetBottleneck, CSPResNeXtBottleneck]) {
      const wide = block_fn === CSPResNeXtBottleneck;
      const m = new CSPNet({
        arch: { block_fn, in_channels: wide ? [32, 64] : [8, 16], out_channels: wide ? [64, 128] : [16, 32], num_blocks: [1, 2], expand_ratio: wide ? 8 : 2, bottle_ratio: 2, block_args: wide ? { base_channels: 32 } : {} },
        stem_fn: (inC) => new ConvModule({ in_channels: inC, out_channels: wide ? 32 : 8, kernel_size: 3, padding: 1, norm_cfg: { type: 'BN' }, act_cfg: { type: 'LeakyReLU' } }),
        out_indices: [0, 1],
        drop_path_rate: 0.1,
      });
      fillLcg(m, 5);
      m.train();
      const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 6);
      const vars = m.namedParameters().filter(([, v]) => v.trainable);
      const step = () => {
        const { value, grads } = tf.variableGrads(() => tf.addN(m.call(x).map((o, i) => tf.mean(tf.square(tf.add(o, i))))) as tf.Scalar, vars.map(([, v]) => v));
        const bad = vars.filter(([, v]) => {
          const d = grads[v.name].dataSync();
          return !d.every(Number.isFinite) || d.every((e) => e === 0);
        });
        tf.dispose([value, ...Object.values(grads)]);
        return bad.map(([n]) => n);
      };
      expect(step(), block_fn.name).toEqual([]);
      const before = tf.memory().numTensors;
      step();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      m.dispose();
    }
  });

  it('errors use MMPretrain text', () => {
    expect(() => MODELS.build({ type: 'CSPDarkNet', depth: 50 })).toThrow('depth must be one of [53], but get 50.');
    expect(() => MODELS.build({ type: 'CSPResNeXt', depth: 101 })).toThrow('depth must be one of [50], but get 101.');
    expect(() => MODELS.build({ type: 'CSPResNet', depth: 50, out_indices: [7] })).toThrow('Invalid out_indices 7.');
    expect(() => MODELS.build({ type: 'CSPDarkNet', depth: 53, drop_path_rate: 0.1 })).toThrow(/CSPDarkNet: unknown option 'drop_path_rate'/);
    expect(() => MODELS.build({ type: 'CSPResNet', depth: 50, deepstem: true })).toThrow(/did you mean 'deep_stem'/);
  });
});
