/**
 * `LeViTClsHead` (MMPretrain `heads/levit_head.py`): `head` = BatchNorm1d · Linear on the last feature, plus
 * `head_dist` (same form) averaged in when `distillation` (default). `deploy` / `switchToDeploy()` folds each BN into
 * its Linear (MMPretrain 1.2's constructor passes an extra argument to `switch_to_deploy` and fails with
 * `deploy=True`; here it works).
 * MMPretrain refuses to train the distilled head (NotImplementedError); here, as this project's `DeiTClsHead` and
 * `EfficientFormerClsHead`, the loss is taken on the averaged score, so a distilled model can be fine-tuned.
 */
import { tf, type Tensor } from '../../backends/tf';
import { BatchNormLinear, fuseParameters } from '../utils/fusable_bn';
import type { Reparameterizable } from '../utils/reparam';
import { ClsHead, CLS_HEAD_KEYS, type ClsHeadOptions } from './cls_head';

export interface LeViTClsHeadOptions extends ClsHeadOptions {
  /** Default: 1000. */
  num_classes?: number;
  /** Adds `head_dist`; the score is the mean of both heads. Default: true. */
  distillation?: boolean;
  in_channels: number;
  /** Default: false. */
  deploy?: boolean;
}

export class LeViTClsHead extends ClsHead implements Reparameterizable {
  readonly numClasses: number;
  readonly inChannels: number;
  readonly distillation: boolean;
  deploy = false;

  constructor(opts: LeViTClsHeadOptions) {
    super(opts, [...CLS_HEAD_KEYS, 'num_classes', 'in_channels', 'distillation', 'deploy']);
    this.numClasses = opts.num_classes ?? 1000;
    this.inChannels = opts.in_channels;
    this.distillation = opts.distillation ?? true;
    if (!(this.numClasses > 0)) throw new Error(`num_classes=${opts.num_classes} must be a positive integer`);
    if (!(this.inChannels > 0)) throw new Error(`LeViTClsHead: in_channels must be a positive integer, got ${String(opts.in_channels)}`);
    this.addModule('head', new BatchNormLinear(this.inChannels, this.numClasses));
    if (this.distillation) this.addModule('head_dist', new BatchNormLinear(this.inChannels, this.numClasses));
    if (opts.deploy) this.switchToDeploy();
  }

  /** Folds each BatchNorm1d into the Linear after it; idempotent. */
  switchToDeploy(): void {
    if (this.deploy) return;
    fuseParameters(this);
    this.deploy = true;
  }

  override forward(feats: Tensor[]): Tensor {
    return tf.tidy(() => {
      const x = this.preLogits(feats);
      const score = this.child('head').call(x) as Tensor;
      return this.distillation ? tf.div(tf.add(score, this.child('head_dist').call(x) as Tensor), 2) : score;
    });
  }
}
