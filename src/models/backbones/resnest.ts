/**
 * ResNeSt (MMPretrain `backbones/resnest.py`): `RSoftmax`, `SplitAttentionConv2d`, the split-attention
 * `Bottleneck` (here `ResNeStBottleneck`) and the `ResNeSt` backbone (a ResNetV1d: deep stem, avg-pool downsample).
 */
import { tf, type Tensor } from '../../backends/tf';
import { ReLU } from '../nn/activation';
import { buildConvLayer, buildNormLayer, type ConvCfg, type NormCfg } from '../nn/bricks';
import type { Conv2d } from '../nn/conv';
import { Identity, Module } from '../nn/module';
import { AvgPool2d } from '../nn/pooling';
import { Bottleneck, RESNET_ARCH, ResNet, type BlockOptions, type ResNetOptions } from './resnet';

/** Softmax over the radix splits of each cardinal group (sigmoid when radix is 1); input and output `[N, 1, 1, C]`. */
export class RSoftmax extends Module {
  constructor(
    readonly radix: number,
    readonly groups: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      if (this.radix <= 1) return tf.sigmoid(x);
      const n = x.shape[0]!;
      // PyTorch: view(n, groups, radix, -1).transpose(1, 2), softmax over radix, flatten (radix-major).
      const g = tf.reshape(x, [n, this.groups, this.radix, -1]);
      const s = tf.softmax(tf.transpose(g, [0, 1, 3, 2])); // [n, groups, k, radix]
      return tf.reshape(tf.transpose(s, [0, 3, 1, 2]), x.shape);
    });
  }
}

export interface SplitAttentionConv2dOptions {
  in_channels: number;
  channels: number;
  kernel_size: number;
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  /** Default: 2. */
  radix?: number;
  /** Default: 4. */
  reduction_factor?: number;
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg;
}

/** Keys: conv, bn0, fc1, bn1, fc2 (grouped 1×1 convs with bias). */
export class SplitAttentionConv2d extends Module {
  readonly radix: number;
  readonly groups: number;
  readonly channels: number;
  private readonly norm0Name: string;
  private readonly norm1Name: string;

  constructor(o: SplitAttentionConv2dOptions) {
    super();
    const { radix = 2, reduction_factor = 4, groups = 1, norm_cfg = { type: 'BN' } } = o;
    const inter = Math.max(Math.floor((o.in_channels * radix) / reduction_factor), 32);
    this.radix = radix;
    this.groups = groups;
    this.channels = o.channels;
    this.addModule('conv', buildConvLayer(o.conv_cfg, {
      in_channels: o.in_channels, out_channels: o.channels * radix, kernel_size: o.kernel_size, stride: o.stride ?? 1, padding: o.padding ?? 0,
      dilation: o.dilation ?? 1, groups: groups * radix, bias: false,
    }));
    const [n0, norm0] = buildNormLayer(norm_cfg, o.channels * radix, 0);
    this.norm0Name = n0;
    this.addModule(n0, norm0);
    this.addModule('relu', new ReLU()).inplace = true;
    this.addModule('fc1', buildConvLayer(null, { in_channels: o.channels, out_channels: inter, kernel_size: 1, groups }));
    const [n1, norm1] = buildNormLayer(norm_cfg, inter, 1);
    this.norm1Name = n1;
    this.addModule(n1, norm1);
    this.addModule('fc2', buildConvLayer(null, { in_channels: inter, out_channels: o.channels * radix, kernel_size: 1, groups }));
    this.addModule('rsoftmax', new RSoftmax(radix, groups));
  }

  /** After BN folding: the two ReLUs run inside `conv` and `fc1`. */
  fuseActivations(): void {
    if (this.child(this.norm0Name) instanceof Identity) this.child<Conv2d>('conv').fusedActivation = 'relu';
    if (this.child(this.norm1Name) instanceof Identity) this.child<Conv2d>('fc1').fusedActivation = 'relu';
  }

  /** conv → norm → ReLU unless the ReLU is fused into the conv. */
  private convNormAct(conv: string, norm: string, x: Tensor): Tensor {
    const c = this.child<Conv2d>(conv);
    const y = this.child(norm).call(c.call(x)) as Tensor;
    return c.fusedActivation === 'relu' ? y : (this.child('relu').call(y) as Tensor);
  }

  forward(input: Tensor): Tensor {
    return tf.tidy(() => {
      const x = this.convNormAct('conv', this.norm0Name, input);
      // Channels are radix-major (split r holds channels r·C … r·C + C − 1), as PyTorch's view(n, radix, C, h, w).
      const splits = this.radix > 1 ? tf.split(x, this.radix, 3) : [x];
      const gap = tf.mean(splits.length > 1 ? tf.addN(splits) : x, [1, 2], true);
      const h = this.convNormAct('fc1', this.norm1Name, gap);
      const atten = this.child('rsoftmax').call(this.child('fc2').call(h)) as Tensor;
      if (this.radix === 1) return tf.mul(atten, x);
      const attens = tf.split(atten, this.radix, 3);
      return tf.addN(splits.map((s, r) => tf.mul(attens[r], s)));
    });
  }
}

export interface ResNeStBlockOptions extends BlockOptions {
  /** Default: 2. */
  radix?: number;
  /** Default: 4. */
  reduction_factor?: number;
  /** Stride by a 3×3 average pool after the split-attention conv. Default: true. */
  avg_down_stride?: boolean;
}

/** ResNeSt's bottleneck: keys conv1, bn1, conv2 (SplitAttentionConv2d), conv3, bn3, downsample. */
export class ResNeStBottleneck extends Bottleneck {
  protected override readonly reluConvs = [1];
  readonly avgDownStride: boolean;

  constructor(o: ResNeStBlockOptions) {
    const { radix = 2, reduction_factor = 4, avg_down_stride = true, ...rest } = o;
    super({ ...rest, groups: rest.groups ?? 1, se_ratio: null });
    const groups = rest.groups ?? 1;
    const dilation = o.dilation ?? 1;
    this.avgDownStride = avg_down_stride && this.conv2Stride > 1;
    this.addModule('conv2', new SplitAttentionConv2d({
      in_channels: this.midChannels, channels: this.midChannels, kernel_size: 3, stride: this.avgDownStride ? 1 : this.conv2Stride,
      padding: dilation, dilation, groups, radix, reduction_factor, conv_cfg: o.conv_cfg, norm_cfg: o.norm_cfg ?? { type: 'BN' },
    }));
    this.removeModule('bn2');
    if (this.avgDownStride) this.addModule('avd_layer', new AvgPool2d({ kernel_size: 3, stride: this.conv2Stride, padding: 1 }));
  }

  override typeNames(): string[] {
    return ['Bottleneck'];
  }

  protected override get appliesDropPath(): boolean {
    return false;
  }

  protected override residual(x: Tensor): Tensor {
    let out = this.child('conv2').call(this.convNorm(1, x, true)) as Tensor;
    if (this.avgDownStride) out = this.child('avd_layer').call(out) as Tensor;
    return this.child('bn3').call(this.child('conv3').call(out)) as Tensor;
  }
}

export interface ResNeStOptions extends Omit<ResNetOptions, 'deep_stem' | 'avg_down'> {
  /** Default: 1. */
  groups?: number;
  /** Default: 4. */
  width_per_group?: number;
  /** Default: 2. */
  radix?: number;
  /** Default: 4. */
  reduction_factor?: number;
  /** Default: true. */
  avg_down_stride?: boolean;
}

/** ResNeSt-50/101/152/200/269. */
export class ResNeSt extends ResNet {
  constructor(opts: ResNeStOptions) {
    for (const k of ['deep_stem', 'avg_down']) {
      if (k in opts) throw new Error(`ResNeSt (a ResNetV1d) got an unexpected keyword argument '${k}' (it is always true)`);
    }
    const { groups = 1, width_per_group = 4, radix = 2, reduction_factor = 4, avg_down_stride = true, ...rest } = opts;
    const B = ResNeStBottleneck;
    const { 50: a, 101: b, 152: c } = RESNET_ARCH;
    super(
      { ...rest, deep_stem: true, avg_down: true },
      {
        name: 'ResNeSt',
        archSettings: { 50: [B, a[1]], 101: [B, b[1]], 152: [B, c[1]], 200: [B, [3, 24, 36, 3]], 269: [B, [3, 30, 48, 8]] },
        blockExtras: { groups, width_per_group, radix, reduction_factor, avg_down_stride } as Partial<BlockOptions>,
        extraKeys: ['groups', 'width_per_group', 'radix', 'reduction_factor', 'avg_down_stride'],
      },
    );
  }
}
