/**
 * One-pass LayerNorm, GELU and SiLU kernels on the tfjs WASM backend, in place of the op-by-op graphs a transformer block
 * otherwise runs (LayerNorm: moments, subtract, rsqrt, scale, shift — nine kernels and as many passes over the
 * activations; exact GELU: scale, Erf, add, two multiplies). Each reads its input once from the backend's memory
 * and writes its output once, so DeiT-S's 25 LayerNorms and 12 GELUs take a fraction of their former time.
 *
 * SiLU (EfficientNet's Swish) is one pass instead of Sigmoid and a multiply. Where the fast convolutions' module is
 * there, all three run in it, SIMD, on every thread (layer_norm_wat.ts, gelu_wat.ts, silu_wat.ts); the loops here
 * are for the rest (a row length not a multiple of 4, the tail of an odd length, a backend without the module).
 *
 * The kernels (`MmpwLayerNorm`, `MmpwGelu`, `MmpwSilu`) are registered for the WASM backend only; `backends/fused_ops.ts` calls them
 * where the active backend has them and the composite graph elsewhere, with gradients from the composite.
 */
import { registerKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { backendMemory, fastConvs, memoryOffset, type WasmBackendLike } from './fast_conv';
import { ERF_COEFFICIENTS as C } from './gelu_wat';

export const LAYER_NORM = 'MmpwLayerNorm';
export const GELU = 'MmpwGelu';
export const SILU = 'MmpwSilu';

function view(backend: WasmBackendLike, t: TensorInfo, length: number): Float32Array {
  return new Float32Array(backendMemory(backend)!.buffer, memoryOffset(backend, t), length);
}

const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

/** y = (x − mean) / √(var + eps) · weight + bias over the last axis (biased variance, as `nn.LayerNorm`). */
const layerNorm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, weight, bias } = inputs as { x: TensorInfo; weight?: TensorInfo; bias?: TensorInfo };
  const eps = (attrs as { eps: number }).eps;
  const wasm = backend as unknown as WasmBackendLike;
  const n = size(x);
  const d = x.shape[x.shape.length - 1];
  const fast = fastConvs.get(backend);
  if (fast && d % 4 === 0) return fast.layerNorm(x, weight ?? null, bias ?? null, eps); // SIMD, every thread
  const out = wasm.makeOutput(x.shape, 'float32');
  if (n === 0) return out;
  // Views are taken after makeOutput: an allocation may grow (and so detach) the memory's buffer.
  const [src, dst] = [view(wasm, x, n), view(wasm, out, n)];
  const w = weight ? view(wasm, weight, d) : null;
  const b = bias ? view(wasm, bias, d) : null;
  for (let row = 0; row < n; row += d) {
    let sum = 0;
    for (let i = row; i < row + d; i++) sum += src[i];
    const mean = sum / d;
    let sq = 0;
    for (let i = row; i < row + d; i++) {
      const c = src[i] - mean;
      sq += c * c;
    }
    const r = 1 / Math.sqrt(sq / d + eps);
    if (w && b) for (let i = 0; i < d; i++) dst[row + i] = (src[row + i] - mean) * r * w[i] + b[i];
    else if (w) for (let i = 0; i < d; i++) dst[row + i] = (src[row + i] - mean) * r * w[i];
    else for (let i = row; i < row + d; i++) dst[i] = (src[i] - mean) * r;
  }
  return out;
};

/** A float32 element-wise kernel: FastConv's SIMD loop `op` where the module is there, `scalar` for the rest. */
function elementwise(op: 'gelu' | 'silu', scalar: (v: number) => number): KernelFunc {
  return ({ inputs, backend }) => {
    const { x } = inputs as { x: TensorInfo };
    const wasm = backend as unknown as WasmBackendLike;
    const n = size(x);
    const out = wasm.makeOutput(x.shape, 'float32');
    if (n === 0) return out;
    const done = fastConvs.get(backend)?.elementwise(op, x, out, n) ?? 0;
    const [src, dst] = [view(wasm, x, n), view(wasm, out, n)];
    for (let i = done; i < n; i++) dst[i] = scalar(src[i]!);
    return out;
  };
}

/**
 * Exact GELU, x·Φ(x) = x/2·(1 + erf(x/√2)) (PyTorch's `approximate='none'`), with erf by Abramowitz & Stegun 7.1.28
 * (|error| ≤ 3e-7, no exp: a degree-6 polynomial raised to the 16th power).
 */
function geluScalar(v: number): number {
  const z = v * Math.SQRT1_2;
  const a = Math.abs(z);
  const t = 1 + a * (C[0] + a * (C[1] + a * (C[2] + a * (C[3] + a * (C[4] + a * C[5])))));
  let p = t * t;
  p *= p;
  p *= p;
  p *= p;
  const e = 1 - 1 / p;
  return 0.5 * v * (1 + (z < 0 ? -e : e));
}

const gelu = elementwise('gelu', geluScalar);
/** SiLU, x·σ(x) = x / (1 + e^(−x)). */
const silu = elementwise('silu', (v) => v / (1 + Math.exp(-v)));

const registered = new Set<string>();

/** Registers the kernels for `backendName` (a WASM backend whose memory can be reached), once. */
export function registerNormKernels(backendName: string): void {
  if (registered.has(backendName)) return;
  registerKernel({ kernelName: LAYER_NORM, backendName, kernelFunc: layerNorm });
  registerKernel({ kernelName: GELU, backendName, kernelFunc: gelu });
  registerKernel({ kernelName: SILU, backendName, kernelFunc: silu });
  registered.add(backendName);
}
