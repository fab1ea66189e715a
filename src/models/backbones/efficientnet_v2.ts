/**
 * `EfficientNetV2` (MMPretrain `backbones/efficientnet_v2.py`): archs s/small, m/medium, l/large, xl, b0–b3.
 * `layers.0` stem ConvModule (3×3, stride 2), then one Sequential per table row of EnhancedConvModule
 * (ConvModule + skip), FusedMBConv (EdgeResidual) or MBConv (InvertedResidual + SE) blocks, then the 1×1 ConvModule.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { ConvModule, type ConvCfg, type ConvModuleOptions, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import { DropPath } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import type { AnyModule } from '../nn/module';
import { EdgeResidual } from '../utils/edge_residual';
import { InvertedResidual } from '../utils/inverted_residual';
import { BaseBackbone, batchNormsToEval, freeze, runStages } from './base_backbone';
import { dropPathRates } from './efficientnet';

/** A ConvModule with an optional identity shortcut (stochastic depth on the conv branch). */
export class EnhancedConvModule extends ConvModule {
  readonly hasSkip: boolean;
  readonly dropPath: DropPath | null;

  constructor(opts: ConvModuleOptions & { has_skip?: boolean; drop_path_rate?: number }) {
    const { has_skip = false, drop_path_rate = 0, ...rest } = opts;
    super(rest);
    this.hasSkip = has_skip;
    const stride = rest.stride ?? 1;
    const strideOne = typeof stride === 'number' ? stride === 1 : stride[0] === 1 && stride[1] === 1;
    if (has_skip && (rest.in_channels !== rest.out_channels || !strideOne)) {
      throw new Error('the stride must be 1 and the `in_channels` and `out_channels` must be the same , when `has_skip` is True in `EnhancedConvModule` .');
    }
    this.dropPath = drop_path_rate ? this.addModule('drop_path', new DropPath(drop_path_rate)) : null;
  }

  override typeNames(): string[] {
    return ['EnhancedConvModule', 'ConvModule'];
  }

  override forward(x: Tensor): Tensor {
    if (!this.hasSkip) return super.forward(x);
    return tf.tidy(() => {
      const y = super.forward(x);
      return tf.add(this.dropPath ? this.dropPath.call(y) : y, x);
    });
  }
}

/** [repeat, kernel_size, stride, expand_ratio, in_channels, out_channels, se_ratio, block_type (-2 ConvModule, -1 EnhancedConvModule, 0 FusedMBConv, 1 MBConv)]. */
export type EfficientNetV2Row = [number, number, number, number, number, number, number, number];

const S: EfficientNetV2Row[] = [
  [2, 3, 1, 1, 24, 24, 0.0, -1], [4, 3, 2, 4, 24, 48, 0.0, 0], [4, 3, 2, 4, 48, 64, 0.0, 0], [6, 3, 2, 4, 64, 128, 0.25, 1],
  [9, 3, 1, 6, 128, 160, 0.25, 1], [15, 3, 2, 6, 160, 256, 0.25, 1], [1, 1, 1, 1, 256, 1280, 0.0, -2],
];
const M: EfficientNetV2Row[] = [
  [3, 3, 1, 1, 24, 24, 0.0, -1], [5, 3, 2, 4, 24, 48, 0.0, 0], [5, 3, 2, 4, 48, 80, 0.0, 0], [7, 3, 2, 4, 80, 160, 0.25, 1],
  [14, 3, 1, 6, 160, 176, 0.25, 1], [18, 3, 2, 6, 176, 304, 0.25, 1], [5, 3, 1, 6, 304, 512, 0.25, 1], [1, 1, 1, 1, 512, 1280, 0.0, -2],
];
const L: EfficientNetV2Row[] = [
  [4, 3, 1, 1, 32, 32, 0.0, -1], [7, 3, 2, 4, 32, 64, 0.0, 0], [7, 3, 2, 4, 64, 96, 0.0, 0], [10, 3, 2, 4, 96, 192, 0.25, 1],
  [19, 3, 1, 6, 192, 224, 0.25, 1], [25, 3, 2, 6, 224, 384, 0.25, 1], [7, 3, 1, 6, 384, 640, 0.25, 1], [1, 1, 1, 1, 640, 1280, 0.0, -2],
];

/** MMPretrain's `EfficientNetV2.arch_settings` (aliases share a table). */
export const EFFICIENTNET_V2_ARCH_SETTINGS: Record<string, EfficientNetV2Row[]> = {
  small: S,
  s: S,
  m: M,
  medium: M,
  l: L,
  large: L,
  xl: [
    [4, 3, 1, 1, 32, 32, 0.0, -1], [8, 3, 2, 4, 32, 64, 0.0, 0], [8, 3, 2, 4, 64, 96, 0.0, 0], [16, 3, 2, 4, 96, 192, 0.25, 1],
    [24, 3, 1, 6, 192, 256, 0.25, 1], [32, 3, 2, 6, 256, 512, 0.25, 1], [8, 3, 1, 6, 512, 640, 0.25, 1], [1, 1, 1, 1, 640, 1280, 0.0, -2],
  ],
  b0: [
    [1, 3, 1, 1, 32, 16, 0.0, -1], [2, 3, 2, 4, 16, 32, 0.0, 0], [2, 3, 2, 4, 32, 48, 0.0, 0], [3, 3, 2, 4, 48, 96, 0.25, 1],
    [5, 3, 1, 6, 96, 112, 0.25, 1], [8, 3, 2, 6, 112, 192, 0.25, 1], [1, 1, 1, 1, 192, 1280, 0.0, -2],
  ],
  b1: [
    [2, 3, 1, 1, 32, 16, 0.0, -1], [3, 3, 2, 4, 16, 32, 0.0, 0], [3, 3, 2, 4, 32, 48, 0.0, 0], [4, 3, 2, 4, 48, 96, 0.25, 1],
    [6, 3, 1, 6, 96, 112, 0.25, 1], [9, 3, 2, 6, 112, 192, 0.25, 1], [1, 1, 1, 1, 192, 1280, 0.0, -2],
  ],
  b2: [
    [2, 3, 1, 1, 32, 16, 0.0, -1], [3, 3, 2, 4, 16, 32, 0.0, 0], [3, 3, 2, 4, 32, 56, 0.0, 0], [4, 3, 2, 4, 56, 104, 0.25, 1],
    [6, 3, 1, 6, 104, 120, 0.25, 1], [10, 3, 2, 6, 120, 208, 0.25, 1], [1, 1, 1, 1, 208, 1408, 0.0, -2],
  ],
  b3: [
    [2, 3, 1, 1, 40, 16, 0.0, -1], [3, 3, 2, 4, 16, 40, 0.0, 0], [3, 3, 2, 4, 40, 56, 0.0, 0], [5, 3, 2, 4, 56, 112, 0.25, 1],
    [7, 3, 1, 6, 112, 136, 0.25, 1], [12, 3, 2, 6, 136, 232, 0.25, 1], [1, 1, 1, 1, 232, 1536, 0.0, -2],
  ],
};

export interface EfficientNetV2Options {
  /** s/small, m/medium, l/large, xl, b0–b3. Default: 's'. */
  arch?: string;
  /** Default: 3. */
  in_channels?: number;
  /** Stochastic depth, linear in the block index up to this rate. Default: 0. */
  drop_path_rate?: number;
  /** Of 0…len(arch) (negative from the end). Default: [-1]. */
  out_indices?: number[] | number;
  /** Layers 0…frozen_stages−1 frozen. Default: 0. */
  frozen_stages?: number;
  /** Of the stem, the last conv and the stride-2 blocks. Default: Conv2dAdaptivePadding (TensorFlow "SAME" padding). */
  conv_cfg?: ConvCfg | null;
  /** Default: BN with eps 0.001, momentum 0.1. */
  norm_cfg?: NormCfg;
  /** Default: Swish. */
  act_cfg?: ActCfg;
  /** Default: false. */
  norm_eval?: boolean;
  with_cp?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const DEFAULT_INIT: InitCfg[] = [
  { type: 'Kaiming', layer: 'Conv2d' },
  { type: 'Constant', layer: ['_BatchNorm', 'GroupNorm'], val: 1 },
];

export class EfficientNetV2 extends BaseBackbone {
  readonly arch: EfficientNetV2Row[];
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly layers: ModuleList;
  readonly outChannels: number;

  constructor(opts: EfficientNetV2Options = {}) {
    checkKeys(opts, ['arch', 'in_channels', 'drop_path_rate', 'out_indices', 'frozen_stages', 'conv_cfg', 'norm_cfg', 'act_cfg', 'norm_eval', 'with_cp', 'init_cfg'], 'EfficientNetV2');
    super(opts.init_cfg === undefined ? DEFAULT_INIT : opts.init_cfg);
    const { arch = 's', in_channels = 3, drop_path_rate = 0, out_indices = [-1], frozen_stages = 0, norm_cfg = { type: 'BN', eps: 1e-3, momentum: 0.1 }, act_cfg = { type: 'Swish' }, norm_eval = false } = opts;
    const conv_cfg = opts.conv_cfg === undefined ? { type: 'Conv2dAdaptivePadding' } : opts.conv_cfg;
    const rows = EFFICIENTNET_V2_ARCH_SETTINGS[arch];
    assert(rows, () => `"${arch}" is not one of the arch_settings (${Object.keys(EFFICIENTNET_V2_ARCH_SETTINGS).join(', ')})`);
    this.arch = rows;
    if (!(Number.isInteger(frozen_stages) && frozen_stages >= 0 && frozen_stages <= rows.length)) throw new Error(`frozen_stages must be in range(0, ${rows.length}), but get ${frozen_stages}`);
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    const lastRow = rows[rows.length - 1];
    assert(lastRow[7] === -2, () => `the last block_type of \`arch_setting\` must be -2 ,but get \`${lastRow[7]}\``);
    this.outChannels = lastRow[5];

    this.layers = this.addModule('layers', new ModuleList<AnyModule>());
    this.layers.push(new ConvModule({ in_channels, out_channels: rows[0][4], kernel_size: 3, stride: 2, conv_cfg, norm_cfg, act_cfg }));
    let inC = rows[0][4];
    const stages = rows.slice(0, -1);
    const dpr = dropPathRates(drop_path_rate, stages.reduce((s, r) => s + r[0], 0));
    let blockIdx = 0;
    for (const [repeat, kernel_size, firstStride, expandRatio, , out_channels, seRatio, blockType] of stages) {
      const blocks: AnyModule[] = [];
      for (let i = 0; i < repeat; i++) {
        const stride = i === 0 ? firstStride : 1;
        if (blockType === -1) {
          const has_skip = stride === 1 && inC === out_channels;
          blocks.push(new EnhancedConvModule({ in_channels: inC, out_channels, kernel_size, has_skip, drop_path_rate: has_skip ? dpr[blockIdx] : 0, stride, padding: 1, conv_cfg: null, norm_cfg, act_cfg }));
        } else {
          const mid_channels = Math.trunc(inC * expandRatio);
          const se_cfg = blockType !== 0 && seRatio > 0 ? { channels: mid_channels, ratio: expandRatio * (1 / seRatio), divisor: 1, act_cfg: [act_cfg, { type: 'Sigmoid' }] as [ActCfg, ActCfg] } : null;
          const o = { in_channels: inC, out_channels, mid_channels, kernel_size, stride, se_cfg, conv_cfg: stride === 2 ? conv_cfg : null, norm_cfg, act_cfg, drop_path_rate: dpr[blockIdx] };
          blocks.push(blockType === 0 ? new EdgeResidual(o) : new InvertedResidual(o));
        }
        inC = out_channels;
        blockIdx++;
      }
      this.layers.push(new Sequential(...blocks));
    }
    this.layers.push(new ConvModule({ in_channels: inC, out_channels: this.outChannels, kernel_size: lastRow[1], stride: lastRow[2], conv_cfg, norm_cfg, act_cfg }));

    const n = this.layers.length;
    this.outIndices = (typeof out_indices === 'number' ? [out_indices] : [...out_indices]).map((index) => {
      const j = index < 0 ? n + index : index;
      assert(j >= 0 && j <= n, () => `Invalid out_indices ${index}.`);
      return j;
    });
    this.train(true);
  }

  forward(x: Tensor): Tensor[] {
    return runStages(x, this.layers.items(), this.outIndices);
  }

  override train(mode = true): this {
    super.train(mode);
    freeze(this.layers.items().slice(0, this.frozenStages));
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }
}
