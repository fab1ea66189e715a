/**
 * Twins (MMPretrain `backbones/twins.py`): PCPVT (per stage a corner-padded `PatchEmbed`, encoder layers with global
 * sub-sampled attention, a conditional position encoding after the first layer, an optional norm) and SVT (the same
 * with locally-grouped window attention in the even layers of each stage). Features are NHWC maps throughout.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import { Conv2d } from '../nn/conv';
import { Dropout, DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Linear } from '../nn/linear';
import { Identity, Module, type AnyModule } from '../nn/module';
import { BatchNorm, GroupNorm, LayerNorm } from '../nn/norm';
import type { Generator } from '../../utils/random';
import { FFN } from '../nn/transformer';
import { pySetRepr } from '../utils/arch_settings';
import { MultiheadAttention } from '../utils/attention';
import { ConditionalPositionEncoding } from '../utils/conditional_position_encoding';
import { PatchEmbed } from '../utils/embed';
import { linspace } from '../utils/linspace';
import { windowPartition, windowReverse } from '../utils/shift_window_msa';
import { addWindowMask } from '../utils/window_mask';
import { BaseBackbone } from './base_backbone';
import { resolveArch, runBlocks } from './swin_transformer';

/** Softmax over the last axis, then attention dropout (active in training only). */
function softmaxDrop(attn: Tensor, drop: AnyModule): Tensor {
  return drop.call(tf.softmax(attn, -1)) as Tensor;
}

export interface GlobalSubsampledAttentionOptions {
  embed_dims: number;
  num_heads: number;
  /** Default: LN. */
  norm_cfg?: NormCfg;
  /** Default: true. */
  qkv_bias?: boolean;
  /** Default: 1 (no spatial reduction). */
  sr_ratio?: number;
  input_dims?: number | null;
  attn_drop?: number;
  proj_drop?: number;
  /** DropPath probability of the output (`dropout_layer`). */
  drop_path?: number;
  proj_bias?: boolean;
  v_shortcut?: boolean;
}

/**
 * GSA: queries from every token, keys / values from the map reduced by a `sr_ratio`-strided conv (`sr`) and `norm`.
 * A `MultiheadAttention` whose `qkv` is split into `q` and `kv` (keys `proj`, `q`, `kv`, `sr`, `norm`).
 */
export class GlobalSubsampledAttention extends MultiheadAttention {
  readonly srRatio: number;

  constructor(o: GlobalSubsampledAttentionOptions) {
    checkKeys(o, ['embed_dims', 'num_heads', 'norm_cfg', 'qkv_bias', 'sr_ratio', 'input_dims', 'attn_drop', 'proj_drop', 'drop_path', 'proj_bias', 'v_shortcut'], 'GlobalSubsampledAttention');
    const { embed_dims, num_heads, norm_cfg = { type: 'LN' }, qkv_bias = true, sr_ratio = 1, ...rest } = o;
    super({ embed_dims, num_heads, ...rest });
    const inDims = o.input_dims ?? embed_dims;
    this.removeModule('qkv');
    this.addModule('attn_drop', new Dropout(o.attn_drop ?? 0));
    this.addModule('q', new Linear({ in_features: inDims, out_features: embed_dims, bias: qkv_bias }));
    this.addModule('kv', new Linear({ in_features: inDims, out_features: embed_dims * 2, bias: qkv_bias }));
    this.srRatio = sr_ratio;
    if (sr_ratio > 1) {
      this.addModule('sr', new Conv2d({ in_channels: embed_dims, out_channels: embed_dims, kernel_size: sr_ratio, stride: sr_ratio }));
      this.addModule('norm', buildNormLayer(norm_cfg, embed_dims)[1]);
    }
  }

  override typeNames(): string[] {
    return ['GlobalSubsampledAttention', 'MultiheadAttention'];
  }

  /** x: NHWC map [B, H, W, C] → [B, H, W, embed_dims]. */
  override forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape as [number, number, number, number];
      const n = h * w;
      const nH = this.numHeads;
      const d = this.headDims;
      const tokens = tf.reshape(x, [b, n, c]);
      const q = tf.transpose(tf.reshape(this.child('q').call(tokens) as Tensor, [b, n, nH, d]), [0, 2, 1, 3]);
      let src = tokens;
      if (this.srRatio > 1) {
        const r = this.child('sr').call(x) as Tensor;
        src = this.child('norm').call(tf.reshape(r, [b, r.shape[1]! * r.shape[2]!, r.shape[3]!])) as Tensor;
      }
      const m = src.shape[1]!;
      const kv = tf.reshape(this.child('kv').call(src) as Tensor, [b, m, 2, nH, d]);
      const [k, v] = tf.unstack(kv, 2).map((t) => tf.transpose(t, [0, 2, 1, 3]));
      const p = softmaxDrop(tf.mul(tf.matMul(q, k, false, true), this.scale), this.child('attn_drop'));
      let y = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [b, n, this.embedDims]);
      y = this.child('out_drop').call(this.child('proj_drop').call(this.child('proj').call(y) as Tensor)) as Tensor;
      if (this.vShortcut) y = tf.add(tf.squeeze(v, [1]), y);
      return tf.reshape(y, [b, h, w, this.embedDims]);
    });
  }
}

export interface LocallyGroupedSelfAttentionOptions {
  embed_dims: number;
  /** Default: 8. */
  num_heads?: number;
  /** Default: false. */
  qkv_bias?: boolean;
  qk_scale?: number | null;
  attn_drop_rate?: number;
  proj_drop_rate?: number;
  /** Default: 1. */
  window_size?: number;
}

/**
 * `[nW, N, N]` additive mask of LSA (0 / −1000 between padded and real tokens), or null when MMPretrain's mask is
 * uniform: its `mask[:, -pad:]` fills the whole map when either padding is 0, so only maps padded both at the
 * bottom and on the right are masked.
 */
export function lsaMask(hp: number, wp: number, ws: number, padB: number, padR: number): Float32Array | null {
  if (padB === 0 || padR === 0) return null;
  const nh = hp / ws;
  const nw = wp / ws;
  const n = ws * ws;
  const out = new Float32Array(nh * nw * n * n);
  const pad = new Uint8Array(n);
  for (let wi = 0; wi < nh; wi++) {
    for (let wj = 0; wj < nw; wj++) {
      for (let t = 0; t < n; t++) pad[t] = wi * ws + Math.floor(t / ws) >= hp - padB || wj * ws + (t % ws) >= wp - padR ? 1 : 0;
      const base = (wi * nw + wj) * n * n;
      for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) out[base + p * n + q] = pad[p] === pad[q] ? 0 : -1000;
    }
  }
  return out;
}

/** LSA: self-attention inside non-overlapping `window_size` windows (map zero-padded bottom / right to fit). */
export class LocallyGroupedSelfAttention extends Module {
  readonly embedDims: number;
  readonly numHeads: number;
  readonly scale: number;
  readonly windowSize: number;

  constructor(o: LocallyGroupedSelfAttentionOptions) {
    super();
    checkKeys(o, ['embed_dims', 'num_heads', 'qkv_bias', 'qk_scale', 'attn_drop_rate', 'proj_drop_rate', 'window_size'], 'LocallyGroupedSelfAttention');
    const { embed_dims, num_heads = 8, qkv_bias = false, qk_scale = null, attn_drop_rate = 0, proj_drop_rate = 0, window_size = 1 } = o;
    assert(embed_dims % num_heads === 0, () => `dim ${embed_dims} should be divided by num_heads ${num_heads}`);
    this.embedDims = embed_dims;
    this.numHeads = num_heads;
    this.scale = qk_scale || Math.trunc(embed_dims / num_heads) ** -0.5;
    this.windowSize = window_size;
    this.addModule('qkv', new Linear({ in_features: embed_dims, out_features: embed_dims * 3, bias: qkv_bias }));
    this.addModule('attn_drop', new Dropout(attn_drop_rate));
    this.addModule('proj', new Linear({ in_features: embed_dims, out_features: embed_dims }));
    this.addModule('proj_drop', new Dropout(proj_drop_rate));
  }

  override typeNames(): string[] {
    return ['LocallyGroupedSelfAttention'];
  }

  /** x: NHWC map [B, H, W, C]. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape as [number, number, number, number];
      const ws = this.windowSize;
      const padR = (ws - (w % ws)) % ws;
      const padB = (ws - (h % ws)) % ws;
      const xp = padR || padB ? tf.pad(x, [[0, 0], [0, padB], [0, padR], [0, 0]]) : x;
      const hp = h + padB;
      const wp = w + padR;
      const nW = (hp / ws) * (wp / ws);
      const n = ws * ws;
      const nH = this.numHeads;
      const d = c / nH;
      const win = windowPartition(xp, ws); // [B·nW, N, C]
      const qkv = tf.reshape(this.child('qkv').call(win) as Tensor, [b * nW, n, 3, nH, d]);
      const [q, k, v] = tf.unstack(qkv, 2).map((t) => tf.transpose(t, [0, 2, 1, 3]));
      let attn = tf.mul(tf.matMul(q, k, false, true), this.scale); // [B·nW, nH, N, N]
      const maskData = lsaMask(hp, wp, ws, padB, padR);
      if (maskData) attn = addWindowMask(attn, tf.tensor3d(maskData, [nW, n, n]));
      const p = softmaxDrop(attn, this.child('attn_drop'));
      const y = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [b * nW, n, c]);
      let m = windowReverse(y, hp, wp, ws);
      if (padR || padB) m = tf.slice(m, [0, 0, 0, 0], [b, h, w, c]);
      return this.child('proj_drop').call(this.child('proj').call(m) as Tensor) as Tensor;
    });
  }
}

interface EncoderLayerCommon {
  embed_dims: number;
  num_heads: number;
  feedforward_channels: number;
  drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  /** Default: 2. */
  num_fcs?: number;
  /** Default: true. */
  qkv_bias?: boolean;
  /** Default: GELU. */
  act_cfg?: { type: string; [k: string]: unknown };
  /** Default: LN. */
  norm_cfg?: NormCfg;
  init_cfg?: InitCfg | null;
}

export interface GSAEncoderLayerOptions extends EncoderLayerCommon {
  /** Default: 1. */
  sr_ratio?: number;
}

export interface LSAEncoderLayerOptions extends EncoderLayerCommon {
  qk_scale?: number | null;
  /** Default: 1. */
  window_size?: number;
}

/**
 * Pre-norm encoder layer: x + drop_path(attn(norm1(x))), x + drop_path(ffn(norm2(x))). As in MMPretrain, the FFN
 * (and GSA) also apply their own DropPath of the same rate, so a branch is dropped by either.
 */
abstract class TwinsEncoderLayer extends Module {
  protected init(o: EncoderLayerCommon, attn: AnyModule): void {
    const { embed_dims, feedforward_channels, drop_rate = 0, drop_path_rate = 0, num_fcs = 2, act_cfg = { type: 'GELU' }, norm_cfg = { type: 'LN' } } = o;
    this.addModule('norm1', buildNormLayer(norm_cfg, embed_dims, 1)[1]);
    this.addModule('attn', attn);
    this.addModule('norm2', buildNormLayer(norm_cfg, embed_dims, 2)[1]);
    this.addModule('ffn', new FFN({ embed_dims, feedforward_channels, num_fcs, ffn_drop: drop_rate, drop_path: drop_path_rate, act_cfg, add_identity: false }));
    this.addModule('drop_path', drop_path_rate > 0 ? new DropPath(drop_path_rate) : new Identity());
  }

  /** x: NHWC map. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const dp = this.child('drop_path');
      const h = tf.add(x, dp.call(this.child('attn').call(this.child('norm1').call(x) as Tensor) as Tensor) as Tensor);
      return tf.add(h, dp.call(this.child('ffn').call(this.child('norm2').call(h) as Tensor) as Tensor) as Tensor);
    });
  }
}

const LAYER_KEYS = ['embed_dims', 'num_heads', 'feedforward_channels', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'num_fcs', 'qkv_bias', 'act_cfg', 'norm_cfg', 'init_cfg'];

export class GSAEncoderLayer extends TwinsEncoderLayer {
  constructor(o: GSAEncoderLayerOptions) {
    super();
    checkKeys(o, [...LAYER_KEYS, 'sr_ratio'], 'GSAEncoderLayer');
    const attn = new GlobalSubsampledAttention({
      embed_dims: o.embed_dims, num_heads: o.num_heads, attn_drop: o.attn_drop_rate ?? 0, proj_drop: o.drop_rate ?? 0,
      drop_path: o.drop_path_rate ?? 0, qkv_bias: o.qkv_bias ?? true, norm_cfg: o.norm_cfg ?? { type: 'LN' }, sr_ratio: o.sr_ratio ?? 1,
    });
    this.init(o, attn);
  }

  override typeNames(): string[] {
    return ['GSAEncoderLayer'];
  }
}

export class LSAEncoderLayer extends TwinsEncoderLayer {
  constructor(o: LSAEncoderLayerOptions) {
    super();
    checkKeys(o, [...LAYER_KEYS, 'qk_scale', 'window_size'], 'LSAEncoderLayer');
    const attn = new LocallyGroupedSelfAttention({
      embed_dims: o.embed_dims, num_heads: o.num_heads, qkv_bias: o.qkv_bias ?? true, qk_scale: o.qk_scale ?? null,
      attn_drop_rate: o.attn_drop_rate ?? 0, proj_drop_rate: o.drop_rate ?? 0, window_size: o.window_size ?? 1,
    });
    this.init(o, attn);
  }

  override typeNames(): string[] {
    return ['LSAEncoderLayer'];
  }
}

export interface PCPVTArch {
  embed_dims: number[];
  depths: number[];
  num_heads: number[];
  patch_sizes: number[];
  strides: number[];
  mlp_ratios: number[];
  sr_ratios: number[];
}

export interface SVTArch extends PCPVTArch {
  window_sizes: number[];
}

const pcpvt = (depths: number[]): PCPVTArch => ({
  embed_dims: [64, 128, 320, 512], depths, num_heads: [1, 2, 5, 8], patch_sizes: [4, 2, 2, 2], strides: [4, 2, 2, 2], mlp_ratios: [8, 8, 4, 4], sr_ratios: [8, 4, 2, 1],
});
const svt = (embed_dims: number[], depths: number[], num_heads: number[]): SVTArch => ({
  embed_dims, depths, num_heads, patch_sizes: [4, 2, 2, 2], strides: [4, 2, 2, 2], mlp_ratios: [4, 4, 4, 4], sr_ratios: [8, 4, 2, 1], window_sizes: [7, 7, 7, 7],
});

export const PCPVT_ARCH_ZOO: Record<string, PCPVTArch> = {
  s: pcpvt([3, 4, 6, 3]), small: pcpvt([3, 4, 6, 3]),
  b: pcpvt([3, 4, 18, 3]), base: pcpvt([3, 4, 18, 3]),
  l: pcpvt([3, 8, 27, 3]), large: pcpvt([3, 8, 27, 3]),
};

export const SVT_ARCH_ZOO: Record<string, SVTArch> = {
  s: svt([64, 128, 256, 512], [2, 2, 10, 4], [2, 4, 8, 16]), small: svt([64, 128, 256, 512], [2, 2, 10, 4], [2, 4, 8, 16]),
  b: svt([96, 192, 384, 768], [2, 2, 18, 2], [3, 6, 12, 24]), base: svt([96, 192, 384, 768], [2, 2, 18, 2], [3, 6, 12, 24]),
  l: svt([128, 256, 512, 1024], [2, 2, 18, 2], [4, 8, 16, 32]), large: svt([128, 256, 512, 1024], [2, 2, 18, 2], [4, 8, 16, 32]),
};

const PCPVT_ESSENTIAL = ['embed_dims', 'depths', 'num_heads', 'patch_sizes', 'strides', 'mlp_ratios', 'sr_ratios'];
const SVT_ESSENTIAL = [...PCPVT_ESSENTIAL, 'window_sizes'];

export interface PCPVTOptions {
  /** 'small' | 'base' | 'large' (or s/b/l), or a dict with every arch key. */
  arch: string | PCPVTArch;
  in_channels?: number;
  /** Default: [3]. Stage indices as Python's `i in out_indices` (no negative indices). */
  out_indices?: number | number[];
  /** Default: false. */
  qkv_bias?: boolean;
  drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  /** Default: LN. */
  norm_cfg?: NormCfg | null;
  /** Default: false. One flag for every stage, or one per stage. */
  norm_after_stage?: boolean | boolean[];
  init_cfg?: InitCfg | InitCfg[] | null;
}

export interface SVTOptions extends Omit<PCPVTOptions, 'arch'> {
  arch: string | SVTArch;
}

/** A zoo name (case-insensitive) or a dict with exactly the `essential` keys (MMPretrain's assertion texts). */
function resolveTwinsArch<T extends PCPVTArch>(arch: string | T, zoo: Record<string, T>, essential: string[]): T {
  if (typeof arch === 'string') return resolveArch(arch, zoo, essential);
  const got = arch && typeof arch === 'object' ? Object.keys(arch) : [];
  assert(got.length === essential.length && essential.every((k) => got.includes(k)), () => `Custom arch needs a dict with keys ${pySetRepr(essential)}.`);
  return arch;
}

const PCPVT_KEYS = ['arch', 'in_channels', 'out_indices', 'qkv_bias', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'norm_cfg', 'norm_after_stage', 'init_cfg'];

export class PCPVT extends BaseBackbone {
  readonly archSettings: PCPVTArch;
  readonly depths: number[];
  readonly embedDims: number[];
  readonly numStage: number;
  readonly outIndices: number[];
  readonly normAfterStage: boolean[];
  readonly dpr: number[];
  readonly patchEmbeds: ModuleList<PatchEmbed>;
  readonly positionEncodingDrops: ModuleList;
  readonly stages: ModuleList<ModuleList>;
  readonly positionEncodings: ModuleList<ConditionalPositionEncoding>;

  constructor(opts: PCPVTOptions);
  constructor(opts: SVTOptions, family: 'SVT');
  constructor(opts: PCPVTOptions | SVTOptions, family: 'PCPVT' | 'SVT' = 'PCPVT') {
    checkKeys(opts, PCPVT_KEYS, family);
    super(opts.init_cfg);
    const { in_channels = 3, out_indices = [3], qkv_bias = false, drop_rate = 0, attn_drop_rate = 0, drop_path_rate = 0, norm_after_stage = false } = opts;
    const normCfg = opts.norm_cfg === undefined ? { type: 'LN' } : opts.norm_cfg;
    const isSVT = family === 'SVT';
    assert(opts.arch !== undefined, () => `${family}.__init__() missing 1 required positional argument: 'arch'`);
    const arch = resolveTwinsArch(opts.arch, isSVT ? SVT_ARCH_ZOO : PCPVT_ARCH_ZOO, isSVT ? SVT_ESSENTIAL : PCPVT_ESSENTIAL);
    this.archSettings = arch;
    const { depths, embed_dims, patch_sizes, strides, mlp_ratios, num_heads, sr_ratios } = arch;
    this.depths = depths;
    this.embedDims = embed_dims;
    this.numStage = depths.length;
    for (const v of Object.values(arch)) {
      assert(Array.isArray(v) && v.length === this.numStage, () => 'Length of setting item in arch dict must be type of list and have the same length.');
    }
    this.patchEmbeds = this.addModule('patch_embeds', new ModuleList<PatchEmbed>());
    this.positionEncodingDrops = this.addModule('position_encoding_drops', new ModuleList());
    this.stages = this.addModule('stages', new ModuleList<ModuleList>());
    for (let i = 0; i < this.numStage; i++) {
      this.patchEmbeds.push(new PatchEmbed({ in_channels: i === 0 ? in_channels : embed_dims[i - 1], embed_dims: embed_dims[i], conv_type: 'Conv2d', kernel_size: patch_sizes[i], stride: strides[i], padding: 'corner', norm_cfg: { type: 'LN' } }));
      this.positionEncodingDrops.push(new Dropout(drop_rate));
    }
    this.positionEncodings = this.addModule('position_encodings', new ModuleList(embed_dims.map((d) => new ConditionalPositionEncoding(d, d))));
    this.dpr = linspace(0, drop_path_rate, depths.reduce((a, b) => a + b, 0));
    const windowSizes = isSVT ? (arch as SVTArch).window_sizes : null;
    let cur = 0;
    for (let k = 0; k < this.numStage; k++) {
      const blocks = new ModuleList();
      for (let i = 0; i < depths[k]; i++) {
        const common = { embed_dims: embed_dims[k], num_heads: num_heads[k], feedforward_channels: mlp_ratios[k] * embed_dims[k], attn_drop_rate, drop_rate, drop_path_rate: this.dpr[cur + i], qkv_bias, norm_cfg: normCfg ?? undefined };
        // SVT: even-numbered layers of each stage use locally-grouped attention.
        blocks.push(windowSizes && i % 2 === 0 ? new LSAEncoderLayer({ ...common, window_size: windowSizes[k] }) : new GSAEncoderLayer({ ...common, num_fcs: 2, act_cfg: { type: 'GELU' }, sr_ratio: sr_ratios[k] }));
      }
      this.stages.push(blocks);
      cur += depths[k];
    }
    this.outIndices = typeof out_indices === 'number' ? [out_indices] : [...out_indices];
    assert(typeof norm_after_stage === 'boolean' || Array.isArray(norm_after_stage), () => 'norm_after_stage should be bool or List[bool].');
    this.normAfterStage = typeof norm_after_stage === 'boolean' ? Array(this.numStage).fill(norm_after_stage) : [...norm_after_stage];
    assert(this.normAfterStage.length === this.numStage, () => `Number of norm_after_stage(${this.normAfterStage.length}) should be equal to the number of stages(${this.numStage}).`);
    this.normAfterStage.forEach((hasNorm, i) => {
      assert(typeof hasNorm === 'boolean', () => 'norm_after_stage should be bool or List[bool].');
      this.addModule(`norm_after_stage${i}`, hasNorm && normCfg ? buildNormLayer(normCfg, embed_dims[i])[1] : new Identity());
    });
    this.train(true);
  }

  override typeNames(): string[] {
    return ['PCPVT'];
  }

  /**
   * `init_weights` without `init_cfg`: Linear TruncNormal(0.02) with zero bias, BN / GN / LN weight 1 and bias 0,
   * Conv2d Normal(0, √(2 / fan_out)) with fan_out = k_h·k_w·out / groups, zero bias.
   */
  afterInitWeights(rng: Generator): void {
    if (this.initCfg) return;
    tf.tidy(() => {
      const set = (v: tf.Variable, data: Float32Array) => v.assign(tf.tensor(data, v.shape));
      const zero = (v: tf.Variable | null) => v?.assign(tf.zerosLike(v));
      for (const [, m] of this.namedModules()) {
        if (m instanceof Linear) {
          set(m.weight, rng.truncNormalArray(m.weight.size, 0, 0.02, -2, 2));
          zero(m.bias);
        } else if (m instanceof LayerNorm || m instanceof BatchNorm || m instanceof GroupNorm) {
          if (m.hasParam('weight')) m.param('weight').assign(tf.onesLike(m.param('weight')));
          if (m.hasParam('bias')) zero(m.param('bias'));
        } else if (m instanceof Conv2d) {
          const fanOut = Math.trunc((m.kernelSize[0] * m.kernelSize[1] * m.outChannels) / m.groups);
          set(m.weight, rng.normalArray(m.weight.size, 0, Math.sqrt(2 / fanOut)));
          zero(m.bias);
        }
      }
    });
  }

  /** The layers of stage `i` with the position encoding after the first one. */
  private stageModules(i: number): AnyModule[] {
    const blocks = this.stages.at(i).items();
    return blocks.length ? [blocks[0], this.positionEncodings.at(i), ...blocks.slice(1)] : [];
  }

  /** x: NHWC images → NHWC maps of the `out_indices` stages. */
  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    const b = x.shape[0];
    let h = x;
    const release = (t: Tensor) => {
      if (t !== x && !outs.includes(t)) t.dispose();
    };
    for (let i = 0; i < this.numStage; i++) {
      const pe = this.patchEmbeds.at(i);
      const e = tf.tidy(() => {
        const t = pe.call(h);
        const [gh, gw] = pe.lastOutSize;
        return this.positionEncodingDrops.at(i).call(tf.reshape(t, [b, gh, gw, this.embedDims[i]])) as Tensor;
      });
      release(h);
      const y = runBlocks(this.stageModules(i), e);
      e.dispose();
      const z = tf.tidy(() => this.child(`norm_after_stage${i}`).call(y) as Tensor);
      if (z !== y) y.dispose();
      if (this.outIndices.includes(i)) outs.push(z);
      h = z;
    }
    release(h);
    return outs;
  }
}

export class SVT extends PCPVT {
  constructor(opts: SVTOptions) {
    super(opts, 'SVT');
  }

  override typeNames(): string[] {
    return ['SVT', 'PCPVT'];
  }
}
