/** `FocalLoss` (MMPretrain `losses/focal_loss.py`): sigmoid focal loss, α-balanced, γ-modulated. */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import type { LossCallOptions } from './cross_entropy_loss';
import { binaryCrossEntropyWithLogits, convertToOneHot, isHardLabel, weightReduceLoss, type Reduction, type ReduceOptions } from './utils';

/** Element-wise focal loss on logits `pred` and a same-shape target, then weighted and reduced. */
export function sigmoidFocalLoss(pred: Tensor, target: Tensor, { gamma = 2, alpha = 0.25, ...reduce }: ReduceOptions & { gamma?: number; alpha?: number } = {}): Tensor {
  assert(pred.shape.join() === target.shape.join(), () => 'pred and target should be in the same shape.');
  return tf.tidy(() => {
    const p = tf.sigmoid(pred);
    const t = tf.cast(target, 'float32');
    const pt = tf.add(tf.mul(tf.sub(1, p), t), tf.mul(p, tf.sub(1, t)));
    const focalWeight = tf.mul(tf.add(tf.mul(t, alpha), tf.mul(tf.sub(1, t), 1 - alpha)), tf.pow(pt, gamma));
    return weightReduceLoss(tf.mul(binaryCrossEntropyWithLogits(pred, t), focalWeight), reduce);
  });
}

export interface FocalLossOptions {
  /** Default: 2. */
  gamma?: number;
  /** Default: 0.25. */
  alpha?: number;
  /** Default: 'mean'. */
  reduction?: Reduction;
  /** Default: 1. */
  loss_weight?: number;
}

export class FocalLoss {
  readonly gamma: number;
  readonly alpha: number;
  readonly reduction: Reduction;
  readonly lossWeight: number;
  constructor(opts: FocalLossOptions = {}) {
    checkKeys(opts, ['gamma', 'alpha', 'reduction', 'loss_weight'], 'FocalLoss');
    this.gamma = opts.gamma ?? 2;
    this.alpha = opts.alpha ?? 0.25;
    this.reduction = opts.reduction ?? 'mean';
    this.lossWeight = opts.loss_weight ?? 1;
  }
  forward(pred: Tensor, target: Tensor, { weight = null, avgFactor = null, reductionOverride = null }: LossCallOptions = {}): Tensor {
    return tf.tidy(() => {
      const t = isHardLabel(target) ? convertToOneHot(target, pred.shape[pred.rank - 1]) : target;
      const loss = sigmoidFocalLoss(pred, t, { gamma: this.gamma, alpha: this.alpha, weight, avgFactor, reduction: reductionOverride ?? this.reduction });
      return tf.mul(loss, this.lossWeight);
    });
  }
}
