import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { registerNodeWasm } from '../node_wasm_threads';
import { CONV_CASES, largestAbs, maxAbsDiff, referenceConv, seeded, WINOGRAD_CASES, type ConvCase } from './conv_test_cases';
import { fastConvs } from './fast_conv';

describe('fast convolutions on two threads (the threaded build, as the CLI runs it)', () => {
  afterAll(() => {
    if (tf.engine().registryFactory.wasm) tf.removeBackend('wasm');
  });

  it('installs itself when the backend starts, on as many threads as XNNPACK, with relaxed SIMD', async () => {
    expect(await registerNodeWasm(2)).toBe(2);
    expect(await tf.setBackend('wasm')).toBe(true);
    const fast = fastConvs.get(tf.backend())!;
    expect(fast).toBeDefined();
    expect(fast.threads).toBe(2);
    expect(fast.fma).toBe(true);
  });

  /** Case `c` through tf.fused.conv2d (the installed kernels) and its largest deviation from the definition. */
  function deviation(c: ConvCase, seed: number): { diff: number; largest: number } {
    const x = seeded(c.x.reduce((a, b) => a * b), seed);
    const filter = seeded(c.filter.reduce((a, b) => a * b), seed + 1);
    const bias = c.bias ? seeded(c.filter[3], seed + 2) : null;
    const got = tf.tidy(() =>
      tf.fused
        .conv2d({ x: tf.tensor4d(x, c.x), filter: tf.tensor4d(filter, c.filter), strides: c.strides, dilations: c.dilations, pad: [[0, 0], [c.pad[0], c.pad[1]], [c.pad[2], c.pad[3]], [0, 0]] as never, bias: bias ? tf.tensor1d(bias) : undefined, activation: c.activation })
        .dataSync()
        .slice(),
    );
    const expected = referenceConv(c, x, filter, bias);
    return { diff: maxAbsDiff(got, expected), largest: largestAbs(expected) };
  }

  it('every geometry equals the definition within 1e-4 (tiles shared between the threads)', () => {
    const fast = fastConvs.get(tf.backend())!;
    fast.winograd = 'off';
    const big = { ...CONV_CASES[1]!, name: 'batch 16, 32×32', x: [16, 32, 32, 16] as [number, number, number, number] };
    for (const [i, c] of [...CONV_CASES, big].entries()) {
      const before = fast.calls;
      const { diff } = deviation(c, 3 * i + 1);
      expect(fast.calls, c.name).toBe(before + 1);
      expect(diff, c.name).toBeLessThan(1e-4);
    }
  });

  it('Winograd F2 and F4 units shared between the threads equal the definition within 5e-5 of the largest output', () => {
    const fast = fastConvs.get(tf.backend())!;
    const big: ConvCase = { ...WINOGRAD_CASES[4]!, name: 'batch 4, 32×32, 64 channels', x: [4, 32, 32, 64], filter: [3, 3, 64, 64] };
    for (const mode of ['F2', 'F4', 'auto'] as const) {
      fast.winograd = mode;
      for (const [i, c] of [...WINOGRAD_CASES, big].entries()) {
        const before = fast.winogradCalls;
        const { diff, largest } = deviation(c, 5 * i + 2);
        if (mode !== 'auto' || c === big) expect(fast.winogradCalls, `${mode} ${c.name}`).toBe(before + 1);
        expect(diff, `${mode} ${c.name}`).toBeLessThan(5e-5 * Math.max(1, largest));
      }
    }
  });

  it('stops its worker threads when the backend is removed', () => {
    const backend = tf.backend();
    const fast = fastConvs.get(backend)!;
    expect(fast.threads).toBe(2);
    tf.removeBackend('wasm');
    expect(fast.threads).toBe(1);
    expect(fastConvs.has(backend)).toBe(false);
  });
});
