/**
 * `PatchMerging` (mmcv `bricks/transformer.py` and MMPretrain `utils/embed.py`): `nn.Unfold` of k×k patches
 * (features ordered channel-major, then kernel row, then kernel column, as PyTorch's Unfold), a LayerNorm and a
 * bias-free `reduction` Linear. mmcv's variant normalises the sampled vector first (key order `norm`, `reduction`);
 * MMPretrain's adds `use_post_norm` (key order `reduction`, `norm`; with post-norm the norm is over the outputs).
 *
 * Works on NHWC maps: [B, H, W, C] → [B, h, w, out_channels]; non-overlapping patches by reshapes and ≤4-d
 * transposes, other kernels / strides / dilations by `unfoldNHWC`; differentiable on every backend.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildNormLayer, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { pair, type Pair } from '../nn/layout';
import { Linear } from '../nn/linear';
import { Module } from '../nn/module';
import { unfoldNHWC } from './unfold';

export interface PatchMergingOptions {
  in_channels: number;
  out_channels: number;
  /** Default: 2. */
  kernel_size?: Pair;
  /** Default: kernel_size. */
  stride?: Pair | null;
  /** 'corner' / 'same' (adaptive padding) or a number (Unfold's zero padding). Default: 'corner'. */
  padding?: 'corner' | 'same' | Pair;
  /** Default: 1. */
  dilation?: Pair;
  /** Default: false. */
  bias?: boolean;
  /** Default: LN. */
  norm_cfg?: NormCfg | null;
  /** MMPretrain's variant only. Default: false. */
  use_post_norm?: boolean;
  init_cfg?: unknown;
}

const KEYS = ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'bias', 'norm_cfg', 'use_post_norm', 'init_cfg'];

export class PatchMerging extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly dilation: [number, number];
  readonly adaptive: 'corner' | 'same' | null;
  readonly pad: [number, number];
  readonly usePostNorm: boolean;
  private readonly hasNorm: boolean;

  /** `variant` 'mmcv' (SwinTransformer) or 'mmpretrain' (SwinTransformerV2): registration order and post-norm. */
  constructor(o: PatchMergingOptions, variant: 'mmcv' | 'mmpretrain' = 'mmpretrain') {
    super();
    checkKeys(o, variant === 'mmcv' ? KEYS.filter((k) => k !== 'use_post_norm') : KEYS, 'PatchMerging');
    const { in_channels, out_channels, kernel_size = 2, padding = 'corner', dilation = 1, bias = false, use_post_norm = false } = o;
    const norm_cfg = o.norm_cfg === undefined ? { type: 'LN' } : o.norm_cfg;
    this.inChannels = in_channels;
    this.outChannels = out_channels;
    this.usePostNorm = use_post_norm;
    this.kernel = pair(kernel_size);
    this.stride = pair(o.stride || kernel_size);
    this.dilation = pair(dilation);
    if (typeof padding === 'string') {
      assert(padding === 'corner' || padding === 'same', () => `Padding mode only support "same" and "corner", but got ${padding}`);
      this.adaptive = padding;
      this.pad = [0, 0];
    } else {
      this.adaptive = null;
      this.pad = pair(padding);
    }
    const sampleDim = this.kernel[0] * this.kernel[1] * in_channels;
    this.hasNorm = norm_cfg !== null;
    const norm = () => buildNormLayer(norm_cfg!, use_post_norm ? out_channels : sampleDim)[1];
    if (variant === 'mmcv' && this.hasNorm) this.addModule('norm', norm());
    this.addModule('reduction', new Linear({ in_features: sampleDim, out_features: out_channels, bias }));
    if (variant === 'mmpretrain' && this.hasNorm) this.addModule('norm', norm());
  }

  override typeNames(): string[] {
    return ['PatchMerging'];
  }

  /** Output grid of an [h, w] input. */
  outSize(h: number, w: number): [number, number] {
    const [ph, pw] = this.adaptivePads(h, w);
    const f = (n: number, i: 0 | 1) => Math.floor((n + 2 * this.pad[i] - this.dilation[i] * (this.kernel[i] - 1) - 1) / this.stride[i]) + 1;
    return [f(h + ph[0] + ph[1], 0), f(w + pw[0] + pw[1], 1)];
  }

  /** mmcv AdaptivePadding: ([top, bottom], [left, right]). */
  private adaptivePads(h: number, w: number): [[number, number], [number, number]] {
    if (!this.adaptive) return [[0, 0], [0, 0]];
    const f = (n: number, i: 0 | 1) => Math.max((Math.ceil(n / this.stride[i]) - 1) * this.stride[i] + (this.kernel[i] - 1) * this.dilation[i] + 1 - n, 0);
    const padH = f(h, 0);
    const padW = f(w, 1);
    if (this.adaptive === 'corner') return [[0, padH], [0, padW]];
    return [[padH >> 1, padH - (padH >> 1)], [padW >> 1, padW - (padW >> 1)]];
  }

  /** Unfold: [B, H, W, C] → [B, h, w, C·kh·kw] (channel-major). */
  private unfold(x: Tensor): Tensor {
    const [b, h0, w0, c] = x.shape as [number, number, number, number];
    const [ph, pw] = this.adaptivePads(h0, w0);
    const [oh, ow] = this.outSize(h0, w0);
    const [kh, kw] = this.kernel;
    const [sh, sw] = this.stride;
    const [dh, dw] = this.dilation;
    let y = x;
    const pads: [number, number][] = [[0, 0], [ph[0] + this.pad[0], ph[1] + this.pad[0]], [pw[0] + this.pad[1], pw[1] + this.pad[1]], [0, 0]];
    if (pads.some(([a, z]) => a || z)) y = tf.pad(y, pads);
    if (kh === sh && kw === sw && dh === 1 && dw === 1) {
      // Non-overlapping patches: pure reshapes.
      y = tf.slice(y, [0, 0, 0, 0], [b, oh * kh, ow * kw, c]);
      y = tf.transpose(tf.reshape(y, [b * oh, kh, ow, kw * c]), [0, 2, 1, 3]); // [b·oh, ow, kh, kw·c]
      y = tf.transpose(tf.reshape(y, [b * oh * ow, kh * kw, c]), [0, 2, 1]); // [.., c, kh·kw]
      return tf.reshape(y, [b, oh, ow, c * kh * kw]);
    }
    return unfoldNHWC(y, { kernel_size: this.kernel, stride: this.stride, dilation: this.dilation });
  }

  /** x: NHWC [B, H, W, C] → [B, h, w, out_channels]. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      assert(x.shape[3] === this.inChannels, () => `PatchMerging: expected ${this.inChannels} channels, got shape [${x.shape}]`);
      let y = this.unfold(x);
      const norm = this.hasNorm ? this.child('norm') : null;
      if (this.usePostNorm) {
        y = this.child('reduction').call(y) as Tensor;
        if (norm) y = norm.call(y) as Tensor;
      } else {
        if (norm) y = norm.call(y) as Tensor;
        y = this.child('reduction').call(y) as Tensor;
      }
      return y;
    });
  }
}
