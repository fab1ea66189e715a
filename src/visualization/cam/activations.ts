/**
 * Activations and gradients of a target layer, through tfjs (pytorch-grad-cam's `ActivationsAndGradients`).
 *
 * Pass 1 runs the classifier with a forward hook that copies the layer's output and reads the logits (the
 * predicted categories). Pass 2 (gradient methods only) differentiates Σ_i logit[i, category_i] with respect to
 * that output: `tf.grad` over a function that runs the network with the layer's output replaced by its argument.
 * Everything lives inside `tf.tidy`; no tensor outlives a call.
 */
import { tf, type Tensor } from '../../backends/tf';
import { summedScores } from '../../models/heads/cls_head';
import type { AnyModule } from '../../models/nn/module';

/** A classifier as CAM needs it: NCHW batch in, class scores (N, num_classes) out. */
export interface CamModel {
  call(x: Tensor): unknown;
}

/** What one pass through the target layer gave. */
export interface LayerCapture {
  /** The layer output as the engine computes it (NHWC for maps, (N, L, C) for tokens). */
  activations: Float32Array;
  /** d Σ_i logit[i, cat_i] / d output, same shape; null when not asked for. */
  gradients: Float32Array | null;
  shape: number[];
  /** Scores (N × num_classes) of pass 1. */
  logits: Float32Array;
  numClasses: number;
  /** Target category per image (the argmax of the logits when none was given). */
  categories: number[];
}

/** Options of {@link captureLayer}. */
export interface CaptureOptions {
  /** Target category per image, or one for all images; null: each image's predicted class. Default: null. */
  categories?: number[] | number | null;
  /** Also compute the gradients. Default: true. */
  withGradients?: boolean;
}

/** The class scores of a model output: the tensor, or the sum of a tuple head's scores (ConformerHead), as its predictions. */
function logitsOf(out: unknown): Tensor {
  const parts = Array.isArray(out) ? out : [out];
  if (!parts.length || parts.some((t) => !(t instanceof tf.Tensor) || t.rank !== 2 || t.shape[1] !== (parts[0] as Tensor).shape[1])) {
    throw new Error('CAM: the model output is not a (N, num_classes) score tensor (a classifier with a head is needed)');
  }
  return summedScores(parts as Tensor[]);
}

/** Runs `fn` with `layer.forward` replaced by `replacement` (and a hook so no caller frees its output early). */
function withLayerOutput<T>(layer: AnyModule, replacement: (input: unknown) => Tensor, fn: () => T): T {
  const removeHook = layer.registerForwardHook(() => {});
  const own = layer as unknown as { forward: (x: unknown) => unknown };
  own.forward = replacement;
  try {
    return fn();
  } finally {
    delete (own as { forward?: unknown }).forward;
    removeHook();
  }
}

/** A tensor's values, read without a synchronous GPU read (tfjs WebGPU reads synchronously through a canvas). */
async function readFloats(t: Tensor): Promise<Float32Array> {
  return Float32Array.from((await t.data()) as Float32Array);
}

/**
 * Activations (and gradients) of `layer` for the NCHW batch `x`. Reads every result asynchronously, so it runs on
 * WebGPU as on the other backends.
 */
export async function captureLayer(model: CamModel, x: Tensor, layer: AnyModule, { categories = null, withGradients = true }: CaptureOptions = {}): Promise<LayerCapture> {
  let captured: Tensor | null = null;
  let calls = 0;
  const removeHook = layer.registerForwardHook((_m, _in, out) => {
    calls++;
    if (!(out instanceof tf.Tensor)) throw new Error(`CAM: the target layer's output is not a tensor (a tuple?): choose a layer inside it`);
    captured?.dispose();
    captured = tf.keep(tf.clone(out));
  });
  let logitsT: Tensor;
  try {
    logitsT = tf.tidy(() => logitsOf(model.call(x)));
  } catch (e) {
    (captured as Tensor | null)?.dispose();
    throw e;
  } finally {
    removeHook();
  }
  const out = captured as Tensor | null;
  try {
    if (!out || calls !== 1) {
      throw new Error(calls === 0 ? 'CAM: the target layer did not run in the forward pass' : `CAM: the target layer ran ${calls} times in one forward pass (a shared module such as a block's relu): choose a layer that runs once`);
    }
    const numClasses = logitsT.shape[1]!;
    const logits = await readFloats(logitsT);
    const n = x.shape[0];
    const cats = resolveCategories(categories, logits, n, numClasses);
    let gradients: Float32Array | null = null;
    if (withGradients) {
      const g = tf.tidy(() => {
        const onehot = tf.cast(tf.oneHot(tf.tensor1d(cats, 'int32'), numClasses), 'float32');
        const target = (a: Tensor) => withLayerOutput(layer, () => a, () => tf.sum(tf.mul(logitsOf(model.call(x)), onehot)));
        return tf.grad(target)(tf.clone(out)); // a copy: the network may free the layer output it is handed
      });
      try {
        gradients = await readFloats(g);
      } finally {
        g.dispose();
      }
    }
    return { activations: await readFloats(out), gradients, shape: [...out.shape], logits, numClasses, categories: cats };
  } finally {
    logitsT.dispose();
    out?.dispose();
  }
}

/** Per-image categories: given ones (one number broadcast to the batch) or the argmax of the scores. */
function resolveCategories(categories: number[] | number | null, logits: Float32Array, n: number, numClasses: number): number[] {
  if (categories === null || (Array.isArray(categories) && categories.length === 0)) {
    return Array.from({ length: n }, (_, i) => {
      let best = 0;
      for (let k = 1; k < numClasses; k++) if (logits[i * numClasses + k] > logits[i * numClasses + best]) best = k;
      return best;
    });
  }
  const list = typeof categories === 'number' ? Array(n).fill(categories) : categories.length === 1 ? Array(n).fill(categories[0]) : categories;
  if (list.length !== n) throw new Error(`CAM: ${list.length} target categories for a batch of ${n}`);
  for (const c of list) if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new Error(`CAM: target category ${c} is outside [0, ${numClasses - 1}]`);
  return list;
}
