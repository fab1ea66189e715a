import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor, type Tensor1D } from '../../backends/tf';
import { useBackend } from '../node';
import { batchNormTrain } from './batch_norm_train';

/** tfjs's own op-by-op route, differentiated by tfjs: the reference for values and gradients. */
function reference(x: Tensor, g: Tensor1D, b: Tensor1D, eps: number): Tensor {
  const { mean, variance } = tf.moments(x, [...Array(x.rank - 1).keys()]);
  return tf.batchNorm(x, mean, variance, b, g, eps);
}

function maxDiff(a: Tensor, b: Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe.each(['cpu', 'wasm'])('batchNormTrain on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('gives the batch statistics, the output and the gradients of the op-by-op formula', () => {
    const x = tf.add(tf.mul(tf.randomNormal([4, 5, 6, 8], 0, 1, 'float32', 1), 3), 2);
    const g = tf.randomNormal([8], 1, 0.5, 'float32', 2) as Tensor1D;
    const b = tf.randomNormal([8], 0, 0.5, 'float32', 3) as Tensor1D;
    const dy = tf.randomNormal(x.shape, 0, 1, 'float32', 4);
    const before = tf.memory().numTensors;
    const ours = tf.grads((xi: Tensor, gi: Tensor, bi: Tensor) => {
      const r = batchNormTrain(xi, gi as Tensor1D, bi as Tensor1D, 1e-5);
      tf.dispose([r.mean, r.variance]);
      return tf.sum(tf.mul(r.y, dy));
    });
    const theirs = tf.grads((xi: Tensor, gi: Tensor, bi: Tensor) => tf.sum(tf.mul(reference(xi, gi as Tensor1D, bi as Tensor1D, 1e-5), dy)));
    const go = ours([x, g, b]);
    const gt = theirs([x, g, b]);
    for (let i = 0; i < 3; i++) {
      const scale = tf.tidy(() => tf.max(tf.abs(gt[i])).dataSync()[0]);
      expect(scale).toBeGreaterThan(0.1);
      expect(maxDiff(go[i], gt[i]) / scale).toBeLessThan(1e-4);
    }
    tf.dispose([...go, ...gt]);
    expect(tf.memory().numTensors).toBe(before);
    tf.tidy(() => {
      const r = batchNormTrain(x, g, b, 1e-5);
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      expect(maxDiff(r.mean, mean)).toBeLessThan(1e-5);
      expect(maxDiff(r.variance, variance)).toBeLessThan(1e-4);
      expect(maxDiff(r.y, reference(x, g, b, 1e-5))).toBeLessThan(1e-4);
      tf.dispose([r.mean, r.variance]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('without affine parameters: gradient of x only, on (N, C)', () => {
    const x = tf.randomNormal([16, 3], 1, 2, 'float32', 5);
    const dy = tf.randomNormal([16, 3], 0, 1, 'float32', 6);
    const ours = tf.grad((xi: Tensor) => {
      const r = batchNormTrain(xi, null, null, 1e-5);
      tf.dispose([r.mean, r.variance]);
      return tf.sum(tf.mul(r.y, dy));
    })(x);
    const theirs = tf.grad((xi: Tensor) => tf.sum(tf.mul(reference(xi, tf.ones([3]) as Tensor1D, tf.zeros([3]) as Tensor1D, 1e-5), dy)))(x);
    expect(maxDiff(ours, theirs)).toBeLessThan(1e-4);
  });
});
