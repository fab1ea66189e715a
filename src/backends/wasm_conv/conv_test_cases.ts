/** Convolution geometries and a plain-loop reference for the fast-convolution tests, and their CPU-vs-WASM runner. */
import { tf, type Tensor } from '../tf';
import { fastConvs } from './fast_conv';

export interface ConvCase {
  name: string;
  x: [number, number, number, number]; // NHWC
  filter: [number, number, number, number]; // HWIO
  strides: [number, number];
  dilations: [number, number];
  pad: [number, number, number, number]; // top, bottom, left, right
  bias: boolean;
  activation: 'linear' | 'relu' | 'relu6';
}

export const CONV_CASES: ConvCase[] = [
  { name: '3×3 same, 13 output channels (a partial panel), odd sizes', x: [2, 9, 11, 5], filter: [3, 3, 5, 13], strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], bias: false, activation: 'linear' },
  { name: '3×3 stride 2 with bias and ReLU', x: [3, 8, 8, 16], filter: [3, 3, 16, 16], strides: [2, 2], dilations: [1, 1], pad: [1, 1, 1, 1], bias: true, activation: 'relu' },
  { name: '7×7 stride 2 stem, 3 input channels, ReLU6', x: [1, 15, 15, 3], filter: [7, 7, 3, 6], strides: [2, 2], dilations: [1, 1], pad: [3, 3, 3, 3], bias: true, activation: 'relu6' },
  { name: 'dilation 2, no padding', x: [2, 10, 10, 8], filter: [3, 3, 8, 20], strides: [1, 1], dilations: [2, 2], pad: [0, 0, 0, 0], bias: true, activation: 'linear' },
  { name: 'asymmetric padding, 1×2 filter, 1 output channel', x: [2, 6, 7, 4], filter: [1, 2, 4, 1], strides: [1, 2], dilations: [1, 1], pad: [0, 1, 2, 0], bias: false, activation: 'relu' },
  { name: '1×1 projection, rows not a multiple of 4', x: [3, 5, 3, 24], filter: [1, 1, 24, 40], strides: [1, 1], dilations: [1, 1], pad: [0, 0, 0, 0], bias: true, activation: 'linear' },
  { name: 'late stage at batch 1: few rows, many panels', x: [1, 4, 4, 64], filter: [3, 3, 64, 96], strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], bias: false, activation: 'relu' },
];

/** 3×3 stride-1 geometries for the Winograd path: tiles cut by the output's edge, tails of blocks, partial panels. */
export const WINOGRAD_CASES: ConvCase[] = [
  { name: 'odd sizes, 12 output channels (one and a half panels), bias and ReLU', x: [2, 9, 11, 8], filter: [3, 3, 8, 12], strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], bias: true, activation: 'relu' },
  { name: 'no padding, 10×7 input', x: [1, 10, 7, 16], filter: [3, 3, 16, 20], strides: [1, 1], dilations: [1, 1], pad: [0, 0, 0, 0], bias: false, activation: 'linear' },
  { name: 'asymmetric padding', x: [2, 6, 9, 4], filter: [3, 3, 4, 8], strides: [1, 1], dilations: [1, 1], pad: [0, 2, 1, 0], bias: true, activation: 'linear' },
  { name: 'a 4×4 late stage with ReLU6', x: [1, 4, 4, 64], filter: [3, 3, 64, 64], strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], bias: true, activation: 'relu6' },
  { name: 'batch 3 of 13×13 (many blocks, a partial last one)', x: [3, 13, 13, 32], filter: [3, 3, 32, 32], strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], bias: true, activation: 'linear' },
  { name: 'ResNet-50’s 7×7 stage, 256 channels', x: [2, 7, 7, 256], filter: [3, 3, 256, 256], strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], bias: false, activation: 'relu' },
];

/** A seeded uniform(-1, 1) array. */
export function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export function outputShape(c: ConvCase): [number, number, number, number] {
  const [n, h, w] = c.x;
  const [kh, kw, , co] = c.filter;
  const oh = Math.floor((h + c.pad[0] + c.pad[1] - c.dilations[0] * (kh - 1) - 1) / c.strides[0]) + 1;
  const ow = Math.floor((w + c.pad[2] + c.pad[3] - c.dilations[1] * (kw - 1) - 1) / c.strides[1]) + 1;
  return [n, oh, ow, co];
}

/** The convolution by its definition, in float64. */
export function referenceConv(c: ConvCase, x: Float32Array, filter: Float32Array, bias: Float32Array | null): Float64Array {
  const [, h, w, ci] = c.x;
  const [kh, kw, , co] = c.filter;
  const [n, oh, ow] = outputShape(c);
  const out = new Float64Array(n * oh * ow * co);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let o = 0; o < co; o++) {
          let sum = bias ? bias[o]! : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * c.strides[0] - c.pad[0] + ky * c.dilations[0];
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * c.strides[1] - c.pad[2] + kx * c.dilations[1];
              if (ix < 0 || ix >= w) continue;
              for (let i = 0; i < ci; i++) sum += x[((b * h + iy) * w + ix) * ci + i]! * filter[((ky * kw + kx) * ci + i) * co + o]!;
            }
          }
          if (c.activation !== 'linear') sum = Math.max(0, sum);
          if (c.activation === 'relu6') sum = Math.min(6, sum);
          out[((b * oh + oy) * ow + ox) * co + o] = sum;
        }
  return out;
}

export function largestAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? m : Infinity;
}

/** max |got − want| / max(1, |want|) over the elements (the parity tests' measure). */
export function maxRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
  return err;
}

/** One run's output: its shape and values. */
export interface RunOutput {
  shape: number[];
  data: Float32Array;
}

/**
 * `f` on the CPU backend, then on WASM (which the caller has started): each output, whether the WASM run went
 * through FastConv (its call count moved), and how many tensors the WASM run left behind.
 */
export async function onCpuThenWasm(f: () => Tensor): Promise<{ cpu: RunOutput; wasm: RunOutput; fastRan: boolean; leaked: number }> {
  const output = async (backend: 'wasm' | 'cpu'): Promise<RunOutput> => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const y = f();
      return { shape: y.shape, data: y.dataSync() as Float32Array };
    });
  };
  await tf.setBackend('wasm');
  const fast = fastConvs.get(tf.backend())!;
  const before = fast.calls;
  const cpu = await output('cpu');
  const tensors = tf.memory().numTensors;
  const wasm = await output('wasm');
  return { cpu, wasm, fastRan: fast.calls > before, leaked: tf.memory().numTensors - tensors };
}
