/**
 * `RotaryEmbeddingFast` (MMPretrain `models/utils/position_encoding.py`): 2-D rotary position embedding of image
 * tokens. Buffers `freqs_cos` / `freqs_sin` [h·w, d] hold the angles of the construction grid; other grids get
 * their angles computed on the fly (PyTorch recomputes its buffers then).
 */
import { tf, type Tensor } from '../../backends/tf';
import { pair, type Pair } from '../nn/layout';
import { Module } from '../nn/module';

const f32 = Math.fround;

/** cos / sin tables [h·w, 2·halfDim] as PyTorch computes them (float32 steps). */
export function ropeTables(headDims: number, grid: [number, number], theta = 10000): { cos: Float32Array; sin: Float32Array; dims: number } {
  const half = Math.trunc(headDims / 2);
  const freq: number[] = [];
  for (let i = 0; i < half; i += 2) freq.push(f32(1 / f32(theta ** f32(i / half))));
  const nf = freq.length;
  const dims = 4 * nf; // repeat(1, 2) of each axis, then height ‖ width
  const [h, w] = grid;
  const cos = new Float32Array(h * w * dims);
  const sin = new Float32Array(h * w * dims);
  for (let y = 0; y < h; y++) {
    const ty = f32(f32(y / h) * half);
    for (let x = 0; x < w; x++) {
      const tx = f32(f32(x / w) * half);
      const row = (y * w + x) * dims;
      for (let j = 0; j < 2 * nf; j++) {
        const ph = f32(ty * freq[j % nf]);
        const pw = f32(tx * freq[j % nf]);
        cos[row + j] = Math.cos(ph);
        sin[row + j] = Math.sin(ph);
        cos[row + 2 * nf + j] = Math.cos(pw);
        sin[row + 2 * nf + j] = Math.sin(pw);
      }
    }
  }
  return { cos, sin, dims };
}

/** (x₀, x₁, x₂, x₃, …) → (−x₁, x₀, −x₃, x₂, …) on the last axis. */
export function rotatePairs(x: Tensor): Tensor {
  return tf.tidy(() => {
    const d = x.shape[x.rank - 1];
    const pairs = tf.reshape(x, [...x.shape.slice(0, -1), d / 2, 2]);
    const [x1, x2] = tf.unstack(pairs, pairs.rank - 1);
    return tf.reshape(tf.stack([tf.neg(x2), x1], pairs.rank - 1), x.shape);
  });
}

export class RotaryEmbeddingFast extends Module {
  readonly headDims: number;
  readonly theta: number;
  readonly patchResolution: [number, number];
  /** The token grid of the next forward (set by the backbone from the patch embedding). */
  grid: [number, number];

  constructor(embedDims: number, patchResolution: Pair, theta = 10000) {
    super();
    this.headDims = embedDims;
    this.theta = theta;
    this.patchResolution = pair(patchResolution);
    this.grid = this.patchResolution;
    const { cos, sin, dims } = ropeTables(embedDims, this.patchResolution, theta);
    const n = this.patchResolution[0] * this.patchResolution[1];
    const c = this.registerBuffer('freqs_cos', [n, dims]);
    const s = this.registerBuffer('freqs_sin', [n, dims]);
    tf.tidy(() => {
      c.assign(tf.tensor2d(cos, [n, dims]));
      s.assign(tf.tensor2d(sin, [n, dims]));
    });
  }

  override typeNames(): string[] {
    return ['RotaryEmbeddingFast'];
  }

  /** x: [B, heads, N, d] with N = h·w of `grid` → x·cos + rotate(x)·sin. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [gh, gw] = this.grid;
      let cos: Tensor = this.buffer('freqs_cos');
      let sin: Tensor = this.buffer('freqs_sin');
      if (gh !== this.patchResolution[0] || gw !== this.patchResolution[1]) {
        const t = ropeTables(this.headDims, this.grid, this.theta);
        cos = tf.tensor2d(t.cos, [gh * gw, t.dims]);
        sin = tf.tensor2d(t.sin, [gh * gw, t.dims]);
      }
      return tf.add(tf.mul(x, cos), tf.mul(rotatePairs(x), sin));
    });
  }

  override extraRepr(): string {
    return '';
  }
}
