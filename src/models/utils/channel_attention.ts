/**
 * `ChannelMultiheadAttention` (MMPretrain `models/utils/attention.py`, EdgeNeXt's SDTA): attention across the channels
 * of each head (a head_dims × head_dims map) from L2-normalised queries and keys, times a per-head `scale`
 * (learnable by default).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import { Dropout, DropPath } from '../nn/dropout';
import { Linear } from '../nn/linear';
import { Identity, Module, type AnyModule } from '../nn/module';

export interface ChannelMultiheadAttentionOptions {
  embed_dims: number;
  /** Default: 8. */
  num_heads?: number;
  input_dims?: number | null;
  attn_drop?: number;
  proj_drop?: number;
  /** mmcv `build_dropout` config (`Dropout` or `DropPath` with `drop_prob`). Default: Dropout 0. */
  dropout_layer?: { type: string; drop_prob?: number } | null;
  /** Default: false. */
  qkv_bias?: boolean;
  /** Default: true. */
  proj_bias?: boolean;
  /** 'learnable' (parameter `scale` [heads, 1, 1]), 'fixed' (head_dims^-0.5) or 'none' (`qk_scale`). Default: 'learnable'. */
  qk_scale_type?: 'learnable' | 'fixed' | 'none';
  qk_scale?: number | null;
  /** Default: false. */
  v_shortcut?: boolean;
}

function buildDropout(cfg: { type: string; drop_prob?: number } | null | undefined): AnyModule {
  if (!cfg) return new Identity();
  const p = cfg.drop_prob ?? 0.5;
  if (cfg.type === 'Dropout') return new Dropout(p);
  if (cfg.type === 'DropPath') return new DropPath(p);
  throw new Error(`dropout_layer: unknown type '${cfg.type}' (known: Dropout, DropPath)`);
}

/** L2-normalise along the last axis, as `F.normalize(x, dim=-1)` (norm clamped to ≥ 1e-12). */
function l2Normalize(x: Tensor): Tensor {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), -1, true)), 1e-12)));
}

/** Keys `scale` (learnable), `qkv`, `proj`. x: [B, N, C]. */
export class ChannelMultiheadAttention extends Module {
  readonly embedDims: number;
  readonly numHeads: number;
  readonly headDims: number;
  readonly vShortcut: boolean;
  /** The fixed scale ('fixed' / 'none'); null when learnable. */
  readonly fixedScale: number | null;

  constructor(o: ChannelMultiheadAttentionOptions) {
    super();
    checkKeys(o, ['embed_dims', 'num_heads', 'input_dims', 'attn_drop', 'proj_drop', 'dropout_layer', 'qkv_bias', 'proj_bias', 'qk_scale_type', 'qk_scale', 'v_shortcut'], 'ChannelMultiheadAttention');
    const { num_heads = 8, attn_drop = 0, proj_drop = 0, dropout_layer = { type: 'Dropout', drop_prob: 0 }, qkv_bias = false, proj_bias = true, qk_scale_type = 'learnable', qk_scale = null, v_shortcut = false } = o;
    const inputDims = o.input_dims || o.embed_dims;
    this.embedDims = o.embed_dims;
    this.numHeads = num_heads;
    this.vShortcut = v_shortcut;
    this.headDims = Math.floor(o.embed_dims / num_heads);
    if (qk_scale_type === 'learnable') {
      this.registerParameter('scale', [num_heads, 1, 1], 1);
      this.fixedScale = null;
    } else if (qk_scale_type === 'fixed') {
      this.fixedScale = this.headDims ** -0.5;
    } else if (qk_scale_type === 'none') {
      assert(qk_scale !== null && qk_scale !== undefined, () => "ChannelMultiheadAttention: qk_scale_type 'none' needs qk_scale");
      this.fixedScale = qk_scale;
    } else {
      throw new Error(`ChannelMultiheadAttention: qk_scale_type must be 'learnable', 'fixed' or 'none', got '${String(qk_scale_type)}'`);
    }
    this.addModule('qkv', new Linear({ in_features: inputDims, out_features: o.embed_dims * 3, bias: qkv_bias }));
    // Registered as in MMPretrain; its forward applies no attention dropout.
    this.addModule('attn_drop', new Dropout(attn_drop));
    this.addModule('proj', new Linear({ in_features: o.embed_dims, out_features: o.embed_dims, bias: proj_bias }));
    this.addModule('proj_drop', new Dropout(proj_drop));
    this.addModule('out_drop', buildDropout(dropout_layer));
  }

  override typeNames(): string[] {
    return ['ChannelMultiheadAttention'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, n] = x.shape as [number, number, number];
      // [B, N, 3, h, d] → [3, B, h, d, N]
      const qkv = tf.transpose(tf.reshape(this.child('qkv').call(x) as Tensor, [b, n, 3, this.numHeads, this.headDims]), [2, 0, 3, 4, 1]);
      const [q0, k0, v] = tf.unstack(qkv, 0);
      const q = l2Normalize(q0);
      const k = l2Normalize(k0);
      const scale = this.fixedScale ?? this.param('scale');
      const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale), -1);
      // [B, h, d, N] → [B, N, h, d] → [B, N, C]
      let y = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 3, 1, 2]), [b, n, this.numHeads * this.headDims]);
      y = this.child('proj').call(y) as Tensor;
      y = this.child('out_drop').call(this.child('proj_drop').call(y)) as Tensor;
      if (this.vShortcut) {
        // PyTorch adds `qkv[2].squeeze(1)`, the values as [B, N, d] (one head).
        assert(this.numHeads === 1, () => 'ChannelMultiheadAttention: v_shortcut needs num_heads 1');
        y = tf.add(tf.reshape(tf.transpose(v, [0, 1, 3, 2]), [b, n, this.headDims]), y);
      }
      return y;
    });
  }
}
