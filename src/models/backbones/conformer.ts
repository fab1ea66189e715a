/**
 * `Conformer` (MMPretrain `backbones/conformer.py`): a ResNet-like conv branch and a ViT branch run side by side,
 * coupled in every `conv_trans_<i>` block by FCUDown (conv feature map → tokens) and FCUUp (tokens → feature map).
 * Archs tiny / small / base (or `{embed_dims, depths, num_heads, channel_ratio}`); for each block index in
 * `out_indices` the backbone returns the pooled conv feature (B, C) and the class token (B, D) (the token mean without
 * class token), flattened in order: [conv_i, trans_i, conv_j, trans_j, …].
 *
 * As in MMPretrain 1.2, `frozen_stages` and `norm_eval` are accepted and stored but change nothing.
 */
import { tf, type Tensor, type Tensor4D } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Conv2d } from '../nn/conv';
import { DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { Linear } from '../nn/linear';
import { Identity, Module } from '../nn/module';
import { BatchNorm, BatchNorm2d, LayerNorm } from '../nn/norm';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../nn/pooling';
import type { Generator } from '../../utils/random';
import { pySetRepr } from '../utils/arch_settings';
import { linspace } from '../utils/linspace';
import { upsampleNearest } from '../utils/upsample';
import { BaseBackbone } from './base_backbone';
import { TransformerEncoderLayer } from './vision_transformer';

export interface ConformerArch {
  embed_dims: number;
  depths: number;
  num_heads: number;
  channel_ratio: number;
}

const T = (embed_dims: number, channel_ratio: number, num_heads: number, depths: number): ConformerArch => ({ embed_dims, channel_ratio, num_heads, depths });

export const CONFORMER_ARCH: Record<string, ConformerArch> = {
  t: T(384, 1, 6, 12), tiny: T(384, 1, 6, 12),
  s: T(384, 4, 6, 12), small: T(384, 4, 6, 12),
  b: T(576, 6, 9, 12), base: T(576, 6, 9, 12),
};

const ARCH_KEYS = ['embed_dims', 'depths', 'num_heads', 'channel_ratio'];

export interface ConformerConvBlockOptions {
  in_channels: number;
  out_channels: number;
  /** Stride of `conv2` (and of the residual conv). Default: 1. */
  stride?: number;
  /** Groups of `conv2`. Default: 1. */
  groups?: number;
  drop_path_rate?: number;
  /** Adds `residual_conv` + `residual_bn` on the identity path. Default: false. */
  with_residual_conv?: boolean;
  /** Default: BN eps 1e-6. */
  norm_cfg?: NormCfg;
  /** Default: ReLU. */
  act_cfg?: ActCfg;
}

/**
 * Conformer's bottleneck (`ConvBlock`): 1×1 → 3×3 (stride, groups) → 1×1 (×4 channels), residual, ReLU.
 * `run` also returns the `conv2` activation and can add a fusion feature map to `conv2`'s input.
 */
export class ConformerConvBlock extends Module {
  readonly withResidualConv: boolean;

  constructor(o: ConformerConvBlockOptions) {
    super();
    const { in_channels, out_channels, stride = 1, groups = 1, drop_path_rate = 0, with_residual_conv = false, norm_cfg = { type: 'BN', eps: 1e-6 }, act_cfg = { type: 'ReLU', inplace: true } } = o;
    const mid = Math.trunc(out_channels / 4);
    this.addModule('conv1', new Conv2d({ in_channels, out_channels: mid, kernel_size: 1, bias: false }));
    this.addModule('bn1', buildNormLayer(norm_cfg, mid)[1]);
    this.addModule('act1', buildActivationLayer(act_cfg));
    this.addModule('conv2', new Conv2d({ in_channels: mid, out_channels: mid, kernel_size: 3, stride, groups, padding: 1, bias: false }));
    this.addModule('bn2', buildNormLayer(norm_cfg, mid)[1]);
    this.addModule('act2', buildActivationLayer(act_cfg));
    this.addModule('conv3', new Conv2d({ in_channels: mid, out_channels, kernel_size: 1, bias: false }));
    this.addModule('bn3', buildNormLayer(norm_cfg, out_channels)[1]);
    this.addModule('act3', buildActivationLayer(act_cfg));
    if (with_residual_conv) {
      this.addModule('residual_conv', new Conv2d({ in_channels, out_channels, kernel_size: 1, stride, bias: false }));
      this.addModule('residual_bn', buildNormLayer(norm_cfg, out_channels)[1]);
    }
    this.withResidualConv = with_residual_conv;
    this.addModule('drop_path', drop_path_rate > 0 ? new DropPath(drop_path_rate) : new Identity());
  }

  override typeNames(): string[] {
    return ['ConvBlock'];
  }

  /** `zero_init_last_bn`. */
  zeroInitLastBn(): void {
    const w = this.child('bn3').param('weight');
    tf.tidy(() => w.assign(tf.zerosLike(w)));
  }

  /** [output, conv2 activation]; `fusion` is added to `conv2`'s input when given. */
  run(x: Tensor, fusion: Tensor | null = null): [Tensor, Tensor] {
    return tf.tidy(() => {
      const c = (name: string, t: Tensor) => this.child(name).call(t) as Tensor;
      let y = c('act1', c('bn1', c('conv1', x)));
      if (fusion) y = tf.add(y, fusion);
      const x2 = c('act2', c('bn2', c('conv2', y)));
      let out = c('drop_path', c('bn3', c('conv3', x2)));
      const identity = this.withResidualConv ? c('residual_bn', c('residual_conv', x)) : x;
      out = c('act3', tf.add(out, identity));
      return [out, x2];
    });
  }

  forward(x: Tensor): Tensor {
    const [out, x2] = this.run(x);
    x2.dispose();
    return out;
  }
}

/** `FCUDown`: conv feature map → 1×1 conv → average pooling → tokens → LN → GELU (class token prepended). */
export class FCUDown extends Module<[Tensor, Tensor], Tensor> {
  readonly withClsToken: boolean;

  constructor(o: { in_channels: number; out_channels: number; down_stride: number; with_cls_token?: boolean; norm_cfg?: NormCfg; act_cfg?: ActCfg }) {
    super();
    const { in_channels, out_channels, down_stride, with_cls_token = true, norm_cfg = { type: 'LN', eps: 1e-6 }, act_cfg = { type: 'GELU' } } = o;
    this.withClsToken = with_cls_token;
    this.addModule('conv_project', new Conv2d({ in_channels, out_channels, kernel_size: 1 }));
    this.addModule('sample_pooling', new AvgPool2d({ kernel_size: down_stride, stride: down_stride }));
    this.addModule('ln', buildNormLayer(norm_cfg, out_channels)[1]);
    this.addModule('act', buildActivationLayer(act_cfg));
  }

  override typeNames(): string[] {
    return ['FCUDown'];
  }

  /** [feature map NHWC, tokens of the transformer branch] → tokens (B, 1 + h·w, D). */
  forward([x, xt]: [Tensor, Tensor]): Tensor {
    return tf.tidy(() => {
      const p = this.child('sample_pooling').call(this.child('conv_project').call(x)) as Tensor;
      const [b, h, w, c] = p.shape as [number, number, number, number];
      let t = this.child('act').call(this.child('ln').call(tf.reshape(p, [b, h * w, c]))) as Tensor;
      if (this.withClsToken) t = tf.concat([tf.slice(xt, [0, 0, 0], [-1, 1, -1]), t], 1);
      return t;
    });
  }
}

/** `FCUUp`: tokens → (B, H, W, D) map → 1×1 conv → BN → ReLU → nearest upsampling by `up_stride`. */
export class FCUUp extends Module<[Tensor, number, number], Tensor> {
  readonly upStride: number;
  readonly withClsToken: boolean;

  constructor(o: { in_channels: number; out_channels: number; up_stride: number; with_cls_token?: boolean; norm_cfg?: NormCfg; act_cfg?: ActCfg }) {
    super();
    const { in_channels, out_channels, up_stride, with_cls_token = true, norm_cfg = { type: 'BN', eps: 1e-6 }, act_cfg = { type: 'ReLU', inplace: true } } = o;
    this.upStride = up_stride;
    this.withClsToken = with_cls_token;
    this.addModule('conv_project', new Conv2d({ in_channels, out_channels, kernel_size: 1 }));
    this.addModule('bn', buildNormLayer(norm_cfg, out_channels)[1]);
    this.addModule('act', buildActivationLayer(act_cfg));
  }

  override typeNames(): string[] {
    return ['FCUUp'];
  }

  /** [tokens, H, W] → NHWC map of (H·up, W·up). */
  forward([x, h, w]: [Tensor, number, number]): Tensor {
    return tf.tidy(() => {
      const [b, , c] = x.shape as [number, number, number];
      const patches = this.withClsToken ? tf.slice(x, [0, 1, 0], [-1, -1, -1]) : x;
      const m = tf.reshape(patches, [b, h, w, c]);
      const y = this.child('act').call(this.child('bn').call(this.child('conv_project').call(m))) as Tensor;
      return upsampleNearest(y, this.upStride);
    });
  }
}

export interface ConvTransBlockOptions {
  in_channels: number;
  out_channels: number;
  embed_dims: number;
  conv_stride?: number;
  groups?: number;
  with_residual_conv?: boolean;
  down_stride?: number;
  num_heads?: number;
  mlp_ratio?: number;
  qkv_bias?: boolean;
  with_cls_token?: boolean;
  drop_rate?: number;
  attn_drop_rate?: number;
  drop_path_rate?: number;
  /** Last block: the fusion block downsamples (stride 2, residual conv). */
  last_fusion?: boolean;
}

/** `ConvTransBlock`: one conv block and one transformer layer exchanging features through FCUDown / FCUUp. */
export class ConvTransBlock extends Module<[Tensor, Tensor], [Tensor, Tensor]> {
  readonly downStride: number;

  constructor(o: ConvTransBlockOptions) {
    super();
    const { in_channels, out_channels, embed_dims, conv_stride = 1, groups = 1, with_residual_conv = false, down_stride = 4, num_heads = 12, mlp_ratio = 4, qkv_bias = false, with_cls_token = true, drop_rate = 0, attn_drop_rate = 0, drop_path_rate = 0, last_fusion = false } = o;
    const expansion = 4;
    this.addModule('cnn_block', new ConformerConvBlock({ in_channels, out_channels, with_residual_conv, stride: conv_stride, groups }));
    this.addModule(
      'fusion_block',
      last_fusion
        ? new ConformerConvBlock({ in_channels: out_channels, out_channels, stride: 2, with_residual_conv: true, groups, drop_path_rate })
        : new ConformerConvBlock({ in_channels: out_channels, out_channels, groups, drop_path_rate }),
    );
    const mid = Math.trunc(out_channels / expansion);
    this.addModule('squeeze_block', new FCUDown({ in_channels: mid, out_channels: embed_dims, down_stride, with_cls_token }));
    this.addModule('expand_block', new FCUUp({ in_channels: embed_dims, out_channels: mid, up_stride: down_stride, with_cls_token }));
    this.addModule(
      'trans_block',
      new TransformerEncoderLayer({ embed_dims, num_heads, feedforward_channels: Math.trunc(embed_dims * mlp_ratio), drop_rate, drop_path_rate, attn_drop_rate, qkv_bias, norm_cfg: { type: 'LN', eps: 1e-6 } }),
    );
    this.downStride = down_stride;
  }

  override typeNames(): string[] {
    return ['ConvTransBlock'];
  }

  /** [conv feature NHWC, tokens] → [conv feature, tokens]. */
  forward([x, xt]: [Tensor, Tensor]): [Tensor, Tensor] {
    return tf.tidy(() => {
      const [y, y2] = this.child<ConformerConvBlock>('cnn_block').run(x);
      const [h, w] = [y2.shape[1]!, y2.shape[2]!];
      const emb = this.child<FCUDown>('squeeze_block').call([y2, xt]);
      const tOut = this.child('trans_block').call(tf.add(emb, xt)) as Tensor;
      const fusion = this.child<FCUUp>('expand_block').call([tOut, Math.trunc(h / this.downStride), Math.trunc(w / this.downStride)]);
      const [out] = this.child<ConformerConvBlock>('fusion_block').run(y, fusion);
      return [out, tOut];
    });
  }
}

export interface ConformerOptions {
  /** tiny | small | base (t, s, b) or a dict. Default: 'tiny'. */
  arch?: string | ConformerArch;
  /** A multiple of 16. Default: 16. */
  patch_size?: number;
  /** Default: 64. */
  base_channels?: number;
  /** Default: 4. */
  mlp_ratio?: number;
  /** Default: true. */
  qkv_bias?: boolean;
  /** Default: true. */
  with_cls_token?: boolean;
  drop_path_rate?: number;
  /** Stored; no effect (as in MMPretrain 1.2). Default: true. */
  norm_eval?: boolean;
  /** Stored; no effect (as in MMPretrain 1.2). Default: 0. */
  frozen_stages?: number;
  /** Block indices 2…depths (negative: depths + i + 1). Default: -1 (the last block). */
  out_indices?: number | number[];
  init_cfg?: InitCfg | InitCfg[] | null;
}

const CONFORMER_KEYS = ['arch', 'patch_size', 'base_channels', 'mlp_ratio', 'qkv_bias', 'with_cls_token', 'drop_path_rate', 'norm_eval', 'frozen_stages', 'out_indices', 'init_cfg'];

export class Conformer extends BaseBackbone {
  readonly embedDims: number;
  readonly numFeatures: number;
  readonly depths: number;
  readonly numHeads: number;
  readonly channelRatio: number;
  readonly outIndices: number[];
  readonly normEval: boolean;
  readonly frozenStages: number;
  readonly withClsToken: boolean;
  readonly transDpr: number[];
  readonly transDownStride: number;
  readonly finStage: number;
  readonly clsToken: tf.Variable | null;

  constructor(opts: ConformerOptions = {}) {
    checkKeys(opts, CONFORMER_KEYS, 'Conformer');
    super(opts.init_cfg);
    const { arch = 'tiny', patch_size = 16, base_channels = 64, mlp_ratio = 4, qkv_bias = true, with_cls_token = true, drop_path_rate = 0, norm_eval = true, frozen_stages = 0, out_indices = -1 } = opts;
    let settings: ConformerArch;
    if (typeof arch === 'string') {
      const a = arch.toLowerCase();
      assert(Object.prototype.hasOwnProperty.call(CONFORMER_ARCH, a), () => `Arch ${a} is not in default archs ${pySetRepr(Object.keys(CONFORMER_ARCH))}`);
      settings = CONFORMER_ARCH[a];
    } else {
      const keys = arch && typeof arch === 'object' ? Object.keys(arch) : [];
      assert(keys.length === ARCH_KEYS.length && ARCH_KEYS.every((k) => keys.includes(k)), () => `Custom arch needs a dict with keys ${pySetRepr(ARCH_KEYS)}`);
      settings = arch;
    }
    this.embedDims = this.numFeatures = settings.embed_dims;
    this.depths = settings.depths;
    this.numHeads = settings.num_heads;
    this.channelRatio = settings.channel_ratio;
    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : [...out_indices]).map((i) => {
      if (i >= 0) return i;
      const j = this.depths + i + 1;
      assert(j >= 0, () => `Invalid out_indices ${i}`);
      return j;
    });
    this.normEval = norm_eval;
    this.frozenStages = frozen_stages;
    this.withClsToken = with_cls_token;
    this.clsToken = with_cls_token ? this.registerParameter('cls_token', [1, 1, this.embedDims]) : null;
    this.transDpr = linspace(0, drop_path_rate, this.depths);

    this.addModule('conv1', new Conv2d({ in_channels: 3, out_channels: 64, kernel_size: 7, stride: 2, padding: 3, bias: false }));
    this.addModule('bn1', new BatchNorm2d({ num_features: 64 }));
    this.addModule('act1', buildActivationLayer({ type: 'ReLU', inplace: true }));
    this.addModule('maxpool', new MaxPool2d({ kernel_size: 3, stride: 2, padding: 1 }));

    assert(patch_size % 16 === 0, () => 'The patch size of Conformer must be divisible by 16.');
    const tds = patch_size / 4;
    this.transDownStride = tds;

    const common = { embed_dims: this.embedDims, num_heads: this.numHeads, mlp_ratio, qkv_bias, with_cls_token };
    const stage1 = Math.trunc(base_channels * this.channelRatio);
    this.addModule('conv_1', new ConformerConvBlock({ in_channels: 64, out_channels: stage1, with_residual_conv: true, stride: 1 }));
    this.addModule('trans_patch_conv', new Conv2d({ in_channels: 64, out_channels: this.embedDims, kernel_size: tds, stride: tds, padding: 0 }));
    this.addModule('trans_1', new TransformerEncoderLayer({ embed_dims: this.embedDims, num_heads: this.numHeads, feedforward_channels: Math.trunc(this.embedDims * mlp_ratio), drop_path_rate: this.transDpr[0], qkv_bias, norm_cfg: { type: 'LN', eps: 1e-6 } }));

    const third = Math.trunc(this.depths / 3);
    let fin = third + 1;
    for (let i = 2; i < fin; i++) {
      this.addModule(`conv_trans_${i}`, new ConvTransBlock({ ...common, in_channels: stage1, out_channels: stage1, conv_stride: 1, with_residual_conv: false, down_stride: tds, drop_path_rate: this.transDpr[i - 1] }));
    }
    const stage2 = Math.trunc(base_channels * this.channelRatio * 2);
    let init = fin;
    fin = fin + third;
    for (let i = init; i < fin; i++) {
      const first = i === init;
      this.addModule(`conv_trans_${i}`, new ConvTransBlock({ ...common, in_channels: first ? stage1 : stage2, out_channels: stage2, conv_stride: first ? 2 : 1, with_residual_conv: first, down_stride: Math.trunc(tds / 2), drop_path_rate: this.transDpr[i - 1] }));
    }
    const stage3 = Math.trunc(base_channels * this.channelRatio * 2 * 2);
    init = fin;
    fin = fin + third;
    for (let i = init; i < fin; i++) {
      const first = i === init;
      this.addModule(
        `conv_trans_${i}`,
        new ConvTransBlock({ ...common, in_channels: first ? stage2 : stage3, out_channels: stage3, conv_stride: first ? 2 : 1, with_residual_conv: first, down_stride: Math.trunc(tds / 4), drop_path_rate: this.transDpr[i - 1], last_fusion: i === this.depths }),
      );
    }
    this.finStage = fin;
    this.addModule('pooling', new AdaptiveAvgPool2d(1));
    this.addModule('trans_norm', new LayerNorm({ normalized_shape: this.embedDims }));
  }

  /**
   * `init_weights` (`_init_weights` applied to every module): Linear TruncNormal(0.02) with zero bias, LayerNorm and
   * BatchNorm2d weight 1 / bias 0, Conv2d Kaiming normal (fan_out, relu), each ConvBlock's `bn3.weight` zero;
   * `cls_token` TruncNormal(0.02).
   */
  afterInitWeights(rng: Generator): void {
    tf.tidy(() => {
      const set = (v: tf.Variable, data: Float32Array) => v.assign(tf.tensor(data, v.shape));
      if (this.clsToken) set(this.clsToken, rng.truncNormalArray(this.clsToken.size, 0, 0.02, -2, 2));
      for (const [, m] of this.namedModules()) {
        if (m instanceof Linear) {
          set(m.weight, rng.truncNormalArray(m.weight.size, 0, 0.02, -2, 2));
          if (m.bias) m.bias.assign(tf.zerosLike(m.bias));
        } else if (m instanceof LayerNorm || (m instanceof BatchNorm && m.typeName === 'BatchNorm2d')) {
          if (m.hasParam('weight')) m.param('weight').assign(tf.onesLike(m.param('weight')));
          if (m.hasParam('bias')) m.param('bias').assign(tf.zerosLike(m.param('bias')));
        } else if (m instanceof Conv2d) {
          const fanOut = m.weight.shape[0] * m.kernelSize[0] * m.kernelSize[1];
          set(m.weight, rng.normalArray(m.weight.size, 0, Math.SQRT2 / Math.sqrt(fanOut)));
        }
      }
      // `apply` visits children before their parent: the ConvBlocks' zero bn3 weights come last.
      for (const [, m] of this.namedModules()) if (m instanceof ConformerConvBlock) m.zeroInitLastBn();
    });
  }

  /** Extra bottom/right zero padding of mmcv's `AdaptivePadding(k = s = trans_down_stride, 'corner')`. */
  private autoPad(x: Tensor): Tensor {
    const s = this.transDownStride;
    const pad = (n: number) => Math.max((Math.ceil(n / s) - 1) * s + s - n, 0);
    const [ph, pw] = [pad(x.shape[1]!), pad(x.shape[2]!)];
    return ph || pw ? tf.pad(x as Tensor4D, [[0, 0], [0, ph], [0, pw], [0, 0]]) : x;
  }

  /** The (B, C) pair an output index gives: pooled conv feature and the class token (or token mean). */
  private outputPair(x: Tensor, xt: Tensor): [Tensor, Tensor] {
    return tf.tidy(() => {
      const pooled = tf.reshape(this.child('pooling').call(x) as Tensor, [x.shape[0], x.shape[3]!]);
      const t = this.child('trans_norm').call(xt) as Tensor;
      return [pooled, this.withClsToken ? tf.squeeze(tf.slice(t, [0, 0, 0], [-1, 1, -1]), [1]) : tf.mean(t, 1)];
    });
  }

  forward(input: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    let [x, xt] = tf.tidy(() => {
      const c = (name: string, t: Tensor) => this.child(name).call(t) as Tensor;
      const base = this.autoPad(c('maxpool', c('act1', c('bn1', c('conv1', input)))));
      const y = c('conv_1', base);
      const p = c('trans_patch_conv', base);
      const [b, h, w, d] = p.shape as [number, number, number, number];
      let t = tf.reshape(p, [b, h * w, d]);
      if (this.clsToken) t = tf.concat([tf.tile(this.clsToken, [b, 1, 1]), t], 1);
      return [y, c('trans_1', t)];
    });
    // A stage's outputs are freed once the next stage has used them, unless a forward hook watches that stage.
    let hooked = this.child('conv_1').hasForwardHooks() || this.child('trans_1').hasForwardHooks();
    for (let i = 2; i < this.finStage; i++) {
      const stage = this.child<ConvTransBlock>(`conv_trans_${i}`);
      const next = stage.call([x, xt]);
      if (!hooked) tf.dispose([x, xt]);
      [x, xt] = next;
      hooked = stage.hasForwardHooks();
      if (this.outIndices.includes(i)) outs.push(...this.outputPair(x, xt));
    }
    if (!hooked) tf.dispose([x, xt]);
    return outs;
  }
}
