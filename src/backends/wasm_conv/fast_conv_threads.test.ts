import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { registerNodeWasm } from '../node_wasm_threads';
import { CONV_CASES, maxAbsDiff, referenceConv, seeded } from './conv_test_cases';
import { fastConvs } from './fast_conv';

describe('fast convolutions on two threads (the threaded build, as the CLI runs it)', () => {
  afterAll(() => tf.removeBackend('wasm'));

  it('installs itself when the backend starts, on as many threads as XNNPACK, with relaxed SIMD', async () => {
    expect(await registerNodeWasm(2)).toBe(2);
    expect(await tf.setBackend('wasm')).toBe(true);
    const fast = fastConvs.get(tf.backend())!;
    expect(fast).toBeDefined();
    expect(fast.threads).toBe(2);
    expect(fast.fma).toBe(true);
  });

  it('every geometry equals the definition within 1e-4 (tiles shared between the threads)', () => {
    const fast = fastConvs.get(tf.backend())!;
    const big = { ...CONV_CASES[1]!, name: 'batch 16, 32×32', x: [16, 32, 32, 16] as [number, number, number, number] };
    for (const [i, c] of [...CONV_CASES, big].entries()) {
      const x = seeded(c.x.reduce((a, b) => a * b), 3 * i + 1);
      const filter = seeded(c.filter.reduce((a, b) => a * b), 3 * i + 2);
      const bias = c.bias ? seeded(c.filter[3], 3 * i + 3) : null;
      const before = fast.calls;
      const got = tf.tidy(() =>
        tf.fused
          .conv2d({ x: tf.tensor4d(x, c.x), filter: tf.tensor4d(filter, c.filter), strides: c.strides, dilations: c.dilations, pad: [[0, 0], [c.pad[0], c.pad[1]], [c.pad[2], c.pad[3]], [0, 0]] as never, bias: bias ? tf.tensor1d(bias) : undefined, activation: c.activation })
          .dataSync()
          .slice(),
      );
      expect(fast.calls, c.name).toBe(before + 1);
      expect(maxAbsDiff(got, referenceConv(c, x, filter, bias)), c.name).toBeLessThan(1e-4);
    }
  });
});
