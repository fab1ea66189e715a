/**
 * `XCiT` (MMPretrain `backbones/xcit.py`): `cls_token`, `patch_embed` (ConvPatchEmbed: 3×3 stride-2 ConvModules),
 * `pos_embed` (Fourier features through `token_projection`), `xca_layers.N` (cross-covariance attention, local patch
 * interaction, FFN, each scaled by `gamma1/3/2`), `ca_layers.N` (class attention), final `norm`; `out_type`
 * raw / cls_token / featmap / avg_featmap. XCA layers run on NHWC token maps here.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { buildNormLayer, ConvModule, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import { Dropout, DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { pair, type Pair } from '../nn/layout';
import { Linear } from '../nn/linear';
import { Identity, Module, type AnyModule } from '../nn/module';
import type { Generator } from '../../utils/random';
import { FFN } from '../nn/transformer';
import { PositionEncodingFourier } from '../utils/position_encoding_fourier';
import { BaseBackbone, freeze } from './base_backbone';

/** mmcv `ConvModule` with `order=('conv', 'act', 'norm')` (same children and keys, activation before the norm). */
export class ConvActNormModule extends ConvModule {
  override fuseActivations(): void {}
  override forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let y = this.conv.call(x) as Tensor;
      if (this.activate) y = this.activate.call(y) as Tensor;
      return this.normName ? (this.child(this.normName).call(y) as Tensor) : y;
    });
  }
}

/** XCiT's `PositionalEncodingFourier`: the Fourier features projected by `token_projection` (a 1×1 ConvModule). */
export class XCiTPositionalEncodingFourier extends PositionEncodingFourier {
  constructor(o: { hidden_dim?: number; dim?: number; temperature?: number } = {}) {
    const { hidden_dim = 32, dim = 768, temperature = 10000 } = o;
    super({ in_channels: hidden_dim, embed_dims: dim, temperature });
    this.removeModule('proj');
    this.addModule('token_projection', new ConvModule({ in_channels: hidden_dim * 2, out_channels: dim, kernel_size: 1, norm_cfg: null, act_cfg: null }));
  }

  override typeNames(): string[] {
    return ['PositionalEncodingFourier'];
  }

  /** (B, H, W) → the NHWC (B, H, W, dim) encoding. */
  override forward([b, h, w]: [number, number, number]): Tensor {
    const pos = this.features(h, w);
    return tf.tidy(() => {
      const y = this.child('token_projection').call(pos) as Tensor;
      return b === 1 ? y : tf.tile(y, [b, 1, 1, 1]);
    });
  }
}

/** `ConvPatchEmbed`: `proj` = 3×3 stride-2 ConvModules (4 for patch 16, 3 for patch 8), the last without activation. */
export class ConvPatchEmbed extends Module {
  constructor(o: { patch_size: number; in_channels: number; embed_dims: number; norm_cfg: NormCfg; act_cfg: ActCfg }) {
    super();
    const { patch_size, in_channels, embed_dims: d, norm_cfg, act_cfg } = o;
    const conv = (inC: number, outC: number, act: ActCfg | null = act_cfg) => new ConvModule({ in_channels: inC, out_channels: outC, kernel_size: 3, stride: 2, padding: 1, norm_cfg, act_cfg: act });
    const layers: AnyModule[] = [];
    if (patch_size === 16) layers.push(conv(in_channels, Math.floor(d / 8)), conv(Math.floor(d / 8), Math.floor(d / 4)));
    else if (patch_size === 8) layers.push(conv(in_channels, Math.floor(d / 4)));
    else throw new Error(`For patch embedding, the patch size must be 16 or 8, but get patch size ${patch_size}.`);
    layers.push(conv(Math.floor(d / 4), Math.floor(d / 2)), conv(Math.floor(d / 2), d, null));
    this.addModule('proj', new Sequential(...layers));
  }
  override typeNames(): string[] {
    return ['ConvPatchEmbed'];
  }
  /** NHWC images → NHWC (B, Hp, Wp, C) map. */
  forward(x: Tensor): Tensor {
    return this.child('proj').call(x) as Tensor;
  }
}

/** `LPI`: depthwise 3×3 conv → act → BN, then a depthwise 3×3 conv; on NHWC maps. */
export class LPI extends Module {
  constructor(o: { in_features: number; out_features?: number | null; kernel_size?: number; norm_cfg?: NormCfg; act_cfg?: ActCfg }) {
    super();
    const { in_features: c, kernel_size: k = 3, norm_cfg = { type: 'BN' }, act_cfg = { type: 'GELU' } } = o;
    const out = o.out_features || c;
    const padding = Math.floor(k / 2);
    this.addModule('conv1', new ConvActNormModule({ in_channels: c, out_channels: c, kernel_size: k, padding, groups: c, bias: true, norm_cfg, act_cfg }));
    this.addModule('conv2', new ConvModule({ in_channels: c, out_channels: out, kernel_size: k, padding, groups: out, norm_cfg: null, act_cfg: null }));
  }
  override typeNames(): string[] {
    return ['LPI'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.child('conv2').call(this.child('conv1').call(x)) as Tensor);
  }
}

/** `F.normalize(x, dim=-1)`: x / max(‖x‖₂, 1e-12). */
function l2Normalize(x: Tensor): Tensor {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), -1, true)), 1e-12)));
}

/** Cross-covariance attention: softmax(q̂ k̂ᵀ · temperature) over channels (per head), applied to v; x: [B, N, C]. */
export class XCA extends Module {
  readonly numHeads: number;
  constructor(o: { dim: number; num_heads?: number; qkv_bias?: boolean; attn_drop?: number; proj_drop?: number }) {
    super();
    const { dim, num_heads = 8, qkv_bias = false, attn_drop = 0, proj_drop = 0 } = o;
    this.numHeads = num_heads;
    this.registerParameter('temperature', [num_heads, 1, 1], 1);
    this.addModule('qkv', new Linear({ in_features: dim, out_features: dim * 3, bias: qkv_bias }));
    this.addModule('attn_drop', new Dropout(attn_drop));
    this.addModule('proj', new Linear({ in_features: dim, out_features: dim }));
    this.addModule('proj_drop', new Dropout(proj_drop));
  }
  override typeNames(): string[] {
    return ['XCA'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, n, c] = x.shape as [number, number, number];
      const h = this.numHeads;
      const qkv = tf.transpose(tf.reshape(this.child('qkv').call(x) as Tensor, [b, n, 3, h, c / h]), [2, 0, 3, 4, 1]);
      const [q, k, v] = tf.unstack(qkv, 0);
      let attn = tf.mul(tf.matMul(l2Normalize(q), l2Normalize(k), false, true), this.param('temperature'));
      attn = this.child('attn_drop').call(tf.softmax(attn, -1)) as Tensor;
      const y = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 3, 1, 2]), [b, n, c]);
      return this.child('proj_drop').call(this.child('proj').call(y)) as Tensor;
    });
  }
}

export interface XCABlockOptions {
  dim: number;
  num_heads: number;
  mlp_ratio?: number;
  qkv_bias?: boolean;
  drop?: number;
  attn_drop?: number;
  drop_path?: number;
  layer_scale_init_value?: number;
  bn_norm_cfg?: NormCfg;
  norm_cfg?: NormCfg;
  act_cfg?: ActCfg;
}

/** x + γ1·XCA(norm1 x), x + γ3·LPI(norm3 x), x + γ2·FFN(norm2 x); x: NHWC token map (B, H, W, C). */
export class XCABlock extends Module {
  constructor(o: XCABlockOptions) {
    super();
    const { dim, num_heads, mlp_ratio = 4, qkv_bias = false, drop = 0, attn_drop = 0, drop_path = 0, layer_scale_init_value: ls = 1, bn_norm_cfg = { type: 'BN' }, norm_cfg = { type: 'LN', eps: 1e-6 }, act_cfg = { type: 'GELU' } } = o;
    this.registerParameter('gamma1', [dim], ls);
    this.registerParameter('gamma3', [dim], ls);
    this.registerParameter('gamma2', [dim], ls);
    this.addModule('norm1', buildNormLayer(norm_cfg, dim)[1]);
    this.addModule('attn', new XCA({ dim, num_heads, qkv_bias, attn_drop, proj_drop: drop }));
    this.addModule('drop_path', drop_path > 0 ? new DropPath(drop_path) : new Identity());
    this.addModule('norm3', buildNormLayer(norm_cfg, dim)[1]);
    this.addModule('local_mp', new LPI({ in_features: dim, norm_cfg: bn_norm_cfg, act_cfg }));
    this.addModule('norm2', buildNormLayer(norm_cfg, dim)[1]);
    this.addModule('ffn', new FFN({ embed_dims: dim, feedforward_channels: Math.trunc(dim * mlp_ratio), act_cfg, ffn_drop: drop, add_identity: false }));
  }
  override typeNames(): string[] {
    return ['XCABlock'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, hh, ww, c] = x.shape as [number, number, number, number];
      const dp = this.child('drop_path');
      const branch = (g: string, y: Tensor) => dp.call(tf.mul(this.param(g), y)) as Tensor;
      const tokens = tf.reshape(this.child('norm1').call(x) as Tensor, [b, hh * ww, c]);
      let h = tf.add(x, branch('gamma1', tf.reshape(this.child('attn').call(tokens) as Tensor, [b, hh, ww, c])));
      h = tf.add(h, branch('gamma3', this.child('local_mp').call(this.child('norm3').call(h)) as Tensor));
      return tf.add(h, branch('gamma2', this.child('ffn').call(this.child('norm2').call(h)) as Tensor));
    });
  }
}

/** Class attention: the class token's query over every token; x: [B, N, C] → [B, 1, C]. */
export class ClassAttention extends Module {
  readonly numHeads: number;
  readonly scale: number;
  constructor(o: { dim: number; num_heads?: number; qkv_bias?: boolean; attn_drop?: number; proj_drop?: number }) {
    super();
    const { dim, num_heads = 8, qkv_bias = false, attn_drop = 0, proj_drop = 0 } = o;
    this.numHeads = num_heads;
    this.scale = Math.floor(dim / num_heads) ** -0.5;
    for (const n of ['q', 'k', 'v']) this.addModule(n, new Linear({ in_features: dim, out_features: dim, bias: qkv_bias }));
    this.addModule('attn_drop', new Dropout(attn_drop));
    this.addModule('proj', new Linear({ in_features: dim, out_features: dim }));
    this.addModule('proj_drop', new Dropout(proj_drop));
  }
  override typeNames(): string[] {
    return ['ClassAttntion'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, n, c] = x.shape as [number, number, number];
      const h = this.numHeads;
      const heads = (t: Tensor, len: number) => tf.transpose(tf.reshape(t, [b, len, h, c / h]), [0, 2, 1, 3]);
      const q = tf.mul(heads(this.child('q').call(tf.slice(x, [0, 0, 0], [-1, 1, -1])) as Tensor, 1), this.scale);
      const k = heads(this.child('k').call(x) as Tensor, n);
      const v = heads(this.child('v').call(x) as Tensor, n);
      const attn = this.child('attn_drop').call(tf.softmax(tf.matMul(q, k, false, true), -1)) as Tensor;
      const y = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [b, 1, c]);
      return this.child('proj_drop').call(this.child('proj').call(y)) as Tensor;
    });
  }
}

export interface ClassAttentionBlockOptions {
  dim: number;
  num_heads: number;
  mlp_ratio?: number;
  qkv_bias?: boolean;
  drop?: number;
  attn_drop?: number;
  drop_path?: number;
  layer_scale_init_value?: number;
  tokens_norm?: boolean;
  norm_cfg?: NormCfg;
  act_cfg?: ActCfg;
}

/** CaiT-style class-attention block (only the class token goes through attention's query and the FFN). */
export class ClassAttentionBlock extends Module {
  readonly tokensNorm: boolean;
  readonly hasGamma: boolean;
  constructor(o: ClassAttentionBlockOptions) {
    super();
    const { dim, num_heads, mlp_ratio = 4, qkv_bias = false, drop = 0, attn_drop = 0, drop_path = 0, layer_scale_init_value: ls = 1, tokens_norm = false, norm_cfg = { type: 'LN', eps: 1e-6 }, act_cfg = { type: 'GELU' } } = o;
    this.hasGamma = ls > 0;
    if (this.hasGamma) {
      this.registerParameter('gamma1', [dim], ls);
      this.registerParameter('gamma2', [dim], ls);
    }
    this.addModule('norm1', buildNormLayer(norm_cfg, dim)[1]);
    this.addModule('attn', new ClassAttention({ dim, num_heads, qkv_bias, attn_drop, proj_drop: drop }));
    this.addModule('drop_path', drop_path > 0 ? new DropPath(drop_path) : new Identity());
    this.addModule('norm2', buildNormLayer(norm_cfg, dim)[1]);
    this.addModule('ffn', new FFN({ embed_dims: dim, feedforward_channels: Math.trunc(dim * mlp_ratio), act_cfg, ffn_drop: drop, add_identity: false }));
    this.tokensNorm = tokens_norm;
  }
  override typeNames(): string[] {
    return ['ClassAttentionBlock'];
  }
  private gamma(name: string, x: Tensor): Tensor {
    return this.hasGamma ? tf.mul(this.param(name), x) : x;
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const dp = this.child('drop_path');
      const cls = (t: Tensor) => tf.slice(t, [0, 0, 0], [-1, 1, -1]);
      const rest = (t: Tensor) => tf.slice(t, [0, 1, 0], [-1, -1, -1]);
      const xn = this.child('norm1').call(x) as Tensor;
      const xAttn = tf.concat([this.child('attn').call(xn) as Tensor, rest(xn)], 1);
      let h = tf.add(x, dp.call(this.gamma('gamma1', xAttn)) as Tensor);
      const norm2 = this.child('norm2');
      h = this.tokensNorm ? (norm2.call(h) as Tensor) : tf.concat([norm2.call(cls(h)) as Tensor, rest(h)], 1);
      const c = this.gamma('gamma2', this.child('ffn').call(cls(h)) as Tensor);
      return tf.add(h, dp.call(tf.concat([c, rest(h)], 1)) as Tensor);
    });
  }
}

export type XCiTOutType = 'raw' | 'cls_token' | 'featmap' | 'avg_featmap';

export interface XCiTOptions {
  /** Default: 224. */
  img_size?: Pair;
  /** 16 or 8. Default: 16. */
  patch_size?: number;
  /** Default: 3. */
  in_channels?: number;
  /** Default: 768. */
  embed_dims?: number;
  /** XCA layers. Default: 12. */
  depth?: number;
  /** Default: 2. */
  cls_attn_layers?: number;
  /** Default: 12. */
  num_heads?: number;
  /** Default: 4. */
  mlp_ratio?: number;
  /** Default: true. */
  qkv_bias?: boolean;
  drop_rate?: number;
  attn_drop_rate?: number;
  /** Same rate in every XCA layer (as MMPretrain). Default: 0. */
  drop_path_rate?: number;
  /** Default: true. */
  use_pos_embed?: boolean;
  /** Default: 1. */
  layer_scale_init_value?: number;
  /** Default: false. */
  tokens_norm?: boolean;
  /** Default: 'cls_token'. */
  out_type?: XCiTOutType;
  /** Indices over the XCA then the class-attention layers; negative ones count from the end. Default: [-1]. */
  out_indices?: number | number[];
  /** Default: true. */
  final_norm?: boolean;
  /** Default: -1. */
  frozen_stages?: number;
  /** Default: BN. */
  bn_norm_cfg?: NormCfg;
  /** Default: LN eps 1e-6. */
  norm_cfg?: NormCfg;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Default: TruncNormal on Linear layers. */
  init_cfg?: InitCfg | InitCfg[] | null;
}

const XCIT_KEYS = ['img_size', 'patch_size', 'in_channels', 'embed_dims', 'depth', 'cls_attn_layers', 'num_heads', 'mlp_ratio', 'qkv_bias', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'use_pos_embed', 'layer_scale_init_value', 'tokens_norm', 'out_type', 'out_indices', 'final_norm', 'frozen_stages', 'bn_norm_cfg', 'norm_cfg', 'act_cfg', 'init_cfg'];

export class XCiT extends BaseBackbone {
  readonly embedDims: number;
  readonly outType: XCiTOutType;
  readonly usePosEmbed: boolean;
  readonly numLayers: number;
  readonly depth: number;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly clsToken: tf.Variable;
  readonly xcaLayers: ModuleList<XCABlock>;
  readonly caLayers: ModuleList<ClassAttentionBlock>;

  constructor(opts: XCiTOptions = {}) {
    checkKeys(opts, XCIT_KEYS, 'XCiT');
    super(opts.init_cfg === undefined ? { type: 'TruncNormal', layer: 'Linear' } : opts.init_cfg);
    const { img_size = 224, patch_size = 16, in_channels = 3, embed_dims = 768, depth = 12, cls_attn_layers = 2, num_heads = 12, mlp_ratio = 4, qkv_bias = true, drop_rate = 0, attn_drop_rate = 0, drop_path_rate = 0, use_pos_embed = true, layer_scale_init_value = 1, tokens_norm = false, out_type = 'cls_token', out_indices = [-1], final_norm = true, frozen_stages = -1, bn_norm_cfg = { type: 'BN' }, norm_cfg = { type: 'LN', eps: 1e-6 }, act_cfg = { type: 'GELU' } } = opts;
    const img = pair(img_size);
    if (img[0] % patch_size !== 0 || img[1] % patch_size !== 0) throw new Error(`\`patch_size\` (${patch_size}) should divide the image shape ((${img.join(', ')})) evenly.`);
    this.embedDims = embed_dims;
    assert(['raw', 'featmap', 'avg_featmap', 'cls_token'].includes(out_type), () => `XCiT: out_type must be one of ('raw', 'featmap', 'avg_featmap', 'cls_token'), got '${out_type}'`);
    this.outType = out_type;

    this.clsToken = this.registerParameter('cls_token', [1, 1, embed_dims]);
    this.addModule('patch_embed', new ConvPatchEmbed({ patch_size, in_channels, embed_dims, norm_cfg: bn_norm_cfg, act_cfg }));
    this.usePosEmbed = use_pos_embed;
    if (use_pos_embed) this.addModule('pos_embed', new XCiTPositionalEncodingFourier({ dim: embed_dims }));
    this.addModule('pos_drop', new Dropout(drop_rate));

    this.xcaLayers = this.addModule('xca_layers', new ModuleList<XCABlock>());
    this.caLayers = this.addModule('ca_layers', new ModuleList<ClassAttentionBlock>());
    this.depth = depth;
    this.numLayers = depth + cls_attn_layers;
    for (let i = 0; i < depth; i++) {
      this.xcaLayers.push(new XCABlock({ dim: embed_dims, num_heads, mlp_ratio, qkv_bias, drop: drop_rate, attn_drop: attn_drop_rate, drop_path: drop_path_rate, bn_norm_cfg, norm_cfg, act_cfg, layer_scale_init_value }));
    }
    for (let i = 0; i < cls_attn_layers; i++) {
      this.caLayers.push(new ClassAttentionBlock({ dim: embed_dims, num_heads, mlp_ratio, qkv_bias, drop: drop_rate, attn_drop: attn_drop_rate, act_cfg, norm_cfg, layer_scale_init_value, tokens_norm }));
    }
    if (final_norm) this.addModule('norm', buildNormLayer(norm_cfg, embed_dims)[1]);

    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : [...out_indices]).map((i) => {
      const j = i < 0 ? this.numLayers + i : i;
      assert(j >= 0 && j <= this.numLayers, () => `Invalid out_indices ${i}.`);
      return j;
    });
    if (frozen_stages > this.numLayers + 1) throw new Error(`frozen_stages must be less than ${this.numLayers} but get ${frozen_stages}`);
    this.frozenStages = frozen_stages;
    this.freezeStages();
  }

  /** `init_weights`: `cls_token` ~ TruncNormal(std 0.02). */
  afterInitWeights(rng: Generator): void {
    const t = this.clsToken;
    tf.tidy(() => t.assign(tf.tensor(rng.truncNormalArray(t.size, 0, 0.02, -2, 2), t.shape)));
  }

  private freezeStages(): void {
    if (this.frozenStages < 0) return;
    const mods: AnyModule[] = [];
    if (this.usePosEmbed) mods.push(this.child('pos_embed'));
    mods.push(this.child('patch_embed'));
    freeze(mods);
    this.child('pos_drop').eval();
    const nx = this.xcaLayers.length;
    if (this.frozenStages > nx) this.clsToken.trainable = false;
    for (let i = 1; i < this.frozenStages; i++) freeze([i <= nx ? this.xcaLayers.at(i - 1) : this.caLayers.at(i - nx - 1)]);
    if (this.frozenStages === nx + this.caLayers.length && this.namedChildren().some(([n]) => n === 'norm')) freeze([this.child('norm')]);
  }

  override train(mode = true): this {
    super.train(mode);
    this.freezeStages();
    return this;
  }

  private formatOutput(x: Tensor, hw: [number, number], withCls: boolean): Tensor {
    if (this.outType === 'raw') return tf.clone(x);
    if (this.outType === 'cls_token') {
      if (!withCls) throw new Error('Cannot output cls_token since there is no cls_token.');
      return tf.squeeze(tf.slice(x, [0, 0, 0], [-1, 1, -1]), [1]);
    }
    const patch = withCls ? tf.slice(x, [0, 1, 0], [-1, -1, -1]) : x;
    if (this.outType === 'featmap') return tf.reshape(patch, [x.shape[0], hw[0], hw[1], this.embedDims]);
    return tf.mean(patch, 1);
  }

  /** x: NHWC images → outputs per `out_indices` (token tensors [B, N, C] / (B, C) / NHWC maps). */
  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    const b = x.shape[0];
    let h = tf.tidy(() => {
      let y = this.child('patch_embed').call(x) as Tensor;
      if (this.usePosEmbed) y = tf.add(y, this.child('pos_embed').call([b, y.shape[1], y.shape[2]]) as Tensor);
      return this.child('pos_drop').call(y) as Tensor;
    });
    const hw: [number, number] = [h.shape[1]!, h.shape[2]!];
    const nx = this.xcaLayers.length;
    const nca = this.caLayers.length;
    let hooked = false;
    const step = (f: () => Tensor, nextHooked: boolean) => {
      const next = tf.tidy(f);
      if (!hooked) h.dispose();
      hooked = nextHooked;
      h = next;
    };
    this.xcaLayers.items().forEach((layer, i) => {
      step(() => layer.call(h) as Tensor, layer.hasForwardHooks());
      if (this.outIndices.includes(i)) outs.push(tf.tidy(() => this.formatOutput(tf.reshape(h, [b, hw[0] * hw[1], this.embedDims]), hw, false)));
    });
    if (nca > 0) step(() => tf.concat([tf.tile(this.clsToken, [b, 1, 1]), tf.reshape(h, [b, hw[0] * hw[1], this.embedDims])], 1), false);
    this.caLayers.items().forEach((layer, i) => {
      step(() => {
        const y = layer.call(h) as Tensor;
        if (i !== nca - 1) return y;
        assert(this.namedChildren().some(([n]) => n === 'norm'), () => "'XCiT' object has no attribute 'norm'");
        return this.child('norm').call(y) as Tensor;
      }, layer.hasForwardHooks() && i !== nca - 1);
      if (this.outIndices.includes(i + nx)) outs.push(tf.tidy(() => this.formatOutput(h, hw, true)));
    });
    if (!hooked) h.dispose();
    return outs;
  }
}
