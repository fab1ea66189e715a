/**
 * Transpose on the tfjs WASM backend without its slow case. tfjs 4.22's WASM kernel is fast up to rank 4 (after
 * dropping size-1 axes) but takes a generic per-element loop past that, ~60 ns an element here against ~2: the
 * 5-D `qkv.reshape(B, N, 3, heads, d).permute(2, 0, 3, 1, 4)` of every ViT attention at batch > 1 and the 6-D
 * window partitions of Swin / TinyViT spent more time transposing than multiplying.
 *
 * This kernel first merges runs of axes that stay adjacent and in order (and drops size-1 axes), which brings most
 * permutations to rank ≤ 4 for the original kernel; what is left of rank ≥ 5 is copied here, a contiguous run of
 * the innermost axis at a time (`copyWithin` on the backend's memory).
 */
import { Transpose, type KernelFunc, type TensorInfo, type TransposeAttrs } from '@tensorflow/tfjs-core';
import { backendMemory, memoryOffset, type WasmBackendLike } from './fast_conv';
import { replaceKernel } from './replace_kernel';

/** The shape and permutation with size-1 axes dropped and axes that stay neighbours merged. */
export function simplifyTranspose(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const kept = perm.filter((a) => shape[a] !== 1);
  if (kept.length === 0) return { shape: [], perm: [] };
  // Runs in output order whose input axes are consecutive (ignoring size-1 axes) become one axis.
  const keptAxes = shape.map((_, i) => i).filter((a) => shape[a] !== 1);
  const rank = new Map(keptAxes.map((a, i) => [a, i]));
  const groups: number[][] = [];
  for (const a of kept) {
    const last = groups[groups.length - 1];
    if (last && rank.get(a) === rank.get(last[last.length - 1])! + 1) last.push(a);
    else groups.push([a]);
  }
  // Number the groups by their position in the input.
  const byInput = [...groups].sort((g, h) => g[0] - h[0]);
  const index = new Map(byInput.map((g, i) => [g, i]));
  return { shape: byInput.map((g) => g.reduce((s, a) => s * shape[a], 1)), perm: groups.map((g) => index.get(g)!) };
}

/** Copies `x` (4-byte elements, at `src`) transposed by `perm` into `dst`, a run of the innermost axis at a time. */
function copyTransposed(heap: Int32Array, src: number, dst: number, shape: number[], perm: number[]): void {
  const r = shape.length;
  const strides = new Array<number>(r);
  strides[r - 1] = 1;
  for (let i = r - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  const outShape = perm.map((a) => shape[a]);
  const inStride = perm.map((a) => strides[a]);
  // The last output axis is contiguous in the input only when it is the input's last axis too.
  const run = perm[r - 1] === r - 1 ? outShape[r - 1] : 1;
  const outer = run === 1 ? r : r - 1;
  const counter = new Array<number>(outer).fill(0);
  const total = outShape.reduce((a, b) => a * b, 1);
  let from = src;
  for (let to = dst; to < dst + total; to += run) {
    if (run === 1) heap[to] = heap[from];
    else heap.copyWithin(to, from, from + run);
    // Odometer over the outer output axes, moving `from` by their input strides.
    for (let i = outer - 1; i >= 0; i--) {
      from += inStride[i];
      if (++counter[i] < outShape[i]) break;
      from -= inStride[i] * outShape[i];
      counter[i] = 0;
    }
  }
}

function fastTranspose(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { perm } = args.attrs as unknown as TransposeAttrs;
    const outShape = perm.map((a) => x.shape[a]);
    const simple = simplifyTranspose(x.shape, perm);
    if (simple.perm.every((a, i) => a === i) || simple.shape.length <= 4 || (x.dtype !== 'float32' && x.dtype !== 'int32')) {
      if (simple.shape.length > 4) return original(args);
      const out = original({ ...args, inputs: { x: { ...x, shape: simple.shape.length ? simple.shape : [1] } }, attrs: { perm: simple.shape.length ? simple.perm : [0] } as never }) as TensorInfo;
      return { ...out, shape: outShape };
    }
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(outShape, x.dtype as 'float32');
    const heap = new Int32Array(backendMemory(backend)!.buffer);
    const offset = (t: TensorInfo) => memoryOffset(backend, t) / 4;
    copyTransposed(heap, offset(x), offset(out), simple.shape, simple.perm);
    return out;
  };
}

/** Replaces `backendName`'s Transpose kernel by {@link fastTranspose} (once). */
export function replaceTransposeKernel(backendName: string): void {
  replaceKernel(Transpose, backendName, fastTranspose);
}
