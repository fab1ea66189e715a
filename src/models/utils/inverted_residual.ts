/**
 * `InvertedResidual` of MMPretrain `models/utils/inverted_residual.py` (MobileNetV3, EfficientNet):
 * `expand_conv` (1×1, when mid ≠ in) → `depthwise_conv` → `se` → `linear_conv`, residual when shapes allow.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { DropPath } from '../nn/dropout';
import { Module } from '../nn/module';
import { SELayer, type SELayerOptions } from './se_layer';

export interface InvertedResidualOptions {
  in_channels: number;
  out_channels: number;
  mid_channels: number;
  /** Default: 3. */
  kernel_size?: number;
  /** 1 or 2. Default: 1. */
  stride?: number;
  /** SE layer config (null: none). Default: null. */
  se_cfg?: SELayerOptions | null;
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: ReLU. */
  act_cfg?: ActCfg;
  /** Default: 0. */
  drop_path_rate?: number;
  with_cp?: boolean;
}

export class InvertedResidual extends Module {
  readonly withResShortcut: boolean;

  constructor(o: InvertedResidualOptions) {
    super();
    const { kernel_size = 3, stride = 1, norm_cfg = { type: 'BN' }, act_cfg = { type: 'ReLU' }, drop_path_rate = 0 } = o;
    assert(stride === 1 || stride === 2, () => `InvertedResidual: stride must be 1 or 2, got ${stride}`);
    this.withResShortcut = stride === 1 && o.in_channels === o.out_channels;
    if (drop_path_rate > 0) this.addModule('drop_path', new DropPath(drop_path_rate));
    const base = { conv_cfg: o.conv_cfg, norm_cfg, act_cfg };
    if (o.mid_channels !== o.in_channels) {
      this.addModule('expand_conv', new ConvModule({ ...base, in_channels: o.in_channels, out_channels: o.mid_channels, kernel_size: 1, stride: 1, padding: 0 }));
    }
    this.addModule('depthwise_conv', new ConvModule({ ...base, in_channels: o.mid_channels, out_channels: o.mid_channels, kernel_size: kernel_size, stride, padding: kernel_size >> 1, groups: o.mid_channels }));
    if (o.se_cfg) this.addModule('se', new SELayer(o.se_cfg));
    this.addModule('linear_conv', new ConvModule({ ...base, in_channels: o.mid_channels, out_channels: o.out_channels, kernel_size: 1, stride: 1, padding: 0, act_cfg: null }));
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let out = x;
      for (const name of ['expand_conv', 'depthwise_conv', 'se', 'linear_conv']) {
        if (this.namedChildren().some(([n]) => n === name)) out = this.child(name).call(out) as Tensor;
      }
      if (!this.withResShortcut) return out;
      const branch = this.namedChildren().some(([n]) => n === 'drop_path') ? (this.child('drop_path').call(out) as Tensor) : out;
      return tf.add(x, branch);
    });
  }
}
