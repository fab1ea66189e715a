/**
 * `roll2d` (torch.roll over H and W of an NHWC map): the WASM kernel (`wasm_conv/roll_kernel.ts`) gives the CPU
 * backend's slices result for every shift (negative, zero, past the size), float32 and int32, and the same
 * gradient (the roll back); nothing leaks. Swin's parity tests run it inside the model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../models/node';
import { roll2d } from './fused_ops';
import { tf } from './tf';
import { ROLL_2D } from './wasm_conv/roll_kernel';

beforeAll(async () => {
  await useBackend('wasm');
});

/** torch.roll by its definition: out[b, (h + sh) mod H, (w + sw) mod W, c] = x[b, h, w, c]. */
function rolledByDefinition(values: number[], [B, H, W, C]: number[], sh: number, sw: number): number[] {
  const out = new Array<number>(values.length);
  const mod = (a: number, n: number) => ((a % n) + n) % n;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++) out[((b * H + mod(h + sh, H)) * W + mod(w + sw, W)) * C + c] = values[((b * H + h) * W + w) * C + c];
  return out;
}

describe('roll2d', () => {
  it('runs as one kernel on WASM and matches torch.roll on WASM and CPU for every shift and both dtypes', async () => {
    expect(tf.engine().backendName).toBe('wasm');
    const shape = [2, 5, 7, 3];
    const n = shape.reduce((a, b) => a * b, 1);
    for (const dtype of ['float32', 'int32'] as const) {
      const values = Array.from({ length: n }, (_, i) => (dtype === 'int32' ? i : i * 0.25 - 7));
      for (const [sh, sw] of [[0, 0], [1, 0], [0, 3], [-3, -3], [2, -1], [12, 15], [-5, 7]]) {
        const want = rolledByDefinition(values, shape, sh, sw);
        for (const backend of ['wasm', 'cpu']) {
          await tf.setBackend(backend);
          const before = tf.memory().numTensors;
          const got = tf.tidy(() => Array.from(roll2d(tf.tensor(values, shape, dtype), sh, sw).dataSync()));
          expect(got, `${backend} ${dtype} (${sh}, ${sw})`).toEqual(want);
          expect(tf.memory().numTensors).toBe(before);
        }
      }
    }
    await tf.setBackend('wasm');
    // the kernel, not the slices (the other name is customGrad's scope)
    const x = tf.ones([1, 4, 4, 2]);
    const { kernelNames } = await tf.profile(() => tf.tidy(() => roll2d(x, -1, -1).dispose()));
    expect(kernelNames.filter((k) => k !== 'unnamed scope')).toEqual([ROLL_2D]);
    x.dispose();
  });

  it('its gradient is the roll back, on WASM as on CPU', async () => {
    const shape = [2, 4, 6, 5];
    const n = shape.reduce((a, b) => a * b, 1);
    const dyValues = Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i)));
    const grads: number[][] = [];
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      grads.push(
        tf.tidy(() => {
          const x = tf.zeros(shape);
          const dy = tf.tensor(dyValues, shape);
          const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(roll2d(t, -3, 2), dy)))(x);
          return Array.from(g.dataSync());
        }),
      );
      expect(tf.memory().numTensors).toBe(before);
    }
    expect(grads[0]).toEqual(rolledByDefinition(dyValues, shape, 3, -2));
    expect(grads[1]).toEqual(grads[0]);
  });
});
