/** interpolateBilinear against PyTorch 1.13's `F.interpolate(mode='bilinear', align_corners=False)`: values and gradient. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backends/tf';
import { registerTrainingKernels } from '../../engine/kernels/register_training_kernels';
import { useBackend } from '../node';
import { interpolateBilinear } from './interpolate';

beforeAll(async () => {
  await useBackend('wasm');
  registerTrainingKernels(tf.getBackend());
});

const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));

describe('interpolateBilinear', () => {
  it('upsampling 3×2 → 4×3: values and input gradient as PyTorch', () => {
    // NHWC with one channel holding PyTorch's x = arange(6).reshape(1, 1, 3, 2) * 1.5 - 2.
    const x = tf.tensor4d([0, 1, 2, 3, 4, 5].map((v) => v * 1.5 - 2), [1, 3, 2, 1]);
    const w = tf.tensor4d([1, -2, 0.5, 3, 0, -1, 2, 1, 1, -0.5, 4, 2], [1, 4, 3, 1]);
    const y = interpolateBilinear(x, 4, 3);
    close([...y.dataSync()], [-2.0, -1.25, -0.5, -0.125, 0.625, 1.375, 2.125, 2.875, 3.625, 4.0, 4.75, 5.5]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(interpolateBilinear(t, 4, 3), w)))(x);
    close([...g.dataSync()], [1.125, -0.875, 3.4375, 0.3125, 2.4375, 4.5625]);
    tf.dispose([x, w, y, g]);
  });

  it('downsampling 5×4 → 3×3, several channels resampled alike', () => {
    const base = Array.from({ length: 20 }, (_, i) => i);
    const x = tf.tensor4d(base.flatMap((v) => [v, -v]), [1, 5, 4, 2]);
    const y = interpolateBilinear(x, 3, 3);
    const d = y.dataSync();
    const ref = [1.5, 2.833333, 4.166667, 8.166666, 9.5, 10.833333, 14.833333, 16.166666, 17.5];
    close(ref.map((_, i) => d[2 * i]), ref);
    close(ref.map((_, i) => d[2 * i + 1]), ref.map((v) => -v));
    tf.dispose([x, y]);
  });
});
