/**
 * Writing a float32 tensor's values where they already are, on the WASM heap. A checkpoint
 * streamed into a model (`Module.loadStateDictStreaming`) reads each tensor from its file straight into the
 * variable that receives it, so loading allocates no second copy of the model, neither on the WASM heap nor in JS.
 * GPU backends have no such view, and the CPU backend's arrays may be a checkpoint's own (`tf.tensor` keeps the
 * array it is given, which a write would change): they take the usual `assign`.
 */
import { tf, type Tensor } from './tf';
import { fastConvs } from './wasm_conv/fast_conv';

interface WasmLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  refCount(dataId: object): number;
}
type EngineState = { state: { tensorInfo: { get(dataId: object): { backend: object } | undefined } } };

/** The backend that holds `t`'s data. */
function holderOf(t: Tensor): object | undefined {
  return (tf.engine() as unknown as EngineState).state.tensorInfo.get(t.dataId)?.backend;
}

/**
 * A writable view of `t`'s values on the WASM heap, or null: not float32, on another backend, or sharing its
 * storage with another tensor (a write would change that one too). Valid until the WASM heap next grows.
 */
export function writableValues(t: Tensor): Float32Array | null {
  if (t.dtype !== 'float32' || t.isDisposed) return null;
  const backend = holderOf(t);
  if (!backend) return null;
  const wasm = backend as Partial<WasmLike>;
  if (wasm.wasm?.HEAPU8 && wasm.dataIdMap) {
    const d = wasm.dataIdMap.get(t.dataId);
    if (!d || wasm.refCount!(t.dataId) !== 1) return null;
    return new Float32Array(wasm.wasm.HEAPU8.buffer, d.memoryOffset, t.size);
  }
  return null;
}

/** After writes through {@link writableValues}: kernels' packings of the old values (WASM's fast convolutions) go. */
export function valuesWritten(t: Tensor): void {
  const backend = holderOf(t);
  if (backend) fastConvs.get(backend)?.forgetPacked();
}

/** tfjs 4's GPU backends: `uploadToGPU` moves a tensor's values to the device and drops their CPU copy. */
interface GpuLike {
  uploadToGPU(dataId: object): void;
  /** WebGPU: the commands recorded so far (an upload through a staging buffer) go to the device; its staging buffers are freed. */
  submitQueue?(): void;
  commandEncoder?: unknown;
}

/**
 * On a GPU backend, uploads `t`'s values now rather than at its first use, so that their CPU copy goes at once and
 * the device buffer the variable's old value freed (same size: tfjs pools it) takes them. A model loaded tensor by
 * tensor thus never holds its weights twice (CPU values waiting for the first forward beside the pooled buffers of
 * the initial ones). Elsewhere (WASM, CPU) nothing to do.
 */
export function uploadNow(t: Tensor): void {
  const backend = holderOf(t) as Partial<GpuLike> | undefined;
  if (typeof backend?.uploadToGPU !== 'function') return;
  backend.uploadToGPU(t.dataId);
  if (backend.commandEncoder && typeof backend.submitQueue === 'function') backend.submitQueue();
}
