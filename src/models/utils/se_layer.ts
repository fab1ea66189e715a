/** `SELayer` (MMPretrain `models/utils/se_layer.py`). */
import { makeDivisible } from './make_divisible';
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { ConvModule, type ConvCfg } from '../nn/bricks';
import { Module } from '../nn/module';
import { AdaptiveAvgPool2d } from '../nn/pooling';

export interface SELayerOptions {
  channels: number;
  /** Default: make_divisible(channels / ratio, divisor). */
  squeeze_channels?: number | null;
  /** Default: 16. */
  ratio?: number;
  /** Default: 8. */
  divisor?: number;
  /** Default: 'auto'. */
  bias?: boolean | 'auto';
  conv_cfg?: ConvCfg | null;
  /** Default: [ReLU, Sigmoid]. */
  act_cfg?: ActCfg | [ActCfg, ActCfg];
  /** Return the channel weights instead of x·w. Default: false. */
  return_weight?: boolean;
}

/** Squeeze (global pool) → 1×1 conv → act → 1×1 conv → gate; keys `conv1.conv.*`, `conv2.conv.*`. */
export class SELayer extends Module {
  readonly returnWeight: boolean;
  constructor(o: SELayerOptions) {
    super();
    const acts = o.act_cfg === undefined ? [{ type: 'ReLU' }, { type: 'Sigmoid' }] : Array.isArray(o.act_cfg) ? o.act_cfg : [o.act_cfg, o.act_cfg];
    assert(acts.length === 2, () => 'SELayer: act_cfg must be a dict or a pair of dicts');
    const squeeze = o.squeeze_channels ?? makeDivisible(Math.floor(o.channels / (o.ratio ?? 16)), o.divisor ?? 8);
    assert(Number.isInteger(squeeze) && squeeze > 0, () => `"squeeze_channels" should be a positive integer, but get ${squeeze} instead.`);
    this.returnWeight = o.return_weight ?? false;
    this.addModule('global_avgpool', new AdaptiveAvgPool2d(1));
    this.addModule('conv1', new ConvModule({ in_channels: o.channels, out_channels: squeeze, kernel_size: 1, stride: 1, bias: o.bias ?? 'auto', conv_cfg: o.conv_cfg, act_cfg: acts[0] }));
    this.addModule('conv2', new ConvModule({ in_channels: squeeze, out_channels: o.channels, kernel_size: 1, stride: 1, bias: o.bias ?? 'auto', conv_cfg: o.conv_cfg, act_cfg: acts[1] }));
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const w = this.child('conv2').call(this.child('conv1').call(this.child('global_avgpool').call(x))) as Tensor;
      return this.returnWeight ? w : tf.mul(x, w);
    });
  }
}
