/**
 * Transformer in Transformer (MMPretrain `backbones/tnt.py`): a 7×7 convolution (`pixel_embed.proj`, stride
 * `first_stride`) cut into `patch_size / first_stride` pixel grids per patch (`nn.Unfold`), `pixel_pos` added; the
 * pixels of a patch are flattened and projected (`norm1_proj` → `projection` → `norm2_proj`) to a patch token,
 * `cls_token` prepended, `patch_pos` added; then `layers.N` of TnTLayer: an inner transformer block over the
 * pixels of each patch, whose (normed) result is projected and added to the patch tokens (not the class token),
 * then an outer block over the patch tokens. The output is the normed class token.
 *
 * The blocks use mmcv's `MultiheadAttention`, a wrapper of `torch.nn.MultiheadAttention` (keys
 * `attn.attn.in_proj_weight`, `in_proj_bias` — dropped with `qkv_bias=False` — and `attn.attn.out_proj`).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import { Conv2d } from '../nn/conv';
import { Dropout, DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { pair, type Pair } from '../nn/layout';
import { Linear } from '../nn/linear';
import { Identity, Module } from '../nn/module';
import type { Generator } from '../../utils/random';
import { FFN } from '../nn/transformer';
import { linspace } from '../utils/linspace';
import { BaseBackbone } from './base_backbone';
import { resolveArch } from './swin_transformer';

/**
 * `torch.nn.MultiheadAttention` as self-attention on [B, N, C] (batch first): packed `in_proj_weight` [3C, C]
 * (and `in_proj_bias`), softmax(q·kᵀ/√d) with dropout, `out_proj`.
 */
export class TorchMultiheadAttention extends Module {
  readonly embedDims: number;
  readonly numHeads: number;
  readonly headDims: number;
  readonly inProjWeight: tf.Variable;
  readonly inProjBias: tf.Variable | null;

  constructor(embedDims: number, numHeads: number, dropout = 0, bias = true) {
    super();
    assert(Math.trunc(embedDims / numHeads) * numHeads === embedDims, () => 'embed_dim must be divisible by num_heads');
    this.embedDims = embedDims;
    this.numHeads = numHeads;
    this.headDims = embedDims / numHeads;
    this.inProjWeight = this.registerParameter('in_proj_weight', [3 * embedDims, embedDims]);
    this.inProjBias = bias ? this.registerParameter('in_proj_bias', [3 * embedDims]) : null;
    this.addModule('attn_drop', new Dropout(dropout));
    this.addModule('out_proj', new Linear({ in_features: embedDims, out_features: embedDims }));
  }

  override typeNames(): string[] {
    return ['MultiheadAttention'];
  }

  /** `_reset_parameters`: `in_proj_weight` Xavier-uniform, `in_proj_bias` and `out_proj.bias` zero. */
  afterInitWeights(rng: Generator): void {
    tf.tidy(() => {
      const a = Math.sqrt(6 / (4 * this.embedDims));
      this.inProjWeight.assign(tf.tensor(rng.uniformArray(this.inProjWeight.size, -a, a), this.inProjWeight.shape));
      this.inProjBias?.assign(tf.zerosLike(this.inProjBias));
      const out = this.child<Linear>('out_proj');
      out.bias?.assign(tf.zerosLike(out.bias));
    });
  }

  /**
   * FLOPs counted by fvcore inside `F.multi_head_attention_forward` on [B, N, C]: the packed input projection
   * (`linear`) and the two `bmm`s; `out_proj` is a Linear child and counts itself.
   */
  matmulCost(shape: readonly number[]): { flops: number; acts: number } {
    const [b, n, c] = shape as [number, number, number];
    return { flops: b * n * c * 3 * c + 2 * b * n * n * c, acts: b * n * 3 * c + b * this.numHeads * n * n + b * n * c };
  }

  /** x: [B, N, C] (query = key = value). */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, n, c] = x.shape as [number, number, number];
      let qkv = tf.matMul(tf.reshape(x, [b * n, c]), this.inProjWeight, false, true);
      if (this.inProjBias) qkv = tf.add(qkv, this.inProjBias);
      const heads = (t: Tensor) => tf.transpose(tf.reshape(t, [b, n, this.numHeads, this.headDims]), [0, 2, 1, 3]);
      const [q, k, v] = tf.split(qkv, 3, -1).map(heads);
      const logits = tf.matMul(tf.mul(q, 1 / Math.sqrt(this.headDims)), k, false, true);
      const p = this.child('attn_drop').call(tf.softmax(logits, -1)) as Tensor;
      const y = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [b, n, c]);
      return this.child('out_proj').call(y) as Tensor;
    });
  }
}

/** mmcv's `MultiheadAttention` (batch first): `attn` (torch MHA) → `proj_drop` → `dropout_layer` (DropPath), + identity. */
export class MMCVMultiheadAttention extends Module {
  constructor(o: { embed_dims: number; num_heads: number; attn_drop?: number; proj_drop?: number; drop_path?: number; bias?: boolean }) {
    super();
    this.addModule('attn', new TorchMultiheadAttention(o.embed_dims, o.num_heads, o.attn_drop ?? 0, o.bias ?? true));
    this.addModule('proj_drop', new Dropout(o.proj_drop ?? 0));
    this.addModule('dropout_layer', (o.drop_path ?? 0) > 0 ? new DropPath(o.drop_path) : new Identity());
  }

  /** Both mmcv's wrapper and the torch module inside print as `MultiheadAttention`. */
  override typeNames(): string[] {
    return ['MultiheadAttention'];
  }

  /** identity + dropout_layer(proj_drop(attn(query))). */
  forwardWithIdentity(query: Tensor, identity: Tensor): Tensor {
    return tf.tidy(() => tf.add(identity, this.forward(query)));
  }

  /** The residual branch only. */
  forward(query: Tensor): Tensor {
    return tf.tidy(() => this.child('dropout_layer').call(this.child('proj_drop').call(this.child('attn').call(query) as Tensor)) as Tensor);
  }
}

export interface TNTBlockOptions {
  embed_dims: number;
  num_heads: number;
  /** Default: 4. */
  ffn_ratio?: number;
  drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  /** Default: 2. */
  num_fcs?: number;
  /** Default: false (no `in_proj_bias`). */
  qkv_bias?: boolean;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Default: LN. */
  norm_cfg?: NormCfg;
  batch_first?: boolean;
  init_cfg?: InitCfg | null;
}

/** TNT's `TransformerBlock`: x + attn(norm_attn(x)), then x + ffn(norm_ffn(x)). */
export class TNTTransformerBlock extends Module {
  constructor(o: TNTBlockOptions) {
    super();
    checkKeys(o, ['embed_dims', 'num_heads', 'ffn_ratio', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'num_fcs', 'qkv_bias', 'act_cfg', 'norm_cfg', 'batch_first', 'init_cfg'], 'TransformerBlock');
    const { embed_dims, num_heads, ffn_ratio = 4, drop_rate = 0, attn_drop_rate = 0, drop_path_rate = 0, num_fcs = 2, qkv_bias = false, act_cfg = { type: 'GELU' }, norm_cfg = { type: 'LN' } } = o;
    assert(o.batch_first ?? true, () => 'TransformerBlock: only batch_first=True is supported');
    this.addModule('norm_attn', buildNormLayer(norm_cfg, embed_dims)[1]);
    this.addModule('attn', new MMCVMultiheadAttention({ embed_dims, num_heads, attn_drop: attn_drop_rate, proj_drop: drop_rate, drop_path: drop_path_rate, bias: qkv_bias }));
    this.addModule('norm_ffn', buildNormLayer(norm_cfg, embed_dims)[1]);
    this.addModule('ffn', new FFN({ embed_dims, feedforward_channels: embed_dims * ffn_ratio, num_fcs, ffn_drop: drop_rate, drop_path: drop_path_rate, act_cfg }));
  }

  override typeNames(): string[] {
    return ['TransformerBlock'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const h = this.child<MMCVMultiheadAttention>('attn').forwardWithIdentity(this.child('norm_attn').call(x) as Tensor, x);
      return this.child<FFN>('ffn').forwardWithIdentity(this.child('norm_ffn').call(h) as Tensor, h);
    });
  }
}

/** One TNT encoder layer on (pixel tokens [B·P, p, Ci], patch tokens [B, 1 + P, Co]). */
export class TnTLayer extends Module<[Tensor, Tensor], [Tensor, Tensor]> {
  constructor(o: { num_pixel: number; embed_dims_inner: number; embed_dims_outer: number; num_heads_inner: number; num_heads_outer: number; inner_block_cfg?: Partial<TNTBlockOptions>; outer_block_cfg?: Partial<TNTBlockOptions>; norm_cfg?: NormCfg }) {
    super();
    const norm = o.norm_cfg ?? { type: 'LN' };
    this.addModule('inner_block', new TNTTransformerBlock({ embed_dims: o.embed_dims_inner, num_heads: o.num_heads_inner, ...o.inner_block_cfg }));
    this.addModule('norm_proj', buildNormLayer(norm, o.embed_dims_inner)[1]);
    this.addModule('projection', new Linear({ in_features: o.embed_dims_inner * o.num_pixel, out_features: o.embed_dims_outer }));
    this.addModule('outer_block', new TNTTransformerBlock({ embed_dims: o.embed_dims_outer, num_heads: o.num_heads_outer, ...o.outer_block_cfg }));
  }

  override typeNames(): string[] {
    return ['TnTLayer'];
  }

  forward([pixel, patch]: [Tensor, Tensor]): [Tensor, Tensor] {
    return tf.tidy(() => {
      const px = this.child('inner_block').call(pixel) as Tensor;
      const [b, n, c] = patch.shape as [number, number, number];
      const inner = this.child('projection').call(tf.reshape(this.child('norm_proj').call(px) as Tensor, [b, n - 1, -1])) as Tensor;
      const cls = tf.slice(patch, [0, 0, 0], [b, 1, c]);
      const tokens = tf.add(tf.slice(patch, [0, 1, 0], [b, n - 1, c]), inner);
      return [px, this.child('outer_block').call(tf.concat([cls, tokens], 1)) as Tensor];
    });
  }
}

/** `PixelEmbed`: `proj` (7×7 conv, padding 3) → unfold into per-patch pixel grids → + `pixel_pos` → [B·P, kh·kw, Ci]. */
export class PixelEmbed extends Module<[Tensor, Tensor], Tensor> {
  readonly imgSize: [number, number];
  readonly numPatches: number;
  readonly embedDimsInner: number;
  readonly newPatchSize: [number, number];

  constructor(o: { img_size?: Pair; patch_size?: Pair; in_channels?: number; embed_dims_inner?: number; stride?: number }) {
    super();
    const { img_size = 224, patch_size = 16, in_channels = 3, embed_dims_inner = 48, stride = 4 } = o;
    this.imgSize = pair(img_size);
    const ps = pair(patch_size);
    this.numPatches = Math.floor(this.imgSize[0] / ps[0]) * Math.floor(this.imgSize[1] / ps[1]);
    this.embedDimsInner = embed_dims_inner;
    this.newPatchSize = [Math.ceil(ps[0] / stride), Math.ceil(ps[1] / stride)];
    this.addModule('proj', new Conv2d({ in_channels, out_channels: embed_dims_inner, kernel_size: 7, padding: 3, stride }));
  }

  override typeNames(): string[] {
    return ['PixelEmbed'];
  }

  /** x: NHWC images; pixelPos: `pixel_pos` [1, Ci, kh, kw]. */
  forward([x, pixelPos]: [Tensor, Tensor]): Tensor {
    const [b, H, W] = x.shape as [number, number, number, number];
    assert(H === this.imgSize[0] && W === this.imgSize[1], () => `Input image size (${H}*${W}) doesn't match model (${this.imgSize[0]}*${this.imgSize[1]}).`);
    return tf.tidy(() => {
      const y = this.child('proj').call(x) as Tensor;
      const [, h, w, c] = y.shape as [number, number, number, number];
      const [kh, kw] = this.newPatchSize;
      const nh = Math.floor(h / kh);
      const nw = Math.floor(w / kw);
      assert(nh * nw === this.numPatches, () => `shape '[${b * this.numPatches}, ${c}, ${kh}, ${kw}]' is invalid for input of size ${b * nh * nw * c * kh * kw}`);
      // nn.Unfold with kernel = stride = (kh, kw): whole grids only; per patch the pixels row-major, channels last.
      const crop = nh * kh === h && nw * kw === w ? y : tf.slice(y, [0, 0, 0, 0], [b, nh * kh, nw * kw, c]);
      const grids = tf.transpose(tf.reshape(crop, [b * nh, kh, nw, kw * c]), [0, 2, 1, 3]);
      const pos = tf.reshape(tf.transpose(pixelPos, [0, 2, 3, 1]), [1, kh * kw, c]);
      return tf.add(tf.reshape(grids, [b * nh * nw, kh * kw, c]), pos);
    });
  }
}

export interface TNTArch {
  embed_dims_outer: number;
  embed_dims_inner: number;
  num_layers: number;
  num_heads_outer: number;
  num_heads_inner: number;
}

const S: TNTArch = { embed_dims_outer: 384, embed_dims_inner: 24, num_layers: 12, num_heads_outer: 6, num_heads_inner: 4 };
const B: TNTArch = { embed_dims_outer: 640, embed_dims_inner: 40, num_layers: 12, num_heads_outer: 10, num_heads_inner: 4 };

export const TNT_ARCH_ZOO: Record<string, TNTArch> = { s: S, small: S, b: B, base: B };

export interface TNTOptions {
  /** 's' | 'small' | 'b' | 'base' or a dict with exactly the five `TNTArch` keys. Default: 'b'. */
  arch?: string | TNTArch;
  /** Default: 224 (the input must have this size). */
  img_size?: Pair;
  /** Default: 16. */
  patch_size?: Pair;
  in_channels?: number;
  /** Default: 4. */
  ffn_ratio?: number;
  /** Default: false. */
  qkv_bias?: boolean;
  drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  /** Accepted and ignored, as in MMPretrain (the blocks always use GELU). */
  act_cfg?: ActCfg;
  /** Default: LN. */
  norm_cfg?: NormCfg;
  /** Stride of the pixel-embedding convolution. Default: 4. */
  first_stride?: number;
  /** Default: 2. */
  num_fcs?: number;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const TNT_KEYS = ['arch', 'img_size', 'patch_size', 'in_channels', 'ffn_ratio', 'qkv_bias', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'act_cfg', 'norm_cfg', 'first_stride', 'num_fcs', 'init_cfg'];

const TNT_INIT: InitCfg[] = [
  { type: 'TruncNormal', layer: 'Linear', std: 0.02 },
  { type: 'Constant', layer: 'LayerNorm', val: 1, bias: 0 },
];

export class TNT extends BaseBackbone {
  readonly archSettings: TNTArch;
  readonly embedDims: number;
  readonly embedDimsInner: number;
  readonly numLayers: number;
  readonly numPatches: number;
  /** The class token before the patch tokens (CAM's token-grid reshaping). */
  readonly numExtraTokens = 1;
  readonly clsToken: tf.Variable;
  readonly patchPos: tf.Variable;
  readonly pixelPos: tf.Variable;
  readonly layers: ModuleList<TnTLayer>;

  constructor(opts: TNTOptions = {}) {
    checkKeys(opts, TNT_KEYS, 'TNT');
    super(opts.init_cfg === undefined ? TNT_INIT : opts.init_cfg);
    const arch = resolveArch(opts.arch ?? 'b', TNT_ARCH_ZOO, ['embed_dims_outer', 'embed_dims_inner', 'num_layers', 'num_heads_inner', 'num_heads_outer']);
    this.archSettings = arch;
    const { img_size = 224, patch_size = 16, in_channels = 3, ffn_ratio = 4, qkv_bias = false, drop_rate = 0, attn_drop_rate = 0, drop_path_rate = 0, norm_cfg = { type: 'LN' }, first_stride = 4, num_fcs = 2 } = opts;
    this.embedDims = arch.embed_dims_outer;
    this.embedDimsInner = arch.embed_dims_inner;
    this.numLayers = arch.num_layers;
    const pixelEmbed = new PixelEmbed({ img_size, patch_size, in_channels, embed_dims_inner: this.embedDimsInner, stride: first_stride });
    this.numPatches = pixelEmbed.numPatches;
    const [kh, kw] = pixelEmbed.newPatchSize;
    const numPixel = kh * kw;
    this.clsToken = this.registerParameter('cls_token', [1, 1, this.embedDims]);
    this.patchPos = this.registerParameter('patch_pos', [1, this.numPatches + 1, this.embedDims]);
    this.pixelPos = this.registerParameter('pixel_pos', [1, this.embedDimsInner, kh, kw]);
    this.addModule('pixel_embed', pixelEmbed);
    this.addModule('norm1_proj', buildNormLayer(norm_cfg, numPixel * this.embedDimsInner)[1]);
    this.addModule('projection', new Linear({ in_features: numPixel * this.embedDimsInner, out_features: this.embedDims }));
    this.addModule('norm2_proj', buildNormLayer(norm_cfg, this.embedDims)[1]);
    this.addModule('drop_after_pos', new Dropout(drop_rate));
    const dpr = linspace(0, drop_path_rate, this.numLayers);
    this.layers = this.addModule('layers', new ModuleList<TnTLayer>());
    for (let i = 0; i < this.numLayers; i++) {
      const blockCfg = { ffn_ratio, drop_rate, attn_drop_rate, drop_path_rate: dpr[i], num_fcs, qkv_bias, norm_cfg, batch_first: true };
      this.layers.push(new TnTLayer({ num_pixel: numPixel, embed_dims_inner: this.embedDimsInner, embed_dims_outer: this.embedDims, num_heads_inner: arch.num_heads_inner, num_heads_outer: arch.num_heads_outer, inner_block_cfg: blockCfg, outer_block_cfg: blockCfg, norm_cfg }));
    }
    this.addModule('norm', buildNormLayer(norm_cfg, this.embedDims)[1]);
  }

  override typeNames(): string[] {
    return ['TNT'];
  }

  /** The constructor's `trunc_normal_(std=.02)` of `cls_token`, `patch_pos` and `pixel_pos`. */
  afterInitWeights(rng: Generator): void {
    tf.tidy(() => {
      for (const p of [this.clsToken, this.patchPos, this.pixelPos]) p.assign(tf.tensor(rng.truncNormalArray(p.size, 0, 0.02, -2, 2), p.shape));
    });
  }

  /** x: NHWC images → [normed class token [B, C]]. */
  forward(x: Tensor): Tensor[] {
    const b = x.shape[0];
    let state = tf.tidy(() => {
      const pixel = this.child<PixelEmbed>('pixel_embed').call([x, this.pixelPos]);
      const flat = tf.reshape(pixel, [b, this.numPatches, -1]);
      const patch = this.child('norm2_proj').call(this.child('projection').call(this.child('norm1_proj').call(flat) as Tensor) as Tensor) as Tensor;
      const tokens = tf.add(tf.concat([tf.tile(this.clsToken, [b, 1, 1]), patch], 1), this.patchPos);
      return [pixel, this.child('drop_after_pos').call(tokens) as Tensor] as [Tensor, Tensor];
    });
    let free = true;
    for (const layer of this.layers.items()) {
      const next = tf.tidy(() => layer.call(state));
      if (free) tf.dispose(state);
      free = !layer.hasForwardHooks();
      state = next;
    }
    const out = tf.tidy(() => tf.squeeze(tf.slice(this.child('norm').call(state[1]) as Tensor, [0, 0, 0], [-1, 1, -1]), [1]));
    if (free) tf.dispose(state);
    return [out];
  }
}
