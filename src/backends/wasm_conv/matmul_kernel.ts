/**
 * BatchMatMul on the tfjs WASM backend, routed to its fast path. tfjs 4.22's WASM kernel multiplies through XNNPACK
 * (SIMD, threads, ~20–40 GFLOP/s here) only for one un-transposed matrix pair; a transposed operand or a batch takes
 * its scalar loop (~2 GFLOP/s). A `Linear` layer is `x · Wᵀ` (PyTorch's weight layout) and its gradients multiply
 * by transposes too, so almost every transformer / MLP product took the slow loop.
 *
 * This kernel keeps the original's results and makes those cases fast path ones: a transposed operand is transposed
 * explicitly first (a memory pass, far cheaper than the product), and a batch of left matrices times one right matrix
 * (`[B, M, K] · [K, N]`) is one `[B·M, K] · [K, N]` product. Where the project's fast convolutions are installed, a
 * single product runs as their 1×1 convolution (the same SIMD GEMM, ~1.7× XNNPACK's speed on these machines), and so
 * does each product of a batch of distinct pairs (attention's `Q·Kᵀ` and `·V`: {@link FastConv.matMulBatch}); without
 * them, distinct pairs keep the original loop.
 */
import { BatchMatMul, getKernel, Reshape, Transpose, util, type BatchMatMulAttrs, type KernelBackend, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { FastConv } from './fast_conv';
import { replaceKernel } from './replace_kernel';

/** The backend's fast convolutions, when installed and on. */
export type FastConvOf = (backend: object) => FastConv | undefined;

type Backend = KernelBackend & { disposeData(dataId: object): void };

function kernel(name: string, backendName: string): KernelFunc {
  const k = getKernel(name, backendName);
  if (!k) throw new Error(`${backendName} has no ${name} kernel`);
  return k.kernelFunc;
}

/** Kernels run on intermediate tensors of one product, all disposed together at the end. */
class Intermediates {
  private readonly temps: TensorInfo[] = [];

  constructor(
    private readonly backend: Backend,
    private readonly backendName: string,
  ) {}

  /** `x` through the backend's kernel `name`, kept for disposal. */
  run(name: string, x: TensorInfo, attrs: Record<string, unknown>): TensorInfo {
    return this.keep(kernel(name, this.backendName)({ inputs: { x }, backend: this.backend, attrs: attrs as never }) as TensorInfo);
  }

  /** `x` with its last two axes swapped (an explicit transpose). */
  swapLast(x: TensorInfo): TensorInfo {
    const perm = x.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    return this.run(Transpose, x, { perm });
  }

  keep(t: TensorInfo): TensorInfo {
    this.temps.push(t);
    return t;
  }

  /** `product` reshaped to `shape` (the product itself when it has that shape already). */
  shaped(product: TensorInfo, shape: number[]): TensorInfo {
    if (util.arraysEqual(product.shape, shape)) return product;
    this.keep(product);
    return kernel(Reshape, this.backendName)({ inputs: { x: product }, backend: this.backend, attrs: { shape } as never }) as TensorInfo;
  }

  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
  }
}

/** The product of `a` and `b` without transposes, through `original`, for a backend named `backendName`. */
function fastMatMul(original: KernelFunc, backendName: string, fastConvOf: FastConvOf): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const backend = args.backend as Backend;
    const batchA = util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = util.sizeFromShape(b.shape.slice(0, -2));
    const fast = fastConvOf(backend);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original(args);
    if (batchB !== 1 || (batchA !== 1 && transposeA)) {
      // Distinct pairs per batch: each through the fast GEMM where it is installed and one batch broadcasts simply.
      return fast && simpleBatch(a.shape, b.shape) ? batchedMatMul(fast, args, backendName) : original(args);
    }
    if (!fast && !transposeA && !transposeB && batchA === 1) return original(args);

    const tmp = new Intermediates(backend, backendName);
    try {
      let a2 = transposeA ? tmp.swapLast(a) : a;
      // With the fast GEMM a transposed B (a Linear weight) is packed transposed, once per weight.
      const b2 = transposeB && !fast ? tmp.swapLast(b) : b;
      const [m, k] = a2.shape.slice(-2);
      const n = transposeB && fast ? b2.shape[b2.shape.length - 2] : b2.shape[b2.shape.length - 1];
      if (batchA !== 1) a2 = tmp.run(Reshape, a2, { shape: [batchA * m, k] });
      const b2d = b2.shape.length === 2 ? b2 : tmp.run(Reshape, b2, { shape: b2.shape.slice(-2) });
      const rows = batchA * m;
      const product = fast
        ? fast.matMul(a2.shape.length === 2 ? a2 : tmp.run(Reshape, a2, { shape: [m, k] }), b2d, rows, k, n, transposeB)
        : (original({ inputs: { a: a2, b: b2d }, backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } as never }) as TensorInfo);
      // The broadcast output shape: A's batch dims (B's are all 1), then M×N.
      const outBatch = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
      return tmp.shaped(product, [...outBatch, m, n]);
    } finally {
      tmp.dispose();
    }
  };
}

/**
 * Whether the batch dimensions pair up without tfjs's general broadcasting: equal, or all of one side 1 (then that
 * side's matrix serves every product).
 */
function simpleBatch(a: number[], b: number[]): boolean {
  const [ba, bb] = [a.slice(0, -2), b.slice(0, -2)];
  return util.sizeFromShape(ba) === 1 || util.sizeFromShape(bb) === 1 || (ba.length === bb.length && util.arraysEqual(ba, bb));
}

/** A batch of distinct products through {@link FastConv.matMulBatch}, transposes made explicit first. */
function batchedMatMul(fast: FastConv, args: Parameters<KernelFunc>[0], backendName: string): TensorInfo {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
  const backend = args.backend as Backend;
  const tmp = new Intermediates(backend, backendName);
  try {
    const a2 = transposeA ? tmp.swapLast(a) : a;
    const b2 = transposeB ? tmp.swapLast(b) : b;
    const [m, k] = a2.shape.slice(-2);
    const n = b2.shape[b2.shape.length - 1];
    const [batchA, batchB] = [util.sizeFromShape(a.shape.slice(0, -2)), util.sizeFromShape(b.shape.slice(0, -2))];
    const product = fast.matMulBatch(a2, b2, Math.max(batchA, batchB), m, k, n, batchA !== 1, batchB !== 1);
    const outBatch = batchA !== 1 ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
    const rank = Math.max(a.shape.length, b.shape.length);
    return tmp.shaped(product, [...Array(Math.max(0, rank - 2 - outBatch.length)).fill(1), ...outBatch, m, n]);
  } finally {
    tmp.dispose();
  }
}

/** Replaces `backendName`'s BatchMatMul kernel by {@link fastMatMul} (once). */
export function replaceMatMulKernel(backendName: string, fastConvOf: FastConvOf): void {
  replaceKernel(BatchMatMul, backendName, (original) => fastMatMul(original, backendName, fastConvOf));
}
