/**
 * `HRFuseScales` (MMPretrain `necks/hr_fuse.py`): widens HRNet's branches to 128/256/512/1024 channels with one
 * Bottleneck each (`increase_layers`), folds them from high to low resolution through strided ConvModules
 * (`downsample_layers`) and ends with a 1×1 ConvModule to `out_channels` (`final_layer`). Returns one map.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { ConvModule, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList } from '../nn/container';
import type { InitCfg } from '../nn/init';
import { Module } from '../nn/module';
import { Bottleneck, ResLayer } from '../backbones/resnet';

export interface HRFuseScalesOptions {
  /** Channels of each input scale (HRNet's branches). */
  in_channels: number[];
  /** Default: 2048. */
  out_channels?: number;
  /** Default: {type: 'BN', momentum: 0.1}. */
  norm_cfg?: NormCfg;
  /** Default: Normal (std 0.01) on Linear layers (it has none). */
  init_cfg?: InitCfg | InitCfg[] | null;
}

/** The fixed widths each scale is raised to. */
const WIDTHS = [128, 256, 512, 1024];

export class HRFuseScales extends Module<Tensor[], Tensor[]> {
  readonly inChannels: number[];
  readonly outChannels: number;
  initCfg: InitCfg | InitCfg[] | null;

  constructor(opts: HRFuseScalesOptions) {
    super();
    checkKeys(opts, ['in_channels', 'out_channels', 'norm_cfg', 'init_cfg'], 'HRFuseScales');
    const { in_channels, out_channels = 2048, norm_cfg = { type: 'BN', momentum: 0.1 } } = opts;
    assert(Array.isArray(in_channels) && in_channels.length >= 1 && in_channels.length <= WIDTHS.length, () => `HRFuseScales: in_channels must list 1 to ${WIDTHS.length} scales, got ${JSON.stringify(in_channels)}`);
    this.inChannels = [...in_channels];
    this.outChannels = out_channels;
    this.initCfg = opts.init_cfg === undefined ? { type: 'Normal', layer: 'Linear', std: 0.01 } : opts.init_cfg;
    this.addModule(
      'increase_layers',
      new ModuleList(in_channels.map((c, i) => new ResLayer({ block: Bottleneck, expansion: 4, in_channels: c, out_channels: WIDTHS[i], num_blocks: 1, stride: 1 }))),
    );
    const down: ConvModule[] = [];
    for (let i = 0; i < in_channels.length - 1; i++) {
      down.push(new ConvModule({ in_channels: WIDTHS[i], out_channels: WIDTHS[i + 1], kernel_size: 3, stride: 2, padding: 1, norm_cfg, bias: false }));
    }
    this.addModule('downsample_layers', new ModuleList(down));
    this.addModule('final_layer', new ConvModule({ in_channels: WIDTHS[3], out_channels, kernel_size: 1, norm_cfg, bias: false }));
  }

  override typeNames(): string[] {
    return ['HRFuseScales'];
  }

  forward(x: Tensor[]): Tensor[] {
    assert(x.length === this.inChannels.length, () => `HRFuseScales: expected ${this.inChannels.length} feature maps, got ${x.length}`);
    return tf.tidy(() => {
      const inc = this.child<ModuleList>('increase_layers');
      const down = this.child<ModuleList>('downsample_layers');
      let feat = inc.at(0).call(x[0]) as Tensor;
      for (let i = 0; i < down.length; i++) {
        feat = tf.add(down.at(i).call(feat) as Tensor, inc.at(i + 1).call(x[i + 1]) as Tensor);
      }
      return [this.child('final_layer').call(feat) as Tensor];
    });
  }
}
