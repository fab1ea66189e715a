/**
 * `LabelSmoothLoss` (MMPretrain `losses/label_smooth_loss.py`): modes `original` (y(1−ε) + ε/K),
 * `classy_vision` (ε' = ε/(1+ε)) and `multi_label` (1−ε on positives, ε elsewhere, sigmoid BCE).
 */
import { tf, type Tensor } from '../../backends/tf';
import { assert } from '../../utils/assert';
import { checkKeys } from '../../utils/options';
import { CrossEntropyLoss, type LossCallOptions } from './cross_entropy_loss';
import { convertToOneHot, isHardLabel, type Reduction } from './utils';

export type LabelSmoothMode = 'original' | 'classy_vision' | 'multi_label';

/** The smoothed target for a one-hot-like label (N, C). */
export function smoothLabel(oneHot: Tensor, eps: number, mode: LabelSmoothMode): Tensor {
  return tf.tidy(() => {
    if (mode === 'multi_label') return tf.where(tf.greater(oneHot, 0), tf.fill(oneHot.shape, 1 - eps), tf.fill(oneHot.shape, eps));
    const k = oneHot.shape[1]!;
    return tf.add(tf.mul(oneHot, 1 - eps), eps / k);
  });
}

export interface LabelSmoothLossOptions {
  /** ε in [0, 1). */
  label_smooth_val: number;
  /** Default: taken from the scores. */
  num_classes?: number | null;
  /** Default: false, or true in multi_label mode. */
  use_sigmoid?: boolean | null;
  /** Default: 'original'. */
  mode?: LabelSmoothMode;
  /** Default: 'mean'. */
  reduction?: Reduction;
  /** Default: 1. */
  loss_weight?: number;
  class_weight?: number[] | null;
  pos_weight?: number[] | null;
}

export class LabelSmoothLoss {
  readonly eps: number;
  readonly mode: LabelSmoothMode;
  readonly lossWeight: number;
  numClasses: number | null;
  readonly ce: CrossEntropyLoss;

  constructor(opts: LabelSmoothLossOptions) {
    checkKeys(opts, ['label_smooth_val', 'num_classes', 'use_sigmoid', 'mode', 'reduction', 'loss_weight', 'class_weight', 'pos_weight'], 'LabelSmoothLoss');
    const v = opts.label_smooth_val;
    assert(typeof v === 'number' && v >= 0 && v < 1, () => `LabelSmoothLoss accepts a float label_smooth_val over [0, 1), but gets ${v}`);
    this.mode = opts.mode ?? 'original';
    assert(['original', 'classy_vision', 'multi_label'].includes(this.mode), () => `LabelSmoothLoss supports mode original, classy_vision, multi_label, but gets ${this.mode}.`);
    const reduction = opts.reduction ?? 'mean';
    assert(['none', 'mean', 'sum'].includes(reduction), () => `LabelSmoothLoss supports reduction none, mean, sum, but gets ${reduction}.`);
    this.eps = this.mode === 'classy_vision' ? v / (1 + v) : v;
    this.numClasses = opts.num_classes ?? null;
    this.lossWeight = opts.loss_weight ?? 1;
    const useSigmoid = opts.use_sigmoid ?? this.mode === 'multi_label';
    this.ce = new CrossEntropyLoss({ use_sigmoid: useSigmoid, use_soft: !useSigmoid, reduction, class_weight: opts.class_weight, pos_weight: opts.pos_weight });
  }

  forward(clsScore: Tensor, label: Tensor, call: LossCallOptions = {}): Tensor {
    const c = clsScore.shape[1]!;
    if (this.numClasses !== null) assert(this.numClasses === c, () => `num_classes should equal to cls_score.shape[1], but got num_classes: ${this.numClasses} and cls_score.shape[1]: ${c}`);
    else this.numClasses = c;
    return tf.tidy(() => {
      const oneHot = isHardLabel(label) ? convertToOneHot(label, c) : tf.cast(label, 'float32');
      assert(oneHot.shape.join() === clsScore.shape.join(), () => `LabelSmoothLoss requires output and target to be same shape, but got output.shape: [${clsScore.shape}] and target.shape: [${oneHot.shape}]`);
      return tf.mul(this.ce.forward(clsScore, smoothLabel(oneHot, this.eps, this.mode), call), this.lossWeight);
    });
  }
}
