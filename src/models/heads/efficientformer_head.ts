/**
 * `EfficientFormerClsHead` (MMPretrain `heads/efficientformer_head.py`): `head` Linear on the last feature, plus
 * `dist_head` averaged in when `distillation` (default). Init Normal(std 0.01) on Linear.
 * MMPretrain's `loss` refuses the distilled head (NotImplementedError); here, as this project's `DeiTClsHead`, the loss
 * is taken on the averaged score, so a distilled model can be fine-tuned.
 */
import { tf, type Tensor } from '../../backends/tf';
import { Linear } from '../nn/linear';
import { ClsHead, CLS_HEAD_KEYS, type ClsHeadOptions } from './cls_head';

export interface EfficientFormerClsHeadOptions extends ClsHeadOptions {
  num_classes: number;
  in_channels: number;
  /** Adds `dist_head`; the score is the mean of both heads. Default: true. */
  distillation?: boolean;
}

export class EfficientFormerClsHead extends ClsHead {
  readonly numClasses: number;
  readonly inChannels: number;
  readonly dist: boolean;

  constructor(opts: EfficientFormerClsHeadOptions) {
    super(opts, [...CLS_HEAD_KEYS, 'num_classes', 'in_channels', 'distillation'], { type: 'Normal', layer: 'Linear', std: 0.01 });
    this.inChannels = opts.in_channels;
    this.numClasses = opts.num_classes;
    this.dist = opts.distillation ?? true;
    if (!(this.numClasses > 0)) throw new Error(`num_classes=${opts.num_classes} must be a positive integer`);
    this.addModule('head', new Linear({ in_features: this.inChannels, out_features: this.numClasses }));
    if (this.dist) this.addModule('dist_head', new Linear({ in_features: this.inChannels, out_features: this.numClasses }));
  }

  override forward(feats: Tensor[]): Tensor {
    return tf.tidy(() => {
      const x = this.preLogits(feats);
      const score = this.child('head').call(x) as Tensor;
      return this.dist ? tf.div(tf.add(score, this.child('dist_head').call(x) as Tensor), 2) : score;
    });
  }
}
