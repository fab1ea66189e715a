/**
 * EfficientNet / EfficientNetV2: every arch's state-dict structure equals MMPretrain 1.2's (keys, shapes, blocks per
 * layer; `__fixtures__/efficientnet/structure.json`), parameter counts equal the metafiles', outputs equal the real
 * MMPretrain modules' on deterministic weights (`__fixtures__/efficientnet/*.npz`, from `gen_reference.py`:
 * TF-"SAME" `Conv2dAdaptivePadding` on odd input sizes, EdgeResidual, EnhancedConvModule skips, plain-conv configs),
 * and out_indices / frozen_stages / norm_eval / drop_path / bad-arch behaviour.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { parseNpz, toFloat32, type NpyArray } from '../../fileio/npy';
import { MODELS } from '../../registry';
import type { ImageClassifier } from '../classifiers/image';
import { useBackend } from '../node';
import { toNCHW, toNHWC } from '../nn/layout';
import { ConvModule } from '../nn/bricks';
import { Conv2d } from '../nn/conv';
import { Conv2dAdaptivePadding } from '../nn/conv2d_adaptive_padding';
import { Sequential } from '../nn/container';
import type { DropPath } from '../nn/dropout';
import { initWeights } from '../nn/init';
import type { AnyModule } from '../nn/module';
import { Generator } from '../../utils/random';
import type { StateDict } from '../nn/state_dict';
import { registerModels } from '../register_all';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { EdgeResidual } from '../utils/edge_residual';
import { InvertedResidual } from '../utils/inverted_residual';
import { EFFICIENTNET_ARCH_SETTINGS, EFFICIENTNET_LAYER_SETTINGS, EfficientNet, efficientNetScaling } from './efficientnet';
import { batchNormsToEval } from './base_backbone';
import { EFFICIENTNET_V2_ARCH_SETTINGS, EfficientNetV2, EnhancedConvModule } from './efficientnet_v2';

const FIX = join(__dirname, '__fixtures__/efficientnet');
const structure = JSON.parse(readFileSync(join(FIX, 'structure.json'), 'utf8')) as Record<string, { params: number; tensors: number; sha256: string; blocks: number[] }>;

beforeAll(async () => {
  await useBackend('wasm');
  registerModels();
});

/** The closed-form weights of `gen_reference.py`'s `fill`. */
function deterministicWeights(m: AnyModule): StateDict {
  const sd: StateDict = new Map();
  [...m.stateDictShapes()].forEach(([k, shape], j) => {
    if (k.endsWith('num_batches_tracked')) {
      sd.set(k, { dtype: 'int64', shape, data: BigInt64Array.of(0n) });
      return;
    }
    const n = shape.reduce((a, b) => a * b, 1);
    const fanIn = n / shape[0];
    const f = k.endsWith('running_var')
      ? (i: number) => 1 + 0.5 * Math.sin(0.37 * i + j)
      : k.endsWith('running_mean')
        ? (i: number) => 0.1 * Math.sin(0.61 * i + j)
        : shape.length === 1 && k.endsWith('weight')
          ? (i: number) => 1 + 0.2 * Math.sin(0.53 * i + j)
          : shape.length === 1
            ? (i: number) => 0.1 * Math.sin(0.71 * i + j)
            : (i: number) => Math.sqrt(3 / fanIn) * Math.sin(1.3 * i + 0.7 * j);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = f(i);
    sd.set(k, { dtype: 'float32', shape, data });
  });
  return sd;
}

const seq = (m: EfficientNet | EfficientNetV2, i: number): Sequential => m.layers.at(i) as Sequential;

function structureOf(m: EfficientNet | EfficientNetV2): { params: number; tensors: number; sha256: string; blocks: number[] } {
  const shapes = [...m.stateDictShapes()];
  const text = shapes.map(([k, s]) => `${k}:[${s.join(', ')}]`).join('\n');
  return {
    params: m.numParameters(),
    tensors: shapes.length,
    sha256: createHash('sha256').update(text).digest('hex'),
    blocks: m.layers.items().map((l) => (l.typeName === 'Sequential' ? l.namedChildren().length : 1)),
  };
}

describe('EfficientNet / EfficientNetV2 structure', () => {
  // l2 (475M), V2 l / large (117M) and xl (207M) take ~3 s more and ~2.5 GB: built only with EFFNET_ALL_ARCHS=1
  // (they pass); l2's layer plan and V2 l / xl's blocks are checked below without building.
  const big = process.env.EFFNET_ALL_ARCHS ? [] : ['EfficientNet/l2', 'EfficientNetV2/l', 'EfficientNetV2/large', 'EfficientNetV2/xl'];
  for (const name of Object.keys(structure).filter((n) => !big.includes(n))) {
    it(`${name}: keys, shapes, parameter count and blocks per layer as MMPretrain's`, () => {
      const [family, arch] = name.split('/');
      const before = tf.memory().numTensors;
      const m = family === 'EfficientNet' ? new EfficientNet({ arch }) : new EfficientNetV2({ arch });
      try {
        expect(structureOf(m)).toEqual(structure[name]);
      } finally {
        m.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('every arch of the tables is covered, and l2 scales the b layers as MMPretrain', () => {
    expect(Object.keys(EFFICIENTNET_ARCH_SETTINGS).map((a) => `EfficientNet/${a}`).every((n) => n in structure)).toBe(true);
    expect(Object.keys(EFFICIENTNET_V2_ARCH_SETTINGS).map((a) => `EfficientNetV2/${a}`).every((n) => n in structure)).toBe(true);
    const l2 = efficientNetScaling(EFFICIENTNET_LAYER_SETTINGS.b, EFFICIENTNET_ARCH_SETTINGS.l2);
    expect(l2.map((l) => l.length)).toEqual(structure['EfficientNet/l2'].blocks);
    expect(l2[0][0][1]).toBe(136);
    expect(l2[6][0][1]).toBe(5504);
    for (const a of ['l', 'xl']) expect([1, ...EFFICIENTNET_V2_ARCH_SETTINGS[a].slice(0, -1).map((r) => r[0]), 1]).toEqual(structure[`EfficientNetV2/${a}`].blocks);
  });

  // configs/efficientnet*/metafile.yml "Parameters" (ImageClassifier with GAP and a 1000-class LinearClsHead).
  const metafile: [string, string, number, number][] = [
    ['EfficientNet', 'b0', 1280, 5_288_548],
    ['EfficientNet', 'b1', 1280, 7_794_184],
    ['EfficientNet', 'b3', 1536, 12_233_232],
    ['EfficientNet', 'b4', 1792, 19_341_616],
    ['EfficientNetV2', 'b0', 1280, 7_139_704],
    ['EfficientNetV2', 'b2', 1408, 10_096_086],
    ['EfficientNetV2', 'b3', 1536, 14_358_406],
    ['EfficientNetV2', 's', 1280, 21_458_488],
  ];
  for (const [type, arch, inC, params] of metafile) {
    it(`${type} ${arch}: ${params} parameters with its head, as the metafile`, () => {
      const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type, arch }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 1000, in_channels: inC } });
      expect(m.numParameters()).toBe(params);
      m.dispose();
    });
  }
});

describe('EfficientNet / EfficientNetV2 outputs equal MMPretrain on WASM', () => {
  const cases: [string, () => EfficientNet | EfficientNetV2][] = [
    ['v2_b1', () => new EfficientNetV2({ arch: 'b1', out_indices: [0, 1, 2, 3, 4, 5, 6, 7] })],
    ['v2_b0_plain_conv', () => new EfficientNetV2({ arch: 'b0', conv_cfg: null, out_indices: [4, 7] })],
    ['es_relu', () => new EfficientNet({ arch: 'es', act_cfg: { type: 'ReLU' }, out_indices: [0, 1, 2, 3, 4, 5, 6] })],
    ['em', () => new EfficientNet({ arch: 'em', out_indices: [1, 6] })],
    ['b0_plain_conv', () => new EfficientNet({ arch: 'b0', conv_cfg: null, out_indices: [2, 6] })],
  ];
  for (const [name, build] of cases) {
    it(name, () => {
      const ref = parseNpz(new Uint8Array(readFileSync(join(FIX, `${name}.npz`))));
      const m = build();
      try {
        m.loadStateDict(deterministicWeights(m));
        m.eval();
        const xRef = ref.x as NpyArray;
        const x = toNHWC(tf.tensor(toFloat32(xRef), xRef.shape));
        tf.dispose(m.call(x)); // eval-mode kernel caches
        const before = tf.memory().numTensors;
        const outs = m.call(x);
        const keys = Object.keys(ref).filter((k) => k.startsWith('out_'));
        expect(outs.length).toBe(keys.length);
        const errs = keys.map((k, i) => {
          const r = ref[k] as NpyArray;
          const y = toNCHW(outs[i]);
          expect(y.shape).toEqual(r.shape);
          const a = y.dataSync();
          const e = toFloat32(r);
          y.dispose();
          let maxDiff = 0;
          let maxRef = 0;
          for (let j = 0; j < e.length; j++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[j] - e[j]));
            maxRef = Math.max(maxRef, Math.abs(e[j]));
          }
          return [k, maxDiff / maxRef] as const;
        });
        console.log(`[efficientnet] ${name}: ${errs.map(([k, v]) => `${k}=${v.toExponential(2)}`).join(' ')} (max |diff| / max |ref|)`);
        for (const [k, v] of errs) expect(v, k).toBeLessThan(1e-4);
        tf.dispose(outs);
        expect(tf.memory().numTensors).toBe(before);
        x.dispose();
      } finally {
        m.dispose();
      }
    });
  }
});

describe('EfficientNet / EfficientNetV2 options', () => {
  it('EfficientNetV2 b0 classifier: a WASM training step gives every trainable parameter a finite non-zero gradient, no leak', () => {
    registerTrainingKernels(tf.getBackend());
    const model = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'EfficientNetV2', arch: 'b0', drop_path_rate: 0.1 }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 10, in_channels: 1280 } });
    model.loadStateDict(deterministicWeights(model));
    model.train();
    const x = tf.randomNormal([2, 3, 32, 24], 0, 1, 'float32', 1);
    const trainable = model.namedParameters().filter(([, v]) => v.trainable);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => model.loss(x, [{ gt_label: [1] }, { gt_label: [7] }]).loss as tf.Scalar, trainable.map(([, v]) => v));
      const bad = trainable.filter(([, v]) => {
        const d = grads[v.name].dataSync();
        return d.some((g) => !Number.isFinite(g)) || d.every((g) => g === 0);
      });
      const loss = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads)]);
      return { loss, bad: bad.map(([n]) => n) };
    };
    const first = step();
    expect(Number.isFinite(first.loss)).toBe(true);
    expect(first.bad).toEqual([]);
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('Conv2dAdaptivePadding is TF "SAME": output ceil(in / stride), the odd pad at the bottom / right', () => {
    const opts = { in_channels: 2, out_channels: 3, kernel_size: 3, stride: 2, bias: true };
    const same = new Conv2dAdaptivePadding({ ...opts, padding: 1 });
    const plain = new Conv2d(opts);
    plain.loadStateDict(same.stateDict());
    for (const [h, w] of [[8, 7], [9, 10]]) {
      const x = tf.randomNormal([1, h, w, 2], 0, 1, 'float32', h);
      const y = same.call(x);
      expect(y.shape).toEqual([1, Math.ceil(h / 2), Math.ceil(w / 2), 3]);
      const ph = Math.max((Math.ceil(h / 2) - 1) * 2 + 3 - h, 0);
      const pw = Math.max((Math.ceil(w / 2) - 1) * 2 + 3 - w, 0);
      const xp = tf.pad(x, [[0, 0], [ph >> 1, ph - (ph >> 1)], [pw >> 1, pw - (pw >> 1)], [0, 0]]);
      const ref = plain.call(xp);
      expect(tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0]).toBeLessThan(1e-6);
      tf.dispose([x, y, xp, ref]);
    }
    expect(same.padding).toEqual([0, 0]);
    expect(same.typeNames()).toContain('Conv2d');
    same.dispose();
    plain.dispose();
  });

  it('Conv2dAdaptivePadding gradients (WASM training kernels, asymmetric padding) equal those of pad + valid conv', () => {
    registerTrainingKernels(tf.getBackend());
    for (const groups of [1, 4]) {
      const opts = { in_channels: 4, out_channels: 4, kernel_size: 3, stride: 2, groups, bias: true };
      const same = new Conv2dAdaptivePadding(opts);
      same.loadStateDict(deterministicWeights(same));
      const plain = new Conv2d(opts);
      plain.loadStateDict(same.stateDict());
      same.train(true);
      plain.train(true);
      const x = tf.randomNormal([2, 8, 9, 4], 0, 1, 'float32', 5);
      const dy = tf.randomNormal([2, 4, 5, 4], 0, 1, 'float32', 6);
      const lossOf = (f: (x: tf.Tensor) => tf.Tensor) => (xx: tf.Tensor) => tf.sum(tf.mul(f(xx), dy));
      const g1 = tf.grads(lossOf((xx) => same.call(xx)))([x])[0];
      const g2 = tf.grads(lossOf((xx) => plain.call(tf.pad(xx as tf.Tensor4D, [[0, 0], [0, 1], [1, 1], [0, 0]]))))([x])[0];
      const w1 = tf.variableGrads(() => lossOf((xx) => same.call(xx))(x) as tf.Scalar, [same.weight]).grads[same.weight.name];
      const w2 = tf.variableGrads(() => lossOf((xx) => plain.call(tf.pad(xx as tf.Tensor4D, [[0, 0], [0, 1], [1, 1], [0, 0]])))(x) as tf.Scalar, [plain.weight]).grads[plain.weight.name];
      expect(tf.max(tf.abs(tf.sub(g1, g2))).dataSync()[0], `dx, groups ${groups}`).toBeLessThan(1e-5);
      expect(tf.max(tf.abs(tf.sub(w1, w2))).dataSync()[0], `dw, groups ${groups}`).toBeLessThan(1e-4);
      tf.dispose([x, dy, g1, g2, w1, w2]);
      same.dispose();
      plain.dispose();
    }
  });

  it('out_indices: outputs in layer order with their shapes; EfficientNetV2 takes an int or negative indices', () => {
    const x = tf.zeros([1, 32, 32, 3]);
    const a = new EfficientNet({ arch: 'b0', out_indices: [6, 0, 3] });
    a.eval();
    const ya = a.call(x);
    expect(ya.map((t) => t.shape)).toEqual([[1, 16, 16, 32], [1, 4, 4, 40], [1, 1, 1, 1280]]);
    const b = new EfficientNetV2({ arch: 'b0', out_indices: -2 });
    expect(b.outIndices).toEqual([6]);
    const c = new EfficientNetV2({ arch: 'b0', out_indices: [1, -1] });
    c.eval();
    const yc = c.call(x);
    expect(yc.map((t) => t.shape)).toEqual([[1, 16, 16, 16], [1, 1, 1, 1280]]);
    tf.dispose([x, ...ya, ...yc]);
    for (const m of [a, b, c]) m.dispose();
    expect(() => new EfficientNet({ out_indices: [7] })).toThrow('the item in out_indices must in range(0, 7). But received 7');
    expect(() => new EfficientNet({ out_indices: [-1] })).toThrow('the item in out_indices must in range(0, 7). But received -1');
    expect(() => new EfficientNetV2({ arch: 'b0', out_indices: [-9] })).toThrow('Invalid out_indices -9.');
  });

  it('frozen_stages freezes layers 0…n−1 (eval, no grad); norm_eval keeps every BatchNorm in eval', () => {
    for (const m of [new EfficientNet({ arch: 'es', frozen_stages: 2 }), new EfficientNetV2({ arch: 'b0', frozen_stages: 2 })]) {
      m.train(true);
      const layers = m.layers.items();
      for (const [i, l] of layers.entries()) {
        const frozen = i < 2;
        expect(l.training, `layer ${i}`).toBe(!frozen);
        expect(l.parameters().every((p) => p.trainable === !frozen), `layer ${i}`).toBe(true);
      }
      m.dispose();
    }
    const n = new EfficientNetV2({ arch: 'b0', norm_eval: true });
    n.train(true);
    const bns = n.namedModules().filter(([, mod]) => mod.typeNames().includes('_BatchNorm'));
    expect(bns.length).toBeGreaterThan(0);
    expect(bns.every(([, mod]) => !mod.training)).toBe(true);
    expect(n.layers.at(1).training).toBe(true);
    n.dispose();
    expect(() => new EfficientNet({ frozen_stages: 8 })).toThrow('frozen_stages must be in range(0, 8). But received 8');
    expect(() => new EfficientNetV2({ arch: 'b0', frozen_stages: 8 })).toThrow('frozen_stages must be in range(0, 7), but get 8');
  });

  it('drop_path_rate: DropPath on residual blocks, rising linearly to the rate; it drops whole samples in training', () => {
    const m = new EfficientNet({ arch: 'b0', drop_path_rate: 0.2 });
    const blocks = m.layers.items().slice(1, -1).flatMap((l) => l.namedChildren().map(([, b]) => b));
    const rates = blocks.map((b) => (b.namedChildren().find(([k]) => k === 'drop_path')?.[1] as DropPath | undefined)?.dropProb);
    expect(rates.length).toBe(16);
    expect(rates[0]).toBeUndefined();
    expect(rates[8]).toBeCloseTo((0.2 * 8) / 15, 6);
    expect(rates[15]).toBeCloseTo(0.2, 6);
    m.dispose();
    const v2 = new EfficientNetV2({ arch: 'b1', drop_path_rate: 0.1 });
    const stem = seq(v2, 1).namedChildren().map(([, b]) => b as EnhancedConvModule);
    expect(stem.map((b) => b.hasSkip)).toEqual([false, true]);
    expect(stem[0].dropPath).toBeNull();
    expect(stem[1].dropPath?.dropProb).toBeCloseTo(0.1 / 26, 6);
    v2.dispose();

    const blocksToTry: AnyModule[] = [
      new EdgeResidual({ in_channels: 4, out_channels: 4, mid_channels: 8, drop_path_rate: 0.5 }),
      new EnhancedConvModule({ in_channels: 4, out_channels: 4, kernel_size: 3, padding: 1, has_skip: true, drop_path_rate: 0.5, norm_cfg: { type: 'BN' } }),
    ];
    for (const blk of blocksToTry) {
      blk.loadStateDict(deterministicWeights(blk));
      const x = tf.randomNormal([32, 5, 5, 4], 0, 1, 'float32', 3);
      blk.eval();
      const full = blk.call(x);
      blk.train(true);
      batchNormsToEval(blk);
      const y = blk.call(x);
      // Each sample is x (dropped) or x + branch / keep.
      const branch = tf.sub(full, x);
      const dDrop = tf.max(tf.abs(tf.sub(y, x)), [1, 2, 3]).arraySync() as number[];
      const dKeep = tf.max(tf.abs(tf.sub(y, tf.add(x, tf.div(branch, 0.5)))), [1, 2, 3]).arraySync() as number[];
      const dropped = dDrop.map((d, i) => d < 1e-5 && dKeep[i] > 1e-3);
      const kept = dKeep.map((d, i) => d < 1e-4 && dDrop[i] > 1e-3);
      expect(dropped.every((d, i) => d || kept[i])).toBe(true);
      expect(dropped.some(Boolean) && kept.some(Boolean)).toBe(true);
      tf.dispose([x, full, y, branch]);
      blk.dispose();
    }
    expect(() => new EnhancedConvModule({ in_channels: 4, out_channels: 8, kernel_size: 3, has_skip: true })).toThrow('`has_skip` is True in `EnhancedConvModule`');
  });

  it('blocks: es uses EdgeResidual (em: the repeated expand-3 block has no residual), b0 InvertedResidual + SE, V2 all three kinds', () => {
    const es = new EfficientNet({ arch: 'em' });
    const l1 = seq(es, 1).namedChildren().map(([, b]) => b as EdgeResidual);
    expect(l1.every((b) => b instanceof EdgeResidual)).toBe(true);
    // The second block (24 → 24, stride 1) would be residual but for the expand-3 rule (expand 4, no residual).
    expect(l1.map((b) => b.withResidual)).toEqual([false, false]);
    expect([l1[1].conv1.conv.inChannels, l1[1].conv2.conv.outChannels, l1[1].conv1.conv.stride]).toEqual([24, 24, [1, 1]]);
    expect(l1[1].conv1.conv.outChannels).toBe(24 * 4);
    expect(seq(es, 4).at(0)).toBeInstanceOf(InvertedResidual);
    es.dispose();
    const v2 = new EfficientNetV2({ arch: 'b0' });
    expect(seq(v2, 1).at(0)).toBeInstanceOf(EnhancedConvModule);
    expect(seq(v2, 2).at(0)).toBeInstanceOf(EdgeResidual);
    expect(seq(v2, 4).at(0)).toBeInstanceOf(InvertedResidual);
    // Conv2dAdaptivePadding on the stem, the last conv and stride-2 blocks only.
    const stride2 = seq(v2, 2).at(0) as EdgeResidual;
    expect(stride2.conv1.conv).toBeInstanceOf(Conv2dAdaptivePadding);
    expect((seq(v2, 2).at(1) as EdgeResidual).conv1.conv).not.toBeInstanceOf(Conv2dAdaptivePadding);
    expect(v2.layers.at(0).namedChildren()[0][1]).toBeInstanceOf(Conv2dAdaptivePadding);
    v2.dispose();
  });

  it('init_weights: the default init_cfg puts Kaiming (fan_out, normal) on Conv2dAdaptivePadding convs, BN weights 1', () => {
    const bb = new EfficientNetV2({ arch: 'b0' });
    // The backbone's own init_cfg, applied to one stride-2 ConvModule of its kind (a whole model takes seconds).
    const cm = Object.assign(new ConvModule({ in_channels: 64, out_channels: 1024, kernel_size: 3, stride: 2, conv_cfg: { type: 'Conv2dAdaptivePadding' }, norm_cfg: { type: 'BN' } }), { initCfg: bb.initCfg });
    bb.dispose();
    initWeights(cm, new Generator(1));
    const d = cm.conv.weight.dataSync() as Float32Array;
    const std = Math.sqrt(d.reduce((a, v) => a + v * v, 0) / d.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (1024 * 9)), 3);
    expect([...cm.child(cm.normName ?? '').param('weight').dataSync()].every((v) => v === 1)).toBe(true);
    cm.dispose();
  });

  it('bad arch and unknown keys fail with MMPretrain\'s messages', () => {
    expect(() => new EfficientNet({ arch: 'b9' })).toThrow('"b9" is not one of the arch_settings (b0, b1, b2, b3, b4, b5, b6, b7, b8, l2, es, em, el)');
    expect(() => new EfficientNetV2({ arch: 'xs' })).toThrow('"xs" is not one of the arch_settings (small, s, m, medium, l, large, xl, b0, b1, b2, b3)');
    expect(() => MODELS.build({ type: 'EfficientNet', out_indice: [6] })).toThrow(/EfficientNet: unknown option 'out_indice' — did you mean 'out_indices'/);
    expect(() => MODELS.build({ type: 'EfficientNetV2', conv_cfg: { type: 'DeformConv' } })).toThrow(/conv_cfg: only types/);
  });
});

