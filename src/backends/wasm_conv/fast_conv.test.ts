import '@tensorflow/tfjs-backend-wasm';
import '../node_wasm_threads'; // switches on relaxed SIMD in Node 20
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { CONV_BINARIES } from './conv_binaries';
import { assembleConvVariants } from './assemble';
import { CONV_CASES, maxAbsDiff, referenceConv, seeded, type ConvCase } from './conv_test_cases';
import { FastConv, fastConvs, relaxedSimdSupported, tiling, type WasmBackendLike } from './fast_conv';
import { installFastConv, setFastConvEnabled } from './install';

function inputs(c: ConvCase, seed: number) {
  const x = seeded(c.x.reduce((a, b) => a * b), seed);
  const filter = seeded(c.filter.reduce((a, b) => a * b), seed + 1);
  const bias = c.bias ? seeded(c.filter[3], seed + 2) : null;
  return { x, filter, bias, expected: referenceConv(c, x, filter, bias) };
}

const tfPad = (c: ConvCase) => [[0, 0], [c.pad[0], c.pad[1]], [c.pad[2], c.pad[3]], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]];

/** Runs case `c` through tf.fused.conv2d (the registered kernels) on the current backend. */
function viaTf(c: ConvCase, x: Float32Array, filter: Float32Array, bias: Float32Array | null, extra: Partial<{ activation: string; dataFormat: 'NHWC' | 'NCHW' }> = {}) {
  return tf.tidy(() => {
    const y = tf.fused.conv2d({ x: tf.tensor4d(x, c.x), filter: tf.tensor4d(filter, c.filter), strides: c.strides, dilations: c.dilations, pad: tfPad(c) as never, bias: bias ? tf.tensor1d(bias) : undefined, activation: (extra.activation ?? c.activation) as 'relu', leakyreluAlpha: 0.1 });
    return y.dataSync().slice();
  });
}

describe('convolution module binaries', () => {
  it('are what conv_wat.ts assembles to (regenerate with `node scripts/build-wasm-conv.mjs`)', async () => {
    expect(await assembleConvVariants()).toEqual(CONV_BINARIES);
  });

  it('run relaxed SIMD here (Node 20 with the flag set by node_wasm_threads)', () => {
    expect(relaxedSimdSupported()).toBe(true);
  });
});

describe('fast convolutions on tfjs’s single-threaded WASM build', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });
  afterAll(() => tf.removeBackend('wasm'));

  for (const fma of [false, true]) {
    describe(fma ? 'fused multiply-add variant' : 'multiply then add variant', () => {
      let fast: FastConv;
      beforeAll(async () => {
        fast = (await FastConv.create(tf.backend() as unknown as WasmBackendLike, 1, null, fma))!;
        expect(fast.fma).toBe(fma);
        expect(fast.threads).toBe(1);
      });

      for (const [i, c] of CONV_CASES.entries()) {
        it(`${c.name}: equals the definition within 1e-4`, () => {
          const { x, filter, bias, expected } = inputs(c, 10 * i + 1);
          const got = tf.tidy(() => {
            const xt = tf.tensor4d(x, c.x);
            const ft = tf.tensor4d(filter, c.filter);
            const bt = bias ? tf.tensor1d(bias) : null;
            const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, c.dilations, tfPad(c) as never, undefined, false, 'channelsLast');
            const out = fast.conv2d(xt, ft, bt, info, c.activation);
            return tf.engine().makeTensorFromTensorInfo(out).dataSync().slice();
          });
          expect(got.length).toBe(expected.length);
          expect(maxAbsDiff(got, expected)).toBeLessThan(1e-4);
          expect(Math.max(...Array.from(got, Math.abs))).toBeGreaterThan(0.5); // not a zero output
        });
      }
    });
  }

  it('replaces Conv2D and FusedConv2D: tf.conv2d and tf.fused.conv2d run through it and equal tfjs’s XNNPACK', async () => {
    const fast = (await installFastConv(tf.backend(), { threads: 1, spawn: null }))!;
    expect(fastConvs.get(tf.backend())).toBe(fast);
    for (const [i, c] of CONV_CASES.entries()) {
      const { x, filter, bias, expected } = inputs(c, 100 + i);
      const before = fast.calls;
      const got = viaTf(c, x, filter, bias);
      expect(fast.calls).toBe(before + 1);
      expect(maxAbsDiff(got, expected)).toBeLessThan(1e-4);
      setFastConvEnabled(false);
      const xnn = viaTf(c, x, filter, bias);
      setFastConvEnabled(true);
      expect(fast.calls).toBe(before + 1);
      expect(maxAbsDiff(got, xnn)).toBeLessThan(1e-4);
    }
    const c = CONV_CASES[0]!;
    const { x, filter } = inputs(c, 7);
    const before = fast.calls;
    const plain = tf.tidy(() => tf.conv2d(tf.tensor4d(x, c.x), tf.tensor4d(filter, c.filter), c.strides, tfPad(c) as never, 'NHWC', c.dilations).dataSync().slice());
    expect(fast.calls).toBe(before + 1);
    expect(maxAbsDiff(plain, referenceConv(c, x, filter, null))).toBeLessThan(1e-4);
  });

  it('leaves what it does not fuse to tfjs (leaky ReLU, alpha 0.1)', async () => {
    const fast = fastConvs.get(tf.backend())!;
    const c = CONV_CASES[1]!;
    const { x, filter, bias } = inputs(c, 5);
    const before = fast.calls;
    const got = viaTf(c, x, filter, bias, { activation: 'leakyrelu' });
    expect(fast.calls).toBe(before);
    const linear = referenceConv({ ...c, activation: 'linear' }, x, filter, bias);
    expect(maxAbsDiff(got, linear.map((v) => (v < 0 ? 0.1 * v : v)))).toBeLessThan(1e-4);
  });

  it('frees the packed copy of a filter once the filter is gone, and leaks no tensor', () => {
    const fast = fastConvs.get(tf.backend())!;
    const c = CONV_CASES[5]!;
    const x = tf.tensor4d(seeded(c.x.reduce((a, b) => a * b), 1), c.x);
    const tensors = tf.memory().numTensors;
    for (let step = 0; step < 30; step++) {
      tf.tidy(() => tf.conv2d(x, tf.tensor4d(seeded(c.filter.reduce((a, b) => a * b), step), c.filter), 1, 'valid').dataSync());
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(fast.packedCount).toBeLessThanOrEqual(2);
    x.dispose();
  });

  it('outputs of size zero come back empty', () => {
    const y = tf.tidy(() => tf.conv2d(tf.zeros([0, 4, 4, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 8]) as tf.Tensor4D, 1, 'same'));
    expect(y.shape).toEqual([0, 4, 4, 8]);
    y.dispose();
  });
});

describe('tiling', () => {
  it('splits rows into tiles of at most 64 and, when rows are few, the panels too', () => {
    expect(tiling(32768, 8, 1, 576)).toEqual({ tileRows: 64, tilePanels: 8, rowTiles: 512, tiles: 512 });
    expect(tiling(32768, 8, 2, 576)).toEqual({ tileRows: 64, tilePanels: 8, rowTiles: 512, tiles: 512 });
    const small = tiling(16, 64, 2, 576); // batch 1, a 4×4 stage with 512 channels
    expect(small.tileRows).toBe(4);
    expect(small.tiles).toBe(Math.ceil(16 / small.tileRows) * Math.ceil(64 / small.tilePanels));
    expect(small.tiles).toBeGreaterThanOrEqual(8);
  });

  it('keeps a tile’s slice of the packed filter within 512 KiB (3×3×512 inputs: 3 panels of 147 KiB)', () => {
    expect(tiling(32 * 49, 64, 2, 4608).tilePanels).toBe(3);
    expect(tiling(49, 64, 1, 4608).tilePanels).toBe(3);
  });
});
