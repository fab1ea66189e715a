/**
 * `BEiTAttention` (MMPretrain `models/utils/attention.py`) and BEiT's relative position bias with class-token
 * entries: a table of (2Wh−1)(2Ww−1) + 3 rows (the last three: class→token, token→class, class→class) looked up by
 * a (Wh·Ww + 1)² index. The lookup is differentiable on WASM (one-hot products of `relativePositionBias`, concats).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Dropout } from '../nn/dropout';
import { Linear } from '../nn/linear';
import { Module } from '../nn/module';
import type { Generator } from '../../utils/random';
import { relativePositionBias, relativePositionIndex } from './window_msa';

/** `relative_position_index` with the class-token row and column: [(N+1)²] for N = wh·ww. */
export function beitRelativePositionIndex(wh: number, ww: number): Float32Array {
  const n = wh * ww;
  const L = (2 * wh - 1) * (2 * ww - 1) + 3;
  const inner = relativePositionIndex(wh, ww);
  const out = new Float32Array((n + 1) * (n + 1));
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= n; j++) {
      out[i * (n + 1) + j] = i === 0 && j === 0 ? L - 1 : i === 0 ? L - 3 : j === 0 ? L - 2 : inner[(i - 1) * n + (j - 1)];
    }
  }
  return out;
}

/** `table[relative_position_index].view(N+1, N+1, nH).permute(2, 0, 1)`: [L, nH] → [nH, N+1, N+1]. */
export function beitRelativePositionBias(table: Tensor, wh: number, ww: number): Tensor {
  return tf.tidy(() => {
    const [L, nH] = table.shape as [number, number];
    const n = wh * ww;
    assert(L === (2 * wh - 1) * (2 * ww - 1) + 3, () => `relative_position_bias_table of ${L} rows does not fit a ${wh}×${ww} window`);
    const main = relativePositionBias(tf.slice(table, [0, 0], [L - 3, nH]), wh, ww); // [nH, N, N]
    const row = (r: number) => tf.reshape(tf.slice(table, [r, 0], [1, nH]), [nH, 1, 1]);
    const top = tf.concat([row(L - 1), tf.tile(row(L - 3), [1, 1, n])], 2); // [nH, 1, N+1]
    const bottom = tf.concat([tf.tile(row(L - 2), [1, n, 1]), main], 2); // [nH, N, N+1]
    return tf.concat([top, bottom], 1);
  });
}

export interface BEiTAttentionOptions {
  embed_dims: number;
  num_heads: number;
  /** The patch grid; null only without `use_rel_pos_bias`. */
  window_size: [number, number] | null;
  /** This layer's own relative position bias table. */
  use_rel_pos_bias: boolean;
  /** true: qkv bias; 'qv_bias': learnable q and v biases only (`q_bias`, `v_bias`); false: none. Default: 'qv_bias'. */
  bias?: boolean | 'qv_bias';
  qk_scale?: number | null;
  attn_drop_rate?: number;
  proj_drop_rate?: number;
  init_cfg?: unknown;
  /** Other keys are accepted and ignored, as the Python class's `**kwargs`. */
  [other: string]: unknown;
}

/** Keys `q_bias`, `v_bias`, `relative_position_bias_table`, `relative_position_index`, `qkv`, `proj`. */
export class BEiTAttention extends Module {
  readonly embedDims: number;
  readonly numHeads: number;
  readonly scale: number;
  readonly qvBias: boolean;
  readonly windowSize: [number, number] | null;
  readonly useRelPosBias: boolean;

  constructor(o: BEiTAttentionOptions) {
    super();
    const { embed_dims, num_heads, bias = 'qv_bias', attn_drop_rate = 0, proj_drop_rate = 0 } = o;
    this.embedDims = embed_dims;
    this.numHeads = num_heads;
    this.scale = o.qk_scale || Math.floor(embed_dims / num_heads) ** -0.5;
    this.qvBias = bias === 'qv_bias';
    if (this.qvBias) {
      this.registerParameter('q_bias', [embed_dims]);
      this.registerParameter('v_bias', [embed_dims]);
    }
    if (o.window_size === null || o.window_size === undefined) assert(!o.use_rel_pos_bias, () => 'BEiTAttention: use_rel_pos_bias needs a window_size');
    this.useRelPosBias = o.use_rel_pos_bias;
    this.windowSize = o.use_rel_pos_bias ? o.window_size : null;
    if (this.windowSize) {
      const [wh, ww] = this.windowSize;
      this.registerParameter('relative_position_bias_table', [(2 * wh - 1) * (2 * ww - 1) + 3, num_heads]);
      const n = wh * ww + 1;
      const idx = this.registerBuffer('relative_position_index', [n, n]);
      tf.tidy(() => idx.assign(tf.tensor(beitRelativePositionIndex(wh, ww), [n, n])));
    }
    this.addModule('qkv', new Linear({ in_features: embed_dims, out_features: embed_dims * 3, bias: bias === true }));
    this.addModule('attn_drop', new Dropout(attn_drop_rate));
    this.addModule('proj', new Linear({ in_features: embed_dims, out_features: embed_dims }));
    this.addModule('proj_drop', new Dropout(proj_drop_rate));
  }

  override typeNames(): string[] {
    return ['BEiTAttention'];
  }

  /** `init_weights`: the bias table ~ TruncNormal(std 0.02). */
  afterInitWeights(rng: Generator): void {
    if (!this.useRelPosBias) return;
    const t = this.param('relative_position_bias_table');
    tf.tidy(() => t.assign(tf.tensor(rng.truncNormalArray(t.size, 0, 0.02, -2, 2), t.shape)));
  }

  forward(x: Tensor): Tensor {
    return this.attend(x, null);
  }

  /** x [B, N, C]; `relPosBias` [nH, N, N] is the backbone's shared bias (or null). */
  attend(x: Tensor, relPosBias: Tensor | null): Tensor {
    return tf.tidy(() => {
      const [b, n, c] = x.shape as [number, number, number];
      let qkv = this.child('qkv').call(x) as Tensor;
      if (this.qvBias) qkv = tf.add(qkv, tf.concat([this.param('q_bias'), tf.zeros([c]), this.param('v_bias')]));
      const hd = c / this.numHeads;
      const [q, k, v] = tf.split(qkv, 3, -1).map((t) => tf.transpose(tf.reshape(t, [b, n, this.numHeads, hd]), [0, 2, 1, 3]));
      let attn = tf.matMul(tf.mul(q, this.scale), k, false, true);
      if (this.windowSize) {
        const [wh, ww] = this.windowSize;
        assert(n === wh * ww + 1, () => `BEiTAttention: ${n} tokens do not match the relative position bias of a ${wh}×${ww} grid plus the class token (${wh * ww + 1})`);
        attn = tf.add(attn, beitRelativePositionBias(this.param('relative_position_bias_table'), wh, ww));
      }
      if (relPosBias) attn = tf.add(attn, relPosBias);
      const p = this.child('attn_drop').call(tf.softmax(attn, -1)) as Tensor;
      const y = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [b, n, c]);
      return this.child('proj_drop').call(this.child('proj').call(y) as Tensor) as Tensor;
    });
  }
}
