/** SE-ResNeXt (MMPretrain `backbones/seresnext.py`): grouped bottlenecks with a squeeze-and-excitation layer. */
import { RESNET_ARCH, ResNet, type ResNetOptions } from './resnet';

export interface SEResNeXtOptions extends ResNetOptions {
  /** Default: 32. */
  groups?: number;
  /** Default: 4. */
  width_per_group?: number;
  /**
   * Accepted, but — exactly as MMPretrain 1.2, whose `SEResNeXt.make_res_layer` does not forward it — the SE
   * layers always use the block default ratio 16.
   */
  se_ratio?: number;
}

/** SE-ResNeXt-50/101/152. Keys as SEResNet's (`se_layer.conv1/conv2` after each block's `downsample`). */
export class SEResNeXt extends ResNet {
  readonly groups: number;
  readonly widthPerGroup: number;
  readonly seRatio: number;
  constructor(opts: SEResNeXtOptions) {
    const { groups = 32, width_per_group = 4, se_ratio = 16, ...rest } = opts;
    const { 50: a, 101: b, 152: c } = RESNET_ARCH;
    if (![50, 101, 152].includes(rest.depth)) throw new Error(`invalid depth ${rest.depth} for SEResNet`);
    super(rest, { name: 'SEResNeXt', archSettings: { 50: a, 101: b, 152: c }, blockExtras: { groups, width_per_group, se_ratio: 16 } });
    this.groups = groups;
    this.widthPerGroup = width_per_group;
    this.seRatio = se_ratio;
  }
}
