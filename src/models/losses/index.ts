/** Losses: pure functions plus thin config-holding classes (registered in `MODELS`). */
import type { Tensor } from '../../backends/tf';
import type { LossCallOptions } from './cross_entropy_loss';

export * from './utils';
export * from './cross_entropy_loss';
export * from './label_smooth_loss';
export * from './focal_loss';
export * from './asymmetric_loss';

/** What heads need of a loss: `forward(cls_score, target, {weight, avgFactor, reductionOverride})`. */
export interface LossModule {
  forward(clsScore: Tensor, target: Tensor, opts?: LossCallOptions): Tensor;
}
