/** `ShuffleNetV2` (MMPretrain `backbones/shufflenet_v2.py`): `conv1`, `maxpool`, `layers.0-2` of InvertedResidual (`branch1`, `branch2`), `layers.3`. */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import type { ActCfg } from '../nn/activation';
import { ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import type { InitCfg } from '../nn/init';
import { Module } from '../nn/module';
import { MaxPool2d } from '../nn/pooling';
import type { Generator } from '../../utils/random';
import { channelShuffle } from '../utils/channel_shuffle';
import { shuffleNetInitWeights } from '../utils/shufflenet_init';
import { BaseBackbone, batchNormsToEval, checkOutIndices, freeze, runStages } from './base_backbone';

/** ShuffleNetV2's unit: stride 2 → concat(branch1(x), branch2(x)); stride 1 → concat(x₁, branch2(x₂)); then shuffle. */
export class ShuffleNetV2InvertedResidual extends Module {
  readonly stride: number;
  constructor(inC: number, outC: number, stride: number, convCfg: ConvCfg | null, normCfg: NormCfg, actCfg: ActCfg) {
    super();
    this.stride = stride;
    const bf = Math.floor(outC / 2);
    if (stride === 1) assert(inC === bf * 2, () => `in_channels (${inC}) should equal to branch_features * 2 (${bf * 2}) when stride is 1`);
    if (inC !== bf * 2) assert(stride !== 1, () => `stride (${stride}) should not equal 1 when in_channels != branch_features * 2`);
    const cm = (i: number, o: number, k: number, s: number, groups: number, act: ActCfg | null) =>
      new ConvModule({ in_channels: i, out_channels: o, kernel_size: k, stride: s, padding: k === 3 ? 1 : 0, groups, conv_cfg: convCfg, norm_cfg: normCfg, act_cfg: act });
    if (stride > 1) this.addModule('branch1', new Sequential(cm(inC, inC, 3, stride, inC, null), cm(inC, bf, 1, 1, 1, actCfg)));
    this.addModule('branch2', new Sequential(cm(stride > 1 ? inC : bf, bf, 1, 1, 1, actCfg), cm(bf, bf, 3, stride, bf, null), cm(bf, bf, 1, 1, 1, actCfg)));
  }
  override typeNames(): string[] {
    return ['InvertedResidual'];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let out: Tensor;
      if (this.stride > 1) out = tf.concat([this.child('branch1').call(x) as Tensor, this.child('branch2').call(x) as Tensor], 3);
      else {
        const c = x.shape[3]!;
        const c1 = Math.floor(c / 2) + (c % 2);
        const [x1, x2] = tf.split(x, [c1, c - c1], 3);
        out = tf.concat([x1, this.child('branch2').call(x2) as Tensor], 3);
      }
      return channelShuffle(out, 2);
    });
  }
}

export interface ShuffleNetV2Options {
  /** 0.5, 1.0, 1.5 or 2.0. Default: 1.0. */
  widen_factor?: number;
  /** Of 0–3. Default: [3]. */
  out_indices?: number[];
  /** Default: -1. */
  frozen_stages?: number;
  conv_cfg?: ConvCfg | null;
  /** Default: BN. */
  norm_cfg?: NormCfg;
  /** Default: ReLU. */
  act_cfg?: ActCfg;
  /** Default: false. */
  norm_eval?: boolean;
  with_cp?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const CHANNELS: Record<string, number[]> = { '0.5': [48, 96, 192, 1024], '1': [116, 232, 464, 1024], '1.5': [176, 352, 704, 1024], '2': [244, 488, 976, 2048] };

export class ShuffleNetV2 extends BaseBackbone {
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly layers: ModuleList;

  constructor(opts: ShuffleNetV2Options = {}) {
    checkKeys(opts, ['widen_factor', 'out_indices', 'frozen_stages', 'conv_cfg', 'norm_cfg', 'act_cfg', 'norm_eval', 'with_cp', 'init_cfg'], 'ShuffleNetV2');
    super(opts.init_cfg);
    const { widen_factor = 1.0, out_indices = [3], frozen_stages = -1, conv_cfg = null, norm_cfg = { type: 'BN' }, act_cfg = { type: 'ReLU' }, norm_eval = false } = opts;
    const channels = CHANNELS[String(widen_factor)];
    if (!channels) throw new Error(`widen_factor must be in [0.5, 1.0, 1.5, 2.0]. But received ${widen_factor}`);
    this.outIndices = checkOutIndices(out_indices, 4, 'ShuffleNetV2');
    assert(frozen_stages >= -1 && frozen_stages < 4, () => `frozen_stages must be in range(-1, 4). But received ${frozen_stages}`);
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    let inC = 24;
    this.addModule('conv1', new ConvModule({ in_channels: 3, out_channels: inC, kernel_size: 3, stride: 2, padding: 1, conv_cfg, norm_cfg, act_cfg }));
    this.addModule('maxpool', new MaxPool2d({ kernel_size: 3, stride: 2, padding: 1 }));
    this.layers = this.addModule('layers', new ModuleList());
    [4, 8, 4].forEach((n, i) => {
      const blocks = Array.from({ length: n }, (_, j) => {
        const b = new ShuffleNetV2InvertedResidual(inC, channels[i], j === 0 ? 2 : 1, conv_cfg, norm_cfg, act_cfg);
        inC = channels[i];
        return b;
      });
      this.layers.push(new Sequential(...blocks));
    });
    this.layers.push(new ConvModule({ in_channels: inC, out_channels: channels[3], kernel_size: 1, conv_cfg, norm_cfg, act_cfg }));
    this.train(true);
  }

  /** MMPretrain's `init_weights`: conv1 N(0, 0.01); other convs N(0, 1/in); norms weight 1, bias 1e-4. */
  afterInitWeights(rng: Generator): void {
    shuffleNetInitWeights(this, rng);
  }

  forward(x: Tensor): Tensor[] {
    return runStages(x, [this.child('conv1'), this.child('maxpool'), ...this.layers.items()], this.outIndices, 2);
  }

  override train(mode = true): this {
    super.train(mode);
    if (this.frozenStages >= 0) this.child('conv1').requiresGrad(false);
    freeze(this.layers.items().slice(0, Math.max(0, this.frozenStages)));
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }
}
