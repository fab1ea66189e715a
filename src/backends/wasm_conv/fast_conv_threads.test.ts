import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { registerNodeWasm } from '../node_wasm_threads';
import { CONV_CASES, largestAbs, maxAbsDiff, referenceConv, seeded, WINOGRAD_CASES, type ConvCase } from './conv_test_cases';
import { fastConvs } from './fast_conv';
import { GROUPED_CONV } from './install';

describe('fast convolutions on two threads (the threaded build, as the CLI runs it)', () => {
  afterAll(() => {
    if (tf.engine().registryFactory.wasm) tf.removeBackend('wasm');
  });

  it('installs itself when the backend starts, on the threads asked for, with relaxed SIMD', async () => {
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

  it('thousands of dispatches in a row, the workers spinning between them or sleeping at once, give the same numbers', () => {
    const fast = fastConvs.get(tf.backend())!;
    expect(fast.spin).toBeGreaterThan(0); // DEFAULT_SPIN
    const spin = fast.spin;
    const c = CONV_CASES[0]!;
    const x = tf.tensor4d(seeded(c.x.reduce((a, b) => a * b), 5), c.x);
    const w = tf.tensor4d(seeded(c.filter.reduce((a, b) => a * b), 6), c.filter);
    const once = () => tf.tidy(() => tf.conv2d(x, w, 1, 'valid').dataSync().slice());
    const want = once();
    try {
      for (const checks of [spin, 0]) {
        fast.spin = checks;
        const before = fast.calls;
        for (let i = 0; i < 2000; i++) tf.conv2d(x, w, 1, 'valid').dispose();
        expect(fast.calls).toBe(before + 2000);
        expect(once()).toEqual(want);
      }
    } finally {
      fast.spin = spin;
      tf.dispose([x, w]);
    }
  });

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

  it('a grouped convolution (all groups in one dispatch) and batched products (all in one) equal their definitions', () => {
    const fast = fastConvs.get(tf.backend())!;
    // RegNet's 24-channel groups at 14×14, stride 1 and 2, with bias and ReLU; 12-channel groups (partial panels)
    for (const [i, { groups, cg, og, stride, hw }] of [
      { groups: 17, cg: 24, og: 24, stride: 1, hw: 14 },
      { groups: 4, cg: 12, og: 12, stride: 2, hw: 9 },
    ].entries()) {
      const [N, C, CO] = [2, groups * cg, groups * og];
      const OH = Math.floor((hw + 2 - 3) / stride) + 1;
      const x = seeded(N * hw * hw * C, 7 + i);
      const filter = seeded(9 * cg * CO, 8 + i);
      const bias = seeded(CO, 9 + i);
      const before = fast.calls;
      const got = tf.tidy(() =>
        (tf.engine().runKernel(GROUPED_CONV, { x: tf.tensor4d(x, [N, hw, hw, C]), filter: tf.tensor4d(filter, [3, 3, cg, CO]), bias: tf.tensor1d(bias) }, { strides: [stride, stride], pad: 1, dilations: [1, 1], groups, activation: 'relu' } as never) as tf.Tensor).dataSync(),
      );
      expect(fast.calls).toBe(before + 1);
      let worst = 0;
      for (let n = 0; n < N; n++)
        for (let oy = 0; oy < OH; oy++)
          for (let ox = 0; ox < OH; ox++)
            for (let co = 0; co < CO; co++) {
              const g = Math.floor(co / og);
              let sum = bias[co];
              for (let ky = 0; ky < 3; ky++)
                for (let kx = 0; kx < 3; kx++) {
                  const [iy, ix] = [oy * stride + ky - 1, ox * stride + kx - 1];
                  if (iy < 0 || ix < 0 || iy >= hw || ix >= hw) continue;
                  for (let c = 0; c < cg; c++) sum += x[((n * hw + iy) * hw + ix) * C + g * cg + c] * filter[((ky * 3 + kx) * cg + c) * CO + co];
                }
              worst = Math.max(worst, Math.abs(got[((n * OH + oy) * OH + ox) * CO + co] - Math.max(sum, 0)));
            }
      expect(worst, `groups ${groups}`).toBeLessThan(1e-4);
    }
    // attention's products: distinct pairs, and one matrix broadcast over the batch
    for (const [batchA, batchB] of [[24, 24], [24, 1]]) {
      const [m, k, n] = [50, 64, 37];
      const a = seeded(batchA * m * k, 11);
      const b = seeded(batchB * k * n, 12);
      const got = tf.tidy(() => tf.matMul(tf.tensor3d(a, [batchA, m, k]), tf.tensor3d(b, [batchB, k, n])).dataSync());
      let worst = 0;
      for (let q = 0; q < 24; q++)
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let sum = 0;
            for (let p = 0; p < k; p++) sum += a[(batchA === 1 ? 0 : q) * m * k + i * k + p] * b[(batchB === 1 ? 0 : q) * k * n + p * n + j];
            worst = Math.max(worst, Math.abs(got[(q * m + i) * n + j] - sum));
          }
      expect(worst, `${batchA}·${batchB}`).toBeLessThan(1e-4);
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
