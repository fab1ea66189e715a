/**
 * `CrossEntropyLoss` (MMPretrain `losses/cross_entropy_loss.py`): softmax CE on hard labels, soft CE on
 * probability targets (`use_soft`), or binary CE with logits (`use_sigmoid`), with `class_weight`,
 * `pos_weight`, `loss_weight`, `reduction` and `avg_factor`.
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import { binaryCrossEntropyWithLogits, classWeightTensor, weightReduceLoss, type Reduction, type ReduceOptions } from './utils';

export interface CEOptions extends ReduceOptions {
  /** Per-class weight, shape (C,). Default: none. */
  classWeight?: Tensor | null;
}

/**
 * Softmax cross entropy as `F.cross_entropy(..., weight=class_weight, reduction='none')`: integer labels (N,),
 * or class probabilities (N, C) (PyTorch ≥ 1.10 accepts both; Mixup/CutMix targets take this path).
 */
export function crossEntropy(pred: Tensor, label: Tensor, opts: CEOptions = {}): Tensor {
  if (label.rank === 2 && label.shape[1] === pred.shape[1] && label.shape[1] !== 1) return softCrossEntropy(pred, label, opts);
  return tf.tidy(() => {
    const n = pred.shape[0];
    const c = pred.shape[1]!;
    const idx = tf.cast(tf.reshape(label, [n]), 'int32');
    const logp = tf.logSoftmax(pred, -1);
    let loss = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(idx, c)), -1));
    if (opts.classWeight) loss = tf.mul(loss, tf.gather(opts.classWeight, idx));
    return weightReduceLoss(loss, opts);
  });
}

/** Cross entropy against a probability target (N, C) (Mixup / CutMix / label smoothing). */
export function softCrossEntropy(pred: Tensor, label: Tensor, opts: CEOptions = {}): Tensor {
  return tf.tidy(() => {
    let loss = tf.neg(tf.mul(label, tf.logSoftmax(pred, -1)));
    if (opts.classWeight) loss = tf.mul(loss, opts.classWeight);
    return weightReduceLoss(tf.sum(loss, -1), opts);
  });
}

/** Binary cross entropy with logits, element-wise on (N, C) targets, then reduced. */
export function binaryCrossEntropy(pred: Tensor, label: Tensor, opts: CEOptions & { posWeight?: Tensor | null } = {}): Tensor {
  assert(pred.rank === label.rank, () => `binary_cross_entropy: pred rank ${pred.rank} ≠ label rank ${label.rank}`);
  return tf.tidy(() => {
    let loss = binaryCrossEntropyWithLogits(pred, tf.cast(label, 'float32'), opts.posWeight ?? null);
    if (opts.classWeight) loss = tf.mul(loss, opts.classWeight);
    return weightReduceLoss(loss, opts);
  });
}

export interface CrossEntropyLossOptions {
  /** Binary CE with logits (multi-label). Default: false. */
  use_sigmoid?: boolean;
  /** Soft-target CE. Default: false. */
  use_soft?: boolean;
  /** Default: 'mean'. */
  reduction?: Reduction;
  /** Default: 1. */
  loss_weight?: number;
  /** Per-class weights. Default: null. */
  class_weight?: number[] | null;
  /** BCE positive-class weights (with `use_sigmoid`). Default: null. */
  pos_weight?: number[] | null;
}

/** Call options of a loss module (as the `forward` keyword arguments). */
export interface LossCallOptions {
  weight?: Tensor | null;
  avgFactor?: number | null;
  reductionOverride?: Reduction | null;
}

export class CrossEntropyLoss {
  readonly useSigmoid: boolean;
  readonly useSoft: boolean;
  readonly reduction: Reduction;
  readonly lossWeight: number;
  readonly classWeight: number[] | null;
  readonly posWeight: number[] | null;

  constructor(opts: CrossEntropyLossOptions = {}) {
    checkKeys(opts, ['use_sigmoid', 'use_soft', 'reduction', 'loss_weight', 'class_weight', 'pos_weight'], 'CrossEntropyLoss');
    this.useSigmoid = opts.use_sigmoid ?? false;
    this.useSoft = opts.use_soft ?? false;
    assert(!(this.useSigmoid && this.useSoft), () => 'use_sigmoid and use_soft could not be set simultaneously');
    this.reduction = opts.reduction ?? 'mean';
    this.lossWeight = opts.loss_weight ?? 1;
    this.classWeight = opts.class_weight ?? null;
    this.posWeight = opts.pos_weight ?? null;
  }

  /** `loss(cls_score, label)`; label: (N,) indices, or (N, C) targets for soft / sigmoid. */
  forward(clsScore: Tensor, label: Tensor, { weight = null, avgFactor = null, reductionOverride = null }: LossCallOptions = {}): Tensor {
    return tf.tidy(() => {
      const classWeight = classWeightTensor(this.classWeight);
      const opts = { weight, avgFactor, reduction: reductionOverride ?? this.reduction, classWeight };
      let loss: Tensor;
      if (this.useSigmoid) loss = binaryCrossEntropy(clsScore, label, { ...opts, posWeight: classWeightTensor(this.posWeight) });
      else if (this.useSoft) loss = softCrossEntropy(clsScore, label, opts);
      else loss = crossEntropy(clsScore, label, opts);
      return tf.mul(loss, this.lossWeight);
    });
  }
}
