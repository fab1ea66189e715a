/** `LinearClsHead` (MMPretrain `heads/linear_head.py`): one `fc` Linear; init Normal(std=0.01) on Linear. */
import type { Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { Linear } from '../nn/linear';
import { ClsHead, CLS_HEAD_KEYS, type ClsHeadOptions } from './cls_head';

export interface LinearClsHeadOptions extends ClsHeadOptions {
  num_classes: number;
  in_channels: number;
}

export class LinearClsHead extends ClsHead {
  readonly numClasses: number;
  readonly inChannels: number;
  readonly fc: Linear;

  constructor(opts: LinearClsHeadOptions) {
    super(opts, [...CLS_HEAD_KEYS, 'num_classes', 'in_channels'], { type: 'Normal', layer: 'Linear', std: 0.01 });
    assert(opts.num_classes > 0, () => `num_classes=${opts.num_classes} must be a positive integer`);
    this.numClasses = opts.num_classes;
    this.inChannels = opts.in_channels;
    this.fc = this.addModule('fc', new Linear({ in_features: opts.in_channels, out_features: opts.num_classes }));
  }

  override forward(feats: Tensor[]): Tensor {
    return this.fc.call(this.preLogits(feats));
  }
}
