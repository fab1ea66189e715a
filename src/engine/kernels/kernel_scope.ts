import { getKernel, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Runs other kernels of the same backend from inside a kernel, as tfjs's own composite kernels do, and frees
 * every intermediate result when the composite kernel is done (only what `keep` names survives).
 */
export class KernelScope {
  private readonly intermediates: TensorInfo[] = [];

  constructor(
    private readonly backend: KernelBackend,
    private readonly backendName: string,
  ) {}

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(kernelName, this.backendName);
    if (!kernel) throw new Error(`Kernel '${kernelName}' is not registered for backend '${this.backendName}'`);
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend }) as TensorInfo;
    this.intermediates.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** A constant float32 tensor, freed with the other intermediates. */
  constant(values: Float32Array, shape: number[]): TensorInfo {
    const t: TensorInfo = { dataId: this.backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
    this.intermediates.push(t);
    return t;
  }

  /** Frees the intermediates, except `keep`, which becomes the kernel's output. */
  finish(keep: TensorInfo): TensorInfo {
    for (const t of this.intermediates) if (t !== keep) this.backend.disposeData(t.dataId);
    return keep;
  }
}

/** Zero-pads the spatial dimensions of an NHWC tensor (no kernel run when there is nothing to pad). */
export function padSpatial(scope: KernelScope, x: TensorInfo, top: number, bottom: number, left: number, right: number): TensorInfo {
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return x;
  return scope.run('PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 });
}

/**
 * The spatial taps `taps` (indices `i·kw + j`, in output order) of a filter [kh, kw, a, b], as [th, tw, a, b]
 * (`th·tw = taps.length`). Reordering taps is what flipping or sub-sampling a filter needs; the WASM backend's
 * Reverse and StridedSlice take 60–190 ns an element, so this is one matrix product with a 0/1 selection matrix
 * (XNNPACK, ~1 ns an element; exact for finite weights).
 */
export function selectTaps(scope: KernelScope, filter: TensorInfo, taps: number[], th: number, tw: number): TensorInfo {
  const [kh, kw, a, b] = filter.shape;
  const k = kh * kw;
  const select = new Float32Array(taps.length * k);
  taps.forEach((tap, row) => (select[row * k + tap] = 1));
  const rows = scope.reshape(filter, [1, k, a * b]);
  const picked = scope.run('BatchMatMul', { a: scope.constant(select, [1, taps.length, k]), b: rows }, { transposeA: false, transposeB: false });
  return scope.reshape(picked, [th, tw, a, b]);
}
