/**
 * `EdgeResidual` of MMPretrain `backbones/efficientnet.py` (EfficientNet-EdgeTPU; `FusedMBConv` of EfficientNetV2):
 * `conv1` (k×k, stride, norm, act) → `se` → `conv2` (1×1, norm, no act), residual when stride 1, in = out and
 * `with_residual`.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { DropPath } from '../nn/dropout';
import { Module } from '../nn/module';
import { SELayer, type SELayerOptions } from './se_layer';

export interface EdgeResidualOptions {
  in_channels: number;
  out_channels: number;
  /** Output channels of `conv1`. */
  mid_channels: number;
  /** Of `conv1`. Default: 3. */
  kernel_size?: number;
  /** Of `conv1`, 1 or 2. Default: 1. */
  stride?: number;
  /** SE layer config (null: none). Default: null. */
  se_cfg?: SELayerOptions | null;
  /** Default: true. */
  with_residual?: boolean;
  /** Of `conv1` only (`conv2` is always a plain conv). Default: null. */
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: ReLU. */
  act_cfg?: ActCfg;
  /** Default: 0. */
  drop_path_rate?: number;
  with_cp?: boolean;
}

export class EdgeResidual extends Module {
  readonly withResidual: boolean;
  readonly conv1: ConvModule;
  readonly se: SELayer | null;
  readonly conv2: ConvModule;
  readonly dropPath: DropPath | null;

  constructor(o: EdgeResidualOptions) {
    super();
    const { kernel_size = 3, stride = 1, with_residual = true, norm_cfg = { type: 'BN' }, act_cfg = { type: 'ReLU' }, drop_path_rate = 0 } = o;
    assert(stride === 1 || stride === 2, () => `EdgeResidual: stride must be 1 or 2, got ${stride}`);
    this.withResidual = stride === 1 && o.in_channels === o.out_channels && with_residual;
    this.dropPath = drop_path_rate > 0 ? this.addModule('drop_path', new DropPath(drop_path_rate)) : null;
    this.conv1 = this.addModule('conv1', new ConvModule({ in_channels: o.in_channels, out_channels: o.mid_channels, kernel_size, stride, padding: kernel_size >> 1, conv_cfg: o.conv_cfg, norm_cfg, act_cfg }));
    this.se = o.se_cfg ? this.addModule('se', new SELayer(o.se_cfg)) : null;
    this.conv2 = this.addModule('conv2', new ConvModule({ in_channels: o.mid_channels, out_channels: o.out_channels, kernel_size: 1, stride: 1, padding: 0, conv_cfg: null, norm_cfg, act_cfg: null }));
  }

  override typeNames(): string[] {
    return ['EdgeResidual'];
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let out = this.conv1.call(x);
      if (this.se) out = this.se.call(out);
      out = this.conv2.call(out);
      if (!this.withResidual) return out;
      return tf.add(x, this.dropPath ? this.dropPath.call(out) : out);
    });
  }
}
