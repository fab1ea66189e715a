import '@tensorflow/tfjs-backend-wasm';
import '../node_wasm_threads'; // switches on relaxed SIMD in Node 20
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { CONV_BINARIES } from './conv_binaries';
import { assembleConvVariants } from './assemble';
import { CONV_CASES, largestAbs, maxAbsDiff, referenceConv, seeded, WINOGRAD_CASES, type ConvCase } from './conv_test_cases';
import { FastConv, fastConvs, gradientTiling, relaxedSimdSupported, tiling, type WasmBackendLike } from './fast_conv';
import { installFastConv, setFastConvEnabled } from './install';
import { chooseWinograd, winogradTiling } from './winograd';
import { DESC } from './conv_wat';
import { WINO, WINO_FILTER } from './winograd_wat';
import { WGRAD_DY, WGRAD_INPUT, WGRAD_OUTPUT } from './winograd_grad_wat';

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

/** Case `c` straight through `fast.conv2d` (whichever path its `winograd` mode picks). */
function viaFast(fast: FastConv, c: ConvCase, x: Float32Array, filter: Float32Array, bias: Float32Array | null): Float32Array {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const ft = tf.tensor4d(filter, c.filter);
    const bt = bias ? tf.tensor1d(bias) : null;
    const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, c.dilations, tfPad(c) as never, undefined, false, 'channelsLast');
    const out = fast.conv2d(xt, ft, bt, info, c.activation);
    return tf.engine().makeTensorFromTensorInfo(out).dataSync().slice() as Float32Array;
  });
}

/** Winograd's error grows with the outputs' size (F(4×4)'s transforms have entries up to 8): 5e-5 of the largest. */
const winogradTolerance = (expected: ArrayLike<number>) => 5e-5 * Math.max(1, largestAbs(expected));

describe('convolution module binaries', () => {
  it('are what conv_wat.ts assembles to (regenerate with `node scripts/build-wasm-conv.mjs`)', async () => {
    expect(await assembleConvVariants()).toEqual(CONV_BINARIES);
  });

  it('every descriptor layout fits the space before the threads’ control block (DESC.words)', () => {
    for (const layout of [WINO, WINO_FILTER, WGRAD_INPUT, WGRAD_DY, WGRAD_OUTPUT]) {
      expect(layout.words).toBeLessThanOrEqual(DESC.words);
      expect(Math.max(...Object.entries(layout).filter(([k]) => k !== 'words').map(([, v]) => v))).toBe(layout.words - 1);
    }
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
          fast.winograd = 'off';
          const { x, filter, bias, expected } = inputs(c, 10 * i + 1);
          const got = viaFast(fast, c, x, filter, bias);
          expect(got.length).toBe(expected.length);
          expect(maxAbsDiff(got, expected)).toBeLessThan(1e-4);
          expect(largestAbs(got)).toBeGreaterThan(0.5); // not a zero output
        });
      }

      for (const transform of ['F2', 'F4'] as const) {
        for (const [i, c] of WINOGRAD_CASES.entries()) {
          it(`Winograd ${transform}, ${c.name}: equals the definition within 5e-5 of its largest output`, () => {
            fast.winograd = transform;
            const { x, filter, bias, expected } = inputs(c, 10 * i + 3);
            const before = fast.winogradCalls;
            const got = viaFast(fast, c, x, filter, bias);
            expect(fast.winogradCalls).toBe(before + 1);
            expect(got.length).toBe(expected.length);
            expect(maxAbsDiff(got, expected)).toBeLessThan(winogradTolerance(expected));
            expect(largestAbs(got)).toBeGreaterThan(0.5);
          });
        }
      }

      it('one filter through F2, F4 and the direct path in turn: each repacks it and stays right', () => {
        const c = WINOGRAD_CASES[0]!;
        const { x, filter, bias, expected } = inputs(c, 77);
        const xt = tf.tensor4d(x, c.x);
        const ft = tf.tensor4d(filter, c.filter);
        const bt = tf.tensor1d(bias!);
        const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, c.dilations, tfPad(c) as never, undefined, false, 'channelsLast');
        for (const mode of ['F2', 'F4', 'off', 'F2'] as const) {
          fast.winograd = mode;
          const y = tf.engine().makeTensorFromTensorInfo(fast.conv2d(xt, ft, bt, info, c.activation));
          expect(maxAbsDiff(y.dataSync(), expected), mode).toBeLessThan(winogradTolerance(expected));
          y.dispose();
        }
        tf.dispose([xt, ft, bt]);
      });
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

  it('frees the transformed copy of a Winograd filter too', () => {
    const fast = fastConvs.get(tf.backend())!;
    fast.winograd = 'F4';
    const c = WINOGRAD_CASES[4]!;
    const x = tf.tensor4d(seeded(c.x.reduce((a, b) => a * b), 1), c.x);
    const tensors = tf.memory().numTensors;
    const calls = fast.winogradCalls;
    for (let step = 0; step < 20; step++) {
      tf.tidy(() => tf.conv2d(x, tf.tensor4d(seeded(c.filter.reduce((a, b) => a * b), step), c.filter), 1, 'same').dataSync());
    }
    expect(fast.winogradCalls).toBe(calls + 20);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(fast.packedCount).toBeLessThanOrEqual(2);
    fast.winograd = 'auto';
    x.dispose();
  });

  it('outputs of size zero come back empty', () => {
    const y = tf.tidy(() => tf.conv2d(tf.zeros([0, 4, 4, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 8]) as tf.Tensor4D, 1, 'same'));
    expect(y.shape).toEqual([0, 4, 4, 8]);
    y.dispose();
  });
});

describe('choosing Winograd', () => {
  const info = (n: number, h: number, cin: number, cout: number, stride = 1, k = 3) =>
    tf.backend_util.computeConv2DInfo([n, h, h, cin], [k, k, cin, cout], stride, 1, 'same', undefined, false, 'channelsLast');

  it('auto: F(4×4) for ResNet-18-CIFAR’s and ResNet-50’s 3×3 stride-1 convolutions at batch 32', () => {
    for (const [h, c] of [[32, 64], [16, 128], [8, 256], [4, 512]]) expect(chooseWinograd(info(32, h!, c!, c!), 'auto')?.name).toBe('F4');
    expect(chooseWinograd(info(32, 7, 512, 512), 'auto')?.name).toBe('F4'); // 4 tiles of 36 beat 16 of 16
    expect(chooseWinograd(info(32, 2, 512, 512), 'auto')?.name).toBe('F2'); // one tile either way: 16 products, not 36
  });

  it('auto: the direct path where Winograd does not pay (filter-bound batch 1 late stages, few input channels)', () => {
    expect(chooseWinograd(info(1, 7, 512, 512), 'auto')).toBeNull();
    expect(chooseWinograd(info(1, 14, 256, 256), 'auto')?.name).toBe('F4');
    expect(chooseWinograd(info(32, 32, 8, 16), 'auto')).toBeNull();
  });

  it('only 3×3, stride 1, channels in fours, whatever the mode', () => {
    for (const mode of ['auto', 'F2', 'F4'] as const) {
      expect(chooseWinograd(info(32, 32, 64, 64, 2), mode)).toBeNull();
      expect(chooseWinograd(info(32, 32, 64, 64, 1, 5), mode)).toBeNull();
      expect(chooseWinograd(info(32, 32, 64, 66), mode)).toBeNull();
      expect(chooseWinograd(info(32, 32, 3, 64), mode)).toBeNull();
    }
    expect(chooseWinograd(info(32, 32, 64, 64), 'off')).toBeNull();
    expect(chooseWinograd(info(1, 7, 512, 512), 'F2')?.name).toBe('F2');
  });

  it('units: blocks of 4 to 64 tiles, enough units for the threads, the scratch each thread needs', () => {
    for (const [tiles, panels, threads, cin, alpha] of [[2048, 8, 2, 64, 6], [32, 64, 2, 512, 6], [4, 64, 1, 512, 4], [8192, 8, 4, 64, 4], [9, 2, 2, 8, 6]]) {
      const t = winogradTiling(tiles!, panels!, threads!, cin!, alpha!);
      expect(t.block % 4).toBe(0);
      expect(t.block).toBeGreaterThanOrEqual(4);
      expect(t.block).toBeLessThanOrEqual(64);
      expect(t.blockCount).toBe(Math.ceil(tiles! / t.block));
      expect(t.work).toBe(t.blockCount * Math.ceil(panels! / t.blockPanels));
      if (threads! > 1 && tiles! * panels! >= 4 * threads! * 4) expect(t.work).toBeGreaterThanOrEqual(4 * threads!);
      expect(t.slotBytes).toBe(4 * alpha! ** 2 * t.block * (cin! + 8 * t.blockPanels));
    }
  });
});

describe('tiling', () => {
  it('filter-gradient GEMMs: one panel a tile where K is long (layer 1 at batch 32), several where it is short', () => {
    expect(gradientTiling(64, 8, 8192, 2)).toEqual({ tileRows: 64, tilePanels: 1, rowTiles: 1, tiles: 8 });
    expect(gradientTiling(512, 64, 128, 2)).toEqual({ tileRows: 64, tilePanels: 32, rowTiles: 8, tiles: 16 });
  });

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
