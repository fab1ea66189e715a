/**
 * Res2Net (MMPretrain `backbones/res2net.py`): `Bottle2neck` (hierarchical 3×3 convs over `scales` channel
 * splits), `Res2Layer` and the `Res2Net` backbone, built on the ResNet classes with MMPretrain's key names.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildConvLayer, buildNormLayer } from '../nn/bricks';
import { ModuleList, Sequential } from '../nn/container';
import type { Conv2d } from '../nn/conv';
import { AvgPool2d } from '../nn/pooling';
import { Bottleneck, ResNet, type BlockOptions, type ResLayerOptions, type ResNetOptions } from './resnet';

export interface Bottle2neckOptions extends BlockOptions {
  /** Number of channel splits. Default: 4. */
  scales?: number;
  /** Width of each split at `base_channels`. Default: 26. */
  base_width?: number;
  /** 'stage' (first block of a stage: splits are not chained, the last one is avg-pooled) or 'normal'. Default: 'normal'. */
  stage_type?: 'normal' | 'stage';
}

/** Keys: conv1, bn1, conv3, bn3, downsample, convs.0…, bns.0… (`conv2`/`bn2` of the bottleneck removed). */
export class Bottle2neck extends Bottleneck {
  protected override readonly reluConvs = [1];
  readonly scales: number;
  readonly width: number;
  readonly stageType: 'normal' | 'stage';
  readonly convs: ModuleList<Conv2d>;
  readonly bns: ModuleList;

  constructor(o: Bottle2neckOptions) {
    const { scales = 4, base_width = 26, stage_type = 'normal', ...rest } = o;
    super({ ...rest, groups: 1, se_ratio: null });
    assert(scales > 1, () => 'Res2Net degenerates to ResNet when scales = 1.');
    assert(stage_type === 'normal' || stage_type === 'stage', () => `Bottle2neck: stage_type must be 'normal' or 'stage', got '${stage_type}'`);
    const baseChannels = o.base_channels ?? 64;
    const width = Math.floor(this.midChannels * (base_width / baseChannels));
    const norm = o.norm_cfg ?? { type: 'BN' };
    const dilation = o.dilation ?? 1;
    this.scales = scales;
    this.width = width;
    this.stageType = stage_type;
    // As MMPretrain: the bottleneck's conv1/bn1 are rebuilt in place for width·scales channels, conv2/bn2 dropped.
    this.addModule('conv1', buildConvLayer(o.conv_cfg, { in_channels: o.in_channels, out_channels: width * scales, kernel_size: 1, stride: this.conv1Stride, bias: false }));
    this.addModule(...buildNormLayer(norm, width * scales, 1));
    if (stage_type === 'stage') this.addModule('pool', new AvgPool2d({ kernel_size: 3, stride: this.conv2Stride, padding: 1 }));
    this.convs = this.addModule('convs', new ModuleList<Conv2d>());
    this.bns = this.addModule('bns', new ModuleList());
    for (let i = 0; i < scales - 1; i++) {
      this.convs.push(buildConvLayer(o.conv_cfg, { in_channels: width, out_channels: width, kernel_size: 3, stride: this.conv2Stride, padding: dilation, dilation, bias: false }));
      this.bns.push(buildNormLayer(norm, width, i + 1)[1]);
    }
    this.addModule('conv3', buildConvLayer(o.conv_cfg, { in_channels: width * scales, out_channels: o.out_channels, kernel_size: 1, bias: false }));
    this.removeModule('conv2');
    this.removeModule('bn2');
  }

  override typeNames(): string[] {
    return ['Bottle2neck', 'Bottleneck'];
  }

  protected override get appliesDropPath(): boolean {
    return false;
  }

  protected override residual(x: Tensor): Tensor {
    const spx = tf.split(this.convNorm(1, x, true), this.scales, 3);
    const convs = this.convs.items();
    const bns = this.bns.items();
    const step = (i: number, t: Tensor) => this.relu.call(bns[i].call(convs[i].call(t)) as Tensor);
    let sp = step(0, spx[0]);
    const parts = [sp];
    for (let i = 1; i < this.scales - 1; i++) {
      sp = step(i, this.stageType === 'stage' ? spx[i] : tf.add(sp, spx[i]));
      parts.push(sp);
    }
    const last = spx[this.scales - 1];
    parts.push(this.stageType === 'stage' ? (this.child('pool').call(last) as Tensor) : last);
    const out = this.child('conv3').call(tf.concat(parts, 3)) as Tensor;
    return this.child('bn3').call(out) as Tensor;
  }
}

export interface Res2LayerOptions extends ResLayerOptions {
  scales?: number;
  base_width?: number;
}

/**
 * A Res2Net stage: as `ResLayer`, but with `avg_down` the downsample always starts with an AvgPool2d (also at
 * stride 1), and the first block is of `stage_type` 'stage'.
 */
export class Res2Layer extends Sequential {
  constructor(o: Res2LayerOptions) {
    super();
    const { block: Block, num_blocks, avg_down = true, drop_path_rate = 0, ...blockOpts } = o;
    const dpr = typeof drop_path_rate === 'number' ? Array(num_blocks).fill(drop_path_rate) : drop_path_rate;
    assert(dpr.length === num_blocks, () => 'Please check the length of drop_path_rate');
    const stride = o.stride ?? 1;
    const norm = o.norm_cfg ?? { type: 'BN' };
    let downsample: Sequential | null = null;
    if (stride !== 1 || o.in_channels !== o.out_channels) {
      downsample = new Sequential();
      if (avg_down) downsample.append(new AvgPool2d({ kernel_size: stride, stride, ceil_mode: true, count_include_pad: false }));
      downsample.append(buildConvLayer(o.conv_cfg, { in_channels: o.in_channels, out_channels: o.out_channels, kernel_size: 1, stride: avg_down ? 1 : stride, bias: false }));
      downsample.append(buildNormLayer(norm, o.out_channels)[1]);
    }
    const B = Block as unknown as new (opts: Bottle2neckOptions) => Bottle2neck;
    this.append(new B({ ...blockOpts, stride, downsample, stage_type: 'stage', drop_path_rate: dpr[0] }));
    for (let i = 1; i < num_blocks; i++) {
      this.append(new B({ ...blockOpts, in_channels: o.out_channels, stride: 1, downsample: null, drop_path_rate: dpr[i] }));
    }
  }
  override typeNames(): string[] {
    return ['Res2Layer', 'Sequential'];
  }
}

export interface Res2NetOptions extends ResNetOptions {
  /** Default: 4. */
  scales?: number;
  /** Default: 26. */
  base_width?: number;
}

/** Res2Net-50/101/152 (`deep_stem` and `avg_down` default to true here; init_cfg defaults to none). */
export class Res2Net extends ResNet {
  readonly scales: number;
  readonly baseWidth: number;
  constructor(opts: Res2NetOptions) {
    const { scales = 4, base_width = 26, style = 'pytorch', deep_stem = true, avg_down = true, init_cfg = null, ...rest } = opts;
    super(
      { ...rest, style, deep_stem, avg_down, init_cfg },
      {
        name: 'Res2Net',
        archSettings: { 50: [Bottle2neck, [3, 4, 6, 3]], 101: [Bottle2neck, [3, 4, 23, 3]], 152: [Bottle2neck, [3, 8, 36, 3]] },
        blockExtras: { scales, base_width } as Partial<BlockOptions>,
        extraKeys: ['scales', 'base_width'],
        makeResLayer: (o) => new Res2Layer(o),
      },
    );
    this.scales = scales;
    this.baseWidth = base_width;
  }
}
