/**
 * `nn.Upsample(scale_factor=(sh, sw), mode='nearest')` of an NHWC map as one kernel on the tfjs WASM backend
 * (`MmpwUpsampleNearest`): each input row's pixels are copied sw times into its first output row, which is then
 * copied sh − 1 times. HRNet's fuse layers upsample every lower-resolution branch into every higher one; as the
 * graph's two broadcasts that ran through tfjs's Tile kernel, about 1.6 s of HRNet-W18's 2.9 s at batch 16.
 * `backends/fused_ops.ts` calls it where the active backend has it, the broadcasts elsewhere.
 */
import { registerKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { backendMemory, memoryOffset, type WasmBackendLike } from './fast_conv';

export const UPSAMPLE_NEAREST = 'MmpwUpsampleNearest';

const upsampleNearest: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  const { scaleH: sh, scaleW: sw } = attrs as unknown as { scaleH: number; scaleW: number };
  const wasm = backend as unknown as WasmBackendLike;
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const out = wasm.makeOutput([N, H * sh, W * sw, C], x.dtype as 'float32');
  if (N * H * W * C === 0) return out;
  // The view and offsets after the allocation (it may grow the memory).
  const heap = new Int32Array(backendMemory(wasm)!.buffer);
  const src = memoryOffset(wasm, x) / 4;
  const dst = memoryOffset(wasm, out) / 4;
  const outRow = W * sw * C;
  for (let r = 0; r < N * H; r++) {
    const from = src + r * W * C;
    const to = dst + r * sh * outRow;
    for (let w = 0; w < W; w++) {
      const pixel = from + w * C;
      for (let k = 0; k < sw; k++) heap.copyWithin(to + (w * sw + k) * C, pixel, pixel + C);
    }
    for (let k = 1; k < sh; k++) heap.copyWithin(to + k * outRow, to, to + outRow);
  }
  return out;
};

const registered = new Set<string>();

/** Registers the kernel for `backendName` (a WASM backend whose memory can be reached), once. */
export function registerUpsampleKernel(backendName: string): void {
  if (registered.has(backendName)) return;
  registerKernel({ kernelName: UPSAMPLE_NEAREST, backendName, kernelFunc: upsampleNearest });
  registered.add(backendName);
}
