/** Loss reductions as MMPretrain's `losses/utils.py`: `weight_reduce_loss`, `convert_to_one_hot`. */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';

export type Reduction = 'none' | 'mean' | 'sum';

/** Options shared by every loss function. */
export interface ReduceOptions {
  /** Per-sample weight, shape (N,). Default: none. */
  weight?: Tensor | null;
  /** Default: 'mean'. */
  reduction?: Reduction;
  /** With 'mean', divide the sum by this instead of the element count. Default: none. */
  avgFactor?: number | null;
}

export function reduceLoss(loss: Tensor, reduction: Reduction): Tensor {
  switch (reduction) {
    case 'none':
      return loss;
    case 'mean':
      return tf.mean(loss);
    case 'sum':
      return tf.sum(loss);
    default:
      throw new Error(`loss: unknown reduction '${String(reduction)}' (use 'none', 'mean' or 'sum')`);
  }
}

/** Applies the element weight, then reduces (or divides the sum by `avgFactor`). */
export function weightReduceLoss(loss: Tensor, { weight = null, reduction = 'mean', avgFactor = null }: ReduceOptions = {}): Tensor {
  return tf.tidy(() => {
    let l = loss;
    if (weight) l = tf.mul(l, l.rank > 1 && weight.rank === 1 ? tf.reshape(weight, [-1, 1]) : weight);
    if (avgFactor === null || avgFactor === undefined) return reduceLoss(l, reduction);
    if (reduction === 'mean') return tf.div(tf.sum(l), avgFactor);
    if (reduction !== 'none') throw new Error('avg_factor can not be used with reduction="sum"');
    return l;
  });
}

/** (N,) or (N, 1) integer labels → (N, classes) float one-hot; a label ≥ classes throws. */
export function convertToOneHot(targets: Tensor, classes: number): Tensor {
  return tf.tidy(() => {
    const flat = tf.reshape(targets, [-1]);
    const max = flat.size ? (tf.max(flat).dataSync()[0] as number) : -1;
    assert(max < classes, () => `Class Index must be less than number of classes (got ${max} for ${classes} classes)`);
    return tf.cast(tf.oneHot(tf.cast(flat, 'int32'), classes), 'float32');
  });
}

/** True for hard labels: (N,) or (N, 1). */
export function isHardLabel(label: Tensor): boolean {
  return label.rank === 1 || (label.rank === 2 && label.shape[1] === 1);
}

/** Class-weight options as given in configs (a list or null). */
export function classWeightTensor(w: number[] | null | undefined): Tensor | null {
  return w ? tf.tensor1d(w) : null;
}

/** BCE with logits per element, stable form, with PyTorch's `weight` and `pos_weight`. */
export function binaryCrossEntropyWithLogits(pred: Tensor, target: Tensor, posWeight: Tensor | null = null): Tensor {
  return tf.tidy(() => {
    // log(1 + e^-|x|) + max(-x, 0) = -log σ(x); -log(1 - σ(x)) = x + (-log σ(x))
    const logSigNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(pred)))), tf.relu(tf.neg(pred))); // -log σ(x)
    const logOneMinus = tf.add(pred, logSigNeg); // -log(1-σ(x))
    const pos = posWeight ? tf.mul(tf.mul(target, posWeight), logSigNeg) : tf.mul(target, logSigNeg);
    return tf.add(pos, tf.mul(tf.sub(1, target), logOneMinus));
  });
}
