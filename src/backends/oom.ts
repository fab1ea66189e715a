/**
 * Out of memory, said in the model's terms. tfjs reports an exhausted backend in each backend's own words (WASM:
 * a heap `malloc` that failed shows up as "memory access out of bounds" or an out-of-bounds typed-array offset;
 * Emscripten's `Aborted(OOM)`; a `WebAssembly.Memory` that cannot grow past its 4 GB; V8's "Array buffer allocation
 * failed" on the CPU backend; WebGL's `OUT_OF_MEMORY` and textures larger than the GPU allows; WebGPU's
 * `GPUOutOfMemoryError` and buffers over the adapter's limits). {@link isOutOfMemory} recognises them, and
 * {@link describeOutOfMemory} turns one into a sentence with the model's size and what to try, from
 * {@link estimateModelMemory}: parameters and buffers (exact, from the state dict's shapes), gradients and optimizer
 * state for training, and the activations of a batch from the complexity analysis (`get_flops.py`'s count).
 *
 * No tfjs here: the engine worker, the train session and Node all call it.
 *
 * @example
 * try { await runner.train(); } catch (e) {
 *   if (isOutOfMemory(e)) throw new Error(describeOutOfMemory(e, estimateModelMemory(model, { name: 'ViT-L', batchSize: 32, backend: 'wasm', optimizer: { type: 'AdamW' } })));
 * }
 */
import { backendLabel } from './backend_loss';

/** WASM's heap limit (tfjs-backend-wasm 4.x grows its memory up to 4 GiB − 64 KiB). */
export const WASM_HEAP_MAX_BYTES = 4294901760;

/**
 * The messages (and error names) of failed allocations, one per backend and engine, as thrown (see oom.test.ts for
 * the real shapes measured here).
 */
const OOM_MESSAGES: RegExp[] = [
  /out[ _]of[ _]memory/i, // Chromium / Dawn ("Out of memory"), WebGL's OUT_OF_MEMORY ("WebGL Error: OUT_OF_MEMORY"), V8 in a worker
  /\bOOM\b/, // Emscripten: "Aborted(OOM)"
  /array buffer allocation failed/i, // V8: new ArrayBuffer / Float32Array that cannot be allocated (CPU backend, readbacks)
  /invalid (typed )?array (buffer )?length/i, // a typed array over the engine's limit ("Invalid typed array length: 8589934592")
  /cannot enlarge memory/i, // Emscripten without growth
  /memory\.grow|maximum memory size exceeded|could not allocate memory|cannot allocate wasm memory/i, // WebAssembly.Memory growth
  /failed to allocate/i, // Dawn: "Failed to allocate memory for buffer"; ANGLE: "Failed to allocate texture"
  /greater than webgl maximum/i, // tfjs-webgl: "Requested texture size [a x b] greater than WebGL maximum on this browser / GPU"
  /exceeds the max(imum)? buffer size|maxBufferSize|maxStorageBufferBindingSize/i, // WebGPU buffers over the adapter's limits
];

/** tfjs-backend-wasm's own shapes of a heap that is full: `malloc` returned 0 and the write went out of bounds. */
const WASM_HEAP_FULL: RegExp[] = [/memory access out of bounds/i, /offset is out of bounds/i, /start offset .* is outside the bounds of the buffer/i];

/** What {@link isOutOfMemory} reads of an error. */
type ErrorLike = { name?: unknown; message?: unknown; cause?: unknown } | null | undefined;

/**
 * Whether `err` is a failed allocation. `backend` (the one that threw) lets WASM's out-of-bounds shapes count: on
 * tfjs's WASM backend they mean a heap allocation failed (elsewhere they are bugs, not memory). Looks through
 * `cause` chains.
 */
export function isOutOfMemory(err: unknown, backend: string | null = null): boolean {
  for (let e = err as ErrorLike, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause as ErrorLike, depth++) {
    const name = typeof e === 'object' ? String(e.name ?? '') : '';
    const message = typeof e === 'object' ? String(e.message ?? '') : String(e);
    if (name === 'GPUOutOfMemoryError' || name === 'OutOfMemoryError') return true;
    if (OOM_MESSAGES.some((r) => r.test(message))) return true;
    const wasmish = backend === 'wasm' || name === 'RuntimeError' || /wasm|webassembly/i.test(message);
    if (wasmish && WASM_HEAP_FULL.some((r) => r.test(message))) return true;
    if (typeof e !== 'object') break;
  }
  return false;
}

/** The optimizer, as far as its state's size goes. */
export interface OptimizerLike {
  type: string;
  momentum?: number;
  amsgrad?: boolean;
  centered?: boolean;
}

/** Tensors of optimizer state kept per parameter (SGD with momentum 1, Adam / AdamW / LAMB 2, …). */
export function optimizerSlots(opt: OptimizerLike | null | undefined): number {
  if (!opt) return 0;
  const t = opt.type.replace(/^torch\.optim\./, '');
  const momentum = typeof opt.momentum === 'number' && opt.momentum > 0 ? 1 : 0;
  switch (t) {
    case 'SGD':
    case 'LARS':
      return momentum;
    case 'Adam':
    case 'AdamW':
      return 2 + (opt.amsgrad ? 1 : 0);
    case 'Adamax':
    case 'NAdam':
    case 'RAdam':
    case 'LAMB':
    case 'Lamb':
    case 'Adadelta':
      return 2;
    case 'RMSprop':
      return 1 + momentum + (opt.centered ? 1 : 0);
    case 'Adagrad':
      return 1;
    default:
      return 2; // unknown: assume Adam-like (the larger common case)
  }
}

/** The slice of a model the estimate reads (the engine's `Module`: `stateDictShapes()`, `namedParameters()`). */
export interface ModelShapesLike {
  stateDictShapes(): Map<string, number[]>;
  namedParameters?(): [string, { trainable?: boolean }][];
}

export interface MemoryEstimateOptions {
  /** What the user calls the model ("ViT-L", the config's name). */
  name: string;
  /** Images per batch (train_dataloader.batch_size); null: activations not counted. */
  batchSize?: number | null;
  /**
   * Activations of one sample: the elements conv / linear / attention-matmul outputs hold, as `get_flops.py` counts
   * them (`getModelComplexityInfo(...).activations` at batch 1). Null when unknown.
   */
  activationsPerSample?: number | null;
  /** Training: gradients, optimizer state and the activations kept for backward are counted. Default true. */
  training?: boolean;
  optimizer?: OptimizerLike | null;
  /** The backend it ran on (named in the message; WASM's 4 GB heap is compared). */
  backend?: string | null;
  /** Bytes per element (float32: 4). */
  bytesPerElement?: number;
  /** The model was not fully built (the allocation failed while building): its counts are a lower bound. */
  partial?: boolean;
}

/** What a model needs, in bytes. */
export interface MemoryEstimate {
  name: string;
  params: number;
  trainableParams: number;
  buffers: number;
  paramBytes: number;
  bufferBytes: number;
  /** Training: one gradient per trainable parameter; 0 for inference. */
  gradientBytes: number;
  /** Training: `optimizerSlots × trainable parameter bytes`. */
  optimizerBytes: number;
  /** Activations of a batch (forward outputs kept for backward and their gradients when training), or null. */
  activationBytes: number | null;
  batchSize: number | null;
  backend: string | null;
  training: boolean;
  partial: boolean;
  /** Everything above. */
  totalBytes: number;
}

/**
 * Forward outputs per counted activation element that training holds at once: the output itself (kept for
 * backward), its gradient, and the uncounted element-wise outputs beside it (norms, ReLU / GELU). Inference holds
 * about one layer's worth at a time, counted here as the whole forward's (an upper bound).
 */
const TRAIN_ACTIVATION_FACTOR = 3;

/**
 * A model's memory: parameters and buffers from the state dict's shapes (exact), gradients and optimizer state when
 * training, and the activations of a batch when their per-sample count is given.
 */
export function estimateModelMemory(model: ModelShapesLike | { shapes: Map<string, number[]>; trainable?: Iterable<string>; params?: Iterable<string> }, opts: MemoryEstimateOptions): MemoryEstimate {
  const bpe = opts.bytesPerElement ?? 4;
  const training = opts.training ?? true;
  let shapes: Map<string, number[]>;
  let paramNames: Set<string> | null = null;
  let trainable: Set<string> | null = null;
  if ('stateDictShapes' in model) {
    shapes = model.stateDictShapes();
    const named = model.namedParameters?.() ?? null;
    if (named) {
      paramNames = new Set(named.map(([n]) => n));
      trainable = new Set(named.filter(([, p]) => p.trainable !== false).map(([n]) => n));
    }
  } else {
    shapes = model.shapes;
    paramNames = model.params ? new Set(model.params) : null;
    trainable = model.trainable ? new Set(model.trainable) : null;
  }
  const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
  let params = 0;
  let trainableParams = 0;
  let buffers = 0;
  for (const [k, s] of shapes) {
    const n = numel(s);
    // Without parameter names, every float entry but BatchNorm's counters and running statistics is a parameter.
    const isParam = paramNames ? paramNames.has(k) : !/(running_mean|running_var|num_batches_tracked)$/.test(k);
    if (isParam) {
      params += n;
      if (!trainable || trainable.has(k)) trainableParams += n;
    } else buffers += n;
  }
  const paramBytes = params * bpe;
  const bufferBytes = buffers * bpe;
  const gradientBytes = training ? trainableParams * bpe : 0;
  const optimizerBytes = training ? optimizerSlots(opts.optimizer) * trainableParams * bpe : 0;
  const batchSize = opts.batchSize ?? null;
  const acts = opts.activationsPerSample ?? null;
  const activationBytes = acts !== null && batchSize !== null ? acts * batchSize * bpe * (training ? TRAIN_ACTIVATION_FACTOR : 1) : null;
  return {
    name: opts.name,
    params,
    trainableParams,
    buffers,
    paramBytes,
    bufferBytes,
    gradientBytes,
    optimizerBytes,
    activationBytes,
    batchSize,
    backend: opts.backend ?? null,
    training,
    partial: opts.partial ?? false,
    totalBytes: paramBytes + bufferBytes + gradientBytes + optimizerBytes + (activationBytes ?? 0),
  };
}

/** 304_326_632 → "304 M"; 86_567_656 → "86.6 M"; 61_706 → "61.7 k". */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toPrecision(3)} B`;
  if (n >= 1e6) return `${Number((n / 1e6).toPrecision(3))} M`;
  if (n >= 1e3) return `${Number((n / 1e3).toPrecision(3))} k`;
  return String(n);
}

/** Decimal units as the message gives them: 1_217_306_528 → "1.22 GB". */
export function formatDecimalBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

/** The element count of a typed array that could not be made ("Invalid typed array length: 5040000000"), or null. */
function failedElements(err: unknown): number | null {
  const m = /invalid typed array length: (\d+)/i.exec(messageOf(err));
  return m ? Number(m[1]) : null;
}

/** The message of an error (or its text). */
function messageOf(err: unknown): string {
  const e = err as { name?: string; message?: string } | null;
  if (e && typeof e === 'object' && typeof e.message === 'string') return e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
  return String(err);
}

/**
 * One sentence for an allocation that failed: what was being built or trained, its size and the estimate for the
 * batch on the backend, what to try, and tfjs's own words at the end.
 *
 * "Out of memory training ViT-L (304 M parameters ≈ 1.22 GB of weights, ≈ 14.7 GB with gradients, optimizer state
 * and activations at batch 32 on WASM, more than WASM's 4 GB heap); try a smaller batch, CPU, or a smaller model.
 * (tfjs: memory access out of bounds)"
 */
export function describeOutOfMemory(err: unknown, estimate: MemoryEstimate | null, doing: 'building' | 'training' | 'running' = estimate?.training === false ? 'running' : 'training'): string {
  const tail = `(tfjs: ${messageOf(err)})`;
  const backend = estimate?.backend ?? null;
  const others = ['wasm', 'cpu'].filter((b) => b !== backend).map(backendLabel);
  const training = doing === 'training' || (doing === 'building' && estimate?.training !== false);
  const tryThis = `try a smaller batch${training ? ' (train_dataloader.batch_size)' : ' or image size'}, ${others.join('/')}, or a smaller model`;
  if (!estimate) return `Out of memory ${doing} the model${backend ? ` on ${backendLabel(backend)}` : ''}; ${tryThis}. ${tail}`;
  const atLeast = estimate.partial ? 'at least ' : '';
  const parts = [`${atLeast}${formatCount(estimate.params)} parameters ≈ ${formatDecimalBytes(estimate.paramBytes + estimate.bufferBytes)} of weights`];
  if (!estimate.partial) {
    const extras = estimate.training ? ['gradients', 'optimizer state'] : [];
    if (estimate.activationBytes !== null) extras.push('activations');
    if (extras.length) {
      const last = extras.pop()!;
      const list = extras.length ? `${extras.join(', ')} and ${last}` : last;
      const at = estimate.batchSize !== null && estimate.activationBytes !== null ? ` at batch ${estimate.batchSize}` : '';
      parts.push(`≈ ${formatDecimalBytes(estimate.totalBytes)} with ${list}${at}${backend ? ` on ${backendLabel(backend)}` : ''}`);
    } else if (backend) parts[0] += ` on ${backendLabel(backend)}`;
  } else if (backend) parts[0] += ` allocated on ${backendLabel(backend)} when it failed`;
  if (backend === 'wasm' && estimate.totalBytes > WASM_HEAP_MAX_BYTES) parts.push("more than WASM's 4 GB heap");
  const failed = failedElements(err);
  if (failed !== null) parts.push(`the allocation that failed: ${formatCount(failed)} elements`);
  return `Out of memory ${doing} ${estimate.name} (${parts.join(', ')}); ${tryThis}. ${tail}`;
}
