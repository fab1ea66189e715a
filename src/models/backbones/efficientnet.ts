/**
 * `EfficientNet` (MMPretrain `backbones/efficientnet.py`): archs b0–b8, l2 and the EdgeTPU es / em / el, scaled
 * from two base layer tables by width and depth factors. `layers.0` stem ConvModule, `layers.1`…`layers.5`
 * Sequentials of InvertedResidual (MBConv + SE) or EdgeResidual blocks, `layers.6` the 1×1 ConvModule.
 */
import type { Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import type { InitCfg } from '../nn/init';
import type { AnyModule } from '../nn/module';
import { EdgeResidual } from '../utils/edge_residual';
import { InvertedResidual } from '../utils/inverted_residual';
import { makeDivisible } from '../utils/make_divisible';
import type { SELayerOptions } from '../utils/se_layer';
import { BaseBackbone, batchNormsToEval, freeze, runStages } from './base_backbone';

/** [kernel_size, out_channels, se_ratio, stride, expand_ratio, block_type (-1 conv, 0 InvertedResidual, 1 EdgeResidual)]. */
export type EfficientNetBlockCfg = [number, number, number, number, number, number];

const B = (k: number, c: number, se: number, s: number, e: number, t: number): EfficientNetBlockCfg => [k, c, se, s, e, t];
const rep = (n: number, cfg: EfficientNetBlockCfg): EfficientNetBlockCfg[] => Array.from({ length: n }, () => [...cfg] as EfficientNetBlockCfg);

/** The base layer tables: 'b' (EfficientNet, also l2) and 'e' (EfficientNet-EdgeTPU). */
export const EFFICIENTNET_LAYER_SETTINGS: Record<'b' | 'e', EfficientNetBlockCfg[][]> = {
  b: [
    [B(3, 32, 0, 2, 0, -1)],
    [B(3, 16, 4, 1, 1, 0)],
    [B(3, 24, 4, 2, 6, 0), B(3, 24, 4, 1, 6, 0)],
    [B(5, 40, 4, 2, 6, 0), B(5, 40, 4, 1, 6, 0)],
    [B(3, 80, 4, 2, 6, 0), ...rep(2, B(3, 80, 4, 1, 6, 0)), ...rep(3, B(5, 112, 4, 1, 6, 0))],
    [B(5, 192, 4, 2, 6, 0), ...rep(3, B(5, 192, 4, 1, 6, 0)), B(3, 320, 4, 1, 6, 0)],
    [B(1, 1280, 0, 1, 0, -1)],
  ],
  e: [
    [B(3, 32, 0, 2, 0, -1)],
    [B(3, 24, 0, 1, 3, 1)],
    [B(3, 32, 0, 2, 8, 1), B(3, 32, 0, 1, 8, 1)],
    [B(3, 48, 0, 2, 8, 1), ...rep(3, B(3, 48, 0, 1, 8, 1))],
    [B(5, 96, 0, 2, 8, 0), ...rep(4, B(5, 96, 0, 1, 8, 0)), ...rep(4, B(5, 144, 0, 1, 8, 0))],
    [B(5, 192, 0, 2, 8, 0), B(5, 192, 0, 1, 8, 0)],
    [B(1, 1280, 0, 1, 0, -1)],
  ],
};

/** [width factor, depth factor, resolution] per arch. */
export const EFFICIENTNET_ARCH_SETTINGS: Record<string, [number, number, number]> = {
  b0: [1.0, 1.0, 224],
  b1: [1.0, 1.1, 240],
  b2: [1.1, 1.2, 260],
  b3: [1.2, 1.4, 300],
  b4: [1.4, 1.8, 380],
  b5: [1.6, 2.2, 456],
  b6: [1.8, 2.6, 528],
  b7: [2.0, 3.1, 600],
  b8: [2.2, 3.6, 672],
  l2: [4.3, 5.3, 800],
  es: [1.0, 1.0, 224],
  em: [1.0, 1.1, 240],
  el: [1.2, 1.4, 300],
};

/**
 * MMPretrain's `model_scaling`: widths scaled and made divisible by 8; the middle layers split where the width
 * changes, each piece repeated to ceil(depth·n) blocks (extra copies of its last block), and a piece whose first
 * block has stride 1 merged back into the previous layer (except the very first piece).
 */
export function efficientNetScaling(layers: EfficientNetBlockCfg[][], [width, depth]: [number, number, number]): EfficientNetBlockCfg[][] {
  const scaled = layers.map((l) => l.map((b) => [b[0], makeDivisible(b[1] * width, 8), b[2], b[3], b[4], b[5]] as EfficientNetBlockCfg));
  const split: EfficientNetBlockCfg[][] = [scaled[0]];
  for (const l of scaled.slice(1, -1)) {
    let start = 0;
    for (let i = 1; i <= l.length; i++) {
      if (i === l.length || l[i][1] !== l[i - 1][1]) {
        split.push(l.slice(start, i));
        start = i;
      }
    }
  }
  split.push(scaled[scaled.length - 1]);
  const merged: EfficientNetBlockCfg[][] = [split[0]];
  split.slice(1, -1).forEach((l, i) => {
    const n = Math.ceil(depth * l.length);
    const piece = n <= l.length ? l.slice(0, n) : [...l, ...Array.from({ length: n - l.length }, () => l[l.length - 1])];
    if (piece[0][3] === 1 && i !== 0) merged[merged.length - 1] = [...merged[merged.length - 1], ...piece];
    else merged.push([...piece]);
  });
  merged.push(split[split.length - 1]);
  return merged;
}

export interface EfficientNetOptions {
  /** b0…b8, l2, es, em, el. Default: 'b0'. */
  arch?: string;
  /** Stochastic depth, linear in the block index up to this rate. Default: 0. */
  drop_path_rate?: number;
  /** Of 0–6. Default: [6]. */
  out_indices?: number[];
  /** Layers 0…frozen_stages−1 frozen. Default: 0. */
  frozen_stages?: number;
  /** Default: Conv2dAdaptivePadding (TensorFlow "SAME" padding). */
  conv_cfg?: ConvCfg | null;
  /** Default: BN with eps 0.001. */
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

/** `torch.linspace(0, end, n)` values as float32 numbers (the stochastic depth decay rule). */
export function dropPathRates(end: number, n: number): number[] {
  if (n === 1) return [0];
  return Array.from({ length: n }, (_, i) => Math.fround(i < n / 2 ? (end / (n - 1)) * i : end - (end / (n - 1)) * (n - 1 - i)));
}

export class EfficientNet extends BaseBackbone {
  readonly arch: string;
  readonly layerSetting: EfficientNetBlockCfg[][];
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly layers: ModuleList;
  readonly outChannels: number;

  constructor(opts: EfficientNetOptions = {}) {
    checkKeys(opts, ['arch', 'drop_path_rate', 'out_indices', 'frozen_stages', 'conv_cfg', 'norm_cfg', 'act_cfg', 'norm_eval', 'with_cp', 'init_cfg'], 'EfficientNet');
    super(opts.init_cfg === undefined ? DEFAULT_INIT : opts.init_cfg);
    const { arch = 'b0', drop_path_rate = 0, out_indices = [6], frozen_stages = 0, norm_cfg = { type: 'BN', eps: 1e-3 }, act_cfg = { type: 'Swish' }, norm_eval = false } = opts;
    const conv_cfg = opts.conv_cfg === undefined ? { type: 'Conv2dAdaptivePadding' } : opts.conv_cfg;
    const archSetting = EFFICIENTNET_ARCH_SETTINGS[arch];
    assert(archSetting, () => `"${arch}" is not one of the arch_settings (${Object.keys(EFFICIENTNET_ARCH_SETTINGS).join(', ')})`);
    this.arch = arch;
    const base = EFFICIENTNET_LAYER_SETTINGS[arch === 'l2' ? 'b' : (arch[0] as 'b' | 'e')];
    const n = base.length;
    for (const i of out_indices) {
      if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new Error(`the item in out_indices must in range(0, ${n}). But received ${i}`);
    }
    if (!(Number.isInteger(frozen_stages) && frozen_stages >= 0 && frozen_stages <= n)) throw new Error(`frozen_stages must be in range(0, ${n + 1}). But received ${frozen_stages}`);
    this.outIndices = [...out_indices];
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    this.layerSetting = efficientNetScaling(base, archSetting);

    const first = this.layerSetting[0][0];
    const last = this.layerSetting[this.layerSetting.length - 1][0];
    let inC = makeDivisible(first[1], 8);
    this.outChannels = last[1];
    this.layers = this.addModule('layers', new ModuleList<AnyModule>());
    this.layers.push(new ConvModule({ in_channels: 3, out_channels: inC, kernel_size: first[0], stride: first[3], padding: first[0] >> 1, conv_cfg, norm_cfg, act_cfg }));

    const middle = this.layerSetting.slice(1, -1);
    const dpr = dropPathRates(drop_path_rate, middle.reduce((s, l) => s + l.length, 0));
    let blockIdx = 0;
    for (const layerCfg of middle) {
      const blocks: AnyModule[] = [];
      layerCfg.forEach(([kernel_size, c, seRatio, stride, expandRatio, blockType], i) => {
        const out_channels = makeDivisible(c, 8);
        const seCfg = (mid: number, ratio: number): SELayerOptions | null =>
          seRatio <= 0 ? null : { channels: mid, ratio, divisor: 1, act_cfg: [act_cfg, { type: 'Sigmoid' }] };
        const common = { in_channels: inC, out_channels, kernel_size, stride, conv_cfg, norm_cfg, act_cfg, drop_path_rate: dpr[blockIdx] };
        if (blockType === 1) {
          let e = expandRatio;
          let with_residual = true;
          if (i > 0 && e === 3) {
            with_residual = false;
            e = 4;
          }
          const mid = Math.trunc(inC * e);
          blocks.push(new EdgeResidual({ ...common, mid_channels: mid, se_cfg: seCfg(mid, seRatio * e), with_residual }));
        } else {
          const mid = Math.trunc(inC * expandRatio);
          blocks.push(new InvertedResidual({ ...common, mid_channels: mid, se_cfg: seCfg(mid, expandRatio * seRatio) }));
        }
        inC = out_channels;
        blockIdx++;
      });
      this.layers.push(new Sequential(...blocks));
    }
    this.layers.push(new ConvModule({ in_channels: inC, out_channels: this.outChannels, kernel_size: last[0], stride: last[3], padding: last[0] >> 1, conv_cfg, norm_cfg, act_cfg }));
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
