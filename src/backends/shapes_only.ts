/**
 * A tfjs backend that holds shapes and nothing else, for counting a model's parameters from its config without
 * allocating them: PyTorch's `torch.device('meta')` (a module built there has every parameter's shape and no
 * storage). {@link buildShapesOnly} builds under it and hands back what `estimateModelMemory` reads (the state
 * dict's shapes, which of them are parameters, which are trainable), so a ViT-H that cannot fit the WASM heap is
 * still counted exactly, in a millisecond.
 *
 * Only creating tensors works here: `tf.fill` / `tf.zeros` / `tf.ones` (what `registerParameter` and
 * `registerBuffer` call), `zerosLike` / `onesLike`, `tf.tensor(values)` (values dropped), reshape, cast and
 * identity. Anything that reads or computes values throws; a model whose constructor computes its tensors (a table
 * built with tf ops) then cannot be counted this way, and the caller falls back to other estimates. Every zoo family
 * and the largest shipped classifiers count here as PyTorch and their model cards do (`shapes_only.test.ts`).
 */
import { tf } from './tf';

export const SHAPES_ONLY_BACKEND = 'mmpw-shapes-only';

class ShapesOnlyBackend extends tf.KernelBackend {
  private readonly refs = new Map<object, number>();

  override refCount(dataId: object): number {
    return this.refs.get(dataId) ?? 0;
  }
  override incRef(dataId: object): void {
    this.refs.set(dataId, (this.refs.get(dataId) ?? 0) + 1);
  }
  override timerAvailable(): boolean {
    return false;
  }
  override numDataIds(): number {
    return this.refs.size;
  }
  override disposeData(dataId: object, force = false): boolean {
    const n = this.refs.get(dataId);
    if (n === undefined) return true;
    if (!force && n > 1) {
      this.refs.set(dataId, n - 1);
      return false;
    }
    this.refs.delete(dataId);
    return true;
  }
  override write(): object {
    const dataId = {};
    this.refs.set(dataId, 1);
    return dataId;
  }
  override move(dataId: object, _values: unknown, _shape: number[], _dtype: unknown, refCount: number): void {
    this.refs.set(dataId, refCount);
  }
  override memory(): { unreliable: boolean } {
    return { unreliable: true };
  }
  override floatPrecision(): 32 {
    return 32;
  }
  override readSync(): never {
    throw new Error('shapes-only backend: tensors here have no values');
  }
  override read(): Promise<never> {
    return Promise.reject(new Error('shapes-only backend: tensors here have no values'));
  }
  override dispose(): void {
    this.refs.clear();
  }
  /** A new tensor of `shape` (no values). */
  make(shape: number[], dtype: tf.DataType): tf.TensorInfo {
    return { dataId: this.write(), shape, dtype };
  }
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  tf.registerBackend(SHAPES_ONLY_BACKEND, () => new ShapesOnlyBackend(), -1);
  const backendName = SHAPES_ONLY_BACKEND;
  const kernel = (kernelName: string, out: (inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) => { shape: number[]; dtype: tf.DataType }) =>
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: ({ inputs, attrs, backend }) => {
        const o = out(inputs, attrs ?? {});
        return (backend as ShapesOnlyBackend).make(o.shape, o.dtype);
      },
    });
  kernel(tf.Fill, (_i, a) => ({ shape: [...(a.shape as number[])], dtype: (a.dtype as tf.DataType) ?? 'float32' }));
  kernel(tf.Reshape, (i, a) => {
    const x = i.x as tf.TensorInfo;
    const size = x.shape.reduce((p, d) => p * d, 1);
    const shape = [...(a.shape as number[])];
    const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
    return { shape: shape.map((d) => (d === -1 ? size / known : d)), dtype: x.dtype };
  });
  kernel(tf.Cast, (i, a) => ({ shape: [...(i.x as tf.TensorInfo).shape], dtype: a.dtype as tf.DataType }));
  const same = (i: tf.NamedTensorInfoMap) => ({ shape: [...(i.x as tf.TensorInfo).shape], dtype: (i.x as tf.TensorInfo).dtype });
  for (const k of [tf.Identity, tf.ZerosLike, tf.OnesLike]) kernel(k, same);
}

/** What a model built under the shapes-only backend had: its state dict's shapes, its parameters and the trainable ones. */
export interface ModelShapes {
  shapes: Map<string, number[]>;
  params: string[];
  trainable: string[];
}

/**
 * Runs `build` (a model's constructor) under the shapes-only backend and reads what `read` takes of the result
 * before disposing it (nothing was allocated); the backend that was running is running again afterwards. Throws
 * what `build` threw (a model that computes values while it is built).
 */
export async function buildShapesOnly<M extends { dispose(): void }, R>(build: () => M, read: (model: M) => R): Promise<R> {
  register();
  const previous = tf.getBackend();
  if (!(await tf.setBackend(SHAPES_ONLY_BACKEND))) throw new Error('the shapes-only backend did not start');
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  try {
    let model: M;
    try {
      model = build();
    } catch (e) {
      // the parameters of the part built before it failed
      for (const [name, v] of Object.entries(tf.engine().registeredVariables)) if (!before.has(name)) v.dispose();
      throw e;
    }
    try {
      return read(model);
    } finally {
      model.dispose();
    }
  } finally {
    if (previous) await tf.setBackend(previous);
  }
}
