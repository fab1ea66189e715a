/** `ExponentialParamScheduler` (mmengine): multiply by `gamma` every step. */
import { REQUIRED } from '../../utils/options';
import { ParamScheduler, type CommonSchedulerOptions } from './param_scheduler';

export interface ExponentialOptions extends CommonSchedulerOptions {
  /** Multiplicative factor per step. Required. */
  gamma: number;
}

export class ExponentialParamScheduler extends ParamScheduler<ExponentialOptions> {
  static override readonly typeName: string = 'ExponentialParamScheduler';
  static override readonly spec = { gamma: REQUIRED };

  protected computeValues(): number[] {
    const current = this.currentValues();
    if (this.lastStep === 0) return current;
    return current.map((v) => v * this.opts.gamma);
  }
}
