/**
 * Unpack (`tf.unstack`) on the tfjs WASM backend as runs of copies. tfjs 4.22 unstacks through one Slice per output,
 * which for rank ≥ 5 takes its generic per-element loop: splitting the `[3, B, heads, N, d]` qkv of every attention
 * took longer than the transposes around it. Here each output is `outer` contiguous runs of `inner` elements
 * (`copyWithin` on the backend's memory), for 4-byte dtypes; others keep the original.
 */
import { getKernel, registerKernel, Unpack, unregisterKernel, type KernelFunc, type TensorInfo, type UnpackAttrs } from '@tensorflow/tfjs-core';
import { backendMemory, type WasmBackendLike } from './fast_conv';

function fastUnpack(original: KernelFunc): KernelFunc {
  return (args) => {
    const { value } = args.inputs as { value: TensorInfo };
    if (value.dtype !== 'float32' && value.dtype !== 'int32') return original(args);
    const rank = value.shape.length;
    const axis = ((args.attrs as unknown as UnpackAttrs).axis + rank) % rank;
    const count = value.shape[axis];
    const outShape = value.shape.filter((_, i) => i !== axis);
    const outer = value.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = value.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const backend = args.backend as unknown as WasmBackendLike;
    const outs = Array.from({ length: count }, () => backend.makeOutput(outShape, value.dtype as 'float32'));
    if (outer * inner === 0) return outs;
    // The views and offsets after every allocation (one may grow the memory).
    const heap = new Int32Array(backendMemory(backend)!.buffer);
    const offset = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset / 4;
    const src = offset(value);
    outs.forEach((out, i) => {
      const dst = offset(out);
      for (let o = 0; o < outer; o++) {
        const from = src + (o * count + i) * inner;
        heap.copyWithin(dst + o * inner, from, from + inner);
      }
    });
    return outs;
  };
}

const replaced = new Set<string>();

/** Replaces `backendName`'s Unpack kernel by {@link fastUnpack} (once). */
export function replaceUnpackKernel(backendName: string): void {
  const own = getKernel(Unpack, backendName);
  if (replaced.has(backendName) || !own) return;
  unregisterKernel(Unpack, backendName);
  registerKernel({ kernelName: Unpack, backendName, kernelFunc: fastUnpack(own.kernelFunc), setupFunc: own.setupFunc, disposeFunc: own.disposeFunc });
  replaced.add(backendName);
}
