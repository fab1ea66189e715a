/**
 * `upsampleNearest2d` (nn.Upsample(scale_factor, mode='nearest') of an NHWC map): the WASM kernel
 * (`wasm_conv/upsample_kernel.ts`) gives PyTorch's nearest index floor(dst / s) for equal and unequal factors,
 * float32 and int32, as the CPU backend's broadcasts do, and the same gradient (each s × s block summed); nothing
 * leaks. HRNet's parity tests run it inside the model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../models/node';
import { upsampleNearest2d } from './fused_ops';
import { tf } from './tf';
import { UPSAMPLE_NEAREST } from './wasm_conv/upsample_kernel';

beforeAll(async () => {
  await useBackend('wasm');
});

/** By the definition: out[n, y, x, c] = in[n, floor(y / sh), floor(x / sw), c]. */
function upsampledByDefinition(values: number[], [N, H, W, C]: number[], sh: number, sw: number): number[] {
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let y = 0; y < H * sh; y++)
      for (let x = 0; x < W * sw; x++)
        for (let c = 0; c < C; c++) out.push(values[((n * H + Math.floor(y / sh)) * W + Math.floor(x / sw)) * C + c]!);
  return out;
}

describe('upsampleNearest2d', () => {
  it('runs as one kernel on WASM and matches the definition on WASM and CPU for every factor and both dtypes', async () => {
    const shape = [2, 3, 5, 3];
    const n = shape.reduce((a, b) => a * b, 1);
    for (const dtype of ['float32', 'int32'] as const) {
      const values = Array.from({ length: n }, (_, i) => (dtype === 'int32' ? i : i * 0.25 - 7));
      for (const [sh, sw] of [[1, 1], [2, 2], [4, 4], [3, 1], [1, 2], [2, 3]]) {
        const want = upsampledByDefinition(values, shape, sh!, sw!);
        for (const backend of ['wasm', 'cpu']) {
          await tf.setBackend(backend);
          const before = tf.memory().numTensors;
          const got = tf.tidy(() => Array.from(upsampleNearest2d(tf.tensor(values, shape, dtype), sh!, sw!).dataSync()));
          expect(got, `${backend} ${dtype} (${sh}, ${sw})`).toEqual(want);
          expect(tf.memory().numTensors).toBe(before);
        }
      }
    }
    await tf.setBackend('wasm');
    // the kernel, not the broadcasts (the other name is customGrad's scope)
    const x = tf.ones([1, 4, 4, 2]);
    const { kernelNames } = await tf.profile(() => tf.tidy(() => upsampleNearest2d(x, 2, 2).dispose()));
    expect(kernelNames.filter((k) => k !== 'unnamed scope')).toEqual([UPSAMPLE_NEAREST]);
    x.dispose();
  });

  it('its gradient sums each block, on WASM as on CPU', async () => {
    const shape = [2, 3, 4, 5];
    const [sh, sw] = [2, 3];
    const outShape = [2, 3 * sh, 4 * sw, 5];
    const dyValues = Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.fround(Math.sin(i)));
    const grads: number[][] = [];
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      grads.push(
        tf.tidy(() => {
          const dy = tf.tensor(dyValues, outShape);
          const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(upsampleNearest2d(t, sh, sw), dy)))(tf.zeros(shape));
          return Array.from(g.dataSync());
        }),
      );
      expect(tf.memory().numTensors).toBe(before);
    }
    // by the definition: dx[n, h, w, c] = Σ over the block of dy
    const want = new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(0);
    for (let n = 0; n < 2; n++)
      for (let y = 0; y < 3 * sh; y++)
        for (let x = 0; x < 4 * sw; x++)
          for (let c = 0; c < 5; c++) want[((n * 3 + Math.floor(y / sh)) * 4 + Math.floor(x / sw)) * 5 + c]! += dyValues[((n * 3 * sh + y) * 4 * sw + x) * 5 + c]!;
    for (const g of grads) g.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });
});
