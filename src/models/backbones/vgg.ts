/** `VGG` (MMPretrain `backbones/vgg.py`): depth 11/13/16/19, with or without BN; `features.N`, optional `classifier`. */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { ReLU, type ActCfg } from '../nn/activation';
import { ConvModule, type ConvCfg, type NormCfg } from '../nn/bricks';
import { checkKeys } from '../../utils/options';
import { Sequential } from '../nn/container';
import { Dropout } from '../nn/dropout';
import type { InitCfg } from '../nn/init';
import { toNCHW } from '../nn/layout';
import { Linear } from '../nn/linear';
import { runChain, type AnyModule } from '../nn/module';
import { MaxPool2d } from '../nn/pooling';
import { BaseBackbone, batchNormsToEval, freeze } from './base_backbone';

export const VGG_ARCH: Record<number, number[]> = { 11: [1, 1, 2, 2, 2], 13: [2, 2, 2, 2, 2], 16: [2, 2, 3, 3, 3], 19: [2, 2, 4, 4, 4] };

export interface VGGOptions {
  depth: number;
  /** Built-in classifier classes (≤ 0: none). Default: -1. */
  num_classes?: number;
  /** Default: 5. */
  num_stages?: number;
  /** Default: [1, 1, 1, 1, 1]. */
  dilations?: number[];
  /** Default: [5] with a classifier, else [4]. */
  out_indices?: number[] | null;
  /** Default: -1. */
  frozen_stages?: number;
  conv_cfg?: ConvCfg | null;
  /** BN for the `_bn` variants. Default: null. */
  norm_cfg?: NormCfg | null;
  /** Default: ReLU. */
  act_cfg?: ActCfg;
  /** Default: false. */
  norm_eval?: boolean;
  /** Default: false. */
  ceil_mode?: boolean;
  /** Default: true. */
  with_last_pool?: boolean;
  init_cfg?: InitCfg | InitCfg[] | null;
}

const DEFAULT_INIT: InitCfg[] = [
  { type: 'Kaiming', layer: ['Conv2d'] },
  { type: 'Constant', val: 1, layer: ['_BatchNorm'] },
  { type: 'Normal', std: 0.01, layer: ['Linear'] },
];

export class VGG extends BaseBackbone {
  readonly numClasses: number;
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  /** [start, end) of each stage's modules in `features`. */
  readonly rangeSubModules: [number, number][] = [];

  constructor(opts: VGGOptions) {
    checkKeys(opts, ['depth', 'num_classes', 'num_stages', 'dilations', 'out_indices', 'frozen_stages', 'conv_cfg', 'norm_cfg', 'act_cfg', 'norm_eval', 'ceil_mode', 'with_last_pool', 'init_cfg'], 'VGG');
    super(opts.init_cfg === undefined ? DEFAULT_INIT : opts.init_cfg);
    const arch = VGG_ARCH[opts.depth];
    if (!arch) throw new Error(`invalid depth ${opts.depth} for vgg`);
    const { num_classes = -1, num_stages = 5, dilations = [1, 1, 1, 1, 1], frozen_stages = -1, conv_cfg = null, norm_cfg = null, act_cfg = { type: 'ReLU' }, norm_eval = false, ceil_mode = false, with_last_pool = true } = opts;
    assert(num_stages >= 1 && num_stages <= 5, () => `VGG: num_stages must be in [1, 5], got ${num_stages}`);
    assert(dilations.length === num_stages, () => `VGG: dilations needs ${num_stages} entries`);
    this.numClasses = num_classes;
    this.frozenStages = frozen_stages;
    this.normEval = norm_eval;
    this.outIndices = opts.out_indices ?? (num_classes > 0 ? [5] : [4]);
    assert(Math.max(...this.outIndices) <= num_stages, () => `VGG: out_indices ${this.outIndices} must be ≤ num_stages ${num_stages}`);
    const layers: AnyModule[] = [];
    let inC = 3;
    arch.slice(0, num_stages).forEach((blocks, i) => {
      const start = layers.length;
      const outC = i < 4 ? 64 * 2 ** i : 512;
      for (let b = 0; b < blocks; b++) {
        layers.push(new ConvModule({ in_channels: inC, out_channels: outC, kernel_size: 3, dilation: dilations[i], padding: dilations[i], bias: true, conv_cfg, norm_cfg, act_cfg }));
        inC = outC;
      }
      layers.push(new MaxPool2d({ kernel_size: 2, stride: 2, ceil_mode }));
      this.rangeSubModules.push([start, layers.length]);
    });
    if (!with_last_pool) {
      layers.pop();
      this.rangeSubModules[this.rangeSubModules.length - 1][1] -= 1;
    }
    this.addModule('features', new Sequential(...layers));
    if (num_classes > 0) {
      this.addModule(
        'classifier',
        new Sequential(
          new Linear({ in_features: 512 * 7 * 7, out_features: 4096 }), new ReLU(), new Dropout(),
          new Linear({ in_features: 4096, out_features: 4096 }), new ReLU(), new Dropout(),
          new Linear({ in_features: 4096, out_features: num_classes }),
        ),
      );
    }
    this.train(true);
  }

  private stage(i: number): AnyModule[] {
    const features = this.child<Sequential>('features');
    const [s, e] = this.rangeSubModules[i];
    return Array.from({ length: e - s }, (_, j) => features.at(s + j));
  }

  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    let y = x;
    this.rangeSubModules.forEach((_, i) => {
      const next = runChain(this.stage(i), y);
      if (y !== x && !outs.includes(y)) y.dispose();
      y = next;
      if (this.outIndices.includes(i)) outs.push(y);
    });
    if (this.numClasses > 0) {
      // PyTorch flattens NCHW: transpose back before the 25088-wide Linear.
      outs.push(tf.tidy(() => this.child('classifier').call(tf.reshape(toNCHW(y), [y.shape[0], -1])) as Tensor));
    }
    if (y !== x && !outs.includes(y)) y.dispose();
    return outs;
  }

  override train(mode = true): this {
    super.train(mode);
    freeze(Array.from({ length: Math.max(0, this.frozenStages) }, (_, i) => this.stage(i)).flat());
    if (mode && this.normEval) batchNormsToEval(this);
    return this;
  }
}
