/**
 * The per-sample record that flows through classifiers, as MMPretrain's `DataSample` (classification fields):
 * ground truth in, predictions out. Plain data so it crosses worker boundaries.
 */
export interface DataSample {
  /** Ground-truth class indices (one for single-label, several for multi-label). */
  gt_label?: number[];
  /** Soft / one-hot targets (from label smoothing, Mixup, CutMix, or multi-label one-hot). */
  gt_score?: Float32Array;
  /** Predicted class indices (`[argmax]` for single-label; indices over `thr` or top-k for multi-label). */
  pred_label?: number[];
  /** Scores of every class (softmax for single-label, sigmoid for multi-label). */
  pred_score?: Float32Array;
  /** Everything else the pipeline recorded (img_path, ori_shape, …). */
  metainfo?: Record<string, unknown>;
}
