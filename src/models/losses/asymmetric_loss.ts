/** `AsymmetricLoss` (MMPretrain `losses/asymmetric_loss.py`, ASL for multi-label): separate γ for positives and negatives, probability clipping. */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import type { LossCallOptions } from './cross_entropy_loss';
import { convertToOneHot, isHardLabel, weightReduceLoss, type Reduction, type ReduceOptions } from './utils';

export interface AsymmetricOptions extends ReduceOptions {
  /** Default: 1 (the function's default; the class defaults to 0). */
  gammaPos?: number;
  /** Default: 4. */
  gammaNeg?: number;
  /** Probability margin for negatives. Default: 0.05. */
  clip?: number | null;
  /** Sigmoid (else softmax) scores. Default: true. */
  useSigmoid?: boolean;
  /** Default: 1e-8. */
  eps?: number;
}

export function asymmetricLoss(pred: Tensor, target: Tensor, { gammaPos = 1, gammaNeg = 4, clip = 0.05, useSigmoid = true, eps = 1e-8, ...reduce }: AsymmetricOptions = {}): Tensor {
  assert(pred.shape.join() === target.shape.join(), () => 'pred and target should be in the same shape.');
  return tf.tidy(() => {
    const p = useSigmoid ? tf.sigmoid(pred) : tf.softmax(pred, -1);
    const t = tf.cast(target, 'float32');
    const neg = clip && clip > 0 ? tf.minimum(tf.add(tf.sub(1, p), clip), 1) : tf.sub(1, p);
    const pt = tf.add(tf.mul(neg, tf.sub(1, t)), tf.mul(p, t));
    const w = tf.pow(tf.sub(1, pt), tf.add(tf.mul(t, gammaPos), tf.mul(tf.sub(1, t), gammaNeg)));
    const loss = tf.mul(tf.neg(tf.log(tf.maximum(pt, eps))), w);
    return weightReduceLoss(loss, reduce);
  });
}

export interface AsymmetricLossOptions {
  /** Default: 0. */
  gamma_pos?: number;
  /** Default: 4. */
  gamma_neg?: number;
  /** Default: 0.05. */
  clip?: number | null;
  /** Default: 'mean'. */
  reduction?: Reduction;
  /** Default: 1. */
  loss_weight?: number;
  /** Default: true. */
  use_sigmoid?: boolean;
  /** Default: 1e-8. */
  eps?: number;
}

export class AsymmetricLoss {
  readonly opts: Required<Omit<AsymmetricLossOptions, 'clip'>> & { clip: number | null };
  constructor(opts: AsymmetricLossOptions = {}) {
    checkKeys(opts, ['gamma_pos', 'gamma_neg', 'clip', 'reduction', 'loss_weight', 'use_sigmoid', 'eps'], 'AsymmetricLoss');
    this.opts = { gamma_pos: 0, gamma_neg: 4, clip: 0.05, reduction: 'mean', loss_weight: 1, use_sigmoid: true, eps: 1e-8, ...opts };
  }
  forward(pred: Tensor, target: Tensor, { weight = null, avgFactor = null, reductionOverride = null }: LossCallOptions = {}): Tensor {
    const o = this.opts;
    return tf.tidy(() => {
      const t = isHardLabel(target) ? convertToOneHot(target, pred.shape[pred.rank - 1]) : target;
      const loss = asymmetricLoss(pred, t, { gammaPos: o.gamma_pos, gammaNeg: o.gamma_neg, clip: o.clip, useSigmoid: o.use_sigmoid, eps: o.eps, weight, avgFactor, reduction: reductionOverride ?? o.reduction });
      return tf.mul(loss, o.loss_weight);
    });
  }
}
