import { describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../backends/tf';
import { toFloat32 } from '../../fileio';
import { ConvModule } from '../nn/bricks';
import { Identity } from '../nn/module';
import { BatchNorm } from '../nn/norm';
import { buildClassifier } from '../builder';
import { initWeights } from '../nn/init';
import { Generator } from '../../utils/random';
import { loadReferenceIO, loadReferenceModel, parityError, refPath } from '../testing/reference';
import { fuseConvBn } from './fuse_conv_bn';
import { missingShared } from '../../testing/shared';

describe('fuseConvBn', () => {
  it('folds BN (random running stats) and the ReLU of a ConvModule without changing outputs (CPU)', async () => {
    await tf.setBackend('cpu');
    const m = new ConvModule({ in_channels: 3, out_channels: 5, kernel_size: 3, padding: 1, norm_cfg: { type: 'BN' } });
    const rng = new Generator(3);
    initWeights(m, rng);
    const bn = m.child('bn');
    tf.tidy(() => {
      bn.buffer('running_mean').assign(tf.tensor(rng.normalArray(5, 0, 1)));
      bn.buffer('running_var').assign(tf.tensor(rng.uniformArray(5, 0.5, 2)));
      bn.param('bias').assign(tf.tensor(rng.normalArray(5, 0, 1)));
    });
    m.eval();
    const x = tf.tensor4d(rng.normalArray(2 * 6 * 6 * 3, 0, 1), [2, 6, 6, 3]);
    const before = m.call(x);
    fuseConvBn(m);
    expect(m.child('bn')).toBeInstanceOf(Identity);
    expect(m.conv.fusedActivation).toBe('relu');
    expect([...m.stateDictShapes().keys()]).toEqual(['conv.weight', 'conv.bias']);
    const after = m.call(x);
    expect(parityError(after.dataSync(), before.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, before, after]);
    m.dispose();
  });

  for (const backbone of [
    { type: 'MobileNetV2', widen_factor: 0.5 },
    { type: 'ShuffleNetV2', widen_factor: 0.5 },
    { type: 'MobileNetV3', arch: 'small' },
    { type: 'ResNetV1d', depth: 50, base_channels: 8, stem_channels: 8 },
    { type: 'VGG', depth: 11, norm_cfg: { type: 'BN' } },
  ]) {
    it(`${backbone.type}: random BN statistics folded, outputs within 1e-4 (WASM)`, async () => {
      await tf.setBackend('wasm');
      const model = buildClassifier({ type: 'ImageClassifier', backbone, neck: { type: 'GlobalAveragePooling' } }, { seed: 1 });
      const rng = new Generator(2);
      tf.tidy(() => {
        for (const [, m] of model.namedModules()) {
          if (!(m instanceof BatchNorm)) continue;
          const c = m.numFeatures;
          m.runningMean.assign(tf.tensor(rng.normalArray(c, 0, 0.5)));
          m.runningVar.assign(tf.tensor(rng.uniformArray(c, 0.5, 2)));
          m.weight!.assign(tf.tensor(rng.uniformArray(c, 0.5, 1.5)));
          m.bias!.assign(tf.tensor(rng.normalArray(c, 0, 0.5)));
        }
      });
      model.eval();
      const x = tf.randomNormal([2, 3, 64, 64], 0, 1, 'float32', 4);
      const [a] = model.extractFeat(x);
      fuseConvBn(model);
      expect(model.namedModules().some(([, m]) => m instanceof BatchNorm)).toBe(false);
      const [b] = model.extractFeat(x);
      const scale = Math.max(1, ...Array.from(a.dataSync(), Math.abs));
      expect(parityError(b.dataSync(), a.dataSync()) / scale).toBeLessThan(1e-4);
      tf.dispose([x, a, b]);
      model.dispose();
    });
  }

  it.skipIf(missingShared(refPath('resnet50_w8', '_io.npz')))('fused resnet50_w8 keeps logits within 1e-4 of unfused and the reference (WASM)', async () => {
    await tf.setBackend('wasm');
    const { model } = await loadReferenceModel('resnet50_w8');
    const io = loadReferenceIO('resnet50_w8');
    const x = tf.tensor(toFloat32(io.input), io.input.shape);
    const time = (n: number) => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) tf.dispose(model.call(x));
      return (performance.now() - t0) / n;
    };
    const plain = model.call(x) as tf.Tensor;
    time(1);
    const tPlain = time(3);
    fuseConvBn(model);
    const fused = model.call(x) as tf.Tensor;
    time(1);
    const tFused = time(3);
    console.log(`[fuse] resnet50_w8 batch 2 WASM: ${tPlain.toFixed(1)} ms unfused, ${tFused.toFixed(1)} ms fused`);
    expect(parityError(fused.dataSync(), plain.dataSync())).toBeLessThan(1e-4);
    expect(parityError(fused.dataSync(), io.logits)).toBeLessThan(1e-3);
    const n = tf.memory().numTensors;
    tf.dispose(model.call(x));
    expect(tf.memory().numTensors).toBe(n);
    tf.dispose([x, plain, fused]);
    model.dispose();
  });
});
