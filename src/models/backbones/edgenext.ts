/**
 * `EdgeNeXt` (MMPretrain `backbones/edgenext.py`): `downsample_layers.N` (4×4 stem conv + LN2d, then LN2d + 2×2
 * conv), `stages.N.M` of ConvNeXtBlocks ending with `global_blocks[i]` SDTA encoders, `norm{i}` per output stage
 * (LN after global average pooling by default), optional global `pos_embed` after the first stage.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Conv2d } from '../nn/conv';
import { ModuleList, Sequential } from '../nn/container';
import { DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Linear } from '../nn/linear';
import { Identity, Module } from '../nn/module';
import { pySetRepr } from '../utils/arch_settings';
import { ChannelMultiheadAttention } from '../utils/channel_attention';
import { buildNormLayer2d } from '../utils/layer_norm_2d';
import { linspace } from '../utils/linspace';
import { PositionEncodingFourier } from '../utils/position_encoding_fourier';
import { BaseBackbone, freeze } from './base_backbone';
import { ConvNeXtBlock } from './convnext';

export interface SDTAEncoderOptions {
  in_channel: number;
  drop_path_rate?: number;
  /** ≤ 0: no `gamma_csa` / `gamma`. Default: 1e-6. */
  layer_scale_init_value?: number;
  /** Default: 4. */
  mlp_ratio?: number;
  /** Default: true. */
  use_pos_emb?: boolean;
  /** Default: 8. */
  num_heads?: number;
  /** Default: true. */
  qkv_bias?: boolean;
  attn_drop?: number;
  proj_drop?: number;
  /** Default: LN. */
  norm_cfg?: NormCfg;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  /** Channel groups of the split depthwise convolutions. Default: 1. */
  scales?: number;
}

/**
 * Split depth-wise transpose attention: hierarchical 3×3 depthwise convs over channel groups, channel self-attention
 * (with optional Fourier position encoding) and an inverted-bottleneck MLP, each residual.
 */
export class SDTAEncoder extends Module {
  readonly convChannels: number;
  readonly numConvs: number;
  readonly gammaCsa: tf.Variable | null;
  readonly gamma: tf.Variable | null;
  readonly hasPosEmbed: boolean;

  constructor(o: SDTAEncoderOptions) {
    super();
    checkKeys(o, ['in_channel', 'drop_path_rate', 'layer_scale_init_value', 'mlp_ratio', 'use_pos_emb', 'num_heads', 'qkv_bias', 'attn_drop', 'proj_drop', 'norm_cfg', 'act_cfg', 'scales'], 'SDTAEncoder');
    const { in_channel: c, drop_path_rate = 0, layer_scale_init_value = 1e-6, mlp_ratio = 4, use_pos_emb = true, num_heads = 8, qkv_bias = true, attn_drop = 0, proj_drop = 0, norm_cfg = { type: 'LN' }, act_cfg = { type: 'GELU' }, scales = 1 } = o;
    this.convChannels = Math.max(Math.ceil(c / scales), Math.floor(c / scales));
    this.numConvs = scales === 1 ? scales : scales - 1;
    const chunks = Math.ceil(c / this.convChannels);
    assert(chunks > this.numConvs, () => `SDTAEncoder: ${c} channels split in ${this.convChannels}-channel groups give ${chunks} groups, fewer than the ${this.numConvs + 1} the ${scales} scales need (index out of range)`);
    this.gammaCsa = layer_scale_init_value > 0 ? this.registerParameter('gamma_csa', [c], layer_scale_init_value) : null;
    this.gamma = layer_scale_init_value > 0 ? this.registerParameter('gamma', [c], layer_scale_init_value) : null;
    const convs = new ModuleList<Conv2d>();
    for (let i = 0; i < this.numConvs; i++) convs.push(new Conv2d({ in_channels: this.convChannels, out_channels: this.convChannels, kernel_size: 3, padding: 1, groups: this.convChannels }));
    this.addModule('conv_modules', convs);
    this.hasPosEmbed = use_pos_emb;
    if (use_pos_emb) this.addModule('pos_embed', new PositionEncodingFourier({ embed_dims: c }));
    this.addModule('norm_csa', buildNormLayer2d(norm_cfg, c));
    this.addModule('csa', new ChannelMultiheadAttention({ embed_dims: c, num_heads, qkv_bias, attn_drop, proj_drop }));
    this.addModule('norm', buildNormLayer2d(norm_cfg, c));
    this.addModule('pointwise_conv1', new Linear({ in_features: c, out_features: mlp_ratio * c }));
    this.addModule('act', buildActivationLayer(act_cfg));
    this.addModule('pointwise_conv2', new Linear({ in_features: mlp_ratio * c, out_features: c }));
    this.addModule('drop_path', drop_path_rate > 0 ? new DropPath(drop_path_rate) : new Identity());
  }

  override typeNames(): string[] {
    return ['SDTAEncoder'];
  }

  /** x: NHWC. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape as [number, number, number, number];
      const sizes: number[] = [];
      for (let s = 0; s < c; s += this.convChannels) sizes.push(Math.min(this.convChannels, c - s));
      const spx = tf.split(x, sizes, 3);
      const convs = this.child<ModuleList<Conv2d>>('conv_modules');
      const parts: Tensor[] = [];
      let sp: Tensor | null = null;
      for (let i = 0; i < this.numConvs; i++) {
        sp = convs.at(i).call(sp === null ? spx[i] : tf.add(sp, spx[i]));
        parts.push(sp);
      }
      parts.push(spx[this.numConvs]);
      let y = tf.reshape(tf.concat(parts, 3), [b, h * w, c]);
      if (this.hasPosEmbed) y = tf.add(y, tf.reshape(this.child<PositionEncodingFourier>('pos_embed').call([b, h, w]), [b, h * w, c]));
      const dp = this.child('drop_path');
      let attn = this.child('csa').call(this.child('norm_csa').call(y) as Tensor) as Tensor;
      if (this.gammaCsa) attn = tf.mul(this.gammaCsa, attn);
      y = tf.add(y, dp.call(attn) as Tensor);
      y = tf.reshape(y, [b, h, w, c]);
      for (const n of ['norm', 'pointwise_conv1', 'act', 'pointwise_conv2']) y = this.child(n).call(y) as Tensor;
      if (this.gamma) y = tf.mul(this.gamma, y);
      return tf.add(x, dp.call(y) as Tensor);
    });
  }
}

type EdgeNeXtArch = { channels: number[]; depths: number[]; num_heads: number[] };

export const EDGENEXT_ARCH: Record<string, EdgeNeXtArch> = {
  xxsmall: { channels: [24, 48, 88, 168], depths: [2, 2, 6, 2], num_heads: [4, 4, 4, 4] },
  xsmall: { channels: [32, 64, 100, 192], depths: [3, 3, 9, 3], num_heads: [4, 4, 4, 4] },
  small: { channels: [48, 96, 160, 304], depths: [3, 3, 9, 3], num_heads: [8, 8, 8, 8] },
  base: { channels: [80, 160, 288, 584], depths: [3, 3, 9, 3], num_heads: [8, 8, 8, 8] },
};

export interface EdgeNeXtOptions {
  /** A name of {@link EDGENEXT_ARCH} or `{channels, depths, num_heads}`. Default: 'xxsmall'. */
  arch?: string | EdgeNeXtArch;
  /** Default: 3. */
  in_channels?: number;
  /** SDTA encoders at the end of each stage. Default: [0, 1, 1, 1]. */
  global_blocks?: number[];
  /** Checked only ('None' or 'SDTA'), as MMPretrain. Default: ['None', 'SDTA', 'SDTA', 'SDTA']. */
  global_block_type?: string[];
  drop_path_rate?: number;
  /** ConvNeXt blocks' layer scale. Default: 1e-6. */
  layer_scale_init_value?: number;
  /** Default: true. */
  linear_pw_conv?: boolean;
  /** SDTA MLP ratio. Default: 4. */
  mlp_ratio?: number;
  /** Depthwise kernel of the ConvNeXt blocks per stage. Default: [3, 5, 7, 9]. */
  conv_kernel_sizes?: number[];
  /** Default: [false, true, false, false]. */
  use_pos_embd_csa?: boolean[];
  /** Default: false. */
  use_pos_embd_global?: boolean;
  /** Default: [2, 2, 3, 4]. */
  d2_scales?: number[];
  /** Default: LN2d eps 1e-6. */
  norm_cfg?: NormCfg;
  /** Default: -1. */
  out_indices?: number | number[];
  /** Default: 0. */
  frozen_stages?: number;
  /** Default: true. */
  gap_before_final_norm?: boolean;
  /** Default: GELU. */
  act_cfg?: ActCfg;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const KEYS = ['arch', 'in_channels', 'global_blocks', 'global_block_type', 'drop_path_rate', 'layer_scale_init_value', 'linear_pw_conv', 'mlp_ratio', 'conv_kernel_sizes', 'use_pos_embd_csa', 'use_pos_embd_global', 'd2_scales', 'norm_cfg', 'out_indices', 'frozen_stages', 'gap_before_final_norm', 'act_cfg', 'init_cfg'];

export class EdgeNeXt extends BaseBackbone {
  readonly channels: number[];
  readonly depths: number[];
  readonly numHeads: number[];
  readonly numStages: number;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly gapBeforeFinalNorm: boolean;
  readonly useGlobalPosEmbed: boolean;
  readonly downsampleLayers: ModuleList<Sequential>;
  readonly stages: ModuleList<Sequential>;

  constructor(opts: EdgeNeXtOptions = {}) {
    checkKeys(opts, KEYS, 'EdgeNeXt');
    super(opts.init_cfg);
    const {
      arch: archOpt = 'xxsmall',
      in_channels = 3,
      global_blocks = [0, 1, 1, 1],
      global_block_type = ['None', 'SDTA', 'SDTA', 'SDTA'],
      drop_path_rate = 0,
      layer_scale_init_value = 1e-6,
      linear_pw_conv = true,
      mlp_ratio = 4,
      conv_kernel_sizes = [3, 5, 7, 9],
      use_pos_embd_csa = [false, true, false, false],
      use_pos_embd_global = false,
      d2_scales = [2, 2, 3, 4],
      norm_cfg = { type: 'LN2d', eps: 1e-6 },
      out_indices = -1,
      frozen_stages = 0,
      gap_before_final_norm = true,
      act_cfg = { type: 'GELU' },
    } = opts;
    let arch: EdgeNeXtArch;
    if (typeof archOpt === 'string') {
      const name = archOpt.toLowerCase();
      assert(Object.prototype.hasOwnProperty.call(EDGENEXT_ARCH, name), () => `Arch ${name} is not in default archs ${pySetRepr(Object.keys(EDGENEXT_ARCH))}`);
      arch = EDGENEXT_ARCH[name];
    } else {
      const want = ['channels', 'depths', 'num_heads'];
      const got = Object.keys(archOpt ?? {});
      assert(archOpt && typeof archOpt === 'object' && got.length === want.length && want.every((k) => got.includes(k)), () => `Custom arch needs a dict with keys ${pySetRepr(want)}`);
      arch = archOpt;
    }
    this.channels = [...arch.channels];
    this.depths = [...arch.depths];
    this.numHeads = [...arch.num_heads];
    this.numStages = this.depths.length;
    this.useGlobalPosEmbed = use_pos_embd_global;
    for (const g of global_block_type) assert(g === 'None' || g === 'SDTA', () => `Global block type ${g} is not supported`);

    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : [...out_indices]).map((i) => {
      const j = i < 0 ? 4 + i : i;
      assert(j >= 0, () => `Invalid out_indices ${i}`);
      return j;
    });
    assert(frozen_stages <= this.numStages, () => `EdgeNeXt: frozen_stages ${frozen_stages} exceeds the ${this.numStages} stages (list index out of range)`);
    this.frozenStages = frozen_stages;
    this.gapBeforeFinalNorm = gap_before_final_norm;

    if (use_pos_embd_global) this.addModule('pos_embed', new PositionEncodingFourier({ embed_dims: this.channels[0] }));

    const dpr = linspace(0, drop_path_rate, this.depths.reduce((a, b) => a + b, 0));
    this.downsampleLayers = this.addModule('downsample_layers', new ModuleList<Sequential>());
    this.downsampleLayers.push(new Sequential(new Conv2d({ in_channels, out_channels: this.channels[0], kernel_size: 4, stride: 4 }), buildNormLayer2d(norm_cfg, this.channels[0])));
    this.stages = this.addModule('stages', new ModuleList<Sequential>());
    let blockIdx = 0;
    for (let i = 0; i < this.numStages; i++) {
      const depth = this.depths[i];
      const c = this.channels[i];
      if (i >= 1) this.downsampleLayers.push(new Sequential(buildNormLayer2d(norm_cfg, this.channels[i - 1]), new Conv2d({ in_channels: this.channels[i - 1], out_channels: c, kernel_size: 2, stride: 2 })));
      const blocks = new Sequential();
      for (let j = 0; j < depth; j++) {
        if (j > depth - global_blocks[i] - 1) {
          blocks.append(new SDTAEncoder({ in_channel: c, drop_path_rate: dpr[blockIdx + j], mlp_ratio, scales: d2_scales[i], use_pos_emb: use_pos_embd_csa[i], num_heads: this.numHeads[i] }));
        } else {
          const k = conv_kernel_sizes[i];
          blocks.append(new ConvNeXtBlock({ in_channels: c, dw_conv_cfg: { kernel_size: k, padding: Math.floor(k / 2) }, norm_cfg, act_cfg, linear_pw_conv, drop_path_rate: dpr[blockIdx + j], layer_scale_init_value }));
        }
      }
      blockIdx += depth;
      this.stages.push(blocks);
      if (this.outIndices.includes(i)) this.addModule(`norm${i}`, gap_before_final_norm ? buildNormLayer({ type: 'LN' }, c)[1] : buildNormLayer2d(norm_cfg, c));
    }
    this.train(true);
  }

  /** x: NHWC. Per output stage: (N, C) after GAP + LN, or the normalised NHWC map. */
  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    let y = x;
    // An intermediate is freed once used unless it is the input or a forward hook watches it.
    let disposable = false;
    const step = (f: () => Tensor, hooked: boolean) => {
      const next = tf.tidy(f);
      if (disposable && next !== y) y.dispose();
      y = next;
      disposable = !hooked;
    };
    for (let i = 0; i < this.numStages; i++) {
      const down = this.downsampleLayers.at(i);
      const stage = this.stages.at(i);
      step(() => down.call(y) as Tensor, down.hasForwardHooks());
      step(() => stage.call(y) as Tensor, stage.hasForwardHooks());
      if (this.useGlobalPosEmbed && i === 0) {
        const z = y;
        step(() => tf.add(z, this.child<PositionEncodingFourier>('pos_embed').call([z.shape[0]!, z.shape[1]!, z.shape[2]!])), false);
      }
      if (this.outIndices.includes(i)) {
        const norm = this.child(`norm${i}`);
        const z = y;
        outs.push(tf.tidy(() => (this.gapBeforeFinalNorm ? (norm.call(tf.mean(z, [1, 2])) as Tensor) : (norm.call(z) as Tensor))));
      }
    }
    if (disposable) y.dispose();
    return outs;
  }

  override train(mode = true): this {
    super.train(mode);
    for (let i = 0; i < this.frozenStages; i++) freeze([this.downsampleLayers.at(i), this.stages.at(i)]);
    return this;
  }
}
