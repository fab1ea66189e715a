/**
 * `MobileViT` (MMPretrain `backbones/mobilevit.py`): `stem`, `layers.N` (MobileNetV2 InvertedResidual stacks, or one
 * InvertedResidual followed by a `MobileVitBlock`), `conv_1x1_exp` after the last layer.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { buildNormLayer, ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Sequential } from '../nn/container';
import type { InitCfg } from '../nn/init';
import { Module } from '../nn/module';
import { interpolateBilinear } from '../utils/interpolate';
import { BaseBackbone, freeze } from './base_backbone';
import { MobileNetV2InvertedResidual } from './mobilenet_v2';
import { TransformerEncoderLayer } from './vision_transformer';

export interface MobileVitBlockOptions {
  in_channels: number;
  transformer_dim: number;
  ffn_dim: number;
  out_channels: number;
  /** Default: 3. */
  conv_ksize?: number;
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg | null;
  /** Default: Swish. */
  act_cfg?: ActCfg | null;
  /** Default: 2. */
  num_transformer_blocks?: number;
  /** Default: 2. */
  patch_size?: number;
  /** Default: 4. */
  num_heads?: number;
  drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  /** Default: false. */
  no_fusion?: boolean;
  /** Default: LN. */
  transformer_norm_cfg?: NormCfg;
}

/**
 * MobileViT's unfold: NHWC (B, nh·ph, nw·pw, C) → (B·ph·pw, nh·nw, C); sequence `b·P + i·pw + j` holds pixel (i, j)
 * of every patch, token `r·nw + s` being patch (r, s).
 */
export function unfoldPatches(x: Tensor, ph: number, pw: number): Tensor {
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const [nh, nw] = [h / ph, w / pw];
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [b, nh, ph, nw, pw, c]), [0, 2, 4, 1, 3, 5]), [b * ph * pw, nh * nw, c]));
}

/** The inverse of {@link unfoldPatches}. */
export function foldPatches(y: Tensor, b: number, nh: number, nw: number, ph: number, pw: number): Tensor {
  const c = y.shape[2]!;
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(y, [b, ph, pw, nh, nw, c]), [0, 3, 1, 4, 2, 5]), [b, nh * ph, nw * pw, c]));
}

/**
 * Local 3×3 + 1×1 convolutions, transformer layers over the pixels at the same offset of every `patch_size` patch
 * (unfold → `global_rep` → fold), 1×1 projection, then a fusion convolution over [input, projection].
 */
export class MobileVitBlock extends Module {
  readonly patchSize: [number, number];
  readonly hasFusion: boolean;

  constructor(o: MobileVitBlockOptions) {
    super();
    checkKeys(o, ['in_channels', 'transformer_dim', 'ffn_dim', 'out_channels', 'conv_ksize', 'conv_cfg', 'norm_cfg', 'act_cfg', 'num_transformer_blocks', 'patch_size', 'num_heads', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'no_fusion', 'transformer_norm_cfg'], 'MobileVitBlock');
    const { conv_ksize = 3, conv_cfg = null, norm_cfg = { type: 'BN' }, act_cfg = { type: 'Swish' }, num_transformer_blocks = 2, patch_size = 2, num_heads = 4, drop_rate = 0, attn_drop_rate = 0, drop_path_rate = 0, no_fusion = false, transformer_norm_cfg = { type: 'LN' } } = o;
    const pad = Math.trunc((conv_ksize - 1) / 2);
    this.addModule(
      'local_rep',
      new Sequential(
        new ConvModule({ in_channels: o.in_channels, out_channels: o.in_channels, kernel_size: conv_ksize, padding: pad, conv_cfg, norm_cfg, act_cfg }),
        new ConvModule({ in_channels: o.in_channels, out_channels: o.transformer_dim, kernel_size: 1, bias: false, conv_cfg, norm_cfg: null, act_cfg: null }),
      ),
    );
    const globalRep = new Sequential();
    for (let i = 0; i < num_transformer_blocks; i++) {
      globalRep.append(new TransformerEncoderLayer({ embed_dims: o.transformer_dim, num_heads, feedforward_channels: o.ffn_dim, drop_rate, attn_drop_rate, drop_path_rate, qkv_bias: true, act_cfg: { type: 'Swish' }, norm_cfg: transformer_norm_cfg }));
    }
    globalRep.append(buildNormLayer(transformer_norm_cfg, o.transformer_dim)[1]);
    this.addModule('global_rep', globalRep);
    this.addModule('conv_proj', new ConvModule({ in_channels: o.transformer_dim, out_channels: o.out_channels, kernel_size: 1, conv_cfg, norm_cfg, act_cfg }));
    this.hasFusion = !no_fusion;
    if (this.hasFusion) {
      this.addModule('conv_fusion', new ConvModule({ in_channels: o.in_channels + o.out_channels, out_channels: o.out_channels, kernel_size: conv_ksize, padding: pad, conv_cfg, norm_cfg, act_cfg }));
    }
    this.patchSize = [patch_size, patch_size];
  }

  /** x: NHWC. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let y = this.child('local_rep').call(x) as Tensor;
      const [b, h, w] = y.shape as [number, number, number, number];
      const [ph, pw] = this.patchSize;
      const newH = Math.ceil(h / ph) * ph;
      const newW = Math.ceil(w / pw) * pw;
      const [nh, nw] = [newH / ph, newW / pw];
      const interpolate = newH !== h || newW !== w;
      if (interpolate) y = interpolateBilinear(y, newH, newW);
      y = unfoldPatches(y, ph, pw);
      y = this.child('global_rep').call(y) as Tensor;
      y = foldPatches(y, b, nh, nw, ph, pw);
      if (interpolate) y = interpolateBilinear(y, h, w);
      y = this.child('conv_proj').call(y) as Tensor;
      if (this.hasFusion) y = this.child('conv_fusion').call(tf.concat([x, y], 3)) as Tensor;
      return y;
    });
  }
}

/** `['mobilenetv2', out, stride, num_blocks, expand_ratio?]` or `['mobilevit', out, stride, transformer_dim, ffn_dim, num_transformer_blocks, expand_ratio?]`. */
export type MobileViTLayerSetting = [string, ...number[]];

export const MOBILEVIT_ARCH: Record<string, MobileViTLayerSetting[]> = {
  small: [
    ['mobilenetv2', 32, 1, 1, 4],
    ['mobilenetv2', 64, 2, 3, 4],
    ['mobilevit', 96, 2, 144, 288, 2, 4],
    ['mobilevit', 128, 2, 192, 384, 4, 4],
    ['mobilevit', 160, 2, 240, 480, 3, 4],
  ],
  x_small: [
    ['mobilenetv2', 32, 1, 1, 4],
    ['mobilenetv2', 48, 2, 3, 4],
    ['mobilevit', 64, 2, 96, 192, 2, 4],
    ['mobilevit', 80, 2, 120, 240, 4, 4],
    ['mobilevit', 96, 2, 144, 288, 3, 4],
  ],
  xx_small: [
    ['mobilenetv2', 16, 1, 1, 2],
    ['mobilenetv2', 24, 2, 3, 2],
    ['mobilevit', 48, 2, 64, 128, 2, 2],
    ['mobilevit', 64, 2, 80, 160, 4, 2],
    ['mobilevit', 80, 2, 96, 192, 3, 2],
  ],
};

export interface MobileViTOptions {
  /** 'small' | 'x_small' | 'xx_small' or a list of layer settings. Default: 'small'. */
  arch?: string | MobileViTLayerSetting[];
  /** Default: 3. */
  in_channels?: number;
  /** Default: 16. */
  stem_channels?: number;
  /** Default: 4. */
  last_exp_factor?: number;
  /** Default: [4]. */
  out_indices?: number | number[];
  /** Default: -1. */
  frozen_stages?: number;
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: Swish. */
  act_cfg?: ActCfg;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const DEFAULT_INIT: InitCfg[] = [
  { type: 'Kaiming', layer: ['Conv2d'] },
  { type: 'Constant', val: 1, layer: ['_BatchNorm', 'GroupNorm'] },
];

const swish = (): ActCfg => ({ type: 'Swish' });

function mobilenetv2Layer(inC: number, outC: number, stride: number, numBlocks: number, expandRatio = 4): Sequential {
  const layer = new Sequential();
  for (let i = 0; i < numBlocks; i++) {
    layer.append(new MobileNetV2InvertedResidual(i === 0 ? inC : outC, outC, i === 0 ? stride : 1, expandRatio, null, { type: 'BN' }, swish()));
  }
  return layer;
}

function mobilevitLayer(inC: number, outC: number, stride: number, transformerDim: number, ffnDim: number, numTransformerBlocks: number, expandRatio = 4): Sequential {
  return new Sequential(
    new MobileNetV2InvertedResidual(inC, outC, stride, expandRatio, null, { type: 'BN' }, swish()),
    new MobileVitBlock({ in_channels: outC, transformer_dim: transformerDim, ffn_dim: ffnDim, out_channels: outC, num_transformer_blocks: numTransformerBlocks }),
  );
}

export class MobileViT extends BaseBackbone {
  readonly arch: MobileViTLayerSetting[];
  readonly numStages: number;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly layers: Sequential;

  constructor(opts: MobileViTOptions = {}) {
    checkKeys(opts, ['arch', 'in_channels', 'stem_channels', 'last_exp_factor', 'out_indices', 'frozen_stages', 'conv_cfg', 'norm_cfg', 'act_cfg', 'init_cfg'], 'MobileViT');
    super(opts.init_cfg === undefined ? DEFAULT_INIT : opts.init_cfg);
    const { arch: archOpt = 'small', in_channels = 3, stem_channels = 16, last_exp_factor = 4, out_indices = [4], frozen_stages = -1, conv_cfg = null, norm_cfg = { type: 'BN' }, act_cfg = { type: 'Swish' } } = opts;
    let arch: MobileViTLayerSetting[];
    if (typeof archOpt === 'string') {
      const a = MOBILEVIT_ARCH[archOpt.toLowerCase()];
      assert(a, () => `Unavailable arch, please choose from ({'${Object.keys(MOBILEVIT_ARCH).join("', '")}'}) or pass a list.`);
      arch = a;
    } else {
      assert(Array.isArray(archOpt) && archOpt.every((l) => Array.isArray(l)), () => 'MobileViT: a custom arch must be a list of layer settings (lists)');
      arch = archOpt;
    }
    this.arch = arch;
    this.numStages = arch.length;

    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : [...out_indices]).map((i) => {
      const j = i < 0 ? this.numStages + i : i;
      assert(j >= 0, () => `Invalid out_indices ${i}`);
      return j;
    });
    if (!(Number.isInteger(frozen_stages) && frozen_stages >= -1 && frozen_stages < this.numStages)) {
      throw new Error(`frozen_stages must be in range(-1, ${this.numStages}). But received ${frozen_stages}`);
    }
    this.frozenStages = frozen_stages;

    this.addModule('stem', new ConvModule({ in_channels, out_channels: stem_channels, kernel_size: 3, stride: 2, padding: 1, conv_cfg, norm_cfg, act_cfg }));
    let inC = stem_channels;
    const layers = new Sequential();
    for (const setting of arch) {
      const [type, ...s] = setting;
      if (type === 'mobilenetv2') {
        assert(s.length === 3 || s.length === 4, () => `MobileViT: a 'mobilenetv2' layer needs [out_channels, stride, num_blocks, expand_ratio?], got [${s}]`);
        layers.append(mobilenetv2Layer(inC, s[0], s[1], s[2], s[3]));
      } else if (type === 'mobilevit') {
        assert(s.length === 5 || s.length === 6, () => `MobileViT: a 'mobilevit' layer needs [out_channels, stride, transformer_dim, ffn_dim, num_transformer_blocks, expand_ratio?], got [${s}]`);
        layers.append(mobilevitLayer(inC, s[0], s[1], s[2], s[3], s[4], s[5]));
      } else {
        throw new Error(`MobileViT: unknown layer type '${String(type)}' (choose from 'mobilenetv2', 'mobilevit')`);
      }
      inC = s[0];
    }
    this.layers = this.addModule('layers', layers);
    this.addModule('conv_1x1_exp', new ConvModule({ in_channels: inC, out_channels: last_exp_factor * inC, kernel_size: 1, stride: 1, conv_cfg, norm_cfg, act_cfg }));
    this.train(true);
  }

  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    const stem = this.child('stem');
    const exp = this.child('conv_1x1_exp');
    let y = tf.tidy(() => stem.call(x) as Tensor);
    // An intermediate is freed once used unless it is returned or watched by a forward hook.
    let disposable = !stem.hasForwardHooks();
    const n = this.layers.length;
    for (let i = 0; i < n; i++) {
      const layer = this.layers.at(i);
      const last = i === n - 1;
      let next = tf.tidy(() => layer.call(y) as Tensor);
      if (disposable) y.dispose();
      if (last) {
        const z = next;
        next = tf.tidy(() => exp.call(z) as Tensor);
        if (!layer.hasForwardHooks()) z.dispose();
      }
      const keep = this.outIndices.includes(i);
      if (keep) outs.push(next);
      disposable = !keep && !(last ? exp : layer).hasForwardHooks();
      y = next;
    }
    if (disposable) y.dispose();
    return outs;
  }

  override train(mode = true): this {
    super.train(mode);
    freeze(Array.from({ length: Math.max(0, this.frozenStages) }, (_, i) => this.layers.at(i)));
    return this;
  }
}
