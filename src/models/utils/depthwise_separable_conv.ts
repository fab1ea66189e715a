/**
 * mmcv's `DepthwiseSeparableConvModule`: a depthwise `ConvModule` (`depthwise_conv`, groups = in_channels) followed by
 * a 1×1 `ConvModule` (`pointwise_conv`). `dw_*` / `pw_*` norm and activation configs default to the shared ones.
 */
import type { Tensor } from '../../backends/tf';
import type { ActCfg } from '../nn/activation';
import { ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import type { Pair } from '../nn/layout';
import { Module, runChain } from '../nn/module';

export interface DepthwiseSeparableConvModuleOptions {
  in_channels: number;
  out_channels: number;
  kernel_size: Pair;
  /** Default: 1. */
  stride?: Pair;
  /** Default: 0. */
  padding?: Pair;
  /** Default: 1. */
  dilation?: Pair;
  /** Default: null (no norm). */
  norm_cfg?: NormCfg | null;
  /** Default: ReLU. */
  act_cfg?: ActCfg | null;
  /** 'default' (or absent) uses `norm_cfg` / `act_cfg`. */
  dw_norm_cfg?: NormCfg | null | 'default';
  dw_act_cfg?: ActCfg | null | 'default';
  pw_norm_cfg?: NormCfg | null | 'default';
  pw_act_cfg?: ActCfg | null | 'default';
  conv_cfg?: ConvCfg | null;
  bias?: boolean | 'auto';
  inplace?: boolean;
}

const KEYS = [
  'in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'norm_cfg', 'act_cfg', 'dw_norm_cfg', 'dw_act_cfg',
  'pw_norm_cfg', 'pw_act_cfg', 'conv_cfg', 'bias', 'inplace',
];

export class DepthwiseSeparableConvModule extends Module {
  readonly depthwiseConv: ConvModule;
  readonly pointwiseConv: ConvModule;

  constructor(o: DepthwiseSeparableConvModuleOptions) {
    super();
    checkKeys(o, KEYS, 'DepthwiseSeparableConvModule');
    const norm = o.norm_cfg ?? null;
    const act = o.act_cfg === undefined ? { type: 'ReLU' } : o.act_cfg;
    const pick = <T>(v: T | 'default' | undefined, d: T): T => (v === undefined || v === 'default' ? d : v);
    const shared = { conv_cfg: o.conv_cfg, bias: o.bias, inplace: o.inplace };
    this.depthwiseConv = this.addModule(
      'depthwise_conv',
      new ConvModule({
        in_channels: o.in_channels, out_channels: o.in_channels, kernel_size: o.kernel_size, stride: o.stride, padding: o.padding, dilation: o.dilation,
        groups: o.in_channels, norm_cfg: pick(o.dw_norm_cfg, norm), act_cfg: pick(o.dw_act_cfg, act), ...shared,
      }),
    );
    this.pointwiseConv = this.addModule(
      'pointwise_conv',
      new ConvModule({ in_channels: o.in_channels, out_channels: o.out_channels, kernel_size: 1, norm_cfg: pick(o.pw_norm_cfg, norm), act_cfg: pick(o.pw_act_cfg, act), ...shared }),
    );
  }

  override typeNames(): string[] {
    return ['DepthwiseSeparableConvModule'];
  }

  forward(x: Tensor): Tensor {
    return runChain([this.depthwiseConv, this.pointwiseConv], x);
  }
}
