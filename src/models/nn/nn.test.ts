/** Layer semantics against direct PyTorch-formula implementations (CPU backend, tiny inputs). */
import { beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../backends/tf';
import { registerModels } from '../register_all';
import { MODELS } from '../../registry';
import { Conv2d } from './conv';
import { initWeights } from './init';
import { toNCHW, toNHWC } from './layout';
import { Linear } from './linear';
import { Module } from './module';
import { BatchNorm2d } from './norm';
import { AvgPool2d, MaxPool2d, pooledLength } from './pooling';
import { Generator } from '../../utils/random';
import { formatLoadReport } from './state_dict';
import type { ImageClassifier } from '../classifiers/image';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerModels();
});

/** PyTorch conv2d on NCHW arrays, straight from the definition. */
function naiveConv(x: Float32Array, [n, c, h, w]: number[], wt: Float32Array, [o, cg, kh, kw]: number[], bias: Float32Array | null, s: [number, number], p: [number, number], d: [number, number], groups: number) {
  const oh = Math.floor((h + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0]) + 1;
  const ow = Math.floor((w + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1]) + 1;
  const out = new Float32Array(n * o * oh * ow);
  const og = o / groups;
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / og);
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let acc = bias ? bias[oc] : 0;
          for (let ic = 0; ic < cg; ic++)
            for (let a = 0; a < kh; a++)
              for (let bb = 0; bb < kw; bb++) {
                const y = i * s[0] - p[0] + a * d[0];
                const xx = j * s[1] - p[1] + bb * d[1];
                if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
                acc += x[((b * c + g * cg + ic) * h + y) * w + xx] * wt[((oc * cg + ic) * kh + a) * kw + bb];
              }
          out[((b * o + oc) * oh + i) * ow + j] = acc;
        }
    }
  return { out, shape: [n, o, oh, ow] };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('Conv2d (PyTorch semantics, NCHW API, NHWC inside)', () => {
  const cases: [string, ConstructorParameters<typeof Conv2d>[0]][] = [
    ['3×3 stride 2 pad 1', { in_channels: 3, out_channels: 4, kernel_size: 3, stride: 2, padding: 1 }],
    ['groups 2, no bias', { in_channels: 4, out_channels: 6, kernel_size: 3, padding: 1, groups: 2, bias: false }],
    ['depthwise ×2 multiplier, stride 2', { in_channels: 3, out_channels: 6, kernel_size: 3, stride: 2, padding: 1, groups: 3 }],
    ['dilation 2', { in_channels: 2, out_channels: 3, kernel_size: 3, padding: 2, dilation: 2 }],
    ['asymmetric kernel and padding', { in_channels: 2, out_channels: 3, kernel_size: [1, 3], padding: [0, 1] }],
    ['7×7 stride 2 pad 3 (ResNet stem)', { in_channels: 3, out_channels: 2, kernel_size: 7, stride: 2, padding: 3 }],
  ];
  for (const [name, opts] of cases) {
    it(name, () => {
      const rng = new Generator(7);
      const conv = new Conv2d(opts);
      initWeights(conv, rng);
      conv.eval();
      const shape = [2, opts.in_channels, 9, 8];
      const x = rng.normalArray(shape.reduce((a, b) => a * b), 0, 1);
      const xt = tf.tensor4d(x, shape as [number, number, number, number]);
      const y = tf.tidy(() => toNCHW(conv.call(toNHWC(xt))));
      const ref = naiveConv(x, shape, conv.weight.dataSync() as Float32Array, conv.weight.shape, conv.bias ? (conv.bias.dataSync() as Float32Array) : null, conv.stride, conv.padding, conv.dilation, conv.groups);
      expect(y.shape).toEqual(ref.shape);
      expect(maxDiff(y.dataSync(), ref.out)).toBeLessThan(1e-5);
      // The eval-mode kernel cache follows weight updates.
      tf.tidy(() => conv.weight.assign(tf.mul(conv.weight, 2)));
      const y2 = tf.tidy(() => toNCHW(conv.call(toNHWC(xt))));
      const b = conv.bias ? (conv.bias.dataSync() as Float32Array) : null;
      const ref2 = naiveConv(x, shape, conv.weight.dataSync() as Float32Array, conv.weight.shape, b, conv.stride, conv.padding, conv.dilation, conv.groups);
      expect(maxDiff(y2.dataSync(), ref2.out)).toBeLessThan(1e-5);
      tf.dispose([xt, y, y2]);
      conv.dispose();
    });
  }
});

describe('BatchNorm2d', () => {
  it('training normalises with batch statistics and updates running stats (momentum 0.1, unbiased var)', () => {
    const bn = new BatchNorm2d({ num_features: 2 });
    const data = [1, 10, 2, 20, 3, 30, 6, 60]; // NHWC [2,2,1,2]: channel 0 = 1,2,3,6; channel 1 = ×10
    const x = tf.tensor4d(data, [2, 2, 1, 2]);
    const y = bn.call(x);
    const c0 = [1, 2, 3, 6];
    const mean = 3;
    const varB = c0.reduce((a, v) => a + (v - mean) ** 2, 0) / 4;
    const varU = (varB * 4) / 3;
    expect(y.dataSync()[0]).toBeCloseTo((1 - mean) / Math.sqrt(varB + 1e-5), 4);
    expect(bn.runningMean.dataSync()[0]).toBeCloseTo(0.1 * mean, 6);
    expect(bn.runningVar.dataSync()[0]).toBeCloseTo(0.9 + 0.1 * varU, 5);
    expect(bn.runningMean.dataSync()[1]).toBeCloseTo(3, 5);
    expect(Number(bn.stateDict().get('num_batches_tracked')!.data[0])).toBe(1);
    bn.eval();
    const before = [...bn.runningMean.dataSync()];
    const ye = bn.call(x);
    expect([...bn.runningMean.dataSync()]).toEqual(before);
    expect(ye.dataSync()[0]).toBeCloseTo((1 - 0.3) / Math.sqrt(bn.runningVar.dataSync()[0] + 1e-5), 5);
    tf.dispose([x, y, ye]);
    bn.dispose();
  });
});

describe('pooling (PyTorch output sizes, ceil_mode, count_include_pad)', () => {
  /** Direct PyTorch avg/max pooling on one H×W plane. */
  function naivePool(x: number[][], k: number, s: number, p: number, ceil: boolean, kind: 'max' | 'avg', includePad: boolean) {
    const h = x.length, w = x[0].length;
    const oh = pooledLength(h, k, s, p, ceil), ow = pooledLength(w, k, s, p, ceil);
    const out: number[] = [];
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const hs = i * s - p, ws = j * s - p;
        const he = Math.min(hs + k, h + p), we = Math.min(ws + k, w + p);
        const padCount = (he - hs) * (we - ws);
        let m = -Infinity, sum = 0, cnt = 0;
        for (let a = Math.max(hs, 0); a < Math.min(he, h); a++)
          for (let b = Math.max(ws, 0); b < Math.min(we, w); b++) {
            m = Math.max(m, x[a][b]);
            sum += x[a][b];
            cnt++;
          }
        out.push(kind === 'max' ? m : sum / (includePad ? padCount : cnt));
      }
    return { out, oh, ow };
  }
  const plane = Array.from({ length: 7 }, (_, i) => Array.from({ length: 6 }, (_, j) => Math.sin(i * 7 + j * 3) * 10));
  const x = () => tf.tensor4d(plane.flat(), [1, 7, 6, 1]);
  for (const [k, s, p, ceil, backend] of [[3, 2, 1, false, 'cpu'], [3, 2, 1, true, 'cpu'], [2, 2, 0, true, 'cpu'], [3, 2, 0, true, 'cpu'], [2, 2, 0, false, 'cpu'], [3, 2, 1, true, 'wasm'], [3, 2, 0, true, 'wasm']] as const) {
    it(`k${k} s${s} p${p} ceil=${ceil} on ${backend}`, async () => {
      await tf.setBackend(backend);
      const xi = x();
      for (const include of [true, false]) {
        const avg = new AvgPool2d({ kernel_size: k, stride: s, padding: p, ceil_mode: ceil, count_include_pad: include });
        const ref = naivePool(plane, k, s, p, ceil, 'avg', include);
        const y = avg.call(xi);
        expect(y.shape).toEqual([1, ref.oh, ref.ow, 1]);
        expect(maxDiff(y.dataSync(), ref.out)).toBeLessThan(1e-5);
        y.dispose();
        avg.dispose();
      }
      const mp = new MaxPool2d({ kernel_size: k, stride: s, padding: p, ceil_mode: ceil });
      const ref = naivePool(plane, k, s, p, ceil, 'max', true);
      const y = mp.call(xi);
      expect(y.shape).toEqual([1, ref.oh, ref.ow, 1]);
      expect(maxDiff(y.dataSync(), ref.out)).toBeLessThan(1e-5); // float32 vs double only
      tf.dispose([xi, y]);
      await tf.setBackend('cpu');
    });
  }
});

describe('state dict', () => {
  class Net extends Module {
    constructor() {
      super();
      this.addModule('fc', new Linear({ in_features: 3, out_features: 2 }));
      this.addModule('bn', new BatchNorm2d({ num_features: 2 }));
    }
    forward(x: tf.Tensor) {
      return x;
    }
  }
  it('names parameters and buffers as PyTorch and reports missing / unexpected / mismatched keys', () => {
    const net = new Net();
    expect([...net.stateDictShapes().keys()]).toEqual(['fc.weight', 'fc.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['fc.weight', 'fc.bias', 'bn.weight', 'bn.bias']);
    const sd = net.stateDict();
    sd.delete('bn.running_var');
    sd.set('fc.weight', { dtype: 'float32', shape: [3, 2], data: new Float32Array(6) });
    sd.set('extra.weight', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
    sd.set('bn.num_batches_tracked', { dtype: 'int64', shape: [], data: BigInt64Array.of(5n) });
    expect(() => net.loadStateDict(sd)).toThrow(/unexpected key in source state_dict: extra\.weight[\s\S]*size mismatch for:\n {2}fc\.weight: copying a param with shape \(3, 2\)[\s\S]*missing keys in source state_dict: bn\.running_var/);
    const report = net.loadStateDict(sd, { strict: false });
    expect(report).toEqual({ missingKeys: ['bn.running_var'], unexpectedKeys: ['extra.weight'], shapeMismatches: [{ key: 'fc.weight', expected: [2, 3], got: [3, 2] }] });
    expect(formatLoadReport(report)).toContain('missing keys');
    expect(Number(net.stateDict().get('bn.num_batches_tracked')!.data[0])).toBe(5);
    net.dispose();
  });
});

describe('init_cfg', () => {
  it('ResNet: Kaiming(fan_out) convs, BN weight 1, zero_init_residual, head Normal(0.01); reproducible from the seed', () => {
    const cfg = { type: 'ImageClassifier', backbone: { type: 'ResNet', depth: 18, base_channels: 16, stem_channels: 16 }, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 100, in_channels: 128 } };
    const build = (seed: number) => {
      const m = MODELS.build<ImageClassifier>(cfg);
      initWeights(m, new Generator(seed));
      return m;
    };
    const m = build(1);
    const sd = m.stateDict();
    const std = (k: string) => {
      const d = sd.get(k)!.data as Float32Array;
      const mean = d.reduce((a, b) => a + b, 0) / d.length;
      return Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    };
    // layer3.0.conv1: out 64, 3×3 → fan_out 576, std √(2/576)
    expect(std('backbone.layer3.0.conv1.weight')).toBeCloseTo(Math.sqrt(2 / 576), 2);
    expect(std('head.fc.weight')).toBeCloseTo(0.01, 3);
    expect([...(sd.get('backbone.layer1.0.bn1.weight')!.data as Float32Array)].every((v) => v === 1)).toBe(true);
    expect([...(sd.get('backbone.layer1.0.bn2.weight')!.data as Float32Array)].every((v) => v === 0)).toBe(true);
    expect([...(sd.get('head.fc.bias')!.data as Float32Array)].every((v) => v === 0)).toBe(true);
    const again = build(1).stateDict().get('backbone.conv1.weight')!.data as Float32Array;
    expect(maxDiff(again, sd.get('backbone.conv1.weight')!.data as Float32Array)).toBe(0);
    m.dispose();
  });
});
