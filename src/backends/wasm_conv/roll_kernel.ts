/**
 * `torch.roll(x, (sh, sw), (1, 2))` of an NHWC map as one kernel on the tfjs WASM backend (`MmpwRoll2d`): element
 * [b, h, w, :] goes to [b, (h + sh) mod H, (w + sw) mod W, :], as two contiguous copies per image row. Swin's shifted
 * windows roll every other block's map and roll it back; as four Slices and two Concats that is two passes over the
 * map each way, here one. `backends/fused_ops.ts` calls it where the active backend has it, the slices elsewhere.
 */
import { registerKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { backendMemory, memoryOffset, type WasmBackendLike } from './fast_conv';

export const ROLL_2D = 'MmpwRoll2d';

const roll2d: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  const { shiftH, shiftW } = attrs as unknown as { shiftH: number; shiftW: number };
  const wasm = backend as unknown as WasmBackendLike;
  const [B, H, W, C] = x.shape as [number, number, number, number];
  const out = wasm.makeOutput(x.shape, x.dtype as 'float32');
  if (B * H * W * C === 0) return out;
  // The view and offsets after the allocation (it may grow the memory).
  const heap = new Int32Array(backendMemory(wasm)!.buffer);
  const src = memoryOffset(wasm, x) / 4;
  const dst = memoryOffset(wasm, out) / 4;
  const sh = ((shiftH % H) + H) % H;
  const sw = ((shiftW % W) + W) % W;
  const row = W * C;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const from = src + (b * H + h) * row;
      const to = dst + (b * H + ((h + sh) % H)) * row;
      // w in [0, W − sw) → [sw, W); w in [W − sw, W) → [0, sw)
      heap.copyWithin(to + sw * C, from, from + (W - sw) * C);
      if (sw) heap.copyWithin(to, from + (W - sw) * C, from + row);
    }
  }
  return out;
};

const registered = new Set<string>();

/** Registers the kernel for `backendName` (a WASM backend whose memory can be reached), once. */
export function registerRollKernel(backendName: string): void {
  if (registered.has(backendName)) return;
  registerKernel({ kernelName: ROLL_2D, backendName, kernelFunc: roll2d });
  registered.add(backendName);
}
