/**
 * DaViT (MMPretrain `backbones/davit.py`): a 7×7 'same'-padded patch embedding, then stages of DaViT blocks — a
 * spatial block (window attention without position bias) and a channel block (channel group attention), each
 * sub-layer preceded by a depthwise-conv position encoding (`ConvPosEnc`) — with a LayerNorm + 2×2 conv downsample
 * between stages and one norm per output. Features are NHWC maps throughout.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildConvLayer, buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import { Dropout } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { pair, type Pair } from '../nn/layout';
import { Linear } from '../nn/linear';
import { Identity, Module, type AnyModule } from '../nn/module';
import type { FFN } from '../nn/transformer';
import { pySetRepr } from '../utils/arch_settings';
import { ConditionalPositionEncoding } from '../utils/conditional_position_encoding';
import { PatchEmbed } from '../utils/embed';
import { linspace } from '../utils/linspace';
import { ShiftWindowMSA, type ShiftWindowMSAOptions } from '../utils/shift_window_msa';
import { addWindowMask } from '../utils/window_mask';
import type { WindowAttention } from '../utils/window_msa';
import { BaseBackbone, batchNormsToEval, freeze } from './base_backbone';
import { buildSwinFFN, runBlocks } from './swin_transformer';

type Cfg = Record<string, unknown>;

/** q, k, v [B, nH, N, d] from x [B, N, C] through `qkv`. */
function qkvHeads(m: Module, x: Tensor, numHeads: number): Tensor[] {
  const [b, n, c] = x.shape as [number, number, number];
  const qkv = tf.reshape(m.child('qkv').call(x) as Tensor, [b, n, 3, numHeads, Math.trunc(c / numHeads)]);
  return tf.unstack(qkv, 2).map((t) => tf.transpose(t, [0, 2, 1, 3]));
}

export interface DaViTWindowMSAOptions {
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

/** Window multi-head self-attention without relative position bias (keys `qkv`, `proj`). */
export class DaViTWindowMSA extends Module implements WindowAttention {
  readonly embedDims: number;
  readonly windowSize: [number, number];
  readonly numHeads: number;
  readonly scale: number;

  constructor(o: DaViTWindowMSAOptions) {
    super();
    checkKeys(o, ['embed_dims', 'window_size', 'num_heads', 'qkv_bias', 'qk_scale', 'attn_drop', 'proj_drop', 'init_cfg'], 'DaViTWindowMSA');
    this.embedDims = o.embed_dims;
    this.windowSize = o.window_size;
    this.numHeads = o.num_heads;
    this.scale = o.qk_scale || Math.trunc(o.embed_dims / o.num_heads) ** -0.5;
    this.addModule('qkv', new Linear({ in_features: o.embed_dims, out_features: o.embed_dims * 3, bias: o.qkv_bias ?? true }));
    this.addModule('attn_drop', new Dropout(o.attn_drop ?? 0));
    this.addModule('proj', new Linear({ in_features: o.embed_dims, out_features: o.embed_dims }));
    this.addModule('proj_drop', new Dropout(o.proj_drop ?? 0));
  }

  override typeNames(): string[] {
    return ['DaViTWindowMSA'];
  }

  /** x [B·nW, N, C], mask [nW, N, N] or null. */
  attend(x: Tensor, mask: Tensor | null): Tensor {
    return tf.tidy(() => {
      const [bw, n, c] = x.shape as [number, number, number];
      const [q, k, v] = qkvHeads(this, x, this.numHeads);
      let attn = tf.matMul(tf.mul(q, this.scale), k, false, true);
      if (mask) attn = addWindowMask(attn, mask);
      const p = this.child('attn_drop').call(tf.softmax(attn, -1)) as Tensor;
      const y = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [bw, n, c]);
      return this.child('proj_drop').call(this.child('proj').call(y) as Tensor) as Tensor;
    });
  }

  forward(x: Tensor): Tensor {
    return this.attend(x, null);
  }
}

/** `ShiftWindowMSA(window_msa=DaViTWindowMSA)`: the shifted-window machinery around a bias-free window attention. */
export class DaViTShiftWindowMSA extends ShiftWindowMSA {
  constructor(o: ShiftWindowMSAOptions) {
    const { window_msa, cpb_mlp_hidden_dims, pretrained_window_size, ...rest } = o;
    assert(window_msa === undefined && cpb_mlp_hidden_dims === undefined && pretrained_window_size === undefined, () => "DaViT's ShiftWindowMSA uses DaViTWindowMSA: unexpected key 'window_msa' / 'cpb_mlp_hidden_dims' / 'pretrained_window_size'");
    super(rest);
    const { embed_dims, num_heads, window_size, qkv_bias, qk_scale, attn_drop, proj_drop } = rest;
    this.addModule('w_msa', new DaViTWindowMSA({ embed_dims, num_heads, window_size: [window_size, window_size], qkv_bias, qk_scale, attn_drop, proj_drop }));
  }
}

/** DaViT's position encoding: x + depthwise conv(x) (`proj`, kernel `kernel_size`, padding k // 2). */
export class ConvPosEnc extends ConditionalPositionEncoding {
  constructor(embedDims: number, kernelSize = 3) {
    super(embedDims, embedDims, 1, kernelSize);
  }

  override typeNames(): string[] {
    return ['ConvPosEnc'];
  }
}

export interface DaViTDownSampleOptions {
  in_channels: number;
  out_channels: number;
  conv_type?: string;
  /** Default: 2. */
  kernel_size?: Pair;
  /** Default: 2 (null: the kernel size). */
  stride?: Pair | null;
  /** Default: 'same'. */
  padding?: 'same' | 'corner' | Pair;
  dilation?: Pair;
  /** Default: true. */
  bias?: boolean;
  /** Default: null (DaViT passes LN). */
  norm_cfg?: NormCfg | null;
  init_cfg?: InitCfg | null;
}

/** `norm` (on the input channels) → `projection` conv; keys `projection`, `norm`. */
export class DaViTDownSample extends Module {
  readonly outChannels: number;
  readonly adaptive: { kernel: [number, number]; stride: [number, number]; dilation: [number, number] } | null;

  constructor(o: DaViTDownSampleOptions) {
    super();
    checkKeys(o, ['in_channels', 'out_channels', 'conv_type', 'kernel_size', 'stride', 'padding', 'dilation', 'bias', 'norm_cfg', 'init_cfg'], 'DaViTDownSample');
    const { in_channels, out_channels, conv_type = 'Conv2d', kernel_size = 2, padding = 'same', dilation = 1, bias = true, norm_cfg = null } = o;
    this.outChannels = out_channels;
    const stride = o.stride === undefined ? 2 : o.stride ?? kernel_size;
    if (typeof padding === 'string') {
      assert(padding === 'same' || padding === 'corner', () => `Padding mode only support "same" and "corner", but got ${padding}`);
      this.adaptive = { kernel: pair(kernel_size), stride: pair(stride), dilation: pair(dilation) };
    } else this.adaptive = null;
    this.addModule('projection', buildConvLayer({ type: conv_type }, { in_channels, out_channels, kernel_size, stride, padding: typeof padding === 'string' ? 0 : padding, dilation, bias }));
    if (norm_cfg) this.addModule('norm', buildNormLayer(norm_cfg, in_channels)[1]);
  }

  override typeNames(): string[] {
    return ['DaViTDownSample'];
  }

  /** x: NHWC map → NHWC map. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [, h, w, c] = x.shape as [number, number, number, number];
      if (this.adaptive) {
        // MMPretrain pads the (L, C) token tensor, not the map: any padding there breaks its size check.
        const { kernel, stride, dilation } = this.adaptive;
        const pad = (n: number, i: 0 | 1) => Math.max((Math.ceil(n / stride[i]) - 1) * stride[i] + (kernel[i] - 1) * dilation[i] + 1 - n, 0);
        assert(pad(h * w, 0) === 0 && pad(c, 1) === 0, () => `DaViTDownSample: input feature has wrong size (MMPretrain's adaptive padding of the (${h * w}, ${c}) tokens would pad them)`);
      }
      const y = this.namedChildren().some(([n]) => n === 'norm') ? (this.child('norm').call(x) as Tensor) : x;
      return this.child('projection').call(y) as Tensor;
    });
  }
}

/** x [B, N, C] → softmax((k·scale)ᵀ v) applied to q per head (`ChannelAttention`, keys `qkv`, `proj`). */
export class ChannelAttention extends Module {
  readonly embedDims: number;
  readonly numHeads: number;
  readonly headDims: number;
  readonly scale: number;

  constructor(embedDims: number, numHeads = 8, qkvBias = false) {
    super();
    this.embedDims = embedDims;
    this.numHeads = numHeads;
    this.headDims = Math.trunc(embedDims / numHeads);
    this.scale = this.headDims ** -0.5;
    this.addModule('qkv', new Linear({ in_features: embedDims, out_features: embedDims * 3, bias: qkvBias }));
    this.addModule('proj', new Linear({ in_features: embedDims, out_features: embedDims }));
  }

  override typeNames(): string[] {
    return ['ChannelAttention'];
  }

  /** x: NHWC map. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, h, w] = x.shape as [number, number, number, number];
      const [q, k, v] = qkvHeads(this, tf.reshape(x, [b, h * w, -1]), this.numHeads);
      const attention = tf.softmax(tf.matMul(tf.mul(k, this.scale), v, true, false), -1); // [B, nH, d, d]
      const y = tf.matMul(q, attention, false, true); // (attention · qᵀ)ᵀ: [B, nH, N, d]
      const t = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [b, h, w, this.embedDims]);
      return this.child('proj').call(t) as Tensor;
    });
  }
}

interface DaViTSubBlockCommon {
  embed_dims: number;
  num_heads: number;
  /** Default: 4. */
  ffn_ratio?: number;
  qkv_bias?: boolean;
  drop_path?: number;
  ffn_cfgs?: Cfg;
  /** Default: LN. */
  norm_cfg?: NormCfg;
  with_cp?: boolean;
  init_cfg?: InitCfg | null;
}

export interface SpatialBlockOptions extends DaViTSubBlockCommon {
  /** Default: 7. */
  window_size?: number;
  pad_small_map?: boolean;
  attn_cfgs?: Partial<ShiftWindowMSAOptions>;
}

/** cpe1 → x + attn(norm1(x)) → cpe2 → x + ffn(norm2(x)) (the attention's and FFN's own DropPath on the branches). */
abstract class DaViTSubBlock extends Module {
  protected build(o: DaViTSubBlockCommon, attn: AnyModule): void {
    const { embed_dims, ffn_ratio = 4, drop_path = 0, ffn_cfgs = {}, norm_cfg = { type: 'LN' } } = o;
    this.addModule('cpe1', new ConvPosEnc(embed_dims, 3));
    this.addModule('norm1', buildNormLayer(norm_cfg, embed_dims)[1]);
    this.addModule('attn', attn);
    this.addModule('cpe2', new ConvPosEnc(embed_dims, 3));
    this.addModule('norm2', buildNormLayer(norm_cfg, embed_dims)[1]);
    this.addModule('ffn', buildSwinFFN({ embed_dims, feedforward_channels: Math.trunc(embed_dims * ffn_ratio), num_fcs: 2, ffn_drop: 0, dropout_layer: { type: 'DropPath', drop_prob: drop_path }, act_cfg: { type: 'GELU' } }, ffn_cfgs));
  }

  /** x: NHWC map. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const a = this.child('cpe1').call(x) as Tensor;
      const h = tf.add(this.child('attn').call(this.child('norm1').call(a) as Tensor) as Tensor, a);
      const c = this.child('cpe2').call(h) as Tensor;
      return this.child<FFN>('ffn').forwardWithIdentity(this.child('norm2').call(c) as Tensor, c);
    });
  }
}

const SUB_KEYS = ['embed_dims', 'num_heads', 'ffn_ratio', 'qkv_bias', 'drop_path', 'ffn_cfgs', 'norm_cfg', 'with_cp', 'init_cfg'];

export class SpatialBlock extends DaViTSubBlock {
  constructor(o: SpatialBlockOptions) {
    super();
    checkKeys(o, [...SUB_KEYS, 'window_size', 'pad_small_map', 'attn_cfgs'], 'SpatialBlock');
    const { embed_dims, num_heads, window_size = 7, qkv_bias = true, drop_path = 0, pad_small_map = false, attn_cfgs = {} } = o;
    const attn = new DaViTShiftWindowMSA({ embed_dims, num_heads, shift_size: 0, window_size, dropout_layer: { type: 'DropPath', drop_prob: drop_path }, qkv_bias, pad_small_map, ...attn_cfgs });
    this.build(o, attn);
  }

  override typeNames(): string[] {
    return ['SpatialBlock'];
  }
}

export class ChannelBlock extends DaViTSubBlock {
  constructor(o: DaViTSubBlockCommon) {
    super();
    checkKeys(o, SUB_KEYS, 'ChannelBlock');
    this.build(o, new ChannelAttention(o.embed_dims, o.num_heads, o.qkv_bias ?? false));
  }

  override typeNames(): string[] {
    return ['ChannelBlock'];
  }
}

export type DaViTBlockOptions = SpatialBlockOptions;

/** `spatial_block` then `channel_block`. */
export class DaViTBlock extends Module {
  constructor(o: DaViTBlockOptions) {
    super();
    checkKeys(o, [...SUB_KEYS, 'window_size', 'pad_small_map', 'attn_cfgs'], 'DaViTBlock');
    const { embed_dims, num_heads, window_size = 7, ffn_ratio = 4, qkv_bias = true, drop_path = 0, pad_small_map = false, attn_cfgs = {}, ffn_cfgs = {}, norm_cfg = { type: 'LN' }, with_cp = false } = o;
    this.addModule('spatial_block', new SpatialBlock({ embed_dims, num_heads, window_size, ffn_ratio, qkv_bias, drop_path, pad_small_map, attn_cfgs, ffn_cfgs, norm_cfg, with_cp }));
    this.addModule('channel_block', new ChannelBlock({ embed_dims, num_heads, ffn_ratio, qkv_bias, drop_path, ffn_cfgs, norm_cfg, with_cp: false }));
  }

  override typeNames(): string[] {
    return ['DaViTBlock'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.child('channel_block').call(this.child('spatial_block').call(x) as Tensor) as Tensor);
  }
}

export interface DaViTBlockSequenceOptions {
  embed_dims: number;
  depth: number;
  num_heads: number;
  /** Default: 7. */
  window_size?: number;
  /** Default: 4. */
  ffn_ratio?: number;
  /** Default: true. */
  qkv_bias?: boolean;
  downsample?: boolean;
  downsample_cfg?: Partial<DaViTDownSampleOptions>;
  drop_paths?: number | number[];
  block_cfgs?: Cfg | Cfg[];
  with_cp?: boolean;
  pad_small_map?: boolean;
  init_cfg?: InitCfg | null;
}

/** `blocks` and an optional `downsample` (run by the backbone, before or after its output). */
export class DaViTBlockSequence extends Module {
  readonly embedDims: number;
  readonly blocks: ModuleList<DaViTBlock>;
  readonly downsample: DaViTDownSample | null;

  constructor(o: DaViTBlockSequenceOptions) {
    super();
    checkKeys(o, ['embed_dims', 'depth', 'num_heads', 'window_size', 'ffn_ratio', 'qkv_bias', 'downsample', 'downsample_cfg', 'drop_paths', 'block_cfgs', 'with_cp', 'pad_small_map', 'init_cfg'], 'DaViTBlockSequence');
    const { embed_dims, depth, num_heads, window_size = 7, ffn_ratio = 4, qkv_bias = true, downsample = false, downsample_cfg = {}, drop_paths = 0, block_cfgs = {}, with_cp = false, pad_small_map = false } = o;
    const dprs = Array.isArray(drop_paths) ? drop_paths : Array(depth).fill(drop_paths);
    const cfgs = Array.isArray(block_cfgs) ? block_cfgs : Array.from({ length: depth }, () => ({ ...block_cfgs }));
    this.embedDims = embed_dims;
    this.blocks = this.addModule('blocks', new ModuleList<DaViTBlock>());
    for (let i = 0; i < depth; i++) {
      this.blocks.push(new DaViTBlock({ embed_dims, num_heads, window_size, ffn_ratio, qkv_bias, drop_path: dprs[i], with_cp, pad_small_map, ...cfgs[i] }));
    }
    this.downsample = downsample ? this.addModule('downsample', new DaViTDownSample({ in_channels: embed_dims, out_channels: 2 * embed_dims, norm_cfg: { type: 'LN' }, ...downsample_cfg })) : null;
  }

  override typeNames(): string[] {
    return ['DaViTBlockSequence'];
  }

  get outChannels(): number {
    return this.downsample ? this.downsample.outChannels : this.embedDims;
  }

  /** The blocks only. */
  forward(x: Tensor): Tensor {
    return runBlocks(this.blocks.items(), x);
  }
}

export interface DaViTArch {
  embed_dims: number;
  depths: number[];
  num_heads: number[];
}

const A = (embed_dims: number, depths: number[], num_heads: number[]): DaViTArch => ({ embed_dims, depths, num_heads });
const DAVIT_T = A(96, [1, 1, 3, 1], [3, 6, 12, 24]);
const DAVIT_S = A(96, [1, 1, 9, 1], [3, 6, 12, 24]);
const DAVIT_B = A(128, [1, 1, 9, 1], [4, 8, 16, 32]);
const DAVIT_L = A(192, [1, 1, 9, 1], [6, 12, 24, 48]);
const DAVIT_H = A(256, [1, 1, 9, 1], [8, 16, 32, 64]);
const DAVIT_G = A(384, [1, 1, 12, 3], [12, 24, 48, 96]);

export const DAVIT_ARCH_ZOO: Record<string, DaViTArch> = {
  t: DAVIT_T, tiny: DAVIT_T, s: DAVIT_S, small: DAVIT_S, b: DAVIT_B, base: DAVIT_B,
  l: DAVIT_L, large: DAVIT_L, h: DAVIT_H, huge: DAVIT_H, g: DAVIT_G, giant: DAVIT_G,
};

export interface DaViTOptions {
  /** 't' | 's' | 'b' | 'l' | 'h' | 'g' (or full names), or a dict with at least embed_dims, depths, num_heads. Default: 't'. */
  arch?: string | DaViTArch;
  /** Default: 4. */
  patch_size?: Pair;
  in_channels?: number;
  /** Default: 7. */
  window_size?: number;
  /** Default: 4. */
  ffn_ratio?: number;
  /** Default: true. */
  qkv_bias?: boolean;
  /** Default: 0.1. */
  drop_path_rate?: number;
  out_after_downsample?: boolean;
  pad_small_map?: boolean;
  /** Default: LN. */
  norm_cfg?: NormCfg | null;
  stage_cfgs?: Cfg | Cfg[];
  frozen_stages?: number;
  norm_eval?: boolean;
  /** Default: [3]. As Python's `i in out_indices`: a negative index adds its norm but gives no output. */
  out_indices?: number | number[];
  with_cp?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const DAVIT_KEYS = ['arch', 'patch_size', 'in_channels', 'window_size', 'ffn_ratio', 'qkv_bias', 'drop_path_rate', 'out_after_downsample', 'pad_small_map', 'norm_cfg', 'stage_cfgs', 'frozen_stages', 'norm_eval', 'out_indices', 'with_cp', 'init_cfg'];

export class DaViT extends BaseBackbone {
  readonly archSettings: DaViTArch;
  readonly embedDims: number;
  readonly depths: number[];
  readonly numHeads: number[];
  readonly numLayers: number;
  readonly outIndices: number[];
  readonly outAfterDownsample: boolean;
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly numFeatures: number[];
  readonly stages: ModuleList<DaViTBlockSequence>;

  constructor(opts: DaViTOptions = {}) {
    checkKeys(opts, DAVIT_KEYS, 'DaViT');
    super(opts.init_cfg);
    const { arch = 't', patch_size = 4, in_channels = 3, window_size = 7, ffn_ratio = 4, qkv_bias = true, drop_path_rate = 0.1, out_after_downsample = false, pad_small_map = false, stage_cfgs = {}, frozen_stages = -1, norm_eval = false, out_indices = [3], with_cp = false } = opts;
    const normCfg = opts.norm_cfg === undefined ? { type: 'LN' } : opts.norm_cfg;
    if (typeof arch === 'string') {
      const a = arch.toLowerCase();
      assert(Object.prototype.hasOwnProperty.call(DAVIT_ARCH_ZOO, a), () => `Arch ${a} is not in default archs ${pySetRepr(Object.keys(DAVIT_ARCH_ZOO))}`);
      this.archSettings = DAVIT_ARCH_ZOO[a];
    } else {
      const essential = ['embed_dims', 'depths', 'num_heads'];
      assert(arch && typeof arch === 'object' && essential.every((k) => k in arch), () => `Custom arch needs a dict with keys ${pySetRepr(essential)}`);
      this.archSettings = arch;
    }
    this.embedDims = this.archSettings.embed_dims;
    this.depths = this.archSettings.depths;
    this.numHeads = this.archSettings.num_heads;
    this.numLayers = this.depths.length;
    this.outIndices = typeof out_indices === 'number' ? [out_indices] : [...out_indices];
    this.outAfterDownsample = out_after_downsample;
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    let dpr = linspace(0, drop_path_rate, this.depths.reduce((a, b) => a + b, 0));
    this.addModule('patch_embed', new PatchEmbed({ in_channels, embed_dims: this.embedDims, conv_type: 'Conv2d', kernel_size: 7, stride: patch_size, padding: 'same', norm_cfg: { type: 'LN' } }));
    this.stages = this.addModule('stages', new ModuleList<DaViTBlockSequence>());
    const dims = [this.embedDims];
    for (let i = 0; i < this.numLayers; i++) {
      const depth = this.depths[i];
      const stageCfg = Array.isArray(stage_cfgs) ? stage_cfgs[i] : { ...stage_cfgs };
      const stage = new DaViTBlockSequence({ embed_dims: dims[dims.length - 1], depth, num_heads: this.numHeads[i], window_size, ffn_ratio, qkv_bias, downsample: i < this.numLayers - 1, drop_paths: dpr.slice(0, depth), with_cp, pad_small_map, ...stageCfg });
      this.stages.push(stage);
      dpr = dpr.slice(depth);
      dims.push(stage.outChannels);
    }
    this.numFeatures = dims.slice(0, -1);
    for (const i of this.outIndices) {
      const c = this.numFeatures.at(i);
      assert(c !== undefined, () => `DaViT: out_indices ${i}: list index out of range`);
      this.addModule(`norm${i}`, normCfg ? buildNormLayer(normCfg, c)[1] : new Identity());
    }
    this.train(true);
  }

  override typeNames(): string[] {
    return ['DaViT'];
  }

  private freezeStages(): void {
    if (this.frozenStages >= 0) freeze([this.child('patch_embed')]);
    freeze(this.stages.items().slice(0, this.frozenStages + 1));
    for (const i of this.outIndices) if (i <= this.frozenStages) this.child(`norm${i}`).requiresGrad(false);
  }

  override train(mode = true): this {
    super.train(mode);
    this.freezeStages();
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }

  /** x: NHWC images → NHWC maps of the `out_indices` stages. */
  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    let h = tf.tidy(() => {
      const pe = this.child<PatchEmbed>('patch_embed');
      const t = pe.call(x);
      const [gh, gw] = pe.lastOutSize;
      return tf.reshape(t, [x.shape[0], gh, gw, this.embedDims]);
    });
    const release = (t: Tensor) => {
      if (!outs.includes(t)) t.dispose();
    };
    const down = (stage: DaViTBlockSequence, y: Tensor) => {
      const d = stage.downsample!.call(y);
      release(y);
      return d;
    };
    this.stages.items().forEach((stage, i) => {
      let y = stage.call(h);
      release(h);
      if (stage.downsample && this.outAfterDownsample) y = down(stage, y);
      if (this.outIndices.includes(i)) {
        const c = y.shape[3];
        assert(c === this.numFeatures[i], () => `DaViT: norm${i} expects ${this.numFeatures[i]} channels but the stage output has ${c} (out_after_downsample with a downsampled stage, as in MMPretrain)`);
        outs.push(tf.tidy(() => this.child(`norm${i}`).call(y) as Tensor));
      }
      if (stage.downsample && !this.outAfterDownsample) y = down(stage, y);
      h = y;
    });
    release(h);
    return outs;
  }
}
