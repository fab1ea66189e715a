/**
 * The JavaScript half of the Winograd convolutions (winograd_wat.ts): which convolutions take them, and how the
 * work is cut into units for the threads.
 */
import type { backend_util } from '@tensorflow/tfjs-core';
import { WINOGRAD_TRANSFORMS, type WinogradTransform } from './winograd_wat';

type ConvInfo = ReturnType<typeof backend_util.computeConv2DInfo>;

/** 'auto' picks per convolution; 'off' keeps every convolution on the direct path; F2 / F4 force one transform. */
export type WinogradMode = 'auto' | 'off' | WinogradTransform['name'];

export const WINOGRAD_MODES: readonly WinogradMode[] = ['auto', 'off', 'F2', 'F4'];

export function transformNamed(name: WinogradTransform['name']): WinogradTransform {
  return WINOGRAD_TRANSFORMS.find((t) => t.name === name)!;
}

/** 3×3, stride 1, no dilation, input and output channels in fours (whole SIMD vectors). */
export function winogradFits(info: ConvInfo): boolean {
  return (
    info.filterHeight === 3 &&
    info.filterWidth === 3 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.inChannels % 4 === 0 &&
    info.outChannels % 4 === 0 &&
    info.outHeight > 0 &&
    info.outWidth > 0
  );
}

/** Fewer 2×2 blocks of dy than this: the filter gradient's 16 GEMMs are too short to pay for their transforms. */
const MIN_GRADIENT_BLOCKS = 64;

/** Whether a convolution's filter gradient goes through Winograd F(3×3, 2×2) (winograd_grad_wat.ts). */
export function filterGradientFits(info: ConvInfo): boolean {
  return winogradFits(info) && info.batchSize * Math.ceil(info.outHeight / 2) * Math.ceil(info.outWidth / 2) >= MIN_GRADIENT_BLOCKS;
}

/** Below this many output pixels a convolution is bound by reading its filter, which Winograd enlarges (α²/9). */
const MIN_WINOGRAD_ROWS = 128;

/**
 * The transform for a convolution under `mode`, or null for the direct path. 'auto': the transform with fewer
 * multiplications once tiles are rounded up to whole tiles (F(4×4) on a tie), the direct path for few output
 * pixels (batch 1 late stages: filter-bound) or few input channels (transforms not paid back).
 */
export function chooseWinograd(info: ConvInfo, mode: WinogradMode): WinogradTransform | null {
  if (mode === 'off' || !winogradFits(info)) return null;
  if (mode !== 'auto') return transformNamed(mode);
  if (info.inChannels < 16 || info.batchSize * info.outHeight * info.outWidth < MIN_WINOGRAD_ROWS) return null;
  const products = (t: WinogradTransform) => Math.ceil(info.outHeight / t.m) * Math.ceil(info.outWidth / t.m) * t.alpha ** 2;
  const [f2, f4] = [transformNamed('F2'), transformNamed('F4')];
  return products(f4) <= products(f2) ? f4 : f2;
}

/** Cache budgets of one unit (measured on a 1 MiB-L2 EPYC; tests and benchmarks may change them). */
export const WINOGRAD_BUDGETS = {
  /** V (transformed inputs): its α² slabs are each read once per panel. */
  vBytes: 128 * 1024,
  /** M (products before the output transform). */
  mBytes: 512 * 1024,
  /** Tiles per unit at most. */
  maxBlock: 64,
};

export interface WinogradTiling {
  /** Tiles per unit (a multiple of 4). */
  block: number;
  blockPanels: number;
  blockCount: number;
  work: number;
  /** Scratch bytes each thread needs: α²·block·(cin + 8·blockPanels)·4. */
  slotBytes: number;
}

/**
 * Units of `block` tiles × `blockPanels` panels: blocks as large as keep V within budget (4 to 64 tiles), no
 * larger than the threads' share of the tiles; panels split only when there are too few blocks for the threads,
 * and kept so M stays within budget.
 */
export function winogradTiling(tiles: number, panels: number, threads: number, cin: number, alpha: number): WinogradTiling {
  const cells = alpha * alpha;
  const wanted = threads === 1 ? 1 : 4 * threads;
  const fitting = 4 * Math.floor(WINOGRAD_BUDGETS.vBytes / (cells * cin * 4) / 4);
  const share = 4 * Math.ceil(tiles / Math.min(wanted, threads) / 4);
  const block = Math.max(4, Math.min(WINOGRAD_BUDGETS.maxBlock, fitting, share));
  const blockCount = Math.ceil(tiles / block);
  const forThreads = blockCount >= wanted ? panels : Math.ceil(panels / Math.ceil(wanted / blockCount));
  const mFitting = Math.max(1, Math.floor(WINOGRAD_BUDGETS.mBytes / (cells * block * 32)));
  const blockPanels = Math.max(1, Math.min(panels, forThreads, mFitting));
  return { block, blockPanels, blockCount, work: blockCount * Math.ceil(panels / blockPanels), slotBytes: 4 * cells * block * (cin + 8 * blockPanels) };
}
