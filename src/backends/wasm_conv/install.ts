import {
  backend_util,
  Conv2D,
  DepthwiseConv2dNative,
  FusedConv2D,
  FusedBatchNorm,
  FusedDepthwiseConv2D,
  getKernel,
  Mean,
  registerKernel,
  util,
  type Conv2DAttrs,
  type DepthwiseConv2dNativeAttrs,
  type FusedBatchNormAttrs,
  type FusedConv2DAttrs,
  type FusedDepthwiseConv2DAttrs,
  type KernelBackend,
  type KernelFunc,
  type MeanAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { replaceWasmFactory } from '../register';
import { FastConv, fastConvs, type WasmBackendLike } from './fast_conv';
import { replaceMatMulKernel } from './matmul_kernel';
import { registerNormKernels } from './norm_kernels';
import { registerRollKernel } from './roll_kernel';
import { registerUpsampleKernel } from './upsample_kernel';
import { replaceKernel } from './replace_kernel';
import { replaceTransposeKernel } from './transpose_kernel';
import { replaceSplitKernels } from './split_kernels';
import type { ConvWorkerSpawner } from './thread_pool';
import type { WinogradMode } from './winograd';

const FUSABLE = new Set(['linear', 'relu', 'relu6']);

let enabled = true;

/** Turns the fast convolutions on or off (off: tfjs's own XNNPACK kernels run), e.g. to compare the two. */
export function setFastConvEnabled(on: boolean): void {
  enabled = on;
}

/** The backend's FastConv while the fast convolutions are on, else undefined. */
export function activeFastConv(backend: object): FastConv | undefined {
  return enabled ? fastConvs.get(backend) : undefined;
}

type ConvKernel = typeof Conv2D | typeof FusedConv2D | typeof DepthwiseConv2dNative | typeof FusedDepthwiseConv2D;
type FastActivation = 'linear' | 'relu' | 'relu6';

/**
 * Conv2D, FusedConv2D, DepthwiseConv2dNative and FusedDepthwiseConv2D (NHWC, float32; bias and linear/relu/relu6
 * fused; depthwise: channel multiplier 1, channels a multiple of 4) through this backend's FastConv, the original
 * kernel for everything else (NCHW, prelu, leaky relu, sigmoid, elu) or when none is installed.
 */
function replacement(kernelName: ConvKernel, original: KernelFunc): KernelFunc {
  const depthwise = kernelName === DepthwiseConv2dNative || kernelName === FusedDepthwiseConv2D;
  const fused = kernelName === FusedConv2D || kernelName === FusedDepthwiseConv2D;
  return (args) => {
    const fast = activeFastConv(args.backend);
    const attrs = args.attrs as unknown as FusedConv2DAttrs & Conv2DAttrs & FusedDepthwiseConv2DAttrs & DepthwiseConv2dNativeAttrs;
    const { x, filter, bias, preluActivationWeights } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const activation = fused ? attrs.activation : 'linear';
    const [, , channels, multiplier] = filter.shape as [number, number, number, number];
    const unsupportedDepthwise = depthwise && (multiplier !== 1 || channels % 4 !== 0);
    if (!fast || attrs.dataFormat !== 'NHWC' || unsupportedDepthwise || !FUSABLE.has(activation) || preluActivationWeights || x.dtype !== 'float32' || filter.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) {
      return original(args);
    }
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs.strides, attrs.dilations ?? [1, 1], attrs.pad, attrs.dimRoundingMode, depthwise, 'channelsLast');
    if (bias && bias.shape.reduce((a, b) => a * b, 1) !== info.outChannels) return original(args); // a broadcast bias
    const act = activation as FastActivation;
    return depthwise ? fast.depthwiseConv2d(x, filter, bias ?? null, info, act) : fast.conv2d(x, filter, bias ?? null, info, act);
  };
}

/**
 * FusedBatchNorm (inference BatchNorm, and training's with the batch statistics) through this backend's FastConv
 * where x is float32 with channels a multiple of 4 on the last axis and every statistic one value a channel; the
 * original kernel otherwise (its gradient is tfjs's, per op, either way).
 */
function batchNormReplacement(original: KernelFunc): KernelFunc {
  return (args) => {
    const fast = activeFastConv(args.backend);
    const { x, mean, variance, offset, scale } = args.inputs as { x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo };
    const C = x.shape[x.shape.length - 1] ?? 0;
    const perChannel = (t: TensorInfo | undefined) => !t || (t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === C);
    if (!fast || x.dtype !== 'float32' || x.shape.length < 2 || C % 4 !== 0 || ![mean, variance, offset, scale].every(perChannel)) return original(args);
    const { varianceEpsilon } = args.attrs as unknown as FusedBatchNormAttrs;
    return fast.batchNorm(x, mean, variance, offset ?? null, scale ?? null, varianceEpsilon);
  };
}

/**
 * Mean over a run of consecutive axes that leaves the last one (a global average pool over an NHWC map, a mean over
 * tokens, BatchNorm's batch statistics) through this backend's FastConv, in one pass, where x is float32 and the
 * kept inner size a multiple of 4; the original kernel otherwise.
 */
function meanReplacement(original: KernelFunc): KernelFunc {
  return (args) => {
    const fast = activeFastConv(args.backend);
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as MeanAttrs;
    const shape = x.shape;
    const axes = util.parseAxisParam(axis, shape).sort((a, b) => a - b);
    const first = axes[0] ?? 0;
    const last = axes[axes.length - 1] ?? 0;
    const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
    const [outer, rows, inner] = [product(shape.slice(0, first)), product(shape.slice(first, last + 1)), product(shape.slice(last + 1))];
    const consecutive = axes.length > 0 && last - first === axes.length - 1 && last < shape.length - 1;
    if (!fast || x.dtype !== 'float32' || !consecutive || inner % 4 !== 0 || rows === 0) return original(args);
    const outShape = keepDims ? shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : shape.filter((_, i) => i < first || i > last);
    return fast.meanRows(x, outShape, outer, rows, inner);
  };
}

/** The kernel of a convolution with its shortcut added before the activation (eval only; see {@link convResidualAvailable}). */
export const CONV_RESIDUAL = 'MmpwConv2DResidual';

export interface ConvResidualAttrs {
  strides: [number, number];
  pad: 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
  dilations: [number, number];
  activation: 'linear' | 'relu' | 'relu6';
}

/** act(conv(x, filter) + bias + residual), NHWC, through the backend's FastConv ({@link FastConv.conv2d}). */
const convResidual: KernelFunc = (args) => {
  const fast = activeFastConv(args.backend);
  if (!fast) throw new Error(`${CONV_RESIDUAL}: the fast convolutions are off (call it only where convResidualAvailable() says so)`);
  const { x, filter, bias, residual } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; residual: TensorInfo };
  const { strides, pad, dilations, activation } = args.attrs as unknown as ConvResidualAttrs;
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations, pad as never, undefined, false, 'channelsLast');
  const outShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (info.outChannels % 8 !== 0 || residual.dtype !== 'float32' || residual.shape.join() !== outShape.join()) throw new Error(`${CONV_RESIDUAL}: the residual must be float32 [${outShape}] with channels a multiple of 8, got ${residual.dtype} [${residual.shape}]`);
  return fast.conv2d(x, filter, bias ?? null, info, activation, residual);
};

/**
 * Whether the active backend runs {@link CONV_RESIDUAL} now for a convolution of `outChannels` outputs: a multiple
 * of 8 (whole panels) with the fast convolutions on.
 */
export function convResidualAvailable(backend: object, backendName: string, outChannels: number): boolean {
  return outChannels % 8 === 0 && getKernel(CONV_RESIDUAL, backendName) !== undefined && activeFastConv(backend) !== undefined;
}

/** The grouped convolution kernel's name (eval only: training takes the split → conv → concat graph and its gradients). */
export const GROUPED_CONV = 'MmpwGroupedConv2D';

export interface GroupedConvAttrs {
  strides: [number, number];
  pad: 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
  dilations: [number, number];
  groups: number;
  activation: 'linear' | 'relu' | 'relu6';
}

/** A grouped NHWC convolution through the backend's FastConv ({@link FastConv.groupedConv2d}). */
const groupedConv: KernelFunc = (args) => {
  const fast = activeFastConv(args.backend);
  if (!fast) throw new Error(`${GROUPED_CONV}: the fast convolutions are off (call it only where groupedConvAvailable() says so)`);
  const { x, filter, bias } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo };
  const { strides, pad, dilations, groups, activation } = args.attrs as unknown as GroupedConvAttrs;
  const [kh, kw, cg, cout] = filter.shape;
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], [kh, kw, cg * groups, cout], strides, dilations, pad as never, undefined, false, 'channelsLast');
  return fast.groupedConv2d(x, filter, bias ?? null, info, groups, activation);
};

/** Whether the active backend runs {@link GROUPED_CONV} now. */
export function groupedConvAvailable(backend: object, backendName: string): boolean {
  return getKernel(GROUPED_CONV, backendName) !== undefined && activeFastConv(backend) !== undefined;
}

function replaceKernels(backendName: string): void {
  for (const kernelName of [Conv2D, FusedConv2D, DepthwiseConv2dNative, FusedDepthwiseConv2D] as const) replaceKernel(kernelName, backendName, (original) => replacement(kernelName, original));
  replaceKernel(FusedBatchNorm, backendName, batchNormReplacement);
  replaceKernel(Mean, backendName, meanReplacement);
  replaceMatMulKernel(backendName, activeFastConv);
  registerNormKernels(backendName);
  registerRollKernel(backendName);
  registerUpsampleKernel(backendName);
  replaceTransposeKernel(backendName);
  replaceSplitKernels(backendName);
  if (!getKernel(GROUPED_CONV, backendName)) registerKernel({ kernelName: GROUPED_CONV, backendName, kernelFunc: groupedConv });
  if (!getKernel(CONV_RESIDUAL, backendName)) registerKernel({ kernelName: CONV_RESIDUAL, backendName, kernelFunc: convResidual });
}

export interface FastConvOptions {
  /**
   * Threads to compute on, the calling one included (more than one needs shared memory and `spawn`); default: as
   * many as the backend's XNNPACK pool.
   */
  threads?: number;
  /** Starts a worker thread (Node worker_threads or a Web Worker); null: the calling thread only. */
  spawn: ConvWorkerSpawner | null;
  /** The backend's registered name (default 'wasm'). */
  backendName?: string;
  /** Force the fused multiply-add variant on or off (default: on where relaxed SIMD runs). */
  fma?: boolean;
  /** Which 3×3 stride-1 convolutions go through Winograd (default 'auto'; see winograd.ts). */
  winograd?: WinogradMode;
}

/**
 * Gives a started tfjs WASM backend the fast convolutions (conv_wat.ts). Returns null, leaving tfjs's kernels in
 * charge, where the backend's memory cannot be reached. Installing twice keeps the first.
 */
export async function installFastConv(backend: KernelBackend, options: FastConvOptions): Promise<FastConv | null> {
  const existing = fastConvs.get(backend);
  if (existing) return existing;
  const wasm = backend as unknown as WasmBackendLike;
  const threads = options.threads ?? wasm.wasm.tfjs?.getThreadsCount() ?? 1;
  const fast = await FastConv.create(wasm, threads, options.spawn, options.fma);
  if (!fast) return null;
  fast.winograd = options.winograd ?? 'auto';
  fastConvs.set(backend, fast);
  // Its worker threads end with the backend (tf.removeBackend, or a test's teardown).
  const dispose = backend.dispose.bind(backend);
  backend.dispose = () => {
    fast.dispose();
    fastConvs.delete(backend);
    dispose();
  };
  replaceKernels(options.backendName ?? 'wasm');
  return fast;
}

/**
 * Makes every later start of the `wasm` backend install the fast convolutions (wrapping the registered factory;
 * call before `tf.setBackend('wasm')`). A failure to install leaves tfjs's own kernels, with a warning.
 */
export function installFastConvOnStart(options: FastConvOptions): void {
  replaceWasmFactory((factory) => async () => {
    if (!factory) throw new Error('no wasm backend factory is registered');
    const backend = await factory();
    try {
      await installFastConv(backend, options);
    } catch (e) {
      console.warn(`fast WASM convolutions unavailable, using tfjs's: ${(e as Error).message}`);
    }
    return backend;
  });
}
