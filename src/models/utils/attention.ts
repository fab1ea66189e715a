/** `MultiheadAttention` and `LayerScale` (MMPretrain `models/utils/attention.py`, `layer_scale.py`). */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Dropout, DropPath } from '../nn/dropout';
import { Linear } from '../nn/linear';
import { Identity, Module } from '../nn/module';

/** Per-channel scale; parameter `weight` (MMPretrain) or `gamma` (mmcv's FFN). */
export class LayerScale extends Module {
  readonly scale: ReturnType<Module['param']>;
  constructor(dim: number, initValue = 1e-5, paramName: 'weight' | 'gamma' = 'weight') {
    super();
    this.scale = this.registerParameter(paramName, [dim], initValue);
  }
  forward(x: Tensor): Tensor {
    return tf.mul(x, this.scale);
  }
}

/** softmax(q kᵀ/√d) v on [B, heads, N, d]. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, scale = 1 / Math.sqrt(q.shape[q.rank - 1])): Tensor {
  return tf.tidy(() => tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale), -1), v));
}

export interface MultiheadAttentionOptions {
  embed_dims: number;
  num_heads: number;
  input_dims?: number | null;
  attn_drop?: number;
  proj_drop?: number;
  /** DropPath probability of the output (`dropout_layer`). Default: 0. */
  drop_path?: number;
  qkv_bias?: boolean;
  qk_scale?: number | null;
  proj_bias?: boolean;
  v_shortcut?: boolean;
  layer_scale_init_value?: number;
}

/** Keys `qkv`, `proj`, optional `gamma1.weight`. */
export class MultiheadAttention extends Module {
  readonly embedDims: number;
  readonly numHeads: number;
  readonly headDims: number;
  readonly scale: number;
  readonly vShortcut: boolean;

  constructor(o: MultiheadAttentionOptions) {
    super();
    const inDims = o.input_dims ?? o.embed_dims;
    assert(o.embed_dims % o.num_heads === 0, () => `MultiheadAttention: embed_dims ${o.embed_dims} not divisible by num_heads ${o.num_heads}`);
    this.embedDims = o.embed_dims;
    this.numHeads = o.num_heads;
    this.headDims = o.embed_dims / o.num_heads;
    this.scale = o.qk_scale ?? this.headDims ** -0.5;
    this.vShortcut = o.v_shortcut ?? false;
    this.addModule('qkv', new Linear({ in_features: inDims, out_features: o.embed_dims * 3, bias: o.qkv_bias ?? true }));
    this.addModule('proj', new Linear({ in_features: o.embed_dims, out_features: o.embed_dims, bias: o.proj_bias ?? true }));
    this.addModule('proj_drop', new Dropout(o.proj_drop ?? 0));
    this.addModule('out_drop', (o.drop_path ?? 0) > 0 ? new DropPath(o.drop_path) : new Identity());
    const ls = o.layer_scale_init_value ?? 0;
    this.addModule('gamma1', ls > 0 ? new LayerScale(o.embed_dims, ls) : new Identity());
  }

  /** Hook: queries and keys [B, heads, N, d] before the dot product (EVA-02's rotary embedding). */
  protected transformQK(q: Tensor, k: Tensor): [Tensor, Tensor] {
    return [q, k];
  }

  /** x: [B, N, C]. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, n] = x.shape;
      const qkv = tf.transpose(tf.reshape(this.child('qkv').call(x) as Tensor, [b, n!, 3, this.numHeads, this.headDims]), [2, 0, 3, 1, 4]);
      const [q0, k0, v] = tf.unstack(qkv, 0);
      const [q, k] = this.transformQK(q0, k0);
      let y = scaledDotProductAttention(q, k, v, this.scale);
      y = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [b, n!, this.embedDims]);
      y = this.child('proj').call(y) as Tensor;
      y = this.child('out_drop').call(this.child('gamma1').call(this.child('proj_drop').call(y))) as Tensor;
      return this.vShortcut ? tf.add(tf.squeeze(v, [1]), y) : y;
    });
  }
}
