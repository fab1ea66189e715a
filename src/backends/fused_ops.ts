/**
 * LayerNorm, exact GELU, SiLU, the 2-D roll and nearest upsampling as single kernels where the active backend has them (the
 * WASM backend with the project's kernels, `wasm_conv/norm_kernels.ts`, `roll_kernel.ts`, `upsample_kernel.ts`), else
 * as tfjs's op-by-op graph. Gradients always come from the
 * graph (`tf.customGrad` recomputes it in the backward pass), so training sees the same derivatives everywhere.
 */
import { getKernel } from '@tensorflow/tfjs-core';
import { tf, type Tensor } from './tf';
import { GELU, LAYER_NORM, SILU } from './wasm_conv/norm_kernels';
import { ROLL_2D } from './wasm_conv/roll_kernel';
import { UPSAMPLE_NEAREST } from './wasm_conv/upsample_kernel';

const hasKernel = (name: string) => getKernel(name, tf.getBackend()) !== undefined;

/** `nn.LayerNorm` over the last axis, as tfjs ops. */
export function layerNormGraph(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    if (weight) y = tf.mul(y, weight);
    if (bias) y = tf.add(y, bias);
    return y;
  });
}

/** x·Φ(x) = x/2·(1 + erf(x/√2)), as tfjs ops. */
export function geluGraph(x: Tensor): Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

const run = (name: string, inputs: Record<string, Tensor>, attrs: Record<string, unknown> = {}) =>
  tf.engine().runKernel(name, inputs as never, attrs as never) as Tensor;

/**
 * The gradients of {@link layerNormGraph} (tfjs cannot nest a gradient tape inside a custom gradient): with
 * x̂ = (x − μ)·r, r = 1/√(σ² + eps) and g = dy·weight, dx = r·(g − mean(g) − x̂·mean(g·x̂)) over the last axis;
 * dweight = Σ dy·x̂ and dbias = Σ dy over every other axis. Returns [dx, dweight?, dbias?].
 */
function layerNormGrads(dy: Tensor, x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor[] {
  return tf.tidy(() => {
    const d = x.shape[x.shape.length - 1];
    const { mean, variance } = tf.moments(x, -1, true);
    const r = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(tf.sub(x, mean), r);
    const g = weight ? tf.mul(dy, weight) : dy;
    const dx = tf.mul(r, tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xhat, tf.mean(tf.mul(g, xhat), -1, true))));
    const rowsOf = (t: Tensor) => tf.sum(tf.reshape(t, [-1, d]), 0);
    return [dx, ...(weight ? [rowsOf(tf.mul(dy, xhat))] : []), ...(bias ? [rowsOf(dy)] : [])];
  });
}

/** LayerNorm over the last axis: one kernel where there is one (float32), the graph elsewhere. */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  if (x.dtype !== 'float32' || !hasKernel(LAYER_NORM) || (bias && !weight)) return layerNormGraph(x, weight, bias, eps);
  /** [x, weight?, bias?] back into the three arguments. */
  const unpack = (t: Tensor[]): [Tensor, Tensor | null, Tensor | null] => [t[0], weight ? t[1] : null, bias ? t[2] : null];
  const f = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as (t: Tensor[]) => void;
    const ts = args as Tensor[];
    save(ts);
    const [xx, w, b] = unpack(ts);
    const inputs: Record<string, Tensor> = { x: xx };
    if (w) inputs.weight = w;
    if (b) inputs.bias = b;
    return {
      value: run(LAYER_NORM, inputs, { eps }),
      gradFunc: (dy: Tensor, saved: Tensor[]) => layerNormGrads(dy, ...unpack(saved), eps),
    };
  });
  return (f as (...t: Tensor[]) => Tensor)(...[x, weight, bias].filter((t): t is Tensor => t !== null));
}

/**
 * An element-wise activation: kernel `name` where the active backend has it (float32), `graph` elsewhere; its
 * gradient dy · `derivative(x)`.
 */
function activation(name: string, x: Tensor, graph: (x: Tensor) => Tensor, derivative: (x: Tensor) => Tensor): Tensor {
  if (x.dtype !== 'float32' || !hasKernel(name)) return graph(x);
  const f = tf.customGrad((...args: unknown[]) => {
    const [xx, save] = args as [Tensor, (t: Tensor[]) => void];
    save([xx]);
    return { value: run(name, { x: xx }), gradFunc: (dy: Tensor, [sx]: Tensor[]) => tf.tidy(() => tf.mul(dy, derivative(sx!))) };
  });
  return (f as (t: Tensor) => Tensor)(x);
}

/** Exact GELU: one kernel where there is one (float32), the graph elsewhere. */
export function gelu(x: Tensor): Tensor {
  return activation(GELU, x, geluGraph, (sx) => {
    // d/dx x·Φ(x) = Φ(x) + x·φ(x)
    const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(sx, Math.SQRT1_2))));
    const pdf = tf.mul(Math.sqrt(0.5 / Math.PI), tf.exp(tf.mul(tf.square(sx), -0.5)));
    return tf.add(cdf, tf.mul(sx, pdf));
  });
}

/** SiLU (Swish), x·σ(x): one kernel where there is one (float32), the graph elsewhere; d/dx = σ(x)·(1 + x·(1 − σ(x))). */
export function silu(x: Tensor): Tensor {
  return activation(SILU, x, (t) => tf.tidy(() => tf.mul(t, tf.sigmoid(t))), (sx) => {
    const s = tf.sigmoid(sx);
    return tf.mul(s, tf.add(1, tf.mul(sx, tf.sub(1, s))));
  });
}

/** `torch.roll(x, shift, axis)` for axis 1 or 2 of an NHWC map, as slices. */
function rollGraph(x: Tensor, shift: number, axis: 1 | 2): Tensor {
  const n = x.shape[axis]!;
  const s = ((shift % n) + n) % n;
  if (s === 0) return x;
  const head = [...x.shape];
  head[axis] = n - s;
  const start = [0, 0, 0, 0];
  start[axis] = n - s;
  const tail = [...x.shape];
  tail[axis] = s;
  return tf.concat([tf.slice(x, start, tail), tf.slice(x, [0, 0, 0, 0], head)], axis);
}

/**
 * `torch.roll(x, (shiftH, shiftW), (1, 2))` of an NHWC map [B, H, W, C]: one kernel where there is one (4-byte
 * dtypes), slices elsewhere. Its gradient is the roll back.
 */
export function roll2d(x: Tensor, shiftH: number, shiftW: number): Tensor {
  if (x.rank !== 4 || (x.dtype !== 'float32' && x.dtype !== 'int32') || !hasKernel(ROLL_2D)) return tf.tidy(() => rollGraph(rollGraph(x, shiftH, 1), shiftW, 2));
  const f = tf.customGrad((...args: unknown[]) => {
    const [xx] = args as [Tensor];
    return { value: run(ROLL_2D, { x: xx }, { shiftH, shiftW }), gradFunc: (dy: Tensor) => roll2d(dy, -shiftH, -shiftW) };
  });
  return (f as (t: Tensor) => Tensor)(x);
}

/** Nearest upsampling of an NHWC map by integer factors, as two rank-4 broadcasts (tfjs has Tile gradients up to rank 4). */
function upsampleGraph(x: Tensor, sh: number, sw: number): Tensor {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const xw = tf.reshape(tf.broadcastTo(tf.reshape(x, [n * h, w, 1, c]), [n * h, w, sw, c]), [n, h, 1, w * sw * c]);
    return tf.reshape(tf.broadcastTo(xw, [n, h, sh, w * sw * c]), [n, h * sh, w * sw, c]);
  });
}

/**
 * Every pixel of an NHWC map [N, H, W, C] repeated sh × sw times (PyTorch's nearest index floor(dst / s)): one
 * kernel where there is one (4-byte dtypes), the broadcasts elsewhere. Its gradient sums each sh × sw block.
 */
export function upsampleNearest2d(x: Tensor, sh: number, sw: number): Tensor {
  if (x.rank !== 4 || (x.dtype !== 'float32' && x.dtype !== 'int32') || !hasKernel(UPSAMPLE_NEAREST)) return upsampleGraph(x, sh, sw);
  const f = tf.customGrad((...args: unknown[]) => {
    const [xx] = args as [Tensor];
    const [n, h, w, c] = xx.shape as [number, number, number, number];
    return { value: run(UPSAMPLE_NEAREST, { x: xx }, { scaleH: sh, scaleW: sw }), gradFunc: (dy: Tensor) => tf.sum(tf.reshape(dy, [n, h, sh, w, sw, c]), [2, 4]) };
  });
  return (f as (t: Tensor) => Tensor)(x);
}
