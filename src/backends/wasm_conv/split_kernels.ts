/**
 * Unpack (`tf.unstack`) and SplitV (`tf.split`) on the tfjs WASM backend as runs of copies. tfjs 4.22 does both
 * through one Slice per output, whose generic loop (rank ≥ 5, or short inner runs) costs ~15–60 ns an element: the
 * `[3, B, heads, N, d]` qkv of every attention and LeViT / TinyViT's split of q, k, v along the head's channels took
 * longer than the products around them. Here output i is `outer` contiguous runs of `sizes[i] · inner` elements
 * (`copyWithin` on the backend's memory), for 4-byte dtypes; others keep the original kernels.
 */
import { backend_util, SplitV, Unpack, util, type KernelFunc, type SplitVAttrs, type TensorInfo, type UnpackAttrs } from '@tensorflow/tfjs-core';
import { backendMemory, memoryOffset, type WasmBackendLike } from './fast_conv';
import { replaceKernel } from './replace_kernel';

/** `x` cut along `axis` into pieces of `sizes`, each shaped by `shapeOf(size)`. */
function split(backend: WasmBackendLike, x: TensorInfo, axis: number, sizes: number[], shapeOf: (size: number) => number[]): TensorInfo[] {
  const outer = util.sizeFromShape(x.shape.slice(0, axis));
  const inner = util.sizeFromShape(x.shape.slice(axis + 1));
  const along = x.shape[axis];
  const outs = sizes.map((s) => backend.makeOutput(shapeOf(s), x.dtype as 'float32'));
  if (outer * inner === 0) return outs;
  // The view and offsets after every allocation (one may grow the memory).
  const heap = new Int32Array(backendMemory(backend)!.buffer);
  const offset = (t: TensorInfo) => memoryOffset(backend, t) / 4;
  const src = offset(x);
  let start = 0;
  outs.forEach((out, i) => {
    const run = sizes[i] * inner;
    const dst = offset(out);
    for (let o = 0; o < outer; o++) {
      const from = src + (o * along + start) * inner;
      heap.copyWithin(dst + o * run, from, from + run);
    }
    start += sizes[i];
  });
  return outs;
}

const fourBytes = (t: TensorInfo) => t.dtype === 'float32' || t.dtype === 'int32';

function fastUnpack(original: KernelFunc): KernelFunc {
  return (args) => {
    const { value } = args.inputs as { value: TensorInfo };
    if (!fourBytes(value)) return original(args);
    const axis = util.parseAxisParam((args.attrs as unknown as UnpackAttrs).axis, value.shape)[0];
    const outShape = value.shape.filter((_, i) => i !== axis);
    return split(args.backend as unknown as WasmBackendLike, value, axis, new Array<number>(value.shape[axis]).fill(1), () => outShape);
  };
}

function fastSplitV(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (!fourBytes(x)) return original(args);
    const { numOrSizeSplits, axis: a } = args.attrs as unknown as SplitVAttrs;
    const axis = util.parseAxisParam(a, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x as never, numOrSizeSplits, axis);
    return split(args.backend as unknown as WasmBackendLike, x, axis, sizes, (s) => x.shape.map((d, i) => (i === axis ? s : d)));
  };
}

/** Replaces `backendName`'s Unpack and SplitV kernels by the copying ones (once). */
export function replaceSplitKernels(backendName: string): void {
  replaceKernel(Unpack, backendName, fastUnpack);
  replaceKernel(SplitV, backendName, fastSplitV);
}
