/**
 * Window multi-head self-attention with relative position bias (MMPretrain `utils/attention.py`: `WindowMSA`,
 * `WindowMSAV2`) and the load-time resizing of a relative position bias table (`resize_relative_position_bias_table`
 * of `utils/embed.py`).
 *
 * The bias lookup `table[relative_position_index]` is done as two products with small one-hot matrices (the index
 * is separable: (Δh + Wh − 1)·(2Ww − 1) + (Δw + Ww − 1)), so it is differentiable on WASM, whose backend lacks the
 * UnsortedSegmentSum kernel that the gradient of `gather` needs. The indices are those of `relative_position_index`
 * as constructed (PyTorch keeps them as an int64 buffer; here a float buffer holding the same integers).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { ReLU } from '../nn/activation';
import { checkKeys } from '../../utils/options';
import { Sequential } from '../nn/container';
import { Dropout } from '../nn/dropout';
import { Linear } from '../nn/linear';
import { Module } from '../nn/module';
import type { Generator } from '../../utils/random';
import { addWindowMask } from './window_mask';

/** `relative_position_index` of a Wh×Ww window: [Wh·Ww · Wh·Ww] (row-major [N, N]). */
export function relativePositionIndex(wh: number, ww: number): Float32Array {
  const n = wh * ww;
  const out = new Float32Array(n * n);
  for (let p = 0; p < n; p++) {
    const hp = Math.floor(p / ww);
    const wp = p % ww;
    for (let q = 0; q < n; q++) {
      const hq = Math.floor(q / ww);
      const wq = q % ww;
      out[p * n + q] = (hp - hq + wh - 1) * (2 * ww - 1) + (wp - wq + ww - 1);
    }
  }
  return out;
}

/** One-hot [w·w, 2w − 1]: row (i·w + j) has a 1 at i − j + w − 1. */
function offsetOneHot(w: number): Tensor {
  const m = new Float32Array(w * w * (2 * w - 1));
  for (let i = 0; i < w; i++) for (let j = 0; j < w; j++) m[(i * w + j) * (2 * w - 1) + i - j + w - 1] = 1;
  return tf.tensor2d(m, [w * w, 2 * w - 1]);
}

/**
 * `table[relative_position_index].view(N, N, nH).permute(2, 0, 1)`: table [(2Wh−1)(2Ww−1), nH] → [nH, N, N]
 * with N = Wh·Ww, differentiable (≤4-d ops only).
 */
export function relativePositionBias(table: Tensor, wh: number, ww: number): Tensor {
  return tf.tidy(() => {
    const nH = table.shape[1]!;
    const x = tf.matMul(offsetOneHot(wh), tf.reshape(table, [2 * wh - 1, (2 * ww - 1) * nH])); // [(hi,hj), (b, h)]
    const t = tf.reshape(tf.transpose(tf.reshape(x, [wh * wh, 2 * ww - 1, nH]), [1, 0, 2]), [2 * ww - 1, wh * wh * nH]);
    const y = tf.matMul(offsetOneHot(ww), t); // [(wi,wj), (hi,hj), h]
    const z = tf.reshape(tf.transpose(tf.reshape(y, [ww * ww, wh * wh, nH]), [2, 1, 0]), [nH * wh, wh, ww, ww]); // [h·hi, hj, wi, wj]
    return tf.reshape(tf.transpose(z, [0, 2, 1, 3]), [nH, wh * ww, wh * ww]);
  });
}

/**
 * Adds the relative bias [nH, N, N] and, for shifted windows, the mask [nW, N, N] (values 0 / −100) to the
 * attention logits [B·nW, nH, N, N] (window index inner, as the window partition orders them), in PyTorch's order.
 */
export function addBiasAndMask(attn: Tensor, bias: Tensor, mask: Tensor | null): Tensor {
  return tf.tidy(() => (mask ? addWindowMask(tf.add(attn, bias), mask) : tf.add(attn, bias)));
}

/** q, k, v [B_, nH, N, d] from a [B_, N, 3C] projection. */
function splitHeads(qkv: Tensor, numHeads: number): [Tensor, Tensor, Tensor] {
  const [b, n, c3] = qkv.shape as [number, number, number];
  const d = c3 / 3 / numHeads;
  return tf.split(qkv, 3, -1).map((t) => tf.transpose(tf.reshape(t, [b, n, numHeads, d]), [0, 2, 1, 3])) as [Tensor, Tensor, Tensor];
}

/** softmax → attn_drop → @v → merge heads → proj → proj_drop. */
function finishAttention(m: Module, attn: Tensor, v: Tensor): Tensor {
  const [b, nH, n, d] = v.shape as [number, number, number, number];
  const p = m.child('attn_drop').call(tf.softmax(attn, -1)) as Tensor;
  const y = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [b, n, nH * d]);
  return m.child('proj_drop').call(m.child('proj').call(y) as Tensor) as Tensor;
}

/** Common interface of the two window attentions: x [B·nW, N, C], mask [nW, N, N] or null. */
export interface WindowAttention extends Module {
  readonly windowSize: [number, number];
  attend(x: Tensor, mask: Tensor | null): Tensor;
}

export interface WindowMSAOptions {
  embed_dims: number;
  window_size: [number, number];
  num_heads: number;
  /** Default: true. */
  qkv_bias?: boolean;
  qk_scale?: number | null;
  attn_drop?: number;
  proj_drop?: number;
  init_cfg?: unknown;
}

/** Swin V1: keys `relative_position_bias_table`, `relative_position_index`, `qkv`, `proj`. */
export class WindowMSA extends Module implements WindowAttention {
  readonly embedDims: number;
  readonly windowSize: [number, number];
  readonly numHeads: number;
  readonly scale: number;
  readonly table: tf.Variable;
  readonly index: tf.Variable;

  constructor(o: WindowMSAOptions) {
    super();
    checkKeys(o, ['embed_dims', 'window_size', 'num_heads', 'qkv_bias', 'qk_scale', 'attn_drop', 'proj_drop', 'init_cfg'], 'WindowMSA');
    this.embedDims = o.embed_dims;
    this.windowSize = o.window_size;
    this.numHeads = o.num_heads;
    this.scale = o.qk_scale || Math.trunc(o.embed_dims / o.num_heads) ** -0.5;
    const [wh, ww] = o.window_size;
    this.table = this.registerParameter('relative_position_bias_table', [(2 * wh - 1) * (2 * ww - 1), o.num_heads]);
    this.index = this.registerBuffer('relative_position_index', [wh * ww, wh * ww]);
    tf.tidy(() => this.index.assign(tf.tensor2d(relativePositionIndex(wh, ww), [wh * ww, wh * ww])));
    this.addModule('qkv', new Linear({ in_features: o.embed_dims, out_features: o.embed_dims * 3, bias: o.qkv_bias ?? true }));
    this.addModule('attn_drop', new Dropout(o.attn_drop ?? 0));
    this.addModule('proj', new Linear({ in_features: o.embed_dims, out_features: o.embed_dims }));
    this.addModule('proj_drop', new Dropout(o.proj_drop ?? 0));
  }

  override typeNames(): string[] {
    return ['WindowMSA'];
  }

  /** `init_weights`: the bias table ~ TruncNormal(std 0.02). */
  afterInitWeights(rng: Generator): void {
    tf.tidy(() => this.table.assign(tf.tensor(rng.truncNormalArray(this.table.size, 0, 0.02, -2, 2), this.table.shape)));
  }

  attend(x: Tensor, mask: Tensor | null): Tensor {
    return tf.tidy(() => {
      const [q, k, v] = splitHeads(this.child('qkv').call(x) as Tensor, this.numHeads);
      const attn = tf.matMul(tf.mul(q, this.scale), k, false, true);
      const bias = relativePositionBias(this.table, this.windowSize[0], this.windowSize[1]);
      return finishAttention(this, addBiasAndMask(attn, bias, mask), v);
    });
  }

  forward(x: Tensor): Tensor {
    return this.attend(x, null);
  }
}

export interface WindowMSAV2Options {
  embed_dims: number;
  window_size: [number, number];
  num_heads: number;
  /** Default: true (`q_bias`, `v_bias`). */
  qkv_bias?: boolean;
  attn_drop?: number;
  proj_drop?: number;
  /** Default: 512. */
  cpb_mlp_hidden_dims?: number;
  /** Default: [0, 0] (use the window size). */
  pretrained_window_size?: [number, number];
  init_cfg?: unknown;
}

/** `relative_coords_table` [1, 2Wh−1, 2Ww−1, 2]: log-spaced coordinates normalised by the (pretrained) window. */
export function relativeCoordsTable(wh: number, ww: number, pretrained: [number, number] = [0, 0]): Float32Array {
  const dh = pretrained[0] > 0 ? pretrained[0] - 1 : wh - 1;
  const dw = pretrained[0] > 0 ? pretrained[1] - 1 : ww - 1;
  const f = (v: number) => {
    const t = Math.fround(Math.fround(v) * 8);
    return Math.fround(Math.fround(Math.sign(t) * Math.fround(Math.log2(Math.abs(t) + 1))) / Math.log2(8));
  };
  const out = new Float32Array((2 * wh - 1) * (2 * ww - 1) * 2);
  let o = 0;
  for (let i = -(wh - 1); i < wh; i++) {
    for (let j = -(ww - 1); j < ww; j++) {
      out[o++] = f(Math.fround(i / dh));
      out[o++] = f(Math.fround(j / dw));
    }
  }
  return out;
}

/** Swin V2: cosine attention with a learnt `logit_scale` and a continuous position bias MLP (`cpb_mlp`). */
export class WindowMSAV2 extends Module implements WindowAttention {
  readonly embedDims: number;
  readonly windowSize: [number, number];
  readonly numHeads: number;
  readonly logitScale: tf.Variable;
  readonly qBias: tf.Variable | null;
  readonly vBias: tf.Variable | null;
  readonly coords: tf.Variable;
  readonly index: tf.Variable;

  constructor(o: WindowMSAV2Options) {
    super();
    checkKeys(o, ['embed_dims', 'window_size', 'num_heads', 'qkv_bias', 'attn_drop', 'proj_drop', 'cpb_mlp_hidden_dims', 'pretrained_window_size', 'init_cfg'], 'WindowMSAV2');
    const { embed_dims, num_heads, qkv_bias = true, cpb_mlp_hidden_dims = 512, pretrained_window_size = [0, 0] } = o;
    this.embedDims = embed_dims;
    this.windowSize = o.window_size;
    this.numHeads = num_heads;
    const [wh, ww] = o.window_size;
    this.logitScale = this.registerParameter('logit_scale', [num_heads, 1, 1], Math.log(10));
    this.qBias = qkv_bias ? this.registerParameter('q_bias', [embed_dims]) : null;
    this.vBias = qkv_bias ? this.registerParameter('v_bias', [embed_dims]) : null;
    this.coords = this.registerBuffer('relative_coords_table', [1, 2 * wh - 1, 2 * ww - 1, 2]);
    tf.tidy(() => this.coords.assign(tf.tensor(relativeCoordsTable(wh, ww, pretrained_window_size), this.coords.shape)));
    this.index = this.registerBuffer('relative_position_index', [wh * ww, wh * ww]);
    tf.tidy(() => this.index.assign(tf.tensor2d(relativePositionIndex(wh, ww), [wh * ww, wh * ww])));
    this.addModule('cpb_mlp', new Sequential(new Linear({ in_features: 2, out_features: cpb_mlp_hidden_dims }), new ReLU(), new Linear({ in_features: cpb_mlp_hidden_dims, out_features: num_heads, bias: false })));
    this.addModule('qkv', new Linear({ in_features: embed_dims, out_features: embed_dims * 3, bias: false }));
    this.addModule('attn_drop', new Dropout(o.attn_drop ?? 0));
    this.addModule('proj', new Linear({ in_features: embed_dims, out_features: embed_dims }));
    this.addModule('proj_drop', new Dropout(o.proj_drop ?? 0));
  }

  override typeNames(): string[] {
    return ['WindowMSAV2'];
  }

  attend(x: Tensor, mask: Tensor | null): Tensor {
    return tf.tidy(() => {
      let qkv = this.child('qkv').call(x) as Tensor;
      if (this.qBias && this.vBias) qkv = tf.add(qkv, tf.concat([this.qBias, tf.zerosLike(this.vBias), this.vBias]));
      const [q, k, v] = splitHeads(qkv, this.numHeads);
      const normalize = (t: Tensor) => tf.div(t, tf.maximum(tf.sqrt(tf.sum(tf.square(t), -1, true)), 1e-12));
      const scale = tf.exp(tf.minimum(this.logitScale, Math.log(1 / 0.01)));
      const attn = tf.mul(tf.matMul(normalize(q), normalize(k), false, true), scale);
      const [wh, ww] = this.windowSize;
      const table = tf.reshape(this.child('cpb_mlp').call(this.coords) as Tensor, [-1, this.numHeads]);
      const bias = tf.mul(tf.sigmoid(relativePositionBias(table, wh, ww)), 16);
      return finishAttention(this, addBiasAndMask(attn, bias, mask), v);
    });
  }

  forward(x: Tensor): Tensor {
    return this.attend(x, null);
  }
}

// ---- resize_relative_position_bias_table --------------------------------------------------------------

/**
 * [nOut, nIn] matrix evaluating the interpolating cubic spline through (xs[i], ·) at `at` (clamped to
 * [xs[0], xs[n−1]]), with FITPACK's interpolation knots (`regrid`, s = 0): the not-a-knot spline.
 */
function splineMatrix(xs: number[], at: number[]): Float64Array {
  const n = xs.length;
  assert(n >= 4, () => `resize_relative_position_bias_table: a cubic spline needs at least 4 points, got ${n}`);
  const h = Array.from({ length: n - 1 }, (_, i) => xs[i + 1] - xs[i]);
  // Unknown second derivatives M (n); equations: n−2 continuity rows + 2 not-a-knot rows. Solve A·M = B·y.
  const A = Array.from({ length: n }, () => new Float64Array(n));
  const B = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 1; i < n - 1; i++) {
    A[i][i - 1] = h[i - 1] / 6;
    A[i][i] = (h[i - 1] + h[i]) / 3;
    A[i][i + 1] = h[i] / 6;
    B[i][i - 1] = 1 / h[i - 1];
    B[i][i] = -1 / h[i - 1] - 1 / h[i];
    B[i][i + 1] = 1 / h[i];
  }
  // Not-a-knot: third derivative continuous at xs[1] and xs[n−2]: (M1−M0)/h0 = (M2−M1)/h1.
  A[0][0] = -1 / h[0];
  A[0][1] = 1 / h[0] + 1 / h[1];
  A[0][2] = -1 / h[1];
  A[n - 1][n - 3] = -1 / h[n - 3];
  A[n - 1][n - 2] = 1 / h[n - 3] + 1 / h[n - 2];
  A[n - 1][n - 1] = -1 / h[n - 2];
  // Gaussian elimination with partial pivoting on [A | B].
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]];
    [B[c], B[p]] = [B[p], B[c]];
    for (let r = 0; r < n; r++) {
      if (r === c || A[r][c] === 0) continue;
      const f = A[r][c] / A[c][c];
      for (let k = 0; k < n; k++) {
        A[r][k] -= f * A[c][k];
        B[r][k] -= f * B[c][k];
      }
    }
  }
  const Minv = B.map((row, r) => row.map((v) => v / A[r][r])); // M = Minv · y
  const out = new Float64Array(at.length * n);
  at.forEach((t0, o) => {
    const t = Math.min(Math.max(t0, xs[0]), xs[n - 1]);
    let i = 0;
    while (i < n - 2 && t > xs[i + 1]) i++;
    const a = (xs[i + 1] - t) / h[i];
    const b = (t - xs[i]) / h[i];
    const row = out.subarray(o * n, (o + 1) * n);
    row[i] += a;
    row[i + 1] += b;
    const ca = ((a * a * a - a) * h[i] * h[i]) / 6;
    const cb = ((b * b * b - b) * h[i] * h[i]) / 6;
    for (let k = 0; k < n; k++) row[k] += ca * Minv[i][k] + cb * Minv[i + 1][k];
  });
  return out;
}

/**
 * `resize_relative_position_bias_table(src, dst, table, num_head)`: each head's (src × src) table resampled on a
 * geometric grid to (dst × dst) by a bicubic interpolating spline (scipy `interp2d(kind='cubic')`, values outside
 * the source grid clamped to its edge). table: [src², nH] → [dst², nH].
 */
export function resizeRelativePositionBiasTable(srcShape: number, dstShape: number, table: Float32Array, numHead: number): Float32Array {
  const gp = (a: number, r: number, n: number) => (a * (1 - r ** n)) / (1 - r);
  let left = 1.01;
  let right = 1.5;
  let q = 0;
  while (right - left > 1e-6) {
    q = (left + right) / 2;
    if (gp(1, q, Math.floor(srcShape / 2)) > Math.floor(dstShape / 2)) right = q;
    else left = q;
  }
  const dis: number[] = [];
  let cur = 1;
  for (let i = 0; i < Math.floor(srcShape / 2); i++) {
    dis.push(cur);
    cur += q ** (i + 1);
  }
  const xs = [...dis.map((d) => -d).reverse(), 0, ...dis];
  const t = Math.floor(dstShape / 2);
  const dx: number[] = [];
  for (let v = -t; v < t + 0.1; v += 1) dx.push(v);
  const n = xs.length;
  assert(n * n * numHead === table.length, () => `resize_relative_position_bias_table: table of ${table.length} values is not ${n}×${n}×${numHead}`);
  const m = splineMatrix(xs, dx); // [d, n]
  const d = dx.length;
  const out = new Float32Array(d * d * numHead);
  const tmp = new Float64Array(d * n);
  for (let hd = 0; hd < numHead; hd++) {
    // rows: tmp[o, j] = Σ_i m[o, i] z[i, j]; then columns: out[o, p] = Σ_j tmp[o, j] m[p, j].
    tmp.fill(0);
    for (let o = 0; o < d; o++) for (let i = 0; i < n; i++) {
      const w = m[o * n + i];
      if (w === 0) continue;
      for (let j = 0; j < n; j++) tmp[o * n + j] += w * table[(i * n + j) * numHead + hd];
    }
    for (let o = 0; o < d; o++) for (let p = 0; p < d; p++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += tmp[o * n + j] * m[p * n + j];
      out[(o * d + p) * numHead + hd] = s;
    }
  }
  return out;
}
