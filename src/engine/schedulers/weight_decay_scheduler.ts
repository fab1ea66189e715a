/** MMPretrain's weight-decay schedulers (`mmpretrain/engine/schedulers/weight_decay_scheduler.py`). */
import { CosineAnnealingParamScheduler } from './cosine_annealing';

/** Cosine annealing of `weight_decay`; groups whose initial weight decay is 0 stay at 0. */
export class CosineAnnealingWeightDecay extends CosineAnnealingParamScheduler {
  static override readonly typeName = 'CosineAnnealingWeightDecay';
  static override readonly form = 'weight_decay';

  protected override computeValues(): number[] {
    const values = super.computeValues();
    return values.map((v, i) => (this.lastStep !== 0 && this.baseValues[i] === 0 ? 0 : v));
  }
}
