/** `MobileNetV3` (MMPretrain `backbones/mobilenet_v3.py`): arch small / small_075 / small_050 / large; `layer0`…`layerN`. */
import type { Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import type { InitCfg } from '../nn/init';
import { InvertedResidual } from '../utils/inverted_residual';
import { BaseBackbone, batchNormsToEval, checkOutIndices, freeze, runStages } from './base_backbone';

/** [kernel_size, mid_channels, out_channels, with_se, act, stride] per layer. */
type Row = [number, number, number, boolean, 'ReLU' | 'HSwish', number];

const R = (k: number, mid: number, out: number, se: boolean, act: 'ReLU' | 'HSwish', s: number): Row => [k, mid, out, se, act, s];

export const MOBILENET_V3_ARCH: Record<string, Row[]> = {
  small: [
    R(3, 16, 16, true, 'ReLU', 2), R(3, 72, 24, false, 'ReLU', 2), R(3, 88, 24, false, 'ReLU', 1), R(5, 96, 40, true, 'HSwish', 2),
    R(5, 240, 40, true, 'HSwish', 1), R(5, 240, 40, true, 'HSwish', 1), R(5, 120, 48, true, 'HSwish', 1), R(5, 144, 48, true, 'HSwish', 1),
    R(5, 288, 96, true, 'HSwish', 2), R(5, 576, 96, true, 'HSwish', 1), R(5, 576, 96, true, 'HSwish', 1),
  ],
  small_075: [
    R(3, 16, 16, true, 'ReLU', 2), R(3, 72, 24, false, 'ReLU', 2), R(3, 88, 24, false, 'ReLU', 1), R(5, 96, 32, true, 'HSwish', 2),
    R(5, 192, 32, true, 'HSwish', 1), R(5, 192, 32, true, 'HSwish', 1), R(5, 96, 40, true, 'HSwish', 1), R(5, 120, 40, true, 'HSwish', 1),
    R(5, 240, 72, true, 'HSwish', 2), R(5, 432, 72, true, 'HSwish', 1), R(5, 432, 72, true, 'HSwish', 1),
  ],
  small_050: [
    R(3, 16, 8, true, 'ReLU', 2), R(3, 40, 16, false, 'ReLU', 2), R(3, 56, 16, false, 'ReLU', 1), R(5, 64, 24, true, 'HSwish', 2),
    R(5, 144, 24, true, 'HSwish', 1), R(5, 144, 24, true, 'HSwish', 1), R(5, 72, 24, true, 'HSwish', 1), R(5, 72, 24, true, 'HSwish', 1),
    R(5, 144, 48, true, 'HSwish', 2), R(5, 288, 48, true, 'HSwish', 1), R(5, 288, 48, true, 'HSwish', 1),
  ],
  large: [
    R(3, 16, 16, false, 'ReLU', 1), R(3, 64, 24, false, 'ReLU', 2), R(3, 72, 24, false, 'ReLU', 1), R(5, 72, 40, true, 'ReLU', 2),
    R(5, 120, 40, true, 'ReLU', 1), R(5, 120, 40, true, 'ReLU', 1), R(3, 240, 80, false, 'HSwish', 2), R(3, 200, 80, false, 'HSwish', 1),
    R(3, 184, 80, false, 'HSwish', 1), R(3, 184, 80, false, 'HSwish', 1), R(3, 480, 112, true, 'HSwish', 1), R(3, 672, 112, true, 'HSwish', 1),
    R(5, 672, 160, true, 'HSwish', 2), R(5, 960, 160, true, 'HSwish', 1), R(5, 960, 160, true, 'HSwish', 1),
  ],
};

export interface MobileNetV3Options {
  /** small | small_075 | small_050 | large. Default: 'small'. */
  arch?: string;
  conv_cfg?: ConvCfg | null;
  /** Default: BN with eps 0.001, momentum 0.01. */
  norm_cfg?: NormCfg;
  /** Default: [12] (small) or [16] (large): the last conv. */
  out_indices?: number[] | null;
  /** Default: -1. */
  frozen_stages?: number;
  /** Default: false. */
  norm_eval?: boolean;
  with_cp?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const DEFAULT_INIT: InitCfg[] = [
  { type: 'Kaiming', layer: ['Conv2d'], nonlinearity: 'leaky_relu' },
  { type: 'Normal', layer: ['Linear'], std: 0.01 },
  { type: 'Constant', layer: ['BatchNorm2d'], val: 1 },
];

export class MobileNetV3 extends BaseBackbone {
  readonly arch: string;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly layers: string[] = [];
  readonly featDim: number;

  constructor(opts: MobileNetV3Options = {}) {
    checkKeys(opts, ['arch', 'conv_cfg', 'norm_cfg', 'out_indices', 'frozen_stages', 'norm_eval', 'with_cp', 'init_cfg'], 'MobileNetV3');
    super(opts.init_cfg === undefined ? DEFAULT_INIT : opts.init_cfg);
    const { arch = 'small', conv_cfg = null, norm_cfg = { type: 'BN', eps: 0.001, momentum: 0.01 }, frozen_stages = -1, norm_eval = false } = opts;
    const rows = MOBILENET_V3_ARCH[arch];
    assert(rows, () => `MobileNetV3: arch must be one of ${Object.keys(MOBILENET_V3_ARCH).join(', ')}, got '${arch}'`);
    this.arch = arch;
    const n = rows.length + 2;
    this.outIndices = checkOutIndices(opts.out_indices ?? [arch.includes('small') ? 12 : 16], n, 'MobileNetV3');
    assert(frozen_stages >= -1 && frozen_stages < n, () => `frozen_stages must be in range(-1, ${n}). But received ${frozen_stages}`);
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    let inC = 16;
    this.addLayer(new ConvModule({ in_channels: 3, out_channels: inC, kernel_size: 3, stride: 2, padding: 1, conv_cfg, norm_cfg, act_cfg: { type: 'HSwish' } }));
    for (const [k, mid, out, withSe, act, stride] of rows) {
      const se_cfg = withSe
        ? { channels: mid, ratio: 4, act_cfg: [{ type: 'ReLU' }, { type: 'HSigmoid', bias: 3, divisor: 6, min_value: 0, max_value: 1 }] as [ActCfg, ActCfg] }
        : null;
      this.addLayer(new InvertedResidual({ in_channels: inC, out_channels: out, mid_channels: mid, kernel_size: k, stride, se_cfg, conv_cfg, norm_cfg, act_cfg: { type: act } }));
      inC = out;
    }
    const lastMid = rows[rows.length - 1][1];
    this.addLayer(new ConvModule({ in_channels: inC, out_channels: lastMid, kernel_size: 1, stride: 1, padding: 0, conv_cfg, norm_cfg, act_cfg: { type: 'HSwish' } }));
    this.featDim = lastMid;
    this.train(true);
  }

  private addLayer(m: ConvModule | InvertedResidual): void {
    const name = `layer${this.layers.length}`;
    this.addModule(name, m);
    this.layers.push(name);
  }

  forward(x: Tensor): Tensor[] {
    return runStages(x, this.layers.map((n) => this.child(n)), this.outIndices);
  }

  override train(mode = true): this {
    super.train(mode);
    freeze(Array.from({ length: this.frozenStages + 1 }, (_, i) => this.child(`layer${i}`)));
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }
}
