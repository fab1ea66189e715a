/** `SwiGLUFFN` / `SwiGLUFFNFused` (MMPretrain `models/utils/swiglu_ffn.py`): w3(norm(silu(x₁)·x₂)) with x₁‖x₂ = w12(x). */
import { tf, type Tensor } from '../../backends/tf';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { Dropout, DropPath } from '../nn/dropout';
import { Linear } from '../nn/linear';
import { Identity, Module } from '../nn/module';
import { LayerScale } from './attention';

export interface SwiGLUFFNOptions {
  embed_dims: number;
  feedforward_channels?: number | null;
  out_dims?: number | null;
  layer_scale_init_value?: number;
  /** Default: true. */
  bias?: boolean;
  /** `{type: 'Dropout' | 'DropPath', drop_prob}` applied to the output. */
  dropout_layer?: { type: string; drop_prob?: number } | null;
  /** Norm on the hidden features (EVA-02's sub-LN). */
  norm_cfg?: NormCfg | null;
  /** Default: true. */
  add_identity?: boolean;
}

export class SwiGLUFFN extends Module {
  readonly embedDims: number;
  readonly outDims: number;
  readonly hiddenDims: number;
  readonly addIdentity: boolean;

  constructor(o: SwiGLUFFNOptions) {
    super();
    this.embedDims = o.embed_dims;
    this.outDims = o.out_dims || o.embed_dims;
    this.hiddenDims = o.feedforward_channels || o.embed_dims;
    const bias = o.bias ?? true;
    this.addModule('w12', new Linear({ in_features: this.embedDims, out_features: 2 * this.hiddenDims, bias }));
    this.addModule('norm', o.norm_cfg ? buildNormLayer(o.norm_cfg, this.hiddenDims)[1] : new Identity());
    this.addModule('w3', new Linear({ in_features: this.hiddenDims, out_features: this.outDims, bias }));
    const ls = o.layer_scale_init_value ?? 0;
    this.addModule('gamma2', ls > 0 ? new LayerScale(this.embedDims, ls) : new Identity());
    const d = o.dropout_layer;
    const p = d?.drop_prob ?? 0.5;
    this.addModule('dropout_layer', !d ? new Identity() : d.type === 'DropPath' ? new DropPath(d.drop_prob ?? 0.1) : new Dropout(p));
    this.addIdentity = o.add_identity ?? true;
  }

  override typeNames(): string[] {
    return ['SwiGLUFFN'];
  }

  forwardWithIdentity(x: Tensor, identity: Tensor | null = null): Tensor {
    return tf.tidy(() => {
      const [x1, x2] = tf.split(this.child('w12').call(x) as Tensor, 2, -1);
      let out = tf.mul(tf.mul(x1, tf.sigmoid(x1)), x2);
      out = this.child('norm').call(out) as Tensor;
      out = this.child('w3').call(out) as Tensor;
      out = this.child('dropout_layer').call(this.child('gamma2').call(out)) as Tensor;
      if (this.outDims !== this.embedDims || !this.addIdentity) return out;
      return tf.add(identity ?? x, out);
    });
  }

  forward(x: Tensor): Tensor {
    return this.forwardWithIdentity(x);
  }
}

/** DINOv2's fused variant: hidden width (⌊2/3·f⌋ + 7) // 8 · 8. */
export class SwiGLUFFNFused extends SwiGLUFFN {
  constructor(o: { embed_dims: number; feedforward_channels?: number | null; out_dims?: number | null; layer_scale_init_value?: number; bias?: boolean }) {
    const f = o.feedforward_channels || o.embed_dims;
    super({ ...o, out_dims: o.out_dims || o.embed_dims, feedforward_channels: Math.trunc((Math.trunc((f * 2) / 3) + 7) / 8) * 8 });
  }

  override typeNames(): string[] {
    return ['SwiGLUFFNFused', 'SwiGLUFFN'];
  }
}
