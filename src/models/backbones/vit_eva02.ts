/**
 * `ViTEVA02` (MMPretrain `backbones/vit_eva02.py`): a VisionTransformer whose layers (`EVA02EndcoderLayer`: `norm1`,
 * `attn` with a 2-D rotary embedding of the patch tokens, `norm2`, SwiGLU `mlp` with optional sub-LN) replace the
 * plain encoder layers; the backbone's own `rope` is registered last, as in PyTorch.
 */
import { tf, type Tensor } from '../../backends/tf';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { DropPath } from '../nn/dropout';
import { Identity, Module } from '../nn/module';
import { MultiheadAttention } from '../utils/attention';
import { RotaryEmbeddingFast } from '../utils/rope';
import { SwiGLUFFN } from '../utils/swiglu_ffn';
import { TransformerEncoderLayer, VIT_KEYS, VisionTransformer, type VisionTransformerOptions, type VitArch, type VitLayerBase } from './vision_transformer';

export interface AttentionWithRoPEOptions {
  embed_dims: number;
  num_heads: number;
  attn_drop?: number;
  proj_drop?: number;
  qkv_bias?: boolean;
  qk_scale?: number | null;
  proj_bias?: boolean;
  /** The rotary embedding of the patch tokens (none: plain attention). */
  rope?: RotaryEmbeddingFast | null;
  /** Default: true (the first token, the class token, is not rotated). */
  with_cls_token?: boolean;
}

/** Keys `qkv`, `proj`, `rope.freqs_cos`, `rope.freqs_sin`. */
export class AttentionWithRoPE extends MultiheadAttention {
  readonly withClsToken: boolean;
  readonly rope: RotaryEmbeddingFast | null;

  constructor(o: AttentionWithRoPEOptions) {
    super({ embed_dims: o.embed_dims, num_heads: o.num_heads, attn_drop: o.attn_drop, proj_drop: o.proj_drop, qkv_bias: o.qkv_bias ?? true, qk_scale: o.qk_scale || null, proj_bias: o.proj_bias });
    this.withClsToken = o.with_cls_token ?? true;
    this.rope = o.rope ? this.addModule('rope', o.rope) : null;
  }

  override typeNames(): string[] {
    return ['AttentionWithRoPE'];
  }

  protected override transformQK(q: Tensor, k: Tensor): [Tensor, Tensor] {
    const rope = this.rope;
    if (!rope) return [q, k];
    const rotate = (t: Tensor): Tensor => {
      if (!this.withClsToken) return rope.call(t);
      const cls = tf.slice(t, [0, 0, 0, 0], [-1, -1, 1, -1]);
      return tf.concat([cls, rope.call(tf.slice(t, [0, 0, 1, 0], [-1, -1, -1, -1]))], 2);
    };
    return [rotate(q), rotate(k)];
  }
}

export interface EVA02EndcoderLayerOptions {
  embed_dims: number;
  num_heads: number;
  feedforward_channels: number;
  /** Sub-LN: a norm on the SwiGLU hidden features. Default: false. */
  sub_ln?: boolean;
  attn_drop?: number;
  proj_drop?: number;
  /** Default: false. */
  qkv_bias?: boolean;
  qk_scale?: number | null;
  proj_bias?: boolean;
  rope?: RotaryEmbeddingFast | null;
  with_cls_token?: boolean;
  drop_rate?: number;
  drop_path_rate?: number;
  /** Default: LN (eps 1e-5). */
  norm_cfg?: NormCfg;
  init_cfg?: unknown;
}

/** x + drop_path(attn(norm1(x))), then x + drop_path(mlp(norm2(x))). */
export class EVA02EndcoderLayer extends Module {
  constructor(o: EVA02EndcoderLayerOptions) {
    super();
    checkKeys(o, ['embed_dims', 'num_heads', 'feedforward_channels', 'sub_ln', 'attn_drop', 'proj_drop', 'qkv_bias', 'qk_scale', 'proj_bias', 'rope', 'with_cls_token', 'drop_rate', 'drop_path_rate', 'norm_cfg', 'init_cfg'], 'EVA02EndcoderLayer');
    const norm = o.norm_cfg ?? { type: 'LN' };
    const dropRate = o.drop_rate ?? 0;
    const dpr = o.drop_path_rate ?? 0;
    this.addModule('norm1', buildNormLayer(norm, o.embed_dims)[1]);
    this.addModule('attn', new AttentionWithRoPE({ embed_dims: o.embed_dims, num_heads: o.num_heads, attn_drop: o.attn_drop, proj_drop: o.proj_drop, qkv_bias: o.qkv_bias ?? false, qk_scale: o.qk_scale, proj_bias: o.proj_bias, rope: o.rope, with_cls_token: o.with_cls_token }));
    this.addModule('drop_path', dpr > 0 ? new DropPath(dpr) : new Identity());
    this.addModule('norm2', buildNormLayer(norm, o.embed_dims)[1]);
    this.addModule('mlp', new SwiGLUFFN({ embed_dims: o.embed_dims, feedforward_channels: o.feedforward_channels, dropout_layer: dropRate > 0 ? { type: 'Dropout', drop_prob: dropRate } : null, norm_cfg: o.sub_ln ? norm : null, add_identity: false }));
  }

  override typeNames(): string[] {
    return ['EVA02EndcoderLayer'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const dp = this.child('drop_path');
      const h = tf.add(x, dp.call(this.child('attn').call(this.child('norm1').call(x))) as Tensor);
      return tf.add(h, dp.call(this.child('mlp').call(this.child('norm2').call(h))) as Tensor);
    });
  }
}

const A = (embed_dims: number, num_layers: number, num_heads: number): VitArch => ({ embed_dims, num_layers, num_heads, feedforward_channels: Math.trunc((embed_dims * 4 * 2) / 3) });
const T = A(192, 12, 3);
const S = A(384, 12, 6);
const B = A(768, 12, 12);
const L = A(1024, 24, 16);

export const EVA02_ARCH: Record<string, VitArch> = { t: T, ti: T, tiny: T, s: S, small: S, b: B, base: B, l: L, large: L };

export interface ViTEVA02Options extends VisionTransformerOptions {
  /** Sub-LN in the SwiGLU FFNs. Default: false. */
  sub_ln?: boolean;
  attn_drop_rate?: number;
  proj_drop_rate?: number;
}

export class ViTEVA02 extends VisionTransformer {
  static override archZoo: Record<string, VitArch> = EVA02_ARCH;
  /**
   * One rotary embedding shared by every layer's attention and registered last as `rope` (as in PyTorch: its
   * buffers appear under each layer and at the end of the state dict, and the last one loaded wins). Created by the
   * first `buildLayer`, which runs inside the base constructor (hence `declare`: no field initialiser).
   */
  declare readonly rope: RotaryEmbeddingFast;

  constructor(opts: ViTEVA02Options = {}) {
    super({ arch: 'tiny', norm_cfg: { type: 'LN' }, ...opts }, 1, 'ViTEVA02', [...VIT_KEYS, 'sub_ln', 'attn_drop_rate', 'proj_drop_rate']);
    const heads = (typeof (opts.arch ?? 'tiny') === 'string' ? EVA02_ARCH[String(opts.arch ?? 'tiny').toLowerCase()] : (opts.arch as VitArch)).num_heads;
    this.addModule('rope', this.rope ?? this.sharedRope(Math.trunc(this.embedDims / heads)));
  }

  private sharedRope(headDims: number): RotaryEmbeddingFast {
    const self = this as { rope?: RotaryEmbeddingFast };
    self.rope ??= new RotaryEmbeddingFast(headDims, this.patchResolution);
    return self.rope;
  }

  override typeNames(): string[] {
    return ['ViTEVA02'];
  }

  protected override buildLayer(base: VitLayerBase, layerCfg: Record<string, unknown>, opts: VisionTransformerOptions): TransformerEncoderLayer {
    const o = opts as ViTEVA02Options;
    const headDims = Math.trunc(base.embed_dims / base.num_heads);
    const layer = new EVA02EndcoderLayer({
      embed_dims: base.embed_dims,
      num_heads: base.num_heads,
      feedforward_channels: base.feedforward_channels,
      sub_ln: o.sub_ln ?? false,
      norm_cfg: base.norm_cfg,
      proj_drop: o.proj_drop_rate ?? 0,
      attn_drop: o.attn_drop_rate ?? 0,
      drop_rate: base.drop_rate,
      qkv_bias: o.qkv_bias ?? true,
      rope: this.sharedRope(headDims),
      with_cls_token: o.with_cls_token ?? true,
      drop_path_rate: base.drop_path_rate,
      ...layerCfg,
    });
    // The base class only calls, hooks and freezes its layers; an EVA-02 layer is a Module like them.
    return layer as unknown as TransformerEncoderLayer;
  }

  /** The token grid reaches every rotary embedding before the layers run. */
  protected override embedTokens(tokens: Tensor, grid: [number, number]): Tensor {
    this.rope.grid = grid;
    return super.embedTokens(tokens, grid);
  }
}
