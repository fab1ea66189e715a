/** `ShuffleNetV1` (MMPretrain `backbones/shufflenet_v1.py`): `conv1`, `maxpool`, `layers.0-2` of `ShuffleUnit`s. */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { buildActivationLayer, type ActCfg } from '../nn/activation';
import { ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { ModuleList, Sequential } from '../nn/container';
import type { InitCfg } from '../nn/init';
import { Module } from '../nn/module';
import { AvgPool2d, MaxPool2d } from '../nn/pooling';
import type { Generator } from '../../utils/random';
import { channelShuffle } from '../utils/channel_shuffle';
import { makeDivisible } from '../utils/make_divisible';
import { shuffleNetInitWeights } from '../utils/shufflenet_init';
import { BaseBackbone, batchNormsToEval, freeze, runStages } from './base_backbone';

export interface ShuffleUnitOptions {
  in_channels: number;
  out_channels: number;
  /** Default: 3. */
  groups?: number;
  /** First unit of the network: ungrouped first 1×1 conv. Default: true. */
  first_block?: boolean;
  /** 'add' (stride 1, residual sum) or 'concat' (stride 2, concatenated with the avg-pooled input). Default: 'add'. */
  combine?: 'add' | 'concat';
  conv_cfg?: ConvCfg | null;
  norm_cfg?: NormCfg;
  act_cfg?: ActCfg;
  with_cp?: boolean;
}

/** Grouped 1×1 compress → 3×3 depthwise → channel shuffle → grouped 1×1 expand, combined with the input. */
export class ShuffleUnit extends Module {
  readonly groups: number;
  readonly combine: 'add' | 'concat';
  readonly bottleneckChannels: number;

  constructor(o: ShuffleUnitOptions) {
    super();
    const { groups = 3, first_block = true, combine = 'add', conv_cfg = null, norm_cfg = { type: 'BN' }, act_cfg = { type: 'ReLU' } } = o;
    this.groups = groups;
    this.combine = combine;
    this.bottleneckChannels = Math.floor(o.out_channels / 4);
    let outC = o.out_channels;
    let dwStride: number;
    if (combine === 'add') {
      dwStride = 1;
      assert(o.in_channels === o.out_channels, () => 'in_channels must be equal to out_channels when combine is add');
    } else if (combine === 'concat') {
      dwStride = 2;
      outC -= o.in_channels;
      this.addModule('avgpool', new AvgPool2d({ kernel_size: 3, stride: 2, padding: 1 }));
    } else {
      throw new Error(`Cannot combine tensors with ${String(combine)}. Only "add" and "concat" are supported`);
    }
    const b = this.bottleneckChannels;
    const cm = (i: number, out: number, k: number, s: number, g: number, act: ActCfg | null) =>
      new ConvModule({ in_channels: i, out_channels: out, kernel_size: k, stride: s, padding: k === 3 ? 1 : 0, groups: g, conv_cfg, norm_cfg, act_cfg: act });
    this.addModule('g_conv_1x1_compress', cm(o.in_channels, b, 1, 1, first_block ? 1 : groups, act_cfg));
    this.addModule('depthwise_conv3x3_bn', cm(b, b, 3, dwStride, b, null));
    this.addModule('g_conv_1x1_expand', cm(b, outC, 1, 1, groups, null));
    this.addModule('act', buildActivationLayer(act_cfg));
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      let out = this.child('depthwise_conv3x3_bn').call(this.child('g_conv_1x1_compress').call(x)) as Tensor;
      if (this.groups > 1) out = channelShuffle(out, this.groups);
      out = this.child('g_conv_1x1_expand').call(out) as Tensor;
      const act = this.child('act');
      if (this.combine === 'concat') return tf.concat([this.child('avgpool').call(x) as Tensor, act.call(out) as Tensor], 3);
      return act.call(tf.add(x, out)) as Tensor;
    });
  }
}

export interface ShuffleNetV1Options {
  /** Groups of the 1×1 convs: 1, 2, 3, 4 or 8. Default: 3. */
  groups?: number;
  /** Width multiplier. Default: 1.0. */
  widen_factor?: number;
  /** Of 0–2. Default: [2]. */
  out_indices?: number[];
  /** -1 to 2. Default: -1. */
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

const GROUP_CHANNELS: Record<number, number[]> = { 1: [144, 288, 576], 2: [200, 400, 800], 3: [240, 480, 960], 4: [272, 544, 1088], 8: [384, 768, 1536] };

export class ShuffleNetV1 extends BaseBackbone {
  readonly groups: number;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  readonly layers: ModuleList<Sequential>;

  constructor(opts: ShuffleNetV1Options = {}) {
    checkKeys(opts, ['groups', 'widen_factor', 'out_indices', 'frozen_stages', 'conv_cfg', 'norm_cfg', 'act_cfg', 'norm_eval', 'with_cp', 'init_cfg'], 'ShuffleNetV1');
    super(opts.init_cfg);
    const { groups = 3, widen_factor = 1.0, out_indices = [2], frozen_stages = -1, conv_cfg = null, norm_cfg = { type: 'BN' }, act_cfg = { type: 'ReLU' }, norm_eval = false } = opts;
    for (const i of out_indices) {
      if (!(Number.isInteger(i) && i >= 0 && i < 3)) throw new Error(`the item in out_indices must in range(0, 3). But received ${i}`);
    }
    if (!(Number.isInteger(frozen_stages) && frozen_stages >= -1 && frozen_stages < 3)) throw new Error(`frozen_stages must be in range(-1, 3). But received ${frozen_stages}`);
    const base = GROUP_CHANNELS[groups];
    if (!base) throw new Error(`${groups} groups is not supported for 1x1 Grouped Convolutions`);
    this.groups = groups;
    this.outIndices = [...out_indices];
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    const channels = base.map((c) => makeDivisible(c * widen_factor, 8));
    let inC = Math.trunc(24 * widen_factor);
    this.addModule('conv1', new ConvModule({ in_channels: 3, out_channels: inC, kernel_size: 3, stride: 2, padding: 1, conv_cfg, norm_cfg, act_cfg }));
    this.addModule('maxpool', new MaxPool2d({ kernel_size: 3, stride: 2, padding: 1 }));
    this.layers = this.addModule('layers', new ModuleList<Sequential>());
    [4, 8, 4].forEach((n, i) => {
      const units = Array.from({ length: n }, (_, j) => {
        const u = new ShuffleUnit({ in_channels: inC, out_channels: channels[i], groups, first_block: i === 0 && j === 0, combine: j === 0 ? 'concat' : 'add', conv_cfg, norm_cfg, act_cfg });
        inC = channels[i];
        return u;
      });
      this.layers.push(new Sequential(...units));
    });
    this.train(true);
  }

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
