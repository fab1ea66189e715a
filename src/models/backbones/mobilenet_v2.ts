/** `MobileNetV2` (MMPretrain `backbones/mobilenet_v2.py`): `conv1`, `layer1`–`layer7` of InvertedResidual (`conv.N`), `conv2`. */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Sequential } from '../nn/container';
import type { InitCfg } from '../nn/init';
import { Module } from '../nn/module';
import { makeDivisible } from '../utils/make_divisible';
import { BaseBackbone, batchNormsToEval, checkOutIndices, freeze, runStages } from './base_backbone';

/** MobileNetV2's block: `conv` = Sequential of ConvModules (expand 1×1 if ratio ≠ 1, depthwise 3×3, linear 1×1). */
export class MobileNetV2InvertedResidual extends Module {
  readonly useResConnect: boolean;
  constructor(inC: number, outC: number, stride: number, expandRatio: number, convCfg: ConvCfg | null, normCfg: NormCfg, actCfg: ActCfg) {
    super();
    assert(stride === 1 || stride === 2, () => `stride must in [1, 2]. But received ${stride}.`);
    this.useResConnect = stride === 1 && inC === outC;
    const hidden = Math.round(inC * expandRatio);
    const base = { conv_cfg: convCfg, norm_cfg: normCfg, act_cfg: actCfg };
    const layers: ConvModule[] = [];
    if (expandRatio !== 1) layers.push(new ConvModule({ ...base, in_channels: inC, out_channels: hidden, kernel_size: 1 }));
    layers.push(new ConvModule({ ...base, in_channels: hidden, out_channels: hidden, kernel_size: 3, stride, padding: 1, groups: hidden }));
    layers.push(new ConvModule({ ...base, in_channels: hidden, out_channels: outC, kernel_size: 1, act_cfg: null }));
    this.addModule('conv', new Sequential(...layers));
  }
  override typeNames(): string[] {
    return ['InvertedResidual'];
  }
  forward(x: Tensor): Tensor {
    if (!this.useResConnect) return this.child('conv').call(x) as Tensor;
    return tf.tidy(() => tf.add(x, this.child('conv').call(x) as Tensor));
  }
}

export interface MobileNetV2Options {
  /** Channel multiplier. Default: 1. */
  widen_factor?: number;
  /** Of 0–7 (7 = conv2). Default: [7]. */
  out_indices?: number[];
  /** Default: -1. */
  frozen_stages?: number;
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: ReLU6. */
  act_cfg?: ActCfg;
  /** Default: false. */
  norm_eval?: boolean;
  with_cp?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

/** [expand_ratio, channel, num_blocks, stride] per stage. */
const ARCH: [number, number, number, number][] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

const DEFAULT_INIT: InitCfg[] = [
  { type: 'Kaiming', layer: ['Conv2d'] },
  { type: 'Constant', val: 1, layer: ['_BatchNorm', 'GroupNorm'] },
];

export class MobileNetV2 extends BaseBackbone {
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly layers: string[] = [];

  constructor(opts: MobileNetV2Options = {}) {
    checkKeys(opts, ['widen_factor', 'out_indices', 'frozen_stages', 'conv_cfg', 'norm_cfg', 'act_cfg', 'norm_eval', 'with_cp', 'init_cfg'], 'MobileNetV2');
    super(opts.init_cfg === undefined ? DEFAULT_INIT : opts.init_cfg);
    const { widen_factor = 1, out_indices = [7], frozen_stages = -1, conv_cfg = null, norm_cfg = { type: 'BN' }, act_cfg = { type: 'ReLU6' }, norm_eval = false } = opts;
    this.outIndices = checkOutIndices(out_indices, 8, 'MobileNetV2');
    assert(frozen_stages >= -1 && frozen_stages < 8, () => `frozen_stages must be in range(-1, 8). But received ${frozen_stages}`);
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    let inC = makeDivisible(32 * widen_factor, 8);
    this.addModule('conv1', new ConvModule({ in_channels: 3, out_channels: inC, kernel_size: 3, stride: 2, padding: 1, conv_cfg, norm_cfg, act_cfg }));
    ARCH.forEach(([t, c, n, s], i) => {
      const outC = makeDivisible(c * widen_factor, 8);
      const blocks = Array.from({ length: n }, (_, j) => {
        const b = new MobileNetV2InvertedResidual(j === 0 ? inC : outC, outC, j === 0 ? s : 1, t, conv_cfg, norm_cfg, act_cfg);
        return b;
      });
      inC = outC;
      this.addModule(`layer${i + 1}`, new Sequential(...blocks));
      this.layers.push(`layer${i + 1}`);
    });
    const outChannel = widen_factor > 1 ? Math.trunc(1280 * widen_factor) : 1280;
    this.addModule('conv2', new ConvModule({ in_channels: inC, out_channels: outChannel, kernel_size: 1, stride: 1, padding: 0, conv_cfg, norm_cfg, act_cfg }));
    this.layers.push('conv2');
    this.train(true);
  }

  forward(x: Tensor): Tensor[] {
    return runStages(x, [this.child('conv1'), ...this.layers.map((n) => this.child(n))], this.outIndices, 1);
  }

  override train(mode = true): this {
    super.train(mode);
    if (this.frozenStages >= 0) this.child('conv1').requiresGrad(false);
    freeze(Array.from({ length: Math.max(0, this.frozenStages) }, (_, i) => this.child(`layer${i + 1}`)));
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }
}
