/** DilatedConv2d: training mode (zero-spread kernel) computes what eval mode's dilated kernels do, and has gradients. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { useBackend } from '../node';
import { DilatedConv2d, dilateKernel } from './dilated_conv';

beforeAll(async () => {
  await useBackend('wasm');
  registerTrainingKernels(tf.getBackend());
});

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('DilatedConv2d', () => {
  it('dilateKernel spreads the taps with zeros', () => {
    const w = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    const d = dilateKernel(w, 3, 2);
    expect(d.shape).toEqual([1, 1, 4, 3]);
    expect([...d.dataSync()]).toEqual([1, 0, 2, 0, 0, 0, 0, 0, 0, 3, 0, 4]);
    tf.dispose([w, d]);
  });

  for (const [label, o] of [
    ['depthwise 7×7, dilation 3, padding 9 (VAN LKA)', { in_channels: 4, out_channels: 4, kernel_size: 7, padding: 9, dilation: 3, groups: 4 }],
    ['depthwise 3×3, dilation 2, padding 1', { in_channels: 3, out_channels: 3, kernel_size: 3, padding: 1, dilation: 2, groups: 3 }],
    ['dense 3×3, dilation 2', { in_channels: 3, out_channels: 5, kernel_size: 3, padding: 2, dilation: 2 }],
    ['grouped 3×3, dilation (2, 3)', { in_channels: 4, out_channels: 6, kernel_size: 3, padding: [2, 3] as [number, number], dilation: [2, 3] as [number, number], groups: 2 }],
  ] as const) {
    it(`train equals eval and trains: ${label}`, () => {
      const conv = new DilatedConv2d(o);
      tf.tidy(() => {
        conv.weight.assign(tf.randomNormal(conv.weight.shape, 0, 1, 'float32', 1));
        conv.bias!.assign(tf.randomNormal(conv.bias!.shape, 0, 1, 'float32', 2));
      });
      const x = tf.randomNormal([2, 19, 17, o.in_channels], 0, 1, 'float32', 3);
      conv.eval();
      const ye = conv.call(x);
      conv.train();
      const yt = conv.call(x);
      expect(yt.shape).toEqual(ye.shape);
      expect(maxDiff(yt.dataSync(), ye.dataSync())).toBeLessThan(1e-4);
      const r = tf.randomNormal(yt.shape, 0, 1, 'float32', 4);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(conv.call(x), r)) as tf.Scalar, [conv.weight, conv.bias!]);
      // The loss is linear in the weight: its gradient on tap t is the loss of the one-hot kernel e_t minus the bias term.
      const gw = grads[conv.weight.name].dataSync();
      const w0 = conv.weight.clone();
      conv.eval();
      const biasOnly = tf.tidy(() => {
        conv.weight.assign(tf.zerosLike(conv.weight));
        return tf.sum(tf.mul(conv.call(x), r)).dataSync()[0];
      });
      for (const t of [0, 5, conv.weight.size - 1]) {
        const v = tf.tidy(() => {
          const e = new Float32Array(conv.weight.size);
          e[t] = 1;
          conv.weight.assign(tf.tensor(e, conv.weight.shape));
          conv.onWeightsChanged();
          return tf.sum(tf.mul(conv.call(x), r)).dataSync()[0] - biasOnly;
        });
        expect(Math.abs(gw[t] - v)).toBeLessThan(1e-3 * Math.max(1, Math.abs(v)));
      }
      const rSums = tf.sum(r, [0, 1, 2]).dataSync();
      expect(maxDiff(grads[conv.bias!.name].dataSync(), rSums)).toBeLessThan(1e-3);
      conv.weight.assign(w0);
      tf.dispose([x, ye, yt, r, w0, ...Object.values(grads)]);
      conv.dispose();
    });
  }
});
